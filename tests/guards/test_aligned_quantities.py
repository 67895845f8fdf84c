"""ungrounded_fact, aligned quantities: any number+unit compared with the spec value its wording speaks of."""

from __future__ import annotations

import pytest

from service.guards.ungrounded_fact import UngroundedFactGuard
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from tests.guards.shops import make_ctx

_MASK = """---
id: mask
type: product
title: 睡眠面膜 SM7
sku: SM7
category: 面膜
price: 129
tags: [面膜]
---
## 规格
- 净含量: 80 ml
- 保质期: 未开封 3 年, 开封后 6 个月内用完
- 使用次数: 每罐约可使用 40 次
- 适用年龄: 12 岁以上
- 刻字: 盖子最多 8 个汉字
"""

SHOP = ShopKnowledge.build("aligned", [parse_document(_MASK, shop_id="aligned", path="mask")])
GUARD = UngroundedFactGuard()


def _numbers(reply: str, buyer: tuple[str, ...] = ()) -> bool:
    ctx = make_ctx("short_refunds", reply, conversation=buyer).model_copy(update={"shop": SHOP})
    return any(v.rule == "ungrounded_fact.number" for v in GUARD.check(ctx))


@pytest.mark.parametrize(
    "reply",
    [
        "亲,SM7 开封后能放 12 个月哦~",  # "开封后" aligns with "开封后 6 个月内", not with "未开封 3 年"
        "SM7 一罐能用 100 次,很耐用~",  # 次: a unit no table knows
        "SM7 盖子能刻 12 个汉字的~",  # above the spec's "最多 8 个"
    ],
)
def test_a_number_that_no_spec_value_of_its_unit_allows(reply: str) -> None:
    assert _numbers(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "亲,SM7 开封后 6 个月内用完就好~",
        "SM7 未开封能放 3 年。",
        "SM7 一罐大概能用 40 次~",
        "SM7 盖子能刻 6 个汉字,够写名字了~",  # inside the bound
        "SM7 晚上用,每次挖 1 颗黄豆大小就行~",  # a unit the spec never uses
        "SM7 开封后能放 12 个月吗?",  # a question
    ],
)
def test_numbers_the_spec_allows_or_does_not_speak_of_pass(reply: str) -> None:
    assert not _numbers(reply)


def test_the_buyers_own_figures_said_back_are_no_claim() -> None:
    assert not _numbers("您说的 12 个汉字的话,SM7 盖子刻不下哦~", buyer=("盖子想刻 12 个汉字",))
