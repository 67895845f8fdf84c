"""What is indexed for a chunk: title, heading and card carried in; one passage per line."""

from __future__ import annotations

from service.knowledge.chunking import chunk_document
from service.retrieval.passages import chunk_of, dense_passages, doc_card, doc_profile, search_text
from tests.retrieval.conftest import EARBUDS, make_doc


def earbuds_chunks():  # type: ignore[no-untyped-def]
    doc = make_doc("s", "earbuds-ab3", EARBUDS, title="AirBeat 3 真无线蓝牙耳机", sku="AB3", category="耳机",
                   tags=["蓝牙耳机", "耳机"])
    return doc, chunk_document(doc)


def test_every_chunk_carries_the_title_heading_and_card() -> None:
    doc, chunks = earbuds_chunks()
    card = doc_card(doc.meta)
    assert card == "AB3 耳机 蓝牙耳机"  # SKU, category, then tags without repeats
    faq = next(c for c in chunks if c.heading == "常见问题")
    text = search_text(faq, card)
    assert text.startswith("AirBeat 3 真无线蓝牙耳机 · 常见问题\nAB3 耳机 蓝牙耳机\n")
    assert "掉进水里" in text  # the chunk's own words, which never name the product


def test_the_profile_is_title_and_card() -> None:
    doc, _ = earbuds_chunks()
    assert doc_profile(doc.meta) == "AirBeat 3 真无线蓝牙耳机 AB3 耳机 蓝牙耳机"


def test_a_multi_line_chunk_gets_one_passage_per_line_with_its_head() -> None:
    doc, chunks = earbuds_chunks()
    faq = next(c for c in chunks if c.heading == "常见问题")
    passages = dense_passages(faq, doc_card(doc.meta))
    assert [p.n for p in passages] == [0, 1, 2]
    assert passages[1].text == "AirBeat 3 真无线蓝牙耳机 · 常见问题: 问:掉进水里了怎么办?答:马上捞出擦干,晾干 24 小时再开机。"
    assert chunk_of(passages[2].passage_id) == faq.chunk_id
    assert len(dense_passages(faq, "", lines=False)) == 1


def test_a_one_line_chunk_is_one_passage() -> None:
    doc = make_doc("s", "guide", "# 标题\n只有一段话。", type="guideline", title="标题")
    (chunk,) = chunk_document(doc)
    assert [p.text for p in dense_passages(chunk, "")] == ["标题\n只有一段话。"]
