"""API keys in kefu's database: only the sha256 of each token is kept; the token is shown once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import select

from service.errors import NotFoundError, UserError
from service.knowledge.document import validate_id
from service.store.database import Database
from service.store.models import ApiKeyRow, ApiKeyShop

TOKEN_PREFIX = "kefu_"


class Role(StrEnum):
    """agent: drafts, guard and search; editor: its shops' documents and agent rights on them; admin: all."""

    agent = "agent"
    editor = "editor"
    admin = "admin"


class Caller(BaseModel):
    """The resolved caller of a request."""

    key_id: str
    role: Role
    shops: frozenset[str]

    def may_use_shop(self, shop_id: str) -> bool:
        return self.role is Role.admin or shop_id in self.shops


class KeyInfo(BaseModel):
    """A key as listed (never its token)."""

    id: str
    role: Role
    shops: list[str]
    label: str
    created_at: datetime
    revoked_at: datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


class KeyStore:
    """Creates, lists, revokes and resolves API keys."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, role: Role, shops: list[str], label: str = "") -> tuple[KeyInfo, str]:
        """A new key and its token (shown only now).

        Raises:
            UserError: an agent or editor key without shops, an admin key with shops, a bad shop id.
        """
        scope = sorted({validate_id(s, "shop") for s in shops})
        if role is Role.admin and scope:
            raise UserError("an admin key covers every shop; give no --shop", where="shop")
        if role is not Role.admin and not scope:
            raise UserError(f"an {role.value} key needs at least one --shop", where="shop")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        key_id = "key_" + secrets.token_hex(6)
        now = datetime.now(UTC)
        with self.db.write() as session:
            session.add(ApiKeyRow(id=key_id, token_sha256=token_hash(token), role=role.value, label=label,
                                  created_at=now, revoked_at=None))
            session.flush()
            session.add_all(ApiKeyShop(key_id=key_id, shop_id=s) for s in scope)
        return KeyInfo(id=key_id, role=role, shops=scope, label=label, created_at=now, revoked_at=None), token

    def list(self) -> list[KeyInfo]:
        with self.db.read() as session:
            rows = session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id)).all()
            shops: dict[str, list[str]] = {}
            for link in session.scalars(select(ApiKeyShop).order_by(ApiKeyShop.shop_id)):
                shops.setdefault(link.key_id, []).append(link.shop_id)
        return [KeyInfo(id=r.id, role=Role(r.role), shops=shops.get(r.id, []), label=r.label,
                        created_at=_aware(r.created_at) or r.created_at, revoked_at=_aware(r.revoked_at))
                for r in rows]

    def revoke(self, key_id: str) -> KeyInfo:
        with self.db.write() as session:
            row = session.get(ApiKeyRow, key_id)
            if row is None:
                raise NotFoundError(f"no API key `{key_id}`", where="id")
            if row.revoked_at is None:
                row.revoked_at = datetime.now(UTC)
        return next(k for k in self.list() if k.id == key_id)

    def resolve(self, token: str) -> Caller | None:
        """The caller a token stands for; None when it is unknown or revoked."""
        with self.db.read() as session:
            row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.token_sha256 == token_hash(token)))
            if row is None or row.revoked_at is not None:
                return None
            shops = session.scalars(select(ApiKeyShop.shop_id).where(ApiKeyShop.key_id == row.id)).all()
            return Caller(key_id=row.id, role=Role(row.role), shops=frozenset(shops))

    def enforced(self) -> bool:
        """Whether any key is active; with none the server runs in dev mode (no authentication)."""
        with self.db.read() as session:
            return session.scalar(select(ApiKeyRow.id).where(ApiKeyRow.revoked_at.is_(None)).limit(1)) is not None
