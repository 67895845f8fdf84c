"""Phrase exemptions that read structure: a negated link inside a match, the shop's own documented wording."""

from __future__ import annotations

import re

import pytest

from service.guards.phrases import documented, negated_inside
from service.guards.platform_rule import PlatformRuleGuard
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from tests.guards.shops import make_ctx

_LINK = re.compile(r"(评价|好评)[^。!！?？;；]{0,10}?(返现|红包)")
_SILENCE = re.compile(r"(补偿|给您)[^。!！?？;；]{0,12}(别|不要|不)(给|打|写)(差评)")


@pytest.mark.parametrize(
    ("pattern", "text", "exempt"),
    [
        (_LINK, "我们邀请评价不附带任何返现或红包哦", True),  # the link itself is denied
        (_LINK, "好评就有红包", False),
        (_SILENCE, "给您补偿20元,您就别给差评了", False),  # the pattern needs its own 不/别
        (_LINK, "改个好评对您也没损失,还能拿红包", False),  # the negation is of another predicate
    ],
)
def test_a_negation_inside_a_linking_match(pattern: re.Pattern[str], text: str, exempt: bool) -> None:
    match = pattern.search(text)
    assert match is not None
    assert negated_inside(pattern, text, *match.span()) is exempt


def test_documented_wording_needs_the_words_beside_the_match() -> None:
    docs = "保质期个月最佳赏味期烘焙后天\n整豆个月内喝完风味最好"
    reply = "最佳赏味期是烘焙后7-45天,一个月内喝完风味最好~"
    assert documented(reply, 0, 2, docs)
    assert documented(reply, reply.index("最好"), reply.index("最好") + 2, docs)
    assert not documented("这是全网最好的咖啡", 5, 7, docs)


_COFFEE = """---
id: coffee
type: product
title: 咖啡豆 C5
sku: C5
category: 咖啡
price: 89
tags: [咖啡]
---
## 规格
- 保质期: 12 个月; 最佳赏味期烘焙后 7-45 天
"""


def test_platform_guard_reads_the_shops_documents() -> None:
    shop = ShopKnowledge.build("coffee", [parse_document(_COFFEE, shop_id="coffee", path="coffee")])
    guard = PlatformRuleGuard()

    def rules(reply: str) -> set[str]:
        ctx = make_ctx("short_refunds", reply).model_copy(update={"shop": shop})
        return {v.rule for v in guard.check(ctx)}

    assert "platform_rule.absolute_terms" not in rules("C5 最佳赏味期是烘焙后7-45天")
    assert "platform_rule.absolute_terms" in rules("C5 是最佳咖啡豆")
    assert "platform_rule.review_reward" not in rules("我们邀请评价不附带任何返现或红包哦")
    assert "platform_rule.review_reward" in rules("好评就返现5元")


_POLICY = """---
id: policy-price
type: policy
title: 价格保护
---
- 付款后 7 天内,同一商品同一规格在本店降价的,可以联系客服申请退差价。
"""
_NO_PROTECTION = """---
id: policy-price
type: policy
title: 价格
---
- 本店不提供价保,降价后不补差价。
"""


def _future_price(policy: str, reply: str) -> bool:
    from service.guards.false_promise import FalsePromiseGuard

    shop = ShopKnowledge.build("price", [parse_document(policy, shop_id="price", path="policy")])
    ctx = make_ctx("short_refunds", reply).model_copy(update={"shop": shop})
    return "false_promise.future_price" in {v.rule for v in FalsePromiseGuard().check(ctx)}


def test_a_promise_the_shops_documents_make_with_its_numbers_is_the_shops_rule() -> None:
    assert not _future_price(_POLICY, "平时付款后7天内本店同款降价是可以申请退差价的~")
    assert _future_price(_POLICY, "一个月内降价我们都给您补差价")  # beyond the documented 7 days
    assert _future_price(_POLICY, "以后要是降价了您联系我,给您补差价")  # no terms: broader than the rule
    assert _future_price(_NO_PROTECTION, "付款后7天内降价可以申请退差价")  # the document negates it
