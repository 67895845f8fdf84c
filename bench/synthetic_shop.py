"""A synthetic large shop: the demo shop's documents plus N generated products (for latency benches).

Each generated product copies one of the demo products with a new id, SKU, brand word and title, and
its numeric spec values scaled a little, so names, SKUs and spec rows are all distinct.
"""

from __future__ import annotations

import random
import re

from service.evaluation.shops import load_shop_knowledge
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import DocType, parse_document

_BRANDS = ["Nova", "Lumi", "Orbit", "Zen", "Pulse", "Vega", "Terra", "Aero", "Flux", "Echo", "Kite", "Rift"]
_NUMBER = re.compile(r"(?<![A-Za-z])(\d+(?:\.\d+)?)")


def _scaled(line: str, rng: random.Random) -> str:
    factor = rng.choice([0.8, 0.9, 1.1, 1.25, 1.5])
    return _NUMBER.sub(lambda m: f"{float(m.group(1)) * factor:g}", line)


def synthetic_shop(products: int, seed: int = 7, base: str = "demo") -> ShopKnowledge:
    """The `base` shop plus `products` generated product documents (same shop id)."""
    shop = load_shop_knowledge(base)
    templates = [d for d in shop.docs.values() if d.meta.type is DocType.product]
    rng = random.Random(seed)
    docs = list(shop.docs.values())
    for index in range(products):
        template = rng.choice(templates)
        brand = f"{rng.choice(_BRANDS)}{index:04d}"
        sku = f"S{index:04d}"
        head, body = template.text.split("\n---\n", 1)
        head = re.sub(r"(?m)^id: .*$", f"id: gen-{index:04d}", head)
        head = re.sub(r"(?m)^sku: .*$", f"sku: {sku}", head)
        # the template's model codes and brand words stay out: every product has its own
        name = " ".join(re.findall(r"[\u4e00-\u9fff]+", template.meta.title)) or "商品"
        head = re.sub(r"(?m)^title: .*$", f"title: {brand} {name}", head)
        lines = [_scaled(line, rng) if line.startswith("- ") else line for line in body.splitlines()]
        text = head + "\n---\n" + "\n".join(lines) + "\n"
        docs.append(parse_document(text, shop_id=shop.shop_id, path=f"gen-{index:04d}.md"))
    return ShopKnowledge.build(shop.shop_id, docs)
