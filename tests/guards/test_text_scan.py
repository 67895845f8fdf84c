"""Shared text helpers: negation, hedging, quotation, conditionals, numbers, amounts, clauses."""

from __future__ import annotations

import pytest

from service.guards import text_scan


def _at(text: str, phrase: str) -> int:
    return text.index(phrase)


@pytest.mark.parametrize(
    ("text", "phrase", "negated"),
    [
        ("我们没办法保证具体到达时间", "保证", True),
        ("不能保证明天到哦", "保证明天到", True),
        ("我们绝不会以任何理由要求您私下转账", "私下转账", True),
        ("请不要私下转账", "私下转账", True),
        ("I can't guarantee a delivery date", "guarantee", True),
        ("给您带来不便,我们保证明天到", "保证", False),  # 不便 is not a negation, and it is another clause
        ("不好意思,保证明天到", "保证", False),
        ("不用担心我们保证明天到", "保证", False),
        ("快递送不到能怪谁", "能怪谁", False),  # 不 inside a potential complement
        ("这不是您的问题", "是您的问题", True),
    ],
)
def test_negation(text: str, phrase: str, negated: bool) -> None:
    start = _at(text, phrase)
    assert text_scan.is_negated(text, start, start + len(phrase)) is negated


def test_negation_after_the_phrase() -> None:
    text = "1000元的赔偿我这边没有权限答应"
    assert text_scan.is_negated(text, 0, text.index("的赔偿") + 3)


@pytest.mark.parametrize(
    ("text", "phrase", "quoted"),
    [
        ("您说是我们发错了, 真的很抱歉", "是我们发错了", True),
        ("您说\u201c你们客服就会推卸责任\u201d,这次是我们不好", "推卸责任", True),
        ("You said it would arrive tomorrow", "arrive tomorrow", True),
        ("我跟您说,明天一定到", "明天一定到", False),
        ("明天一定到", "明天一定到", False),
    ],
)
def test_quotation(text: str, phrase: str, quoted: bool) -> None:
    assert text_scan.is_quoted(text, _at(text, phrase)) is quoted


@pytest.mark.parametrize(
    ("text", "phrase", "hedged"),
    [("预计明天送达", "明天送达", True), ("江浙沪一般1-3天", "1-3天", True), ("明天送达", "明天送达", False)],
)
def test_hedging(text: str, phrase: str, hedged: bool) -> None:
    start = _at(text, phrase)
    assert text_scan.is_hedged(text, start, start + len(phrase)) is hedged


@pytest.mark.parametrize(
    ("text", "phrase", "conditional"),
    [
        ("如因人为损坏,不在保修范围内", "不在保修范围", True),
        ("零下10度的话不建议单独用", "零下10度", True),
        ("例如11月4日签收,可以退", "可以退", False),
        ("If it is damaged, we will replace it", "replace", True),
    ],
)
def test_conditional(text: str, phrase: str, conditional: bool) -> None:
    start = _at(text, phrase)
    assert text_scan.is_conditional(text, start, start + len(phrase)) is conditional


@pytest.mark.parametrize(
    ("token", "value"),
    [("七", 7), ("十五", 15), ("两", 2), ("二十", 20), ("三十", 30), ("一百二", 120), ("一万五", 15000), ("7", None)],
)
def test_chinese_numbers(token: str, value: int | None) -> None:
    assert text_scan.parse_cn_number(token) == value


def test_parse_number_accepts_digits_and_chinese() -> None:
    assert text_scan.parse_number("2.5") == 2.5
    assert text_scan.parse_number("十五") == 15.0
    assert text_scan.parse_number("abc") is None


def test_amounts() -> None:
    amounts = text_scan.find_amounts("补偿您50元,再送五十块和¥30.5")
    assert [a.value for a in amounts] == [50.0, 50.0, 30.5]


def test_clauses_keep_decimals_and_times_whole() -> None:
    text = "亲,您好!帐篷重1.9kg。16:00前发货"
    assert [text[a:b] for a, b in text_scan.split_clauses(text)] == ["亲", "您好", "帐篷重1.9kg", "16:00前发货"]
