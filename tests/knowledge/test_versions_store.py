"""The document store on SQLite and on PostgreSQL: versions, tombstones, If-Match, change counters."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from service.errors import NotFoundError, PreconditionFailedError
from service.knowledge.versions import DocumentStore
from service.store.database import Database


@pytest.fixture
def store(database_url: str) -> Iterator[DocumentStore]:
    db = Database(database_url)
    db.migrate()
    db.migrate()  # a second start finds the schema current
    yield DocumentStore(db)
    db.dispose()


def test_every_write_is_a_version_and_a_delete_is_a_tombstone(store: DocumentStore) -> None:
    assert store.shop_seq("s") is None
    first = store.write("s", "d", "one", "h1", author="k1", note="new")
    assert (first.created, first.changed, first.info.version) == (True, True, 1)
    assert store.write("s", "d", "one", "h1", author="k2").changed is False  # same text: no version
    store.write("s", "d", "two", "h2", author="k2", note="price")
    gone = store.write("s", "d", None, "", author="k3")
    assert gone.info.deleted and gone.info.version == 3
    history = store.history("s", "d")
    assert [(v.version, v.author, v.deleted) for v in history] == [(1, "k1", False), (2, "k2", False), (3, "k3", True)]
    assert store.version("s", "d", 1).text == "one" and store.version("s", "d", 3).text is None
    assert store.current_docs("s") == (3, [])
    with pytest.raises(NotFoundError):
        store.write("s", "d", None, "", author="k3")  # deleting twice
    back = store.write("s", "d", "one", "h1", author="k1", restored_from=1)
    assert (back.created, back.info.version, back.info.restored_from) == (True, 4, 1)


def test_if_match_refuses_a_stale_version(store: DocumentStore) -> None:
    store.write("s", "d", "one", "h1", author="a", if_match=0)
    with pytest.raises(PreconditionFailedError, match="version 1, not 0"):
        store.write("s", "d", "two", "h2", author="b", if_match=0)
    store.write("s", "d", "two", "h2", author="b", if_match=1)
    with pytest.raises(PreconditionFailedError):
        store.write("s", "d", None, "", author="b", if_match=1)
    assert store.version("s", "d").text == "two"


def test_changes_since_follow_the_shop_counter(store: DocumentStore) -> None:
    store.write("s", "a", "A", "ha", author="x")
    store.write("s", "b", "B", "hb", author="x")
    store.write("t", "a", "other shop", "ht", author="x")
    seq, changes = store.changes_since("s", 1)
    assert seq == 2 and [c.info.doc_id for c in changes] == ["b"]
    store.write("s", "a", None, "", author="x")
    seq, changes = store.changes_since("s", 2)
    assert seq == 3 and [(c.info.doc_id, c.text) for c in changes] == [("a", None)]
    assert store.shop_ids() == ["s", "t"]


def test_two_editors_on_the_same_base_version_one_wins_nothing_is_lost(store: DocumentStore) -> None:
    store.write("s", "d", "base", "h0", author="a")
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def edit(i: int) -> None:
        barrier.wait()
        try:
            store.write("s", "d", f"edit {i}", f"h{i + 1}", author=f"e{i}", if_match=1)
            outcomes.append(f"won {i}")
        except PreconditionFailedError:
            outcomes.append("412")

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if o.startswith("won")]
    assert len(winners) == 1 and outcomes.count("412") == 7
    current = store.version("s", "d")
    assert current.info.version == 2 and current.text == f"edit {winners[0].split()[1]}"
    assert [v.version for v in store.history("s", "d")] == [1, 2]
