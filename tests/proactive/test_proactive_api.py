"""POST /v1/proactive through the app: every kind grounded in the demo shop's documents, guarded, zh and en."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.proactive.models import ProactiveKind, ProactiveResponse
from service.settings import PROJECT_ROOT, Settings

NOW = "2026-11-16T10:00:00+08:00"
ITEM = {"sku": "AB3", "title": "AirBeat 3", "category": "耳机", "price": 299, "qty": 1}
ADDRESS = "浙江省杭州市西湖区文三路 1 号"
MONEY_FOR_REVIEWS = ("返现", "红包", "补偿", "优惠券", "refund you", "cash")
CASES: dict[str, dict[str, Any]] = {
    "payment_reminder": {"order": {"status": "unpaid", "items": [ITEM]}},
    "shipping_notice": {"order": {"status": "shipped", "items": [ITEM], "courier": "顺丰",
                                  "tracking_number": "SF1234567890"}},
    "address_check": {"order": {"status": "paid", "items": [ITEM], "address": ADDRESS}},
    "complaint_follow_up": {"order": {"status": "delivered", "items": [ITEM]},
                            "conversation": [{"role": "customer", "text": "耳机左边没声音"},
                                             {"role": "agent", "text": "已经为您换新,新耳机已寄出"}]},
    "review_reply": {"order": {"status": "delivered", "delivered_at": "2026-11-14T12:00:00+08:00", "items": [ITEM]},
                     "review_text": "耳机用了三天左边就没声音了,差评"},
}


def post(client: TestClient, kind: str, **body: Any) -> Any:
    return client.post("/v1/proactive", json={"shop_id": "demo", "kind": kind, "now": NOW, **body})


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("kind", sorted(CASES))
def test_every_kind_gives_guarded_cited_drafts(client: TestClient, kind: str, language: str) -> None:
    response = post(client, kind, language=language, **CASES[kind])
    assert response.status_code == 200, response.text
    body = ProactiveResponse.model_validate(response.json())
    assert body.kind == ProactiveKind(kind) and body.language == language
    assert len(body.drafts) == 2
    assert body.drafts[0].guard.passed, body.drafts[0].guard.violations
    cited = {(c.doc_id, c.chunk_id) for d in body.drafts for c in d.citations}
    assert cited == {(f.doc_id, f.chunk_id) for f in body.facts}
    for draft in body.drafts:
        own_words = draft.text.replace("顺丰", "").replace(ADDRESS, "")  # the order's values stay as they are
        has_cjk = bool(re.search(r"[\u4e00-\u9fff]", own_words))
        assert has_cjk is (language == "zh"), draft.text


def test_shipping_notice_states_the_order_and_the_range_never_a_date(client: TestClient) -> None:
    body = post(client, "shipping_notice", **CASES["shipping_notice"]).json()
    transit = next(f for f in body["facts"] if f["slot"] == "transit")
    assert transit["doc_id"] == "policy-shipping" and re.search(r"\d+-\d+ 天", transit["text"])
    for draft in body["drafts"]:
        assert "顺丰" in draft["text"] and "SF1234567890" in draft["text"]
        assert transit["text"] in draft["text"]
        assert not re.search(r"\d+月\d+日|明天|后天|保证.{0,4}到", draft["text"]), draft["text"]


def test_the_facts_follow_the_shops_documents(client: TestClient) -> None:
    """Edit the cut-off in the shop's documents: the next payment reminder states the new one."""
    before = post(client, "payment_reminder", language="en", **CASES["payment_reminder"]).json()
    assert "16:00" in before["drafts"][0]["text"]
    for doc_id in ("faq-payment", "policy-shipping"):
        text = client.get(f"/v1/shops/demo/docs/{doc_id}").text.replace("16:00", "15:00")
        assert client.put(f"/v1/shops/demo/docs/{doc_id}", content=text.encode(),
                          headers={"content-type": "text/markdown"}).status_code == 200
    after = post(client, "payment_reminder", language="en", **CASES["payment_reminder"]).json()
    assert "15:00" in after["drafts"][0]["text"] and "16:00" not in after["drafts"][0]["text"]


def test_review_reply_apologises_and_never_offers_anything_for_the_review(client: TestClient) -> None:
    body = post(client, "review_reply", **CASES["review_reply"]).json()
    for draft in body["drafts"]:
        assert "抱歉" in draft["text"]
        assert not any(word in draft["text"] for word in MONEY_FOR_REVIEWS), draft["text"]
    english = post(client, "review_reply", order=CASES["review_reply"]["order"],
                   review_text="Left earbud died after three days. Terrible.").json()
    assert english["language"] == "en" and "sorry" in english["drafts"][0]["text"].lower()


