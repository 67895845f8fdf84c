"""Which of the shop's products a reply talks about: order items, SKUs, title words, tags, category."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, partial

import jieba

from service.guards import text_scan
from service.guards.base import GuardContext
from service.guards.shop_cache import DocMemo, ShopCache
from service.knowledge.base import ShopKnowledge
from service.knowledge.product_facts import ProductFacts

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]{2,}")
# A short model code standing alone in a title ("电水壶 K8"): one or two capitals and digits.
_MODEL_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,2}\d{1,3}(?![A-Za-z0-9])")
_GENERIC = {"定制", "定制商品", "三季", "双人", "男女同款", "礼物", "轻量", "快充", "品牌"}
_GENERIC_ASCII = {
    "iphone",
    "ipad",
    "usb",
    "mah",
    "apple",
    "airtag",
    "macbook",
    "lightning",
    "mfi",
    "android",
    "pro",
    "max",
    "plus",
    "type-c",
    "usb-c",
    "airpods",
    "magsafe",
    "qi",
    "pd",
    "gps",
    "anc",
    "tws",
    "gan",
    "qc",
    "nfc",
    "iphone 16",
    "100w",
}


# With no product named specifically, a claim is checked against every product that could be meant
# only when they are few: on a large catalogue an unnamed "it" or a category word is no product.
UNNAMED_LIMIT = 16


@dataclass(frozen=True)
class Mention:
    """A product named at a position of a text."""

    product: ProductFacts
    start: int
    end: int
    strong: bool
    named: bool = True  # a category or title word ("耳机"), not only a tag ("防水")


def _keywords(product: ProductFacts, tags: list[str]) -> tuple[list[str], list[str]]:
    """(strong, weak) keywords: SKU and brand-like title words are strong; category, tags and title
    words are weak."""
    strong = [product.sku] if len(product.sku) >= 2 else []
    strong += [
        w
        for w in _ASCII_WORD.findall(product.title)
        if w.lower() not in _GENERIC_ASCII
        and not re.fullmatch(r"IP[X\d]\d|\d+\w*", w, re.IGNORECASE)
        and len(re.sub(r"[^A-Za-z]", "", w)) >= 3
    ]
    strong += [code for code in _MODEL_CODE.findall(product.title) if code.lower() not in _GENERIC_ASCII]
    weak = [
        t
        for t in [product.category, *tags]
        if t and t not in _GENERIC and len(t) >= 2 and t.lower() not in _GENERIC_ASCII
    ]
    weak += [run for run in _CJK_RUN.findall(product.title) if len(run) <= 4 and run not in _GENERIC]
    aliases = _english_aliases()
    weak += [alias for word in list(weak) for alias in aliases.get(word, [])]
    return strong, list(dict.fromkeys(weak))


@lru_cache(maxsize=1)
def _english_aliases() -> dict[str, list[str]]:
    """English names of category/tag words (`data/product_match.yaml`)."""
    aliases: dict[str, list[str]] = text_scan.load_data("product_match").get("english_aliases", {})
    return aliases


@dataclass(frozen=True)
class _Entry:
    """One keyword of one product, in the order the old per-pattern scan reported them."""

    order: int
    product: ProductFacts
    strong: bool
    named: bool
    bounded: bool  # ASCII words must stand alone ("AB3", not "AB30")


@dataclass(frozen=True)
class KeywordIndex:
    """The shop's product keywords by lower-cased surface, and the lengths to try at each position."""

    entries: dict[str, list[_Entry]]
    lengths: tuple[int, ...]


_KEYWORDS: DocMemo[tuple[str, int], tuple[list[str], list[str]]] = DocMemo()


