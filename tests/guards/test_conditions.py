"""refund_rule, conditions: no-reason returns granted or refused against the shop's goods conditions."""

from __future__ import annotations

import pytest

from service.guards.refund_rule import RefundRuleGuard
from tests.guards.shops import make_ctx, order

GUARD = RefundRuleGuard()
CREAM = order("HC1", "化妆品")  # day 6 of 7
DRESS = order("DR1", "服装")


@pytest.mark.parametrize(
    ("reply", "order_data", "conversation", "rule"),
    [
        ("亲,可以的,给您办理无理由退货。", DRESS, ("吊牌剪了,不想要了",), "refund_rule.condition_grant"),
        ("OK, you can return it, no reason needed.", DRESS, ("I cut the tags off, can I return it?",),
         "refund_rule.condition_grant"),
        ("亲,支持7天无理由退货,申请就行。", CREAM, ("面霜拆封用了两次,不喜欢",), "refund_rule.condition_grant"),
        ("亲,拆封了也可以无理由退货的。", CREAM, ("不喜欢",), "refund_rule.condition_waived"),
        ("亲,吊牌剪了也没关系,可以退。", DRESS, ("不想要了",), "refund_rule.condition_waived"),
        # the buyer says it is sealed; the reply refuses as if it were opened
        ("亲,已经拆封了,不能退哦。", CREAM, ("还没拆封,不想要了",), "refund_rule.condition_denial"),
        # the shop requires no sealed pack for clothes: opening is no reason to refuse
        ("亲,衣服拆开了就不能退了。", DRESS, ("试穿了一下不合适",), "refund_rule.condition_denial"),
    ],
)
def test_condition_violations(reply: str, order_data: dict[str, object], conversation: tuple[str, ...],
                              rule: str) -> None:
    rules = {v.rule for v in GUARD.check(make_ctx("conditions", reply, order_data, conversation))}
    assert rule in rules


@pytest.mark.parametrize(
    ("reply", "order_data", "conversation"),
    [
        ("亲,吊牌剪了的话就不支持无理由退货了,很抱歉。", DRESS, ("吊牌剪了,不想要了",)),
        ("亲,面霜已经拆封使用,不能无理由退货了;如果有过敏等质量问题请发照片。", CREAM, ("面霜用了两次,不喜欢",)),
        ("亲,吊牌还在、没穿过的话,可以无理由退货。", DRESS, ("不想要了",)),
        ("亲,密封没拆就可以申请无理由退货。", CREAM, ("没拆封,不想要了",)),
        ("亲,试穿不影响退货,可以申请无理由退货。", DRESS, ("试穿了一下不合适",)),
    ],
)
def test_condition_clean(reply: str, order_data: dict[str, object], conversation: tuple[str, ...]) -> None:
    violations = GUARD.check(make_ctx("conditions", reply, order_data, conversation))
    assert violations == [], [(v.rule, v.message) for v in violations]