@pytest.mark.parametrize(("kind", "body", "where"), [
    ("shipping_notice", {"order": {"status": "shipped", "items": [ITEM], "courier": "顺丰"}},
     "body.order.tracking_number"),
    ("shipping_notice", {"order": {"status": "shipped", "items": [ITEM], "tracking_number": "SF1"}}, "body.order.courier"),
    ("shipping_notice", {}, "body.order"),
    ("payment_reminder", {"order": {"status": "paid", "items": [ITEM]}}, "body.order.status"),
    ("payment_reminder", {"order": {"status": "unpaid"}}, "body.order.items"),
    ("address_check", {"order": {"status": "paid", "items": [ITEM]}}, "body.order.address"),
    ("cod_confirmation", {"order": {"status": "unpaid", "items": [ITEM], "payment": "支付宝"}}, "body.order.payment"),
    ("complaint_follow_up", {"order": {"status": "delivered", "items": [ITEM]}}, "body.conversation"),
    ("review_reply", {"review_text": "  "}, "body.review_text"),
    ("review_reply", {"review_text": "差" * 1001}, "body.review_text"),
])
def test_what_the_kind_needs_is_a_422_naming_the_field(client: TestClient, kind: str, body: dict[str, Any],
                                                        where: str) -> None:
    response = post(client, kind, **body)
    assert response.status_code == 422, response.text
    assert response.json()["where"] == where


def test_unknown_kind_and_unknown_shop(client: TestClient) -> None:
    assert post(client, "upsell").status_code == 422
    response = client.post("/v1/proactive", json={"shop_id": "nope", "kind": "review_reply", "review_text": "差"})
    assert response.status_code == 404


COD_SHOP = """---
id: faq-payment
type: faq
title: 付款
---
## 货到付款
- 支持货到付款,货到付款需另付 8 元服务费,由快递员代收。
"""


def test_cod_confirmation_states_the_shops_fee_or_says_the_shop_has_no_cod(client: TestClient) -> None:
    refused = post(client, "cod_confirmation", order={"status": "unpaid", "items": [ITEM], "payment": "货到付款"})
    assert refused.status_code == 409 and "faq-payment" in refused.json()["where"]
    assert client.put("/v1/shops/codshop/docs/faq-payment", content=COD_SHOP.encode(),
                      headers={"content-type": "text/markdown"}).status_code == 201
    order = {"status": "unpaid", "items": [ITEM], "payment": "COD"}
    for language, fee in (("zh", "8 元"), ("en", "8 yuan")):
        response = client.post("/v1/proactive", json={"shop_id": "codshop", "kind": "cod_confirmation",
                                                      "order": order, "language": language})
        assert response.status_code == 200, response.text
        assert fee in response.json()["drafts"][0]["text"]


def test_a_required_fact_the_shop_lacks_is_a_409(client: TestClient) -> None:
    client.put("/v1/shops/codshop/docs/faq-payment", content=COD_SHOP.encode(),
               headers={"content-type": "text/markdown"})
    response = client.post("/v1/proactive", json={"shop_id": "codshop", "kind": "shipping_notice",
                                                  "order": CASES["shipping_notice"]["order"]})
    assert response.status_code == 409
    assert response.json()["where"] == "shop.codshop.transit"


@pytest.fixture
def offering_client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """The app with a review template that offers money: the guards must catch it."""
    prompts = tmp_path / "prompts"
    shutil.copytree(PROJECT_ROOT / "prompts", prompts)
    path = prompts / "proactive.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "感谢您的反馈,给您添麻烦了,真的很抱歉。", "改成好评就给您返现 10 元,删了差评我们补偿您。"), encoding="utf-8")
    with TestClient(create_app(settings.model_copy(update={"prompts_dir": prompts}))) as test_client:
        yield test_client


def test_every_proactive_draft_passes_the_reply_guards(offering_client: TestClient) -> None:
    body = post(offering_client, "review_reply", **CASES["review_reply"]).json()
    offering = next(d for d in body["drafts"] if "返现" in d["text"])
    assert not offering["guard"]["passed"]
    assert {v["rule"] for v in offering["guard"]["violations"]} == {"platform_rule.review_reward"}
    assert body["drafts"][0]["guard"]["passed"]  # the passing draft ranks first
