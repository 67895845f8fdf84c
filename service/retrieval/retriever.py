"""Hybrid search: dense passages (Chroma) and character n-gram BM25 fused by RRF, with a document-level
profile signal, the order's products boosted, and each retriever's view kept for explanations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

import numpy as np
from pydantic import BaseModel, Field

from service.knowledge.chunking import Chunk
from service.retrieval.fusion import reciprocal_rank_fusion
from service.retrieval.index import KnowledgeIndex
from service.retrieval.lexical import char_ngrams, match_share
from service.retrieval.shop_chunks import ShopChunks

RETRIEVERS = ("dense", "lexical", "profile")


class RetrieverConfig(BaseModel):
    """Tuning knobs of the hybrid search; the defaults are measured (docs/retrieval.md)."""

    candidates: int = Field(default=40, description="chunks each retriever proposes")
    rrf_k: int = Field(default=60, description="RRF constant: larger flattens rank differences")
    dense_weight: float = Field(default=1.0, description="RRF weight of the dense ranking")
    lexical_weight: float = Field(default=1.0, description="RRF weight of the BM25 ranking")
    lexical_confidence: bool = Field(
        default=True,
        description="scale the BM25 weight per query by the share of the query's n-grams that its best "
        "match contains, so weak, accidental matches (an English query against Chinese docs) count little",
    )
    profile_weight: float = Field(
        default=0.25, description="RRF weight of the document ranking by title/SKU/category/tags"
    )
    sku_boost: float = Field(default=0.25, description="boost of the order's products, in first-place votes")
    boost_named_skus: bool = Field(default=True, description="boost products whose SKU the query names")


class Hit(BaseModel):
    """A retrieved chunk with its fused score and each retriever's own view of it."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    dense_rank: int | None = None
    lexical_score: float | None = None
    lexical_rank: int | None = None
    profile_score: float | None = None
    profile_rank: int | None = None
    boosted: bool = False


