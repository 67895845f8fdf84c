"""Builds the answer plan: open questions, the product each is about, and the facts that answer it."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from service.drafting.intents import classify_intent
from service.guards.base import Turn
from service.guards.capability import CapabilityChecks, CapabilityVerdict
from service.knowledge.base import ShopKnowledge
from service.knowledge.chunking import Chunk
from service.knowledge.document import Document
from service.planning.attributes import load_attributes
from service.planning.catalog import ProductCatalog, ProductMention
from service.planning.fact_finder import FactFinder
from service.planning.glossary import Glossary
from service.planning.kind_model import KindLabeller
from service.planning.language import LanguageCues, load_cues, split_clauses
from service.planning.models import Answer, AnswerPlan, Evidence, OrderState, Question, QuestionKind
from service.planning.offers import OfferBook
from service.planning.remedies import labelled_lines
from service.policy.decision import decide
from service.policy.facts import OrderFacts, is_excluded_category
from service.policy.order import Order, OrderStatus

KIND_BY_INTENT: dict[str, QuestionKind] = {
    "return": QuestionKind.policy, "cancel": QuestionKind.policy, "quality": QuestionKind.complaint,
    "warranty": QuestionKind.policy, "refund_progress": QuestionKind.policy, "invoice": QuestionKind.policy,
    "wrong_item": QuestionKind.complaint, "inspect": QuestionKind.policy, "modify": QuestionKind.policy,
    "review": QuestionKind.policy, "logistics": QuestionKind.logistics, "lost_parcel": QuestionKind.complaint,
    "bargain": QuestionKind.bargain, "promotion": QuestionKind.bargain,
    "complaint": QuestionKind.complaint, "compensation": QuestionKind.complaint,
    "escalation": QuestionKind.complaint, "greeting": QuestionKind.smalltalk, "thanks": QuestionKind.smalltalk,
}
_INTENT_OF_KIND = {QuestionKind.logistics: "logistics", QuestionKind.bargain: "bargain",
                   QuestionKind.complaint: "quality", QuestionKind.policy: "return"}
APOLOGETIC = frozenset({"quality", "wrong_item", "lost_parcel", "complaint", "compensation", "escalation"})
TRANSIT_QUERY = "快递一般几天能到 运输时效 发货后多久送达"
TRANSIT_SCORE = 0.6
CATALOG_CACHE = 64
POLICY_FACT_SCORE = 0.8  # a policy/FAQ line must match well to be added to a rule block
NAMED_POLICY_FACT_SCORE = 0.6  # ... or name what the question asks about (快递, 运费, 发票) and match fairly
LONG_MESSAGE = 12  # characters: longer than a greeting or a thank-you
# a row of the product's own document naming the attribute asked about (噪音 for "吵不吵") answers it
NAMED_FACT_SCORE = 0.0
REMEDY_SCORE = 0.5  # a guideline sentence must match the reported problem fairly to be its remedy
MAX_REMEDY_DOCS = 6
# a line whose label opens with a negation ("不属于坏苗的情况:") says what the section does not cover
NEGATIVE_HEADS = "不非无没未"
# a comparison asked in other words than the spec keys is answered from each product's own answering row when
# at least this many of the compared products have one
COMPARED_ANSWERS = 2
ASKED_MIN_SCORE = 0.38  # a row matching a comparison's own words (its product names left out) this well answers it
ASKED_SPEC_ROWS = 2  # a spec key among this many best rows of two products is the attribute compared
_LATIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.]*")
STRONG_MENTION = 2.0  # a model code, SKU or most of a title; a category or tag word alone scores 1

T = TypeVar("T")


class PerShopVersion(Generic[T]):
    """One value per shop, built again only when the shop's knowledge changed (a new ShopKnowledge)."""

    def __init__(self, build: Callable[[ShopKnowledge], T], size: int = CATALOG_CACHE) -> None:
        self._build = build
        self._size = size
        self._values: OrderedDict[str, tuple[ShopKnowledge, T]] = OrderedDict()

    def get(self, shop: ShopKnowledge) -> T:
        cached = self._values.get(shop.shop_id)
        if cached is not None and cached[0] is shop:
            self._values.move_to_end(shop.shop_id)
            return cached[1]
        value = self._build(shop)
        self._values[shop.shop_id] = (shop, value)
        if len(self._values) > self._size:
            self._values.popitem(last=False)
        return value


