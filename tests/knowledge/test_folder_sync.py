"""`kefu knowledge sync` / `export`: a shop round-trips without a diff; invalid folders are refused whole."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.knowledge.folder_sync import seed_from_folders
from service.knowledge.versions import DocumentStore
from service.settings import PROJECT_ROOT, get_settings
from service.store.database import Database


@pytest.fixture
def cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DocumentStore]:
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KEFU_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    db = Database(f"sqlite:///{tmp_path / 'data' / 'kefu.db'}")
    (tmp_path / "data").mkdir()
    db.migrate()
    yield DocumentStore(db)
    db.dispose()
    get_settings.cache_clear()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("*.md") if p.name.lower() != "readme.md"}


def test_a_shop_round_trips_without_a_diff(cli_store: DocumentStore, tmp_path: Path) -> None:
    runner = CliRunner()
    source = PROJECT_ROOT / "knowledge" / "demo"
    first = runner.invoke(app, ["knowledge", "sync", str(source), "--shop", "demo"])
    assert first.exit_code == 0, first.output
    assert f"{len(_files(source))} created" in first.output
    out = tmp_path / "out"
    exported = runner.invoke(app, ["knowledge", "export", str(out), "--shop", "demo"])
    assert exported.exit_code == 0, exported.output
    assert _files(out) == _files(source)  # byte for byte
    again = runner.invoke(app, ["knowledge", "sync", str(out), "--shop", "demo"])
    assert again.exit_code == 0 and "0 change(s)" in again.output
    assert cli_store.shop_seq("demo") == len(_files(source))  # no version was made by the second sync


def test_sync_creates_updates_deletes_and_dry_run_changes_nothing(cli_store: DocumentStore, tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    shutil.copytree(PROJECT_ROOT / "knowledge" / "demo", folder)
    runner = CliRunner()
    assert runner.invoke(app, ["knowledge", "sync", str(folder), "--shop", "s"]).exit_code == 0
    names = sorted(_files(folder))
    (folder / names[0]).unlink()
    edited = folder / names[1]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n补充一行。\n", encoding="utf-8")
    seq = cli_store.shop_seq("s")
    dry = runner.invoke(app, ["knowledge", "sync", str(folder), "--shop", "s", "--dry-run"])
    assert dry.exit_code == 0 and "dry run: 2 change(s)" in dry.output
    assert cli_store.shop_seq("s") == seq
    real = runner.invoke(app, ["knowledge", "sync", str(folder), "--shop", "s"])
    assert "0 created, 1 updated, 1 deleted" in real.output
    _, docs = cli_store.current_docs("s")
    assert {d.info.doc_id for d in docs} == {n[:-3] for n in names[1:]}
    assert cli_store.history("s", names[0][:-3])[-1].deleted


def test_an_invalid_folder_is_refused_whole_with_every_problem(cli_store: DocumentStore, tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    shutil.copytree(PROJECT_ROOT / "knowledge" / "demo", folder)
    first, second = sorted(_files(folder))[:2]
    text = (folder / first).read_text(encoding="utf-8")
    (folder / first).write_text(text.replace("title:", "colour: red\ntitle:", 1).replace("type:", "type: gadget\nx:", 1),
                                encoding="utf-8")
    (folder / second).write_text("no front matter", encoding="utf-8")
    result = CliRunner().invoke(app, ["knowledge", "sync", str(folder), "--shop", "s"])
    assert result.exit_code == 1 and "2 invalid document(s); nothing changed" in result.output
    assert "colour" in result.output and "x" in result.output and second in result.output
    assert "type" in result.output
    assert cli_store.shop_seq("s") is None


def test_startup_seeding_keeps_http_edits_of_unchanged_files(cli_store: DocumentStore, tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge" / "demo", root / "demo")
    seed_from_folders(cli_store, root)
    doc_id = sorted(_files(root / "demo"))[0][:-3]
    text = cli_store.version("demo", doc_id).text or ""
    cli_store.write("demo", doc_id, text + "\nHTTP edit\n", "edited", author="key_x")
    seed_from_folders(cli_store, root)  # a restart: the file did not change, the HTTP edit stays
    assert (cli_store.version("demo", doc_id).text or "").endswith("HTTP edit\n")
    (root / "demo" / f"{doc_id}.md").write_text(text + "\nfolder edit\n", encoding="utf-8")
    seed_from_folders(cli_store, root)  # the folder changed (git pull): it wins, the HTTP edit is in the history
    assert (cli_store.version("demo", doc_id).text or "").endswith("folder edit\n")
    assert [v.author for v in cli_store.history("demo", doc_id)] == ["folder", "key_x", "folder"]
