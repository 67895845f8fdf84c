"""A complaint's remedy: the lines of the matched section labelled with the buyer's product."""

from __future__ import annotations

from service.knowledge.document import parse_document
from service.planning.remedies import labelled_lines, section_of

_POLICY = """---
id: policy-aftersales
type: policy
title: 售后政策
---
# 售后政策

## 到货损坏包赔
- 属于损坏的情况:灯罩碎裂,底座断裂;台灯通电不亮。
- 不属于损坏的情况:包装盒压痕。
- 台灯、落地灯:核实后由买家选择免费补发,或退款;不需要寄回。
- 灯泡:损坏的按每只 5 元退款。
- 请拍照片:整件照片 + 问题部位特写。

## 退款时效
- 台灯:收到退货后 3 天内退款。
"""


def _doc():  # type: ignore[no-untyped-def]
    return parse_document(_POLICY, shop_id="lampshop", path="policy-aftersales.md")


def test_the_section_is_the_one_holding_the_matched_sentence() -> None:
    items = section_of(_doc(), "属于损坏的情况:灯罩碎裂")
    assert len(items) == 5 and items[-1].startswith("请拍照片")
    assert section_of(_doc(), "没有这句话") == []


def test_only_lines_labelled_with_the_buyers_product_are_its_remedy() -> None:
    def names_lamp(label: str) -> bool:
        return "台灯" in label

    def names_bulb(label: str) -> bool:
        return "灯泡" in label

    lamp = labelled_lines(_doc(), "属于损坏的情况:灯罩碎裂,底座断裂;台灯通电不亮。", names_lamp)
    assert lamp == ["台灯、落地灯:核实后由买家选择免费补发,或退款;不需要寄回。"]  # not the 退款时效 section's line
    bulb = labelled_lines(_doc(), "属于损坏的情况:灯罩碎裂,底座断裂;台灯通电不亮。", names_bulb)
    assert bulb == ["灯泡:损坏的按每只 5 元退款。"]
    # an unlabelled line ("请拍照片:…" names no product) and the matched line itself are never picked
    assert labelled_lines(_doc(), "请拍照片", lambda label: True) == [
        "属于损坏的情况:灯罩碎裂,底座断裂;台灯通电不亮。", "不属于损坏的情况:包装盒压痕。"]