class PlanBuilder:
    """conversation + order + facts + retrieved chunks → AnswerPlan."""

    def __init__(self, finder: FactFinder, glossary: Glossary | None = None, cues: LanguageCues | None = None,
                 kinds: KindLabeller | None = None, capabilities: CapabilityChecks | None = None) -> None:
        self.finder = finder
        self.capabilities = capabilities or CapabilityChecks.from_guard_data()
        self.glossary = glossary
        self.kinds = kinds
        self.cues = cues or load_cues()
        self.attributes = load_attributes()
        self._catalogs: PerShopVersion[ProductCatalog] = PerShopVersion(ProductCatalog)
        self._offer_books: PerShopVersion[OfferBook] = PerShopVersion(OfferBook)

    def catalog(self, shop: ShopKnowledge) -> ProductCatalog:
        """The shop's product index, rebuilt only when the shop's knowledge changed (a new version)."""
        return self._catalogs.get(shop)

    def offer_book(self, shop: ShopKnowledge) -> OfferBook:
        """The shop's offers, read again only when the shop's knowledge changed (a new version)."""
        return self._offer_books.get(shop)

    def build(self, *, shop: ShopKnowledge, conversation: list[Turn], order: Order | None, facts: OrderFacts,
              hits: list[Chunk], language: str, now: datetime | None = None) -> AnswerPlan:
        catalog = self.catalog(shop)
        open_turns, earlier = _open_turns(conversation)
        context = self._context_products(catalog, earlier, order)
        clauses = [c for turn in open_turns for c in split_clauses(turn.text, self.cues)]
        earlier_clauses = {c for turn in open_turns[:-1] for c in split_clauses(turn.text, self.cues)}
        open_text = " ".join(t.text for t in open_turns)
        # the intent table names the request finely (return, invoice, lost parcel...); the learned kind model
        # says what kind of answer the message needs, and wins when the two disagree
        intent = reconcile(classify_intent(conversation), self._learned_kind(open_text), open_text)
        decision = decide(intent, facts)
        questions: list[Question] = []
        request_kind = KIND_BY_INTENT.get(intent, QuestionKind.product_fact)
        for clause in clauses:
            # "台灯和扫地机各要充多久?充满能用多久?": a clause naming no product goes on comparing the products the
            # message's previous question compared
            compared = questions[-1].products if questions and questions[-1].kind is QuestionKind.comparison \
                and _names_products(catalog, questions[-1].text) else None
            question = self._question(clause, shop, catalog, context, hits, language, has_order=order is not None,
                                      message=open_text, compared=compared)
            if question is None:
                continue
            if question.answer.status == "unknown" and request_kind not in (
                    QuestionKind.product_fact, QuestionKind.smalltalk):
                # "明天能到吗" after "怎么还没发货": part of the request the message makes, answered by it
                question = question.model_copy(update={"kind": request_kind, "intent": intent,
                                                       "answer": Answer(status="answered")})
            if question.products:
                context = [*question.products, *[p for p in context if p not in question.products]]
            if clause in earlier_clauses:  # asked in an earlier turn the agent has not answered yet
                question = question.model_copy(update={"from_earlier_turn": True})
            questions.append(question)
        if intent == "product_question":  # the example-based kinds found a request the intent table did not
            request = next((q for q in questions if q.kind not in (QuestionKind.product_fact,
                                                                     QuestionKind.comparison)), None)
            if request is not None:
                intent, request_kind = request.intent, request.kind
                decision = decide(intent, facts)
        if not questions and clauses:  # statements only ("耳机一边没声音了"): answer the request they imply
            kind = KIND_BY_INTENT.get(intent, QuestionKind.product_fact)
            if kind is QuestionKind.product_fact:  # "我桌上的无线充电板一直闲着": look the product facts up anyway
                implied = self._question(open_text, shop, catalog, context, hits, language,
                                         has_order=order is not None, implied=True)
                if implied is not None:
                    questions.append(implied.model_copy(update={"implied": True}))
            if not questions:
                questions.append(Question(text=clauses[-1], kind=kind, intent=intent, implied=True,
                                          answer=Answer(status="answered" if kind is not QuestionKind.product_fact
                                                        else "unknown")))
        offers = self._offers(shop, questions, context, order)
        tone = "apologetic" if intent in APOLOGETIC or any(
            q.intent in APOLOGETIC or q.kind is QuestionKind.complaint for q in questions) else "neutral"
        return AnswerPlan(language="en" if language == "en" else "zh", questions=questions,
                          request_kind=request_kind, request_intent=intent,
                          request_text=" ".join(t.text for t in open_turns),
                          order=self._order_state(shop, facts, decision, hits, order, now), offers=offers, tone=tone,
                          steps=_steps(questions, decision))

    def presale_facts(self, shop: ShopKnowledge, conversation: list[Turn], facts: OrderFacts,
                      order: Order | None) -> OrderFacts:
        """Before there is an order, the products the buyer names that the shop excludes from no-reason returns
        ("定制礼盒员工不喜欢能退吗"): the return rule is then stated for them, and guards hold drafts to it."""
        if order is not None or facts.excluded_items:
            return facts
        catalog = self.catalog(shop)
        open_turns, earlier = _open_turns(conversation)
        named = [m.doc_id for turn in open_turns for m in catalog.mentions(turn.text) if m.score >= STRONG_MENTION]
        products = list(dict.fromkeys(named)) or self._context_products(catalog, earlier, None)[:1]
        excluded = [(catalog.title(p), shop.docs[p].meta.category) for p in products
                    if p in shop.docs and shop.docs[p].meta.category
                    and is_excluded_category(shop.docs[p].meta.category or "", shop.rules)]
        if not excluded:
            return facts
        return facts.model_copy(update={"excluded_items": [title for title, _ in excluded],
                                        "excluded_categories": sorted({c or "" for _, c in excluded})})

    # ---- questions -------------------------------------------------------------------------
    def _question(self, clause: str, shop: ShopKnowledge, catalog: ProductCatalog, context: list[str],
                  hits: list[Chunk], language: str, has_order: bool = False, implied: bool = False,
                  message: str | None = None, compared: list[str] | None = None) -> Question | None:
        intent = classify_intent([Turn(role="customer", text=clause)])
        is_question = self.cues.is_question(clause)
        # a comparison ("哪个更费电") is a question about the products, whatever kind its words resemble
        learned = None if self.cues.is_comparison(clause) else self._learned_kind(clause, message)
        if intent in ("greeting", "thanks") and len(clause) > 8 and (
                learned is None or learned[0] is not QuestionKind.smalltalk):
            intent = "product_question"  # "在吗 AB3下雨天戴着行不行" asks more than hello
        intent = reconcile(intent, learned, clause)
        kind = KIND_BY_INTENT.get(intent, QuestionKind.product_fact)
        if kind is QuestionKind.product_fact and not is_question and not implied:
            return None  # a statement that asks nothing ("我是上周买的")
        mentions = catalog.mentions(clause)
        named = [m.doc_id for m in mentions if m.score >= STRONG_MENTION]
        weak = [m.doc_id for m in mentions if m.doc_id not in named]
        if not named and len(weak) >= 2 and _names_two_kinds(clause, mentions):
            named = (named + weak)[:3]  # "水壶和保温杯": products named by their kind
        elif not named and not context:  # only a category or tag word ("耳机"): good enough without context
            named = weak[:1]
        if kind is QuestionKind.product_fact and has_order:
            order_kind = self.attributes.order_kind(clause)  # "今天能发出吗" with an order: its logistics
            if order_kind is not None:
                kind = QuestionKind(order_kind)
                intent = _INTENT_OF_KIND.get(kind, intent)
        if kind is QuestionKind.policy and intent == "warranty" and not has_order:
            kind = QuestionKind.product_fact  # a pre-sale warranty question is about the products' terms
        if kind is QuestionKind.product_fact and compared and not named and not weak:
            named = list(compared)
        compared = named[:3] if len(named) >= 2 else list(dict.fromkeys([*named, *weak[:1], *context]))[:2]
        if kind is QuestionKind.product_fact and (self.cues.is_comparison(clause) or len(named) >= 2) \
                and len(compared) >= 2:
            kind = QuestionKind.comparison  # "那它跟你家破壁机比": the product of earlier turns against the one named
        products = compared if kind is QuestionKind.comparison else (named[:3] or context[:1])
        yes_no = self.cues.is_yes_no(clause)
        question = Question(text=clause, kind=kind, intent=intent, yes_no=yes_no, products=products,
                            answer=Answer(status="answered"))
        lookup = self._lookup_text(clause, language)
        if kind in (QuestionKind.logistics, QuestionKind.policy, QuestionKind.bargain):
            # the rule block answers the request; a specific fact of the shop's policy or FAQ may answer the rest
            # ("发什么快递", "专票几天开出来")
            evidence = self._policy_facts(lookup, shop, hits)
            if kind is QuestionKind.logistics and not evidence:
                evidence = self._transit_time(shop)  # the guideline: give a typical range, never a date
            question.answer = Answer(status="answered", evidence=evidence)
        elif kind is QuestionKind.complaint:
            # the apology and the rule come from the rule block; the remedy the shop's guideline allows for this
            # kind of problem (a no-show, melted goods, a damaged part) from its own words
            question.answer = Answer(status="answered",
                                     evidence=self._remedy(lookup, shop, hits, catalog, products))
        if kind is QuestionKind.product_fact:
            question.answer = self._fact_answer(lookup, shop, catalog, products, hits, yes_no, language)
        elif kind is QuestionKind.comparison:
            question.answer = self._comparison(lookup, shop, catalog, products)
        return question

    def _learned_kind(self, text: str, message: str | None = None) -> tuple[QuestionKind, bool] | None:
        """The kind of answer `text` needs by the learned model (None: no model, or no opinion); a clause is
        judged with the whole `message` it comes from."""
        if self.kinds is None:
            return None
        vector = self.finder.embed_question(text)
        if vector is None:
            return None
        whole = self.finder.embed_question(message) if message else None
        return self.kinds.classify(vector, text, (whole, message) if whole is not None and message else None)

    def _lookup_text(self, clause: str, language: str) -> str:
        """What to match documents with: an English question gains the Chinese spec words it names."""
        if language != "en" or self.glossary is None:
            return clause
        terms = self.glossary.chinese_terms(clause)
        return f"{clause} {' '.join(terms)}" if terms else clause

    def _fact_answer(self, clause: str, shop: ShopKnowledge, catalog: ProductCatalog, products: list[str],
                     hits: list[Chunk], yes_no: bool, language: str) -> Answer:
        vector = self.finder.embed_question(clause)
        evidence: list[Evidence] = []
        for doc_id in products[:3]:  # "台灯和扫地机各要充多久": each named product answers for itself
            doc = shop.docs.get(doc_id)
            found: list[Evidence] = []
            if doc is not None and language == "en":  # Chinese prose reads badly in English: spec rows first
                found = self.finder.find(clause, doc, catalog.title(doc_id), vector=vector, kinds=("spec",),
                                         named_min_score=NAMED_FACT_SCORE)
            if doc is not None and not found:
                found = self.finder.find(clause, doc, catalog.title(doc_id), vector=vector,
                                         limit=2 if len(products) == 1 else 1, named_min_score=NAMED_FACT_SCORE)
            evidence += found
        if not evidence:  # not about a product, or the product's doc does not say: the shop's FAQ and policy
            seen: set[str] = set()
            best: list[Evidence] = []
            for chunk in hits:
                if chunk.doc_type not in ("faq", "policy", "product") or chunk.doc_id in seen:
                    continue
                if products and chunk.doc_type == "product" and chunk.doc_id not in products:
                    continue
                seen.add(chunk.doc_id)
                doc = shop.docs.get(chunk.doc_id)
                if doc is None:
                    continue
                found = self.finder.find(clause, doc, chunk.title if chunk.doc_type == "product" else "",
                                         vector=vector, limit=1)
                if found and (not best or found[0].score > best[0].score):
                    best = found
                if len(seen) >= 4:
                    break
            evidence = best
        if not evidence:
            return Answer(status="unknown")
        polarity = None
        if yes_no:  # say yes or no only when the answering clause says it; otherwise state the fact alone
            answering = self.finder.nearest_clause(clause, evidence[0].value or evidence[0].text)
            if self.cues.negated(answering):
                polarity = "no"
            elif self.cues.affirmed(answering):
                polarity = "yes"
        verdict = self._capability(clause, shop, products) if yes_no and polarity is None else None
        if verdict is not None:  # "Can I swim with it?" on IPX4, no document line says so: the level answers no
            rated, rest = self._rows_first(shop, catalog, products[0], verdict.keys, evidence)
            return Answer(status="answered", polarity=verdict.polarity, evidence=rated + rest)
        return Answer(status="answered", polarity=polarity, evidence=evidence)

    def _capability(self, clause: str, shop: ShopKnowledge, products: list[str]) -> CapabilityVerdict | None:
        """The yes/no a single product's rated water level gives a question about a wet situation."""
        if len(products) != 1 or products[0] not in shop.products:
            return None
        verdict = self.capabilities.verdict(clause, shop.products[products[0]])
        return verdict if verdict is not None and verdict.keys else None

    def _rows_first(self, shop: ShopKnowledge, catalog: ProductCatalog, doc_id: str, keys: tuple[str, ...],
                    evidence: list[Evidence]) -> tuple[list[Evidence], list[Evidence]]:
        """The spec rows named by `keys` (from the evidence, else the product's rows), and the other evidence."""
        rated = [e for e in evidence if e.key in keys]
        if not rated and (doc := shop.docs.get(doc_id)) is not None:
            rated = [e.model_copy(update={"product": catalog.title(doc_id)})
                     for e in self.finder.spec_rows(doc) if e.key in keys][:1]
        rest = [e for e in evidence if e not in rated]
        return rated, rest[:1]

    def _comparison(self, clause: str, shop: ShopKnowledge, catalog: ProductCatalog, products: list[str]) -> Answer:
        """The spec rows of each product for the attributes the question is about: named by a key ("防水哪个好"),
        or asked in other words ("哪个耐寒", "哪个是烤过的", see `_asked_rows`); when it asks nothing in particular
        ("有什么区别"), the attributes whose values differ, most relevant first."""
        vector = self.finder.embed_question(clause)
        docs = [(doc_id, shop.docs[doc_id]) for doc_id in products if doc_id in shop.docs]
        if len(docs) < 2:
            return Answer(status="unknown")
        rows = {doc_id: {e.key: e for e in self.finder.spec_rows(doc)} for doc_id, doc in docs}
        ranked: list[str] = []
        for doc_id, doc in docs:
            for found in self.finder.find(clause, doc, catalog.title(doc_id), vector=vector, limit=3,
                                          kinds=("spec",), min_score=None):
                if found.key not in ranked:
                    ranked.append(found.key)
        if self._names_attribute(clause, ranked, rows):
            shared = [k for k in ranked if sum(k in r for r in rows.values()) >= 2]
            # a key an attribute the question asks about names comes first ("which is lighter, size M" → 重量)
            shared = list(dict.fromkeys([*self._named_keys(clause, rows), *shared]))
            keys = list(dict.fromkeys(_said_sibling(k, rows, clause) for k in (shared or ranked)))[:2]
        elif (asked := self._asked_rows(clause, catalog, docs, rows)):
            return Answer(status="answered", evidence=asked)
        else:  # "有什么区别": the figures that differ, in the documents' own order
            first = rows[docs[0][0]]
            differing = [k for k in first if sum(k in r for r in rows.values()) >= 2
                         and len({r[k].value for r in rows.values() if k in r}) > 1]
            differing.sort(key=lambda k: -sum(any(ch.isdigit() for ch in r[k].value) for r in rows.values() if k in r))
            keys = (differing or ranked)[:3]
        evidence = [rows[doc_id][key].model_copy(update={"product": catalog.title(doc_id)})
                    for key in keys for doc_id, _ in docs if key in rows[doc_id]]
        return Answer(status="answered" if evidence else "unknown", evidence=evidence)

    def _named_keys(self, clause: str, rows: dict[str, dict[str, Evidence]]) -> list[str]:
        """Spec keys two of the products share that name an attribute the question asks about (重量 for "which is
        lighter"; data/attributes.yaml)."""
        asked = self.attributes.asked(clause)
        keys = list(dict.fromkeys(k for r in rows.values() for k in r))
        return [k for k in keys if any(c.named_by(k) for c in asked) and sum(k in r for r in rows.values()) >= 2]

    def _asked_rows(self, clause: str, catalog: ProductCatalog, docs: list[tuple[str, Document]],
                    rows: dict[str, dict[str, Evidence]]) -> list[Evidence]:
        """What a comparison in other words than the spec keys asks about ("哪个更怕冷", "which is better for a half
        marathon", "哪个能放得久"), each product's value side by side. The question is matched without the products'
        names (they say which products, not what about them): first a spec key at the top of two products' rows
        (适宜温度 for 怕冷), stated for every product that has it; else each product's own best row (spec, FAQ or
        sentence) when at least COMPARED_ANSWERS products have one. Empty for a plain "有什么区别", which matches no
        row that well (the figures that differ are given then)."""
        query = catalog.without_names(clause, [doc_id for doc_id, _ in docs])
        vector = self.finder.embed_question(query)
        wanted = min(COMPARED_ANSWERS, len(docs))
        scores: dict[str, list[float]] = {}
        for _, doc in docs:
            for e in self.finder.find(query, doc, "", vector=vector, limit=ASKED_SPEC_ROWS, kinds=("spec",),
                                      min_score=ASKED_MIN_SCORE, named_min_score=NAMED_FACT_SCORE):
                scores.setdefault(e.key, []).append(e.score)
        shared = max((k for k, s in scores.items() if len(s) >= wanted), key=lambda k: sum(scores[k]), default=None)
        named = self._named_keys(query, rows)
        if named and shared not in named:
            shared = named[0]  # the attribute the question asks about by name ("lighter" → 重量) wins over a match
        if shared is not None:
            shared = _said_sibling(shared, rows, query)
            return [rows[doc_id][shared].model_copy(update={"product": catalog.title(doc_id)})
                    for doc_id, _ in docs if shared in rows[doc_id]]
        if not self.cues.is_question(clause):
            return []  # "帐篷和登山杖都是要用好几年的" asks nothing in particular
        found: list[Evidence] = []
        for doc_id, doc in docs:
            best = self.finder.find(query, doc, "", vector=vector, limit=1, min_score=ASKED_MIN_SCORE,
                                    named_min_score=NAMED_FACT_SCORE)
            found += [e.model_copy(update={"product": catalog.title(doc_id)}) for e in best]
        if len(found) < wanted:
            return []
        if all(e.kind == "spec" for e in found) and not set.intersection(*(set(e.key) for e in found)):
            return []  # spec rows about different things (保修 beside 适用季节) do not answer one question
        return found

    def _transit_time(self, shop: ShopKnowledge) -> list[Evidence]:
        """The shipping policy's typical transit time, if it states one."""
        doc = shop.docs.get(shop.rules.sources.get("ship_within_hours", ""))
        if doc is None:
            return []
        found = self.finder.find(TRANSIT_QUERY, doc, "", limit=1, kinds=("sentence", "faq", "spec"),
                                 min_score=TRANSIT_SCORE)
        return [e for e in found if any(ch.isdigit() for ch in e.value)]

    @staticmethod
    def _names_attribute(clause: str, ranked: list[str], rows: dict[str, dict[str, Evidence]]) -> bool:
        """True when the question names the attribute it compares ("防水", "重量")."""
        return any(key[:2] in clause for key in ranked)

    def _policy_facts(self, clause: str, shop: ShopKnowledge, hits: list[Chunk]) -> list[Evidence]:
        vector = self.finder.embed_question(clause)
        best: list[Evidence] = []
        for doc_id in list(dict.fromkeys(c.doc_id for c in hits if c.doc_type in ("policy", "faq")))[:3]:
            doc = shop.docs.get(doc_id)
            if doc is None:
                continue
            found = self.finder.find(clause, doc, "", vector=vector, limit=1, min_score=POLICY_FACT_SCORE,
                                     named_min_score=NAMED_POLICY_FACT_SCORE)
            if found and (not best or found[0].score > best[0].score):
                best = found
        return best

    def _remedy(self, clause: str, shop: ShopKnowledge, hits: list[Chunk], catalog: ProductCatalog,
                products: list[str]) -> list[Evidence]:
        """The guideline or policy sentence that says what to do about the problem the buyer reports, and the
        lines of its section labelled with the buyer's product (what is done for those goods)."""
        vector = self.finder.embed_question(clause)
        guidelines = [d.id for d in shop.docs.values() if d.meta.type.value == "guideline"]
        retrieved = [c.doc_id for c in hits if c.doc_type in ("policy", "faq")]
        best: list[Evidence] = []
        for doc_id in list(dict.fromkeys(guidelines + retrieved))[:MAX_REMEDY_DOCS]:
            found = self.finder.find(clause, shop.docs[doc_id], "", vector=vector, limit=1,
                                     kinds=("sentence", "faq"), min_score=REMEDY_SCORE)
            if found and (not best or found[0].score > best[0].score):
                best = found
        if not best or not products:
            return best
        matched = best[0]
        head = re.split(r"[::]", matched.value, maxsplit=1)[0]
        if len(head) < len(matched.value) and (self.cues.negated(head) or head[:1] in NEGATIVE_HEADS):
            return best  # "不属于坏苗的情况:…": the problem is not one the section remedies
        doc = shop.docs[matched.doc_id]
        lines = labelled_lines(doc, matched.value,
                               lambda label: any(m.doc_id in products for m in catalog.mentions(label)))
        return best + [Evidence(kind="sentence", text=line, value=line, doc_id=doc.id,
                                chunk_id=self.finder.chunk_of(doc, line) or matched.chunk_id, score=matched.score)
                       for line in lines]

    # ---- context ---------------------------------------------------------------------------
    def _context_products(self, catalog: ProductCatalog, earlier: list[Turn], order: Order | None) -> list[str]:
        """Products the conversation was about before the open turns, most recent first, then the order's."""
        products: list[str] = []
        for turn in reversed(earlier):
            for mention in catalog.mentions(turn.text)[:2]:
                if mention.doc_id not in products:
                    products.append(mention.doc_id)
        for item in order.items if order else []:
            doc_id = catalog.by_sku(item.sku)
            if doc_id is None and item.title:
                named = catalog.mentions(item.title)
                doc_id = named[0].doc_id if named else None
            if doc_id and doc_id not in products:
                products.append(doc_id)
        return products

    def _offers(self, shop: ShopKnowledge, questions: list[Question], context: list[str],
                order: Order | None) -> list[Evidence]:
        """The shop's real offers for the products a bargaining buyer is buying (none when nobody bargains)."""
        asked = [q for q in questions if q.kind is QuestionKind.bargain]
        if not asked:
            return []
        named = list(dict.fromkeys(p for q in asked for p in q.products))
        products = list(dict.fromkeys(named + context))[:3]
        if order is not None and order.items:
            basket: float | None = sum(i.price * i.qty for i in order.items)
        else:  # the products the buyer is about to buy together ("PB20和GAN65一起拍")
            prices = [shop.docs[p].meta.price for p in (named or products[:1]) if p in shop.docs]
            basket = sum(p for p in prices if p is not None) if prices and None not in prices else None
        # the whole request names the offers asked about ("M8能用店铺券吗?能便宜点吗": the first clause is a question
        # about the product, the second the bargaining)
        return self.offer_book(shop).applicable(" ".join(q.text for q in questions), products, basket)

    def _order_state(self, shop: ShopKnowledge, facts: OrderFacts, decision: str, hits: list[Chunk],
                     order: Order | None = None, now: datetime | None = None) -> OrderState:
        policy_doc = shop.rules.sources.get("no_reason_return_days") or next(iter(shop.rules.sources.values()), "")
        if decision in ("check_logistics",) or (facts.status is not None and not facts.delivered):
            policy_doc = shop.rules.sources.get("ship_within_hours", policy_doc)
        chunk = next((c.chunk_id for c in hits if c.doc_id == policy_doc), f"{policy_doc}#0" if policy_doc else "")
        state = OrderState(status=facts.status.value if facts.status else None, decision=decision,
                           facts=facts.summary_lines(), policy_doc=policy_doc, policy_chunk=chunk)
        if order is None:
            return state
        self._ship_day(state, shop, order, now)
        scan = order.latest_scan()
        if scan is not None:
            when = scan.time if scan.time.tzinfo or now is None else scan.time.replace(tzinfo=now.tzinfo)
            state.latest_scan = f"{when.strftime('%m-%d %H:%M')} {scan.status} {scan.location}".strip()
            if now is not None and (now.tzinfo is None) == (when.tzinfo is None):
                state.scan_age_hours = round((now - when).total_seconds() / 3600, 1)
            state.facts.append(f"最新物流: {state.latest_scan}")
        if order.discounts:
            state.paid_yuan = round(order.paid_yuan, 2)
            state.facts.append(f"实付金额: {state.paid_yuan:g} 元(已扣优惠 "
                               + "、".join(f"{d.name} {d.amount_yuan:g} 元" for d in order.discounts) + ")")
        if order.address:
            state.address = order.address
            state.facts.append(f"收货地址: {order.address}")
        return state


    @staticmethod
    def _ship_day(state: OrderState, shop: ShopKnowledge, order: Order, now: datetime | None) -> None:
        """The day an unshipped order leaves by the shop's cut-off (paid, or paid now), as the policy says."""
        schedule = shop.schedule
        if schedule.cutoff is None or now is None or order.shipped_at is not None \
                or order.status not in (OrderStatus.unpaid, OrderStatus.paid):
            return
        state.ship_cutoff = schedule.cutoff.strftime("%H:%M")
        state.ship_cutoff_firm = schedule.firm
        basis = order.paid_at if order.status is OrderStatus.paid and order.paid_at else now
        local_now = _shop_local(now)
        day = schedule.ship_day(_shop_local(basis))
        if day is None or day < local_now.date():
            return  # it should have left already: the late-shipping rule answers
        state.ship_days_from_today = (day - local_now.date()).days
        state.ship_weekday = day.weekday()
        state.facts.append(f"按{state.ship_cutoff}截单:" + ("今天" if state.ship_days_from_today == 0 else
                                                           f"{day.month}月{day.day}日") + "发出")


