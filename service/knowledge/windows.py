"""Validity windows: a shop as of a moment, without the documents whose `valid_from`/`valid_until` exclude it.

Drafts, search and guards ask for the view at the request's `now`; a shop without windows (or with all of
them open) is returned as is, so the identity-keyed caches of the planner and the guards keep working. A
view keeps the excluded documents in `inactive`, so a guard can still tell an expired offer when it sees one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from service.knowledge.base import ShopKnowledge

_MAX_VIEWS = 64
_views: OrderedDict[tuple[int, frozenset[str]], tuple[ShopKnowledge, ShopKnowledge]] = OrderedDict()
_lock = threading.Lock()


def excluded_at(shop: ShopKnowledge, now: datetime) -> frozenset[str]:
    """Ids of the shop's documents whose validity window does not contain `now`."""
    return frozenset(doc_id for doc_id, doc in shop.docs.items()
                     if (doc.meta.valid_from is not None or doc.meta.valid_until is not None)
                     and not doc.valid_at(now))


def active_view(shop: ShopKnowledge, now: datetime) -> ShopKnowledge:
    """The shop as it stands at `now`: the same object when no document is outside its window, else a view
    (built once per shop version and set of excluded documents) without them."""
    excluded = excluded_at(shop, now)
    if not excluded:
        return shop
    key = (id(shop), excluded)
    with _lock:
        cached = _views.get(key)
        if cached is not None and cached[0] is shop:
            _views.move_to_end(key)
            return cached[1]
    docs = [d for doc_id, d in shop.docs.items() if doc_id not in excluded]
    view = ShopKnowledge.build(shop.shop_id, docs, {k: v for k, v in shop.versions.items() if k not in excluded})
    view = view.model_copy(update={"inactive": {**shop.inactive, **{d: shop.docs[d] for d in excluded}}})
    with _lock:
        _views[key] = (shop, view)
        while len(_views) > _MAX_VIEWS:
            _views.popitem(last=False)
    return view
