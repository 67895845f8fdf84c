"""While this worker applies an edit, readers are not held up by it; a change from another worker is
always caught up with before answering."""

from __future__ import annotations

import threading
import time

from service.container import Services
from service.retrieval.index import PreparedDoc


def _slow_apply(services: Services) -> tuple[threading.Event, threading.Event]:
    started, release = threading.Event(), threading.Event()
    original = services.knowledge.index.apply

    def slow(prepared: PreparedDoc) -> None:
        started.set()
        release.wait(30)
        original(prepared)

    services.knowledge.index.apply = slow  # type: ignore[method-assign]
    return started, release


def test_readers_do_not_wait_for_an_edit_being_applied_here(services: Services) -> None:
    kb = services.knowledge
    doc = sorted(kb.shop("demo").docs.values(), key=lambda d: d.id)[0]
    new_text = doc.text + "\n补充说明。\n"
    started, release = _slow_apply(services)
    editor = threading.Thread(target=lambda: kb.put("demo", doc.id, new_text, author="t"))
    editor.start()
    assert started.wait(30)
    began = time.perf_counter()
    during = kb.shop("demo")
    assert time.perf_counter() - began < 1.0
    assert during.docs[doc.id].text == doc.text  # the PUT has not answered yet: the version before it
    release.set()
    editor.join(30)
    assert kb.shop("demo").docs[doc.id].text == new_text


def test_another_workers_commit_is_caught_up_with_first(services: Services) -> None:
    kb = services.knowledge
    first, second = sorted(kb.shop("demo").docs.values(), key=lambda d: d.id)[:2]
    started, release = _slow_apply(services)
    editor = threading.Thread(target=lambda: kb.put("demo", first.id, first.text + "\n一\n", author="t"))
    editor.start()
    assert started.wait(30)
    other = second.text + "\n另一个进程的修改。\n"
    kb.store.write("demo", second.id, other, "other-worker", author="w2")  # as another worker would
    reader: dict[str, str] = {}
    thread = threading.Thread(target=lambda: reader.update(text=kb.shop("demo").docs[second.id].text))
    thread.start()
    time.sleep(0.3)
    assert thread.is_alive()  # it waits: answering without the other worker's edit would be stale
    release.set()
    thread.join(30)
    editor.join(30)
    assert reader["text"] == other