def reconcile(intent: str, learned: tuple[QuestionKind, bool] | None, text: str) -> str:
    """The intent to act on. The table's, unless the learned kind model disagrees and either is sure enough to
    overrule it ("礼盒里的口味能换吗": the table hears 换 → return, the model a product question) or the table
    heard nothing specific (no keyword, or only a greeting before a longer message)."""
    if learned is None:
        return intent
    kind, sure = learned
    if KIND_BY_INTENT.get(intent, QuestionKind.product_fact) is kind:
        return intent
    vague = intent == "product_question" or (intent in ("greeting", "thanks") and len(text) > LONG_MESSAGE)
    if not (sure or vague):
        return intent
    if kind is QuestionKind.smalltalk:
        return intent if intent != "product_question" else "greeting"
    return _INTENT_OF_KIND.get(kind, "product_question")


def _shop_local(moment: datetime) -> datetime:
    zone = ZoneInfo("Asia/Shanghai")
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(zone)


def _names_products(catalog: ProductCatalog, text: str) -> bool:
    """True when `text` names two products itself (model codes, titles or two kind words), not by context."""
    mentions = catalog.mentions(text)
    return sum(m.score >= STRONG_MENTION for m in mentions) >= 2 or _names_two_kinds(text, mentions)


def _names_two_kinds(clause: str, mentions: list[ProductMention]) -> bool:
    """True when the clause joins two product words ("台灯和扫地机", "A or B"), not one word shared by two."""
    return bool(re.search(r"[和跟与及、]|还是|\band\b|\bor\b|\bvs\b", clause, re.IGNORECASE)) and len(
        {m.title for m in mentions}) >= 2


