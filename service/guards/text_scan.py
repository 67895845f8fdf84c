"""Text helpers every guard shares: clauses, negation, hedging, quotation, conditionals, numbers.

The cue words live in `data/text_scan.yaml`; a phrase found in a reply only counts as the reply's
own claim when it is not negated, quoted or conditional (and, for promises, not hedged).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"

_CLAUSE_SEP = re.compile(r"[,，。!！?？;；\n~～…]|[:：](?!\d)|(?<!\d)[.](?!\d)|\.(?=\s)|\s-\s")
# "it's now day 12. If ..." ends a sentence; a list marker at a line start ("1. If ...") does not
_SENTENCE_SEP = re.compile(
    r"[。!！?？;；\n]|\.(?=\s|$)(?<!\d\.)|(?:(?<=[ \ta-zA-Z]\d)|(?<=[ \t]\d\d)|(?<=\d\d\d))\.(?=\s+[A-Z])"
)
_QUOTE_PAIRS = (("“", "”"), ("「", "」"), ("『", "』"), ('"', '"'), ("‘", "’"))
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
# Numbers start where a run of digits or numerals starts: a match tried from inside a long run again and
# again made every pattern using NUM quadratic in the run's length.
NUM = r"(?:(?<![\d.])\d+(?:\.\d+)?|(?<![零〇一二两三四五六七八九十百千万])[零〇一二两三四五六七八九十百千万]+)"
_AMOUNT_RE = re.compile(rf"(?:[¥￥]\s*(?P<a>\d+(?:\.\d+)?))|(?P<b>{NUM})\s*(?:元|块钱|块|rmb|RMB|yuan|CNY)")
_ASCII_WORD = re.compile(r"[A-Za-z]")
# "送不到, 用不了, 打不开": 不 inside a potential complement does not negate what follows.
_COMPLEMENT = re.compile(r"(?<=[\u4e00-\u9fff])不(?=[到了动起进出上下开好完住成着])")
_SINGLE_QUOTE = re.compile(r"(?<![A-Za-z])'|'(?![A-Za-z])")
_TO_YOU = re.compile(r"[跟和给向对同]您说|[跟和给向对同]你说")


def load_data(name: str, data_dir: Path | None = None) -> dict[str, Any]:
    """A guard's data file (`<data_dir>/<name>.yaml`) as a mapping; the default dir is cached."""
    if data_dir is None:
        return _load_default(name)
    return _read_yaml(data_dir / f"{name}.yaml")


@lru_cache(maxsize=32)
def _load_default(name: str) -> dict[str, Any]:
    return _read_yaml(DATA_DIR / f"{name}.yaml")


def _read_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


@dataclass(frozen=True)
class Cues:
    """The cue lists, compiled once."""

    negation: re.Pattern[str]
    false_negation: re.Pattern[str]
    negation_after: re.Pattern[str]
    hedging: re.Pattern[str]
    quote: re.Pattern[str]
    mention: re.Pattern[str]
    barrier: re.Pattern[str]
    conditional: re.Pattern[str]
    list_tail: re.Pattern[str]
    coordinator: re.Pattern[str]


def _alternation(words: list[str]) -> re.Pattern[str]:
    parts = []
    for word in sorted(words, key=len, reverse=True):
        escaped = re.escape(word)
        parts.append(rf"\b{escaped}\b" if _ASCII_WORD.match(word) else escaped)
    return re.compile("|".join(parts), re.IGNORECASE)


@lru_cache(maxsize=1)
def cues() -> Cues:
    """The shared cue lists from `data/text_scan.yaml`."""
    data = load_data("text_scan")
    return Cues(
        negation=_alternation(data["negation"]),
        false_negation=_alternation(data["false_negation"]),
        negation_after=_alternation(data["negation_after"]),
        hedging=_alternation(data["hedging"]),
        quote=_alternation(data["quote_cues"]),
        mention=_alternation(data["mention_cues"]),
        barrier=re.compile(data["negation_barrier"]),
        conditional=_alternation(data["conditional"]),
        # the coordinated items a match ends ("现金或微信、"): short items, each closed by a coordinator
        coordinator=re.compile(rf"^\s*(?:{_alternation(data['coordinators']).pattern}|都|也)*\s*$"),
        list_tail=re.compile(rf"(?:[^\s,，。;；、不没无非别勿]{{1,6}}?(?:{_alternation(data['coordinators']).pattern})\s*)+$"),
    )


@lru_cache(maxsize=256)
def _separators(text: str, sep: re.Pattern[str]) -> tuple[list[int], list[int]]:
    """Start and end offsets of every separator in the text (cached: guards ask about one reply often)."""
    matches = list(sep.finditer(text))
    return [m.start() for m in matches], [m.end() for m in matches]


def _bounds(text: str, pos: int, sep: re.Pattern[str]) -> tuple[int, int]:
    starts, ends = _separators(text, sep)
    before = bisect.bisect_right(ends, pos) - 1
    after = bisect.bisect_left(starts, pos)
    return (ends[before] if before >= 0 else 0), (starts[after] if after < len(starts) else len(text))


def clause_bounds(text: str, pos: int) -> tuple[int, int]:
    """[start, end) of the clause (split at commas and stops) that contains `pos`."""
    return _bounds(text, pos, _CLAUSE_SEP)


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """[start, end) of the sentence (split at full stops, ? ! ; and newlines) that contains `pos`."""
    return _bounds(text, pos, _SENTENCE_SEP)


