"""Every document of the packaged and evaluation shops is valid (a refused file silently drops out)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.knowledge.file_store import FileStore
from service.settings import PROJECT_ROOT

ROOTS = [PROJECT_ROOT / "knowledge", PROJECT_ROOT / "evals" / "shops"]
SHOPS = [(root, shop.name) for root in ROOTS for shop in sorted(root.iterdir()) if shop.is_dir()]


@pytest.mark.parametrize(("root", "shop_id"), SHOPS, ids=[shop for _, shop in SHOPS])
def test_every_document_is_accepted(root: Path, shop_id: str, tmp_path: Path) -> None:
    docs, errors = FileStore(root).load_shop(shop_id)
    assert docs
    assert errors == []