def _build_index(shop: ShopKnowledge) -> KeywordIndex:
    """Keywords of every product; a document's own keywords are recomputed only when its text changes."""
    keywords: dict[str, tuple[list[str], list[str]]] = {}
    for product in shop.products.values():
        doc = shop.docs.get(product.doc_id)
        tags = doc.meta.tags if doc else []
        key = (product.doc_id, hash(doc.text) if doc else 0)
        keywords[product.doc_id] = _KEYWORDS.get(key, partial(_keywords, product, list(tags)))
    short = _abbreviations(shop, keywords)
    entries: dict[str, list[_Entry]] = {}
    order = 0
    for product in shop.products.values():
        strong, weak = keywords[product.doc_id]
        weak = weak + short.get(product.doc_id, [])
        for word, is_strong in [*((w, True) for w in strong), *((w, False) for w in weak)]:
            named = is_strong or word == product.category or word in product.title
            entries.setdefault(word.lower(), []).append(_Entry(order, product, is_strong, named, word.isascii()))
            order += 1
    return KeywordIndex(entries, tuple(sorted({len(k) for k in entries if k}, reverse=True)))


_INDEX: ShopCache[KeywordIndex] = ShopCache(_build_index)


_TITLE_WORDS: DocMemo[str, list[str]] = DocMemo()


def _title_words(run: str) -> list[str]:
    """Words of two or more characters in a long run of a title (jieba)."""
    return [w for w in jieba.lcut(run) if len(w) >= 2 and _CJK_RUN.fullmatch(w)]


def _abbreviations(shop: ShopKnowledge, keywords: dict[str, tuple[list[str], list[str]]]) -> dict[str, list[str]]:
    """Short forms buyers use for long tag words ("扫地机" for 扫地机器人, "水壶" for 电热水壶), kept only
    when they point to one product of the shop and are no keyword already (never the category)."""
    owners: dict[str, set[str]] = {}
    taken = {w for strong, weak in keywords.values() for w in strong + weak}
    for product in shop.products.values():
        for word in keywords[product.doc_id][1]:
            if word == product.category or not _CJK_RUN.fullmatch(word) or len(word) < 3:
                continue
            forms = [word[-2:]] + ([word[:3]] if len(word) >= 5 else [])
            for form in forms:
                owners.setdefault(form, set()).add(product.doc_id)
        # the words of a long title run ("智利进口车厘子" → 车厘子): how buyers name the product
        for run in _CJK_RUN.findall(product.title):
            if len(run) > 4:
                for form in _TITLE_WORDS.get(run, partial(_title_words, run)):
                    owners.setdefault(form, set()).add(product.doc_id)
    out: dict[str, list[str]] = {}
    for form, docs in owners.items():
        if len(docs) == 1 and form not in taken and form not in _GENERIC:
            out.setdefault(next(iter(docs)), []).append(form)
    return out


def find_mentions(text: str, shop: ShopKnowledge) -> list[Mention]:
    """Every product mention in the text, in order (strong ones win at the same position).

    Looks each substring up in the shop's keyword index: the cost depends on the text, not the catalogue.
    """
    index = _INDEX.get(shop)
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text
    found: list[tuple[int, Mention]] = []
    last_end: dict[int, int] = {}
    for start in range(len(text)):
        for length in index.lengths:
            end = start + length
            if end > len(text):
                continue
            for entry in index.entries.get(lowered[start:end], ()):
                if last_end.get(entry.order, 0) > start:
                    continue  # one keyword's matches do not overlap (as with re.finditer)
                if entry.bounded and (_alnum_at(text, start - 1) or _alnum_at(text, end)):
                    continue
                last_end[entry.order] = end
                found.append((entry.order, Mention(entry.product, start, end, entry.strong, entry.named)))
    found.sort(key=lambda pair: (pair[1].start, not pair[1].strong, pair[0]))
    return _outermost([mention for _, mention in found])


def _outermost(mentions: list[Mention]) -> list[Mention]:
    """Mentions not nested in a longer one: "每日坚果" names N1, its "坚果" is no mention of the walnuts
    (a strong mention inside a weak one stays: an SKU names its product wherever it stands)."""
    return [
        m
        for m in mentions
        if m.strong
        or not any(
            n.start <= m.start and m.end <= n.end and n.end - n.start > m.end - m.start for n in mentions
        )
    ]


def _alnum_at(text: str, pos: int) -> bool:
    """Whether text[pos] is an ASCII letter or digit (False outside the text)."""
    return 0 <= pos < len(text) and text[pos].isascii() and text[pos].isalnum()


