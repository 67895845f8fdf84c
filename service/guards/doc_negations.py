"""What a product's own document says it does not have, cannot do or is not: checked against a reply.

No list of features: every negative statement of the product's document is read in its own words
("不可干洗", "没有 GPS", "无内置电池", "不是免烫面料", "可洗碗机: 不可以", "不建议用微波炉加热") and
its object ("干洗", "GPS", "内置电池", "免烫面料", "洗碗机", "微波炉") becomes a thing the product
lacks. A reply clause about the product that affirms that object (a cue such as 可以 / 是 / 内置 / 支持
before it, no negation, question or condition in the clause) contradicts the document, on any shop.

The cue words, the lexicalised words whose 不/无 negate nothing (不锈钢, 无线) and the objects left to
the policy guards (退货, 发货) are data: `data/ungrounded_fact.yaml`, `doc_negations:`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from service.guards import text_scan
from service.guards.shop_cache import DocMemo
from service.knowledge.product_facts import ProductFacts

_OBJECT = r"(?P<x>[A-Za-z][A-Za-z0-9.\- ]{0,15}[A-Za-z0-9]|[A-Za-z]|[\u4e00-\u9fffA-Za-z0-9]{2,10})"
_SENTENCES = re.compile(r"[。;；!！]")
_SEGMENTS = re.compile(r"[,，、()（）]")
_SKU_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_PARTICLE = re.compile(r"[的了哦呢吧啊呀嘛哈也都就还又很]")
_PREDICATE_END = re.compile(r"^\s*的?\s*[哦呢呀啦哈噢~!！]*\s*$")  # "WC9 防水的": the thing is what is said
_ANSWER = re.compile(r"答\s*[:：]")
_ASKS = re.compile(r"[?？吗]")
_FIRST_PART = re.compile(r"[,，;；(（。].*$")  # what follows the first part of a spec value
_BULLET = re.compile(r"^\s*[-*]?\s*")
_ITEMS = re.compile(r"[,，、/;；]|或|和")
_ASIDE = re.compile(r"[(（][^)）]*[)）]")
# further items of a list after the thing ("、网面", "和漆皮"), up to the predicate they share
_JOIN = r"、|和|与|及|跟|以及|还有"
_COORDINATED = re.compile(rf"(?:\s*(?:{_JOIN})\s*[\u4e00-\u9fffA-Za-z0-9]{{1,8}}?(?={_JOIN}|都|也|全|均|$))+")


@dataclass(frozen=True)
class Negation:
    """Something the product's document says it lacks: the object, and the sentence that says so."""

    thing: str
    evidence: str


@dataclass(frozen=True)
class NegationHit:
    """A reply span affirming a thing the product's document negates."""

    start: int
    end: int
    negation: Negation


_DONE = re.compile(r"\s*过[的了]")


