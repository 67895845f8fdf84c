"""A product's rated level answers a question naming a scaled situation: yes, no, or nothing to say."""

from __future__ import annotations

from service.evaluation.shops import load_shop_knowledge
from service.guards.capability import CapabilityChecks


def test_levels_answer_water_questions_and_accidents_are_left_to_the_documents() -> None:
    shop = load_shop_knowledge("demo")
    checks = CapabilityChecks.from_guard_data()
    earbuds, charger = shop.products["earbuds-ab3"], shop.products["charger-gan65"]
    swim = checks.verdict("能戴着游泳吗", earbuds)
    assert swim is not None and swim.polarity == "no" and "防水等级" in swim.keys
    rain = checks.verdict("下雨天能戴吗", earbuds)
    assert rain is not None and rain.polarity == "yes"
    assert checks.verdict("能给笔记本快充吗", charger) is None  # watts: a lamp's 功率 is what it draws
    assert checks.verdict("掉水里了还能用吗", earbuds) is None
    assert checks.verdict("颜色有几种", earbuds) is None
