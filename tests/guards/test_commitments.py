"""false_promise, commitment claims: certain outcomes, arrival deadlines, turnaround faster than the docs."""

from __future__ import annotations

import pytest

from service.guards.false_promise import FalsePromiseGuard
from tests.guards.shops import make_ctx, order

GUARD = FalsePromiseGuard()
PATCH = order("PT1", "定制商品")  # 定制周期: 7 天


def _rules(reply: str, order_data: dict[str, object] | None = None) -> set[str]:
    return {v.rule for v in GUARD.check(make_ctx("long_returns", reply, order_data))}


@pytest.mark.parametrize(
    ("reply", "rule"),
    [
        ("亲,纯棉的,宝宝穿了也肯定不会起疹子。", "false_promise.outcome_guarantee"),
        ("亲,我们的包装您还不放心吗?怎么可能会碎呢~", "false_promise.outcome_guarantee"),
        ("放心拍 碎不了的", "false_promise.outcome_guarantee"),
        ("亲,您放心,成都这边后天就能收到。", "false_promise.arrival_deadline"),
        ("包到的亲 周五之前就到您手上", "false_promise.arrival_deadline"),
        ("亲,定制的话我们加急,3天就能做好。", "false_promise.turnaround"),
    ],
)
def test_commitments(reply: str, rule: str) -> None:
    assert rule in _rules(reply, PATCH)


@pytest.mark.parametrize(
    "reply",
    [
        "亲,我没办法跟您说绝对不会坏,不过有1年保修,有问题随时找我们。",
        "亲,仓库收到退货并验收后2天内给您退款,原路退回。",
        "亲,快递一般2-4天送达,具体以物流为准。",
        "亲,定制周期是7天,做好后24小时内发货。",
        "亲,实在没办法保证明天一定送到哦,同省一般1-2天。",
        "亲,如果运输中碎了,我们一定给您补发。",
    ],
)
def test_no_commitment(reply: str) -> None:
    assert not {r for r in _rules(reply, PATCH) if r.split(".")[1] in
                ("outcome_guarantee", "arrival_deadline", "turnaround")}