class DocNegations:
    """Reads a product's negative statements once per document text; finds replies that affirm them."""

    def __init__(self, data: dict[str, Any]) -> None:
        spec = data["doc_negations"]
        self.negators = re.compile(rf"(?:{_alt(spec['negators'])})\s*(?:{_alt(spec['verbs'])})?\s*{_OBJECT}")
        self.segment_start_negators = re.compile(rf"^(?:{_alt(spec['segment_start_negators'])})\s*{_OBJECT}")
        self.negative_value = re.compile(rf"^\s*(?:{_alt(spec['negative_values'])})")
        self.negative_key = re.compile(rf"^\s*(?:{_alt(spec['negative_keys'])})")
        self.key_prefix = re.compile(rf"^(?:{_alt(spec['key_prefixes'])})")
        self.object_end = re.compile(rf"(?:{_alt(spec['object_end'])}).*$")
        self.lexicalised = re.compile(_alt(spec["lexicalised"]))
        self.left_to_policy = re.compile(_alt(spec["left_to_policy"]))
        self.generic = set(spec["generic"])
        self.filler = re.compile(_alt(spec["filler"]) + r"|\s")
        self.affirm = re.compile(_alt(spec["affirm_before"]), re.IGNORECASE)
        self.affirm_after = re.compile(rf"^\s*(?:{_alt(spec['affirm_after'])})", re.IGNORECASE)
        self.reply_negation = re.compile("|".join(spec["reply_negation"]), re.IGNORECASE)
        self.reply_question = re.compile(_alt(spec["reply_question"]))
        self.other_owner = re.compile(_alt(spec["other_owner"]))
        self.lead_in = re.compile(rf"(?:{_alt(spec['affirm_before'])}|{_alt(spec['verbs'])})$", re.IGNORECASE)
        self._memo: DocMemo[tuple[str, int, frozenset[str]], list[Negation]] = DocMemo()

    # -- the document --------------------------------------------------------------------------------
    def of(self, product: ProductFacts, skus: frozenset[str]) -> list[Negation]:
        """The product's negative statements (read once per document text and shop SKU list)."""
        others = skus - {product.sku.lower()}
        return self._memo.get((product.doc_id, hash(product.body), others), lambda: self._read(product, others))

    def _read(self, product: ProductFacts, others: frozenset[str]) -> list[Negation]:
        found: dict[str, Negation] = {}
        for key, value in product.specs.items():
            said = self.negative_value.match(value)
            rest = _FIRST_PART.sub("", value[said.end() :]) if said else ""
            if said and all(ch in key for ch in rest.strip()):
                # "可洗碗机: 不可以", "防水: 不防水": the key names what the product lacks
                self._add(found, self.key_prefix.sub("", key), f"{key}: {value}")
            if self.negative_key.match(key):
                # "不适用材质: 麂皮/翻毛皮, 漆皮": each item of a negative key's value is a thing the product lacks
                for item in _ITEMS.split(_ASIDE.sub("", value)):
                    self._add(found, item.strip(), f"{key}: {value}")
        own = {t.lower() for t in _SKU_TOKEN.findall(f"{product.sku} {product.title}")}
        for line in product.body.splitlines():
            answer = _ANSWER.split(line)[-1] if _ANSWER.search(line) else line  # a FAQ's question says nothing
            for sentence in _SENTENCES.split(answer):
                self._read_sentence(sentence, own, others, found)
        return list(found.values())

    def _read_sentence(self, sentence: str, own: set[str], others: frozenset[str], found: dict[str, Negation]) -> None:
        for piece in _SEGMENTS.split(sentence):
            segment = _BULLET.sub("", piece)
            if any(t.lower() in others for t in _SKU_TOKEN.findall(segment)):
                return  # "AB3 是半入耳、无主动降噪" in another product's document: the rest is about AB3
            if _ASKS.search(segment):
                continue
            for match in self.negators.finditer(segment):
                if self._unqualified(segment[: match.start()], own):
                    self._add(found, match.group("x"), segment.strip())
            start = self.segment_start_negators.match(segment)
            if start and not self.lexicalised.match(segment):
                self._add(found, start.group("x"), segment.strip())

    def _unqualified(self, before: str, own: set[str]) -> bool:
        """Nothing but the product itself (its SKU, a spec key, a filler word) stands before the negation:
        "iPhone 不支持 LDAC" is about iPhones, "WF2 没有内置电池" and "NFC: 不支持" about the product."""
        rest = before.split(":")[-1].split("：")[-1]
        rest = "".join(t for t in _SKU_TOKEN.split(rest) if t)  # drop SKUs, model codes, numbers
        rest = "".join(w for w in _SKU_TOKEN.findall(before) if w.lower() not in own and not w.isdigit()) + rest
        return len(self.filler.sub("", rest).strip()) <= 2

    def _add(self, found: dict[str, Negation], raw: str, evidence: str) -> None:
        thing = self.object_end.sub("", raw).strip()
        if len(thing) < 2 or thing in self.generic or self.left_to_policy.search(thing) or thing.isdigit():
            return
        found.setdefault(thing, Negation(thing, evidence))

    # -- the reply -----------------------------------------------------------------------------------
    def affirmed(self, reply: str, start: int, end: int, negations: list[Negation]) -> list[NegationHit]:
        """Negated things the clause reply[start:end] affirms (the clause has no negation of its own)."""
        clause = reply[start:end]
        masked = self.lexicalised.sub(lambda m: "_" * len(m.group()), clause)
        if self.reply_negation.search(masked) or self.reply_question.search(clause):
            return []
        if text_scan.is_quoted(reply, start):
            return []
        lowered = clause.lower().replace(" ", "")
        hits = []
        for negation in negations:
            where = lowered.find(negation.thing.lower().replace(" ", ""))
            if where < 0:
                continue
            offset = _offset(clause, where)
            thing_end = offset + len(negation.thing)
            before = masked[:thing_end]
            if text_scan.is_conditional(reply, start + offset, start + thing_end):
                continue
            after = clause[thing_end:]
            # "皮革、麂皮、网面都能用": the predicate after a coordinated list is each item's
            listed = _COORDINATED.match(after)
            after_list = after[listed.end() :] if listed else after
            # "低温烘烤过的": with the experiential aspect the thing is the predicate, not part of another noun
            embedded = self._embedded(clause, offset, thing_end) and not _DONE.match(after)
            if self.other_owner.search(masked[:offset]) or embedded:
                continue  # "用普通手机充电头就行" is the buyer's own; "扁气罐螺口" is another noun
            affirmed_after = self.affirm_after.match(after) or (listed and self.affirm_after.match(after_list))
            if self.affirm.search(before) or affirmed_after or _PREDICATE_END.match(after):
                hits.append(NegationHit(start + offset, min(end, start + thing_end), negation))
        return hits

    def _embedded(self, clause: str, start: int, end: int) -> bool:
        """The thing sits inside a longer word: Chinese on both sides, no cue or verb leading into it."""
        before, after = clause[start - 1 : start], clause[end : end + 1]
        joined = _HAN.match(before) and _HAN.match(after) and not _PARTICLE.match(after)
        return bool(joined and not self.lead_in.search(clause[:start]))


def _offset(clause: str, index_without_spaces: int) -> int:
    """The clause offset of a position counted without spaces."""
    seen = 0
    for i, ch in enumerate(clause):
        if ch == " ":
            continue
        if seen == index_without_spaces:
            return i
        seen += 1
    return len(clause)


def _alt(words: list[str]) -> str:
    """An alternation, longest first; ASCII words only as whole words."""
    parts = [
        rf"\b{re.escape(w)}\b" if w.isascii() and w[:1].isalpha() else re.escape(w)
        for w in sorted(words, key=len, reverse=True)
    ]
    return "|".join(parts)
