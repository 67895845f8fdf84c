"""Shops for offline evaluations: demo shops under knowledge/, eval-only shops under evals/shops/."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from service.errors import NotFoundError, UserError
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import Document
from service.knowledge.file_store import FileStore
from service.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

# development shops that were once held out (evals/dev*/shops: measured unseen, then tuned on) and the
# held-out shops (evals/heldout*/shops, measured once, unseen, then renamed to dev<N>) are found too
SHOP_ROOTS = [PROJECT_ROOT / "knowledge", PROJECT_ROOT / "evals" / "shops",
              *sorted(PROJECT_ROOT.glob("evals/dev*/shops")),
              *sorted(PROJECT_ROOT.glob("evals/heldout*/shops"))]


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
    return ShopKnowledge.build(shop_id, valid_shop_documents(shop_id))


def valid_shop_documents(shop_id: str, roots: list[Path] | None = None) -> list[Document]:
    """A shop's documents, all of them valid: an evaluation on a shop with a refused document would measure
    a different shop (its policy missing, the law's defaults in its place), so it stops instead.

    Raises:
        UserError: a document is invalid (every problem listed).
    """
    docs, errors = FileStore(shop_root(shop_id, roots)).load_shop(shop_id)
    if errors:
        raise UserError(f"shop `{shop_id}` has {len(errors)} invalid document(s); fix them before evaluating: "
                        + "; ".join(str(e) for e in errors))
    return docs
