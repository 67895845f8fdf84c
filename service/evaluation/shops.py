"""Shops for offline evaluations: demo shops under knowledge/, eval-only shops under evals/shops/."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from service.errors import NotFoundError
from service.knowledge.base import ShopKnowledge
from service.knowledge.file_store import FileStore
from service.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

# held-out shops (evals/unseen*/shops) are found too, so their sets can be measured once, unseen
SHOP_ROOTS = [PROJECT_ROOT / "knowledge", PROJECT_ROOT / "evals" / "shops",
              *sorted(PROJECT_ROOT.glob("evals/unseen*/shops"))]


def shop_root(shop_id: str, roots: list[Path] | None = None) -> Path:
    """The folder that holds `<shop_id>/` (knowledge/ first, then evals/shops/)."""
    for root in roots or SHOP_ROOTS:
        if (root / shop_id).is_dir():
            return root
    raise NotFoundError(f"shop `{shop_id}` not found under {', '.join(str(r) for r in roots or SHOP_ROOTS)}")


@lru_cache(maxsize=32)
def load_shop_knowledge(shop_id: str) -> ShopKnowledge:
    """A shop's documents, effective rules and product facts, read from files (cached).

    Raises:
        NotFoundError: no folder for the shop in SHOP_ROOTS.
    """
    root = shop_root(shop_id)
    store = FileStore(root)
    docs, errors = store.load_shop(shop_id)
    for error in errors:
        log.error("document refused: %s", error)
    return ShopKnowledge.build(shop_id, docs)
