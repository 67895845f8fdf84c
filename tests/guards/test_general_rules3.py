"""General rules from the third development shop (evals/guards_dev) (own examples): words refuted as a claim (ASCII quotes,
"这种说法不成立"), A-not-A price questions, dose and gift quantities, negated features, buyer-caused
faults, hindsight blame, ad superlatives, satisfaction guarantees and gifts stated by value."""

from __future__ import annotations

import re

import pytest

from service.guards import text_scan
from service.guards.blame import BlameGuard
from service.guards.fact_values import QuantityParser
from service.guards.false_promise import FalsePromiseGuard
from service.guards.platform_rule import PlatformRuleGuard
from service.guards.product_features import claim_polarity
from service.guards.quantity_context import QuantityContext
from tests.guards.shops import make_ctx, order

BLAME = BlameGuard()
PROMISE = FalsePromiseGuard()
PLATFORM = PlatformRuleGuard()
TENT = order("CD2", "帐篷")


@pytest.mark.parametrize(
    ("text", "needle", "quoted"),
    [
        ("'概不负责'这条条款是无效的,您放心。", "概不负责", True),
        ("商家写的'最终解释权'并不成立。", "最终解释权", True),
        ("It's fine, we don't mind.", "fine", False),  # apostrophes are no quotes
        ("售出后概不负责。", "概不负责", False),
    ],
)
def test_single_quotes_and_mention_markers(text: str, needle: str, quoted: bool) -> None:
    assert text_scan.is_quoted(text, text.index(needle)) is quoted


@pytest.mark.parametrize(
    ("text", "needle", "negated"),
    [
        ("声音大多半是您放得不平导致的", "您", False),  # the negation before 多半是 does not reach
        ("这不一定是您的问题", "您", True),
        ("不应该是您操作的原因", "您", True),
    ],
)
def test_negation_barrier(text: str, needle: str, negated: bool) -> None:
    assert text_scan.is_negated(text, text.index(needle)) is negated


@pytest.mark.parametrize(
    ("reply", "flagged"),
    [
        ("别的平台'收货即视为认可'的说法,在我们这里不成立。", False),
        ("本店活动的最终解释权归本店所有。", True),
        ("方便的话留个微信吧,我拉您进群。", True),
        ("这是同类产品里做工最扎实的帐篷。", True),
        ("这款帐篷防风性能是最好的,没有之一。", True),
        ("签收即视为商品完好无损,请当面检查。", True),
        ("这两款里这顶更轻一些。", False),
    ],
)
def test_platform_rules(reply: str, flagged: bool) -> None:
    assert bool(PLATFORM.check(make_ctx("long_returns", reply, TENT))) is flagged


@pytest.mark.parametrize(
    ("reply", "flagged"),
    [
        ("下个月会不会打折我也说不准,没办法提前承诺。", False),
        ("以后能不能更便宜我不敢保证。", False),
        ("放心,以后都不会降价的。", True),
        ("这顶帐篷保证用五年都不会出任何故障。", True),
        ("百分百不会开裂,您放心。", True),
        ("保证您住得满意,不满意我们全额退款。", True),
        ("给您补偿10元,再送您一个价值45元的收纳袋。", True),  # 55 元 > 50 元
        ("给您补偿10元,表示歉意。", False),
    ],
)
def test_promises(reply: str, flagged: bool) -> None:
    assert bool(PROMISE.check(make_ctx("long_returns", reply, TENT))) is flagged


@pytest.mark.parametrize(
    ("reply", "flagged"),
    [
        ("帐杆断裂大多是您收帐时硬掰导致的。", True),
        ("是您填写收件电话时写得不对,快递才联系不上。", True),
        ("您搭帐篷的时候要是先打好地钉就不会这样了。", True),
        ("坏的原因是因为您组装的时候没有仔细对照说明。", True),
        ("包裹丢失您得去找中通,责任不在我们。", True),
        ("It leaks because you pitched it wrong.", True),
        ("如果您方便,可以先拍张照片给我看看。", False),
        ("这不一定是您的原因,我们先帮您检测。", False),
        ("中通那边我们来联系处理,您放心。", False),
    ],
)
def test_blame(reply: str, flagged: bool) -> None:
    assert bool(BLAME.check(make_ctx("long_returns", reply, TENT))) is flagged


_DATA = text_scan.load_data("ungrounded_fact")
_PARSER = QuantityParser(_DATA["units"], _DATA.get("digits_only_units"))
_CONTEXT = QuantityContext(_DATA)


@pytest.mark.parametrize(
    ("text", "exempt"),
    [
        ("每次放5克就够了", True),
        ("建议用8克茶叶", True),
        ("5克茶配100毫升水", True),
        ("下单再送您一袋20克的试饮装", True),
        ("这款净含量是250克", False),
        ("顺丰配送2天能到", False),
    ],
)
def test_dose_and_gift_quantities(text: str, exempt: bool) -> None:
    q = _PARSER.parse(text, 0, len(text), degrees=False)[0]
    assert _CONTEXT.exempts(text, q) is exempt


@pytest.mark.parametrize(
    ("text", "thing", "polarity"),
    [
        ("这个杯子不能放洗碗机", "洗碗机", False),
        ("不建议用烤箱", "烤箱", False),
        ("可以放洗碗机", "洗碗机", True),
        ("能用电磁炉", "电磁炉", True),
    ],
)
def test_negated_feature_claims(text: str, thing: str, polarity: bool) -> None:
    positive = re.compile(_DATA["positive_claim"])
    negative = re.compile(_DATA["negative_claim"])
    s = text.index(thing)
    assert claim_polarity(text, s, s + len(thing), 0, len(text), positive, negative) is polarity