class Retriever:
    """Searches one shop's chunks; another shop's chunks are never candidates."""

    def __init__(self, index: KnowledgeIndex, config: RetrieverConfig | None = None) -> None:
        self.index = index
        self.config = config or RetrieverConfig()

    def search(
        self,
        shop_id: str,
        query: str,
        k: int = 5,
        *,
        doc_types: Collection[str] | None = None,
        skus: Collection[str] | None = None,
        boost_skus: Collection[str] = (),
        max_per_doc: int = 2,
        retrievers: Collection[str] = RETRIEVERS,
        vector: np.ndarray | None = None,
        exclude_docs: Collection[str] = (),
    ) -> list[Hit]:
        """The best `k` chunks for `query`.

        Args:
            shop_id: Whose knowledge to search.
            query: The search text (built from the conversation by the caller).
            k: How many hits.
            doc_types: Only these document types (filter).
            skus: Only product chunks of these SKUs (filter, case-insensitive; other docs are excluded).
            boost_skus: Products in the buyer's order: their chunks move up (case-insensitive).
            max_per_doc: At most this many chunks of one document.
            retrievers: Which of "dense", "lexical", "profile" take part (evaluation of each alone).
                "profile" is document-level evidence that only re-scores what the others propose:
                the query's similarity to each document's title/SKU/category/tags, and SKUs it names.
            vector: The query's embedding when the caller has it already (it searches twice).
            exclude_docs: Documents never to return (those outside their validity window at the request's time).
        """
        shop = self.index.shop(shop_id)
        if not query.strip():
            return []
        if vector is None and {"dense", "profile"} & set(retrievers):
            vector = self.embed_query(query)
        with shop.lock.read():  # an edit swaps a document's chunks only between two searches
            return self._search(shop_id, shop, query, vector, k, doc_types, skus, boost_skus, max_per_doc,
                                retrievers, exclude_docs)

    def embed_query(self, query: str) -> np.ndarray:
        """The query's vector, as `search` uses it."""
        vector: np.ndarray = self.index.embedder.embed([query])[0]
        return vector

    def _search(self, shop_id: str, shop: ShopChunks, query: str, vector: np.ndarray | None, k: int,
                doc_types: Collection[str] | None, skus: Collection[str] | None, boost_skus: Collection[str],
                max_per_doc: int, retrievers: Collection[str], exclude_docs: Collection[str]) -> list[Hit]:
        cfg = self.config
        if not shop.size:
            return []
        allowed = _allowed(shop, doc_types, skus)
        slots = [slot for doc_id in exclude_docs for slot in shop.doc_slots.get(doc_id, ())]
        if slots:
            if allowed is None:
                allowed = np.ones(len(shop.chunks), dtype=bool)
            allowed[slots] = False
        dense: list[tuple[str, float]] = []
        if "dense" in retrievers and vector is not None:
            dense = self._dense(shop_id, shop, vector, doc_types, skus, allowed)
        lexical: list[tuple[str, float]] = []
        lexical_weight = cfg.lexical_weight
        if "lexical" in retrievers:
            lexical = self._lexical(shop, query, allowed)
            if lexical and cfg.lexical_confidence:
                lexical_weight *= match_share(query, shop.texts[shop.position[lexical[0][0]]])
        fused = reciprocal_rank_fusion(
            {"dense": [c for c, _ in dense], "lexical": [c for c, _ in lexical]},
            {"dense": cfg.dense_weight, "lexical": lexical_weight}, cfg.rrf_k)
        profile: dict[str, tuple[int, float]] = {}
        boost = {s.lower() for s in boost_skus}
        if "profile" in retrievers and vector is not None and fused:
            profile = shop.profiles.ranks(vector)
            for cid in fused:
                fused[cid] += cfg.profile_weight / (cfg.rrf_k + profile[shop.by_id[cid].doc_id][0])
            if cfg.boost_named_skus:  # a SKU the buyer types names the product as surely as an order
                skus_known = shop.skus
                boost |= {t for t in char_ngrams(query) if t in skus_known}
        boosted = {cid for cid in fused if shop.by_id[cid].sku.lower() in boost} if boost else set()
        for cid in boosted:
            fused[cid] += cfg.sku_boost / (cfg.rrf_k + 1)
        return _top_hits(shop, fused, k, max_per_doc, dense, lexical, profile, boosted)

    def _lexical(self, shop: ShopChunks, query: str, allowed: np.ndarray | None) -> list[tuple[str, float]]:
        scores = shop.lexical.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        top = np.argsort(-scores)[: self.config.candidates]
        return [(chunk.chunk_id, float(scores[i])) for i in top
                if scores[i] > 0 and (chunk := shop.chunks[i]) is not None]

    def _dense(self, shop_id: str, shop: ShopChunks, vector: np.ndarray, doc_types: Collection[str] | None,
               skus: Collection[str] | None, allowed: np.ndarray | None) -> list[tuple[str, float]]:
        conditions: list[dict[str, object]] = []
        if doc_types:
            conditions.append({"doc_type": {"$in": list(doc_types)}})
        if skus:  # Chroma matches exactly: ask for the spellings this shop uses
            wanted_skus = {s.lower() for s in skus}
            present = sorted({c.sku for c in shop.chunks if c is not None and c.sku and c.sku.lower() in wanted_skus})
            conditions.append({"sku": {"$in": present or ["\x00"]}})
        where = None if not conditions else conditions[0] if len(conditions) == 1 else {"$and": conditions}
        found = self.index.vectors.query(shop_id, vector, self.config.candidates, where)
        return [(cid, s) for cid, s in found
                if cid in shop.position and (allowed is None or allowed[shop.position[cid]])]


def _allowed(shop: ShopChunks, doc_types: Collection[str] | None,
             skus: Collection[str] | None) -> np.ndarray | None:
    """Mask of the chunks the filters let through (None: no filter)."""
    if not doc_types and not skus:
        return None
    wanted = {s.lower() for s in skus} if skus else set()
    return np.array([c is not None and (not doc_types or c.doc_type in doc_types)
                     and (not skus or c.sku.lower() in wanted) for c in shop.chunks], dtype=bool)


def _top_hits(shop: ShopChunks, fused: dict[str, float], k: int, max_per_doc: int,
              dense: list[tuple[str, float]], lexical: list[tuple[str, float]],
              profile: dict[str, tuple[int, float]], boosted: set[str]) -> list[Hit]:
    """The best `k` fused chunks, at most `max_per_doc` of one document."""
    dense_info = {cid: (rank, s) for rank, (cid, s) in enumerate(dense, start=1)}
    lexical_info = {cid: (rank, s) for rank, (cid, s) in enumerate(lexical, start=1)}
    hits: list[Hit] = []
    per_doc: Counter[str] = Counter()
    for cid, score in sorted(fused.items(), key=lambda item: (-item[1], item[0])):
        chunk = shop.by_id[cid]
        if per_doc[chunk.doc_id] >= max_per_doc:
            continue
        per_doc[chunk.doc_id] += 1
        d_rank, d_score = dense_info.get(cid, (None, None))
        l_rank, l_score = lexical_info.get(cid, (None, None))
        p_rank, p_score = profile.get(chunk.doc_id, (None, None))
        hits.append(Hit(chunk=chunk, score=score, dense_score=d_score, dense_rank=d_rank,
                        lexical_score=l_score, lexical_rank=l_rank, profile_score=p_score,
                        profile_rank=p_rank, boosted=cid in boosted))
        if len(hits) == k:
            break
    return hits