def split_clauses(text: str) -> list[tuple[int, int]]:
    """Non-empty clause spans of a text, in order."""
    spans, start = [], 0
    for match in _CLAUSE_SEP.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def is_negated(text: str, start: int, end: int | None = None, window: int = 8) -> bool:
    """A negation cue shortly before `start` (same clause), or a denial right after `end`."""
    c = cues()
    clause_start, clause_end = clause_bounds(text, start)
    width = window * 3 if _ASCII_WORD.match(text[start : start + 1] or "") else window
    prefix = c.false_negation.sub(lambda m: " " * len(m.group()), text[clause_start:start])
    prefix = _COMPLEMENT.sub(" ", prefix)
    # "温度不准多半是您…": an assertive copula ends the scope of a negation before it
    barrier = list(c.barrier.finditer(prefix))
    prefix = prefix[barrier[-1].end() :] if barrier else prefix
    # "不收任何现金或微信、支付宝转账": a negation reaches over a list of coordinated objects
    prefix = c.list_tail.sub("", prefix)
    # a one-character cue (不, 没, 别) negates what is near; a word (绝不会, 不能保证) reaches further
    tail = prefix[-(width * 7 // 4) :]
    if any(len(m.group()) > 1 or m.start() >= len(tail) - width for m in c.negation.finditer(tail)):
        return True
    if end is not None:
        return bool(c.negation_after.search(text[end:clause_end][: width + 4]))
    return False


def coordinated(text: str, a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether the spans a and b are items of one list ("2.4G和5G", "2.4G、5G"): only a coordinator between."""
    first, second = sorted((a, b))
    return bool(cues().coordinator.match(text[first[1] : second[0]]))


def is_hedged(text: str, start: int, end: int) -> bool:
    """The clause around [start, end) holds an estimate word (一般, 预计, 左右, usually...)."""
    clause_start, clause_end = clause_bounds(text, start)
    return bool(cues().hedging.search(text[clause_start : max(clause_end, end)]))


def is_quoted(text: str, start: int) -> bool:
    """`start` is inside quotation marks, or follows 您说/您提到/you said in the same clause."""
    for left, right in _QUOTE_PAIRS:
        opened = text.rfind(left, 0, start)
        if opened == -1:
            continue
        if left == right:
            if text.count(left, 0, start) % 2 == 1:
                return True
            continue
        closed = text.rfind(right, 0, start)
        if closed < opened:
            return True
    if _in_single_quotes(text, start):
        return True
    clause_start, clause_end = clause_bounds(text, start)
    if _quote_cue(text[clause_start:start]) or cues().mention.search(text, start, clause_end):
        return True
    if clause_start == 0:
        return False
    previous_start, _ = clause_bounds(text, clause_start - 1)
    previous = text[previous_start : clause_start - 1].rstrip()
    return previous.endswith(("说", "提到", "表示", "said", "mentioned")) and _quote_cue(previous)


def _in_single_quotes(text: str, start: int) -> bool:
    """Inside ASCII '...' in one sentence; an apostrophe between letters (it's, don't) is no quote."""
    sentence_start, sentence_end = sentence_bounds(text, start)
    marks = [m.start() for m in _SINGLE_QUOTE.finditer(text, sentence_start, sentence_end)]
    before = [m for m in marks if m < start]
    return len(before) % 2 == 1 and any(m >= start for m in marks)


def _quote_cue(segment: str) -> bool:
    # "跟您说/给您说" is the agent speaking to the buyer, not the buyer's words.
    return bool(cues().quote.search(_TO_YOU.sub("", segment)))


def is_conditional(text: str, start: int, end: int | None = None) -> bool:
    """A conditional cue (如果, 如因, 若, if...) earlier in the sentence, or 的话 in the clause."""
    c = cues()
    sentence_start, _ = sentence_bounds(text, start)
    before = text[sentence_start:start]
    before = re.sub(r"例如|比如|譬如|诸如", "", before)
    if c.conditional.search(before):
        return True
    if end is not None:
        _, clause_end = clause_bounds(text, start)
        return "的话" in text[end:clause_end]
    return False


def parse_cn_number(token: str) -> int | None:
    """Chinese numerals to int: 七 → 7, 十五 → 15, 两 → 2, 二十 → 20, 一百二 → 120."""
    if not token or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in token):
        return None
    total, section, digit = 0, 0, None
    for ch in token:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
            continue
        unit = _CN_UNITS[ch]
        if unit == 10000:
            total += (section + (digit or 0)) * unit
            section, digit = 0, None
            continue
        section += (1 if digit is None else digit) * unit
        digit = None
    if digit is not None:
        # 一百二 means 120: a trailing digit after a unit takes the next lower unit.
        if len(token) >= 2 and token[-2] in _CN_UNITS and token[-2] != "十":
            digit *= _CN_UNITS[token[-2]] // 10
        section += digit
    return total + section


def parse_number(token: str) -> float | None:
    """Arabic (with decimals) or Chinese numerals to a number; None when it is neither."""
    token = token.strip()
    try:
        return float(token)
    except ValueError:
        value = parse_cn_number(token)
        return float(value) if value is not None else None


@dataclass(frozen=True)
class Amount:
    """A money amount found in a text."""

    value: float
    start: int
    end: int


def find_amounts(text: str, start: int = 0, end: int | None = None) -> list[Amount]:
    """Money amounts (50元, 五十块, ¥50) in text[start:end], in order."""
    found = []
    for match in _AMOUNT_RE.finditer(text, start, len(text) if end is None else end):
        raw = match.group("a") or match.group("b")
        value = parse_number(raw) if raw else None
        if value is not None:
            found.append(Amount(value, match.start(), match.end()))
    return found
