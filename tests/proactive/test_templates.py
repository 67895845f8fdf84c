"""Every proactive wording renders, with and without the optional facts; a missing variable is a typed error."""

from __future__ import annotations

import pytest

from service.errors import TemplateMissingVariables
from service.policy.order import Order
from service.proactive.facts import FactValues
from service.proactive.models import ProactiveKind
from service.proactive.templates import ProactiveTemplates, render
from service.settings import PROJECT_ROOT

TEMPLATES = ProactiveTemplates.load(PROJECT_ROOT / "prompts" / "proactive.yaml")
ORDER = Order.model_validate({"status": "shipped", "items": [{"sku": "X1", "title": "X"}], "courier": "C",
                              "tracking_number": "T1", "address": "A", "payment": "货到付款"})


def variables(kind: ProactiveKind, found: bool) -> dict[str, object]:
    spec = TEMPLATES.spec(kind)
    return {"product": "X", "item_count": 1, "order": ORDER, "review_text": "r",
            "facts": {name: ("事实。" if found else "") for name in spec.facts},
            "values": {name: FactValues.read("16:00 1-3 天 8 元 1 年 24 小时" if found else "") for name in spec.facts},
            "cutoff_time": "16:00" if found else "", "before_cutoff": found, "transit_days": "1-3" if found else ""}


@pytest.mark.parametrize("found", [True, False])
@pytest.mark.parametrize("style", ["a", "b"])
@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("kind", list(ProactiveKind))
def test_every_kind_renders(kind: ProactiveKind, language: str, style: str, found: bool) -> None:
    text = render(kind, TEMPLATES.spec(kind), language, style, **variables(kind, found))  # type: ignore[arg-type]
    assert text and "{{" not in text and "  " not in text


def test_a_missing_variable_names_the_template() -> None:
    with pytest.raises(TemplateMissingVariables, match=r"shipping_notice\.zh\.a"):
        render(ProactiveKind.shipping_notice, TEMPLATES.spec(ProactiveKind.shipping_notice), "zh", "a", product="X")


def test_figures_are_read_from_a_fact_sentence() -> None:
    values = FactValues.read("每天 16:00 前付款当天发出;江浙沪 1-3 天,偏远地区 5-10 天;另付 8 元;保修 1 年;48 小时内")
    assert values.times == ["16:00"] and values.day_ranges == [(1, 3), (5, 10)]
    assert values.yuan == ["8"] and values.years == ["1"] and values.hours == ["48"]