def _unique(products: list[ProductFacts]) -> list[ProductFacts]:
    seen: dict[str, ProductFacts] = {}
    for product in products:
        seen.setdefault(product.doc_id, product)
    return list(seen.values())


def _best(mentions: list[Mention]) -> list[ProductFacts]:
    """The products named most specifically: any strong mention beats weak ones (too many: none)."""
    strong = [m.product for m in mentions if m.strong]
    return _few(_unique(strong or [m.product for m in mentions]))


def _few(products: list[ProductFacts]) -> list[ProductFacts]:
    """Candidates a claim can be checked against: a word that names more than UNNAMED_LIMIT products
    ("耳机" in a shop of 80 earbuds) names none the guard can tell."""
    return products if len(products) <= UNNAMED_LIMIT else []


def order_products(ctx: GuardContext) -> list[ProductFacts]:
    """The shop's products for the order's items (by SKU)."""
    if ctx.order is None:
        return []
    products = [ctx.shop.product_by_sku(item.sku) for item in ctx.order.items]
    return _unique([p for p in products if p is not None])


def products_at(ctx: GuardContext, position: int, mentions: list[Mention] | None = None) -> list[ProductFacts]:
    """Candidate products for a claim at `position` of the reply, most specific evidence first.

    1. a product named by SKU or brand word before the claim (same sentence first);
    2. the order's items; 3. a product the buyer named by SKU or brand word (latest message first);
    4. a product named by a tag or category word before the claim; 5. the first product named after
    the claim; 6. a tag or category word in the buyer's messages. Several candidates mean "not sure
    which": a contradiction must then hold for all of them.
    """
    mentions = find_mentions(ctx.reply, ctx.shop) if mentions is None else mentions
    before = [m for m in mentions if m.start <= position]
    sentence_start = text_scan.sentence_bounds(ctx.reply, position)[0]
    for group in ([m for m in before if m.start >= sentence_start], before):
        strong = [m for m in group if m.strong]
        if strong:
            last = max(m.start for m in strong)
            picked = _unique([m.product for m in strong if m.start >= last - 2])
            if len(picked) <= UNNAMED_LIMIT:
                return picked  # a brand word shared by a whole range names none of them
    ordered = order_products(ctx)
    weak = _nearest_weak(before, sentence_start)
    ordered_ids = {p.doc_id for p in ordered}
    narrowed = [p for p in weak if p.doc_id in ordered_ids]
    if narrowed:
        return narrowed
    # a product the claim's own clause names by its title words ("送您3小袋每日坚果(25g×3)") outranks the order
    clause_start = text_scan.clause_bounds(ctx.reply, position)[0]
    own = _unique([m.product for m in before if m.start >= clause_start and m.named])
    if own and len(own) <= UNNAMED_LIMIT:
        return own
    if ordered:
        return ordered
    turns = [find_mentions(turn.text, ctx.shop) for turn in reversed(ctx.conversation)]
    for found in turns:
        if any(m.strong for m in found):
            return _best(found)
    if weak:
        return _few(weak)
    # a product named later counts only in the claim's own clause ("…建议L码,里面穿厚毛衣…" is not about 毛衣)
    clause_end = text_scan.clause_bounds(ctx.reply, position)[1]
    after = [m for m in mentions if position < m.start < clause_end]
    if after:
        first = min(m.start for m in after)
        return _best([m for m in after if m.start == first])
    for found in turns:
        if found:
            return _best(found)
    return []


def _nearest_weak(before: list[Mention], sentence_start: int) -> list[ProductFacts]:
    """Products named by category/title words (or, failing that, tags) nearest before a claim."""
    if not before:
        return []
    group = [m for m in before if m.start >= sentence_start] or before
    named = [m for m in group if m.named] or group
    last = max(m.start for m in named)
    return _unique([m.product for m in named if m.start >= last - 12])


def context_products(ctx: GuardContext) -> list[ProductFacts]:
    """The products the order and the buyer's messages are about (evidence besides the reply)."""
    found = list(order_products(ctx))
    for turn in ctx.conversation:
        found += [m.product for m in find_mentions(turn.text, ctx.shop) if m.strong]
    return _unique(found)
