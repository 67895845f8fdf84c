"""Hybrid search: dense (Chroma) and lexical (BM25) candidates fused by RRF, with explainable scores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

import numpy as np
from pydantic import BaseModel

from service.knowledge.chunking import Chunk
from service.retrieval.fusion import reciprocal_rank_fusion
from service.retrieval.index import KnowledgeIndex



class RetrieverConfig(BaseModel):
    """Tuning knobs of the hybrid search (defaults measured on evals/retrieval, see docs/retrieval.md)."""

    candidates: int = 40
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    sku_boost: float = 1.0 / 61


class Hit(BaseModel):
    """A retrieved chunk with its fused score and each retriever's own view of it."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    dense_rank: int | None = None
    lexical_score: float | None = None
    lexical_rank: int | None = None
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
        retrievers: Collection[str] = ("dense", "lexical"),
    ) -> list[Hit]:
        """The best `k` chunks for `query`.

        Args:
            shop_id: Whose knowledge to search.
            query: The search text (built from the conversation by the caller).
            k: How many hits.
            doc_types: Only these document types (filter).
            skus: Only product chunks of these SKUs (filter; non-product docs are excluded).
            boost_skus: Products in the buyer's order: their chunks move up.
            max_per_doc: At most this many chunks of one document.
            retrievers: Which retrievers take part (for evaluation of each alone).
        """
        cfg = self.config
        shop = self.index.shop(shop_id)
        if not shop.chunks or not query.strip():
            return []
        allowed = [
            c for c in shop.chunks
            if (not doc_types or c.doc_type in doc_types) and (not skus or c.sku in skus)
        ]
        allowed_ids = {c.chunk_id for c in allowed}
        dense: list[tuple[str, float]] = []
        if "dense" in retrievers:
            where: dict[str, object] | None = None
            conditions: list[dict[str, object]] = []
            if doc_types:
                conditions.append({"doc_type": {"$in": list(doc_types)}})
            if skus:
                conditions.append({"sku": {"$in": list(skus)}})
            if conditions:
                where = conditions[0] if len(conditions) == 1 else {"$and": conditions}
            vector = self.index.embedder.embed([query])[0]
            dense = [(cid, s) for cid, s in self.index.vectors.query(shop_id, vector, cfg.candidates, where)
                     if cid in allowed_ids]
        lexical: list[tuple[str, float]] = []
        if "lexical" in retrievers:
            scores = shop.lexical.scores(query)
            mask = np.zeros(len(shop.chunks), dtype=bool)
            for cid in allowed_ids:
                mask[shop.position[cid]] = True
            scores = np.where(mask, scores, 0.0)
            order = np.argsort(-scores)[:cfg.candidates]
            lexical = [(shop.chunks[i].chunk_id, float(scores[i])) for i in order if scores[i] > 0]
        fused = reciprocal_rank_fusion(
            {"dense": [c for c, _ in dense], "lexical": [c for c, _ in lexical]},
            {"dense": cfg.dense_weight, "lexical": cfg.lexical_weight}, cfg.rrf_k)
        dense_info = {cid: (rank, s) for rank, (cid, s) in enumerate(dense, start=1)}
        lexical_info = {cid: (rank, s) for rank, (cid, s) in enumerate(lexical, start=1)}
        boosted = {cid for cid in fused if shop.by_id[cid].sku and shop.by_id[cid].sku in boost_skus}
        for cid in boosted:
            fused[cid] += cfg.sku_boost
        hits: list[Hit] = []
        per_doc: Counter[str] = Counter()
        for cid, score in sorted(fused.items(), key=lambda item: (-item[1], item[0])):
            chunk = shop.by_id[cid]
            if per_doc[chunk.doc_id] >= max_per_doc:
                continue
            per_doc[chunk.doc_id] += 1
            d_rank, d_score = dense_info.get(cid, (None, None))
            l_rank, l_score = lexical_info.get(cid, (None, None))
            hits.append(Hit(chunk=chunk, score=score, dense_score=d_score, dense_rank=d_rank,
                            lexical_score=l_score, lexical_rank=l_rank, boosted=cid in boosted))
            if len(hits) == k:
                break
        return hits
