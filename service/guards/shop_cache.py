"""Per-shop lookup structures the guards build once per version of a shop's knowledge.

Every edit makes a new `ShopKnowledge` object; a structure built from it is kept until the next
edit, so a check never scans the catalogue. Work that depends on one document only is memoised by
the document's text (`DocMemo`), so an edit recomputes that document's part and merges the rest.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from service.knowledge.base import ShopKnowledge

T = TypeVar("T")
_MAX_SHOPS = 64


class ShopCache(Generic[T]):
    """One value per shop version, built on first use (at most `_MAX_SHOPS` versions kept)."""

    def __init__(self, build: Callable[[ShopKnowledge], T]) -> None:
        self._build = build
        self._entries: OrderedDict[int, tuple[ShopKnowledge, T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, shop: ShopKnowledge) -> T:
        """The value for this exact shop object (identity, not equality: a new edit is a new object)."""
        entry = self._entries.get(id(shop))
        if entry is not None and entry[0] is shop:
            return entry[1]
        value = self._build(shop)
        with self._lock:
            self._entries[id(shop)] = (shop, value)
            while len(self._entries) > _MAX_SHOPS:
                self._entries.popitem(last=False)
        return value


K = TypeVar("K")


class DocMemo(Generic[K, T]):
    """Results of per-document work keyed by a document's identity and content (bounded)."""

    def __init__(self, limit: int = 50_000) -> None:
        self._values: dict[K, T] = {}
        self._limit = limit

    def get(self, key: K, compute: Callable[[], T]) -> T:
        value = self._values.get(key)
        if value is None:
            value = compute()
            if len(self._values) >= self._limit:
                self._values.clear()
            self._values[key] = value
        return value
