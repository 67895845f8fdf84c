"""API keys in the store (SQLite and PostgreSQL) and the `kefu keys` commands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import select
from typer.testing import CliRunner

from service.auth.keys import KeyStore, Role, token_hash
from service.cli import app
from service.errors import NotFoundError, UserError
from service.settings import get_settings
from service.store.database import MIGRATIONS, Database
from service.store.models import ApiKeyRow


@pytest.fixture
def keys(database_url: str) -> Iterator[KeyStore]:
    db = Database(database_url)
    db.migrate()
    yield KeyStore(db)
    db.dispose()


def test_keys_are_stored_hashed_resolved_scoped_and_revoked(keys: KeyStore) -> None:
    assert not keys.enforced()
    info, token = keys.create(Role.editor, ["outdoor", "demo", "demo"], "小王")
    assert keys.enforced() and info.shops == ["demo", "outdoor"]
    with keys.db.read() as session:
        stored = session.scalars(select(ApiKeyRow)).one()
    assert stored.token_sha256 == token_hash(token) and token not in (stored.token_sha256, stored.id, stored.label)
    caller = keys.resolve(token)
    assert caller is not None and caller.role is Role.editor and caller.may_use_shop("demo")
    assert not caller.may_use_shop("other") and keys.resolve(token + "x") is None
    keys.revoke(info.id)
    assert keys.resolve(token) is None and not keys.enforced()
    assert keys.list()[0].revoked_at is not None
    with pytest.raises(NotFoundError):
        keys.revoke("key_nope")


@pytest.mark.parametrize(("role", "shops", "message"), [
    (Role.agent, [], "at least one"), (Role.admin, ["demo"], "every shop"), (Role.editor, ["Bad Shop"], "must match"),
])
def test_bad_key_requests_are_refused(keys: KeyStore, role: Role, shops: list[str], message: str) -> None:
    with pytest.raises(UserError, match=message):
        keys.create(role, shops)


def test_cli_creates_lists_and_revokes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KEFU_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        created = runner.invoke(app, ["keys", "create", "--role", "agent", "--shop", "demo", "--shop", "outdoor"])
        assert created.exit_code == 0, created.output
        token = created.output.strip().splitlines()[-1]
        key_id = created.output.split()[1]
        listed = runner.invoke(app, ["keys", "list"])
        assert key_id in listed.output and "demo, outdoor" in listed.output and token not in listed.output
        assert runner.invoke(app, ["keys", "create", "--role", "boss"]).exit_code == 2
        assert runner.invoke(app, ["keys", "revoke", key_id]).exit_code == 0
        assert runner.invoke(app, ["keys", "revoke", "key_nope"]).exit_code == 1
        upgraded = runner.invoke(app, ["db", "upgrade"])
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        head = ScriptDirectory.from_config(config).get_current_head()  # the newest migration, whichever it is
        assert upgraded.exit_code == 0 and f"revision {head}" in upgraded.output
    finally:
        get_settings.cache_clear()