def _open_turns(conversation: list[Turn]) -> tuple[list[Turn], list[Turn]]:
    """Customer turns since the agent last spoke (the open ones), and everything before them."""
    last_agent = max((i for i, t in enumerate(conversation) if t.role != "customer"), default=-1)
    open_turns = [t for t in conversation[last_agent + 1:] if t.role == "customer"]
    if not open_turns:
        open_turns = [t for t in conversation if t.role == "customer"][-1:]
    return open_turns, conversation[: last_agent + 1]


def _steps(questions: list[Question], decision: str) -> list[str]:
    kinds = {q.kind for q in questions}
    steps: list[str] = []
    if QuestionKind.complaint in kinds:
        steps += ["apologise", "restate_problem", "ask_photos", "offer_options"]
    if QuestionKind.bargain in kinds:
        steps += ["price_firm_kindly", "real_offers"]
    if QuestionKind.logistics in kinds:
        steps += ["order_state", "no_arrival_promise"]
    if decision != "answer" and "offer_options" not in steps:
        steps.append("state_rule_for_order")
    return steps


def _said_sibling(key: str, rows: dict[str, dict[str, Evidence]], question: str) -> str:
    """The key of the same table whose size or variant word the question says ("L码的T恤" → 尺码 L where the
    embedding found 尺码 XXL): keys that differ only in a Latin or numeric word are rows of one table."""
    stem = _LATIN_WORD.sub("", key).strip()
    if not stem or _says_word(key, question):
        return key
    siblings = sorted({k for r in rows.values() for k in r
                       if k != key and _LATIN_WORD.sub("", k).strip() == stem and _says_word(k, question)})
    return siblings[0] if siblings else key


def _says_word(key: str, question: str) -> bool:
    """True when the question says a Latin or numeric word of the key on its own ("L码" says the L of 尺码 L, not
    of 尺码 XL)."""
    return any(re.search(rf"(?<![A-Za-z0-9.]){re.escape(word)}(?![A-Za-z0-9.])", question, re.IGNORECASE)
               for word in _LATIN_WORD.findall(key))
