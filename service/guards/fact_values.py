"""Quantities with units (2.1 kg, 3-5 天, -6℃, IPX4) and the parts of a spec value they belong to."""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.guards import text_scan

# A number starts where a run of digits (or numerals) starts: matching from inside a long run again and
# again made the scan quadratic (2,000 digits took >10 s).
_NUMBER = r"(?<![\d.])\d+(?:\.\d+)?|(?<![零一二两三四五六七八九十百千万])[零一二两三四五六七八九十百千万]+"
_IP_RE = re.compile(r"IP[X\d]\d", re.IGNORECASE)
_ATM_RE = re.compile(r"(\d+(?:\.\d+)?)\s*ATM", re.IGNORECASE)
_SEGMENT_SPLIT = re.compile(r"[,;，；、]|\s+/\s+")
_PAREN = re.compile(r"[（(]([^()（）]*)[)）]")
_NEGATIVE_SEGMENT = re.compile(r"^\s*(不适用|不含|不支持|不是|非|不包括|不包含)")


@dataclass(frozen=True)
class Quantity:
    """A value or range in a dimension's base unit, found at [start, end) of its text."""

    dim: str
    lo: float
    hi: float
    start: int
    end: int
    label: str = ""
    within: bool = False  # "48 小时内": an upper bound, anything from 0 up to it


class QuantityParser:
    """Finds number+unit quantities for the dimensions of `units` (unit → factor to base)."""

    def __init__(self, units: dict[str, dict[str, float]], digits_only: list[str] | None = None) -> None:
        self.digits_only = set(digits_only or [])
        self.factors: dict[str, tuple[str, float]] = {}
        for dim, table in units.items():
            for unit, factor in table.items():
                self.factors[unit] = (dim, float(factor))
        alternation = "|".join(
            re.escape(u) + (r"(?![A-Za-z])" if u.isascii() and u[-1].isalpha() else "")
            for u in sorted((u for t in units.values() for u in t), key=len, reverse=True)
        )
        self._single = re.compile(
            rf"(?P<neg>零下|负|(?<![\dA-Za-z.])[-−])?\s*(?P<a>{_NUMBER})"
            rf"(?:\s*(?:-|~|～|到|至)\s*(?P<neg2>零下|[-−])?\s*(?P<b>{_NUMBER}))?"
            rf"\s*-?\s*(?:个)?(?P<unit>{alternation})"
        )
        self._multi = re.compile(
            r"(?P<nums>(?<![\d.])(?:\d+(?:\.\d+)?\s*[x×*]\s*)+\d+(?:\.\d+)?)\s*(?P<unit>mm|cm|MM|CM|m|厘米|毫米)(?![A-Za-z])"
        )

    def parse(self, text: str, start: int = 0, end: int | None = None, degrees: bool = False) -> list[Quantity]:
        """Quantities in text[start:end]; the bare unit 度 counts only when `degrees` is set (or 零下)."""
        end = len(text) if end is None else end
        found: list[Quantity] = []
        for match in self._multi.finditer(text, start, end):
            dim, factor = self.factors[match.group("unit")]
            for number in re.finditer(r"\d+(?:\.\d+)?", match.group("nums")):
                value = float(number.group()) * factor
                found.append(Quantity(dim, value, value, match.start(), match.end(), match.group()))
        for match in self._single.finditer(text, start, end):
            if any(q.start <= match.start() < q.end for q in found):
                continue
            quantity = self._quantity(match, degrees)
            if quantity is not None:
                found.append(quantity)
        for match in _IP_RE.finditer(text, start, end):
            found.append(Quantity("ip", 0, 0, match.start(), match.end(), match.group().upper()))
        for match in _ATM_RE.finditer(text, start, end):
            value = float(match.group(1))
            found.append(Quantity("atm", value, value, match.start(), match.end(), match.group()))
        return sorted(found, key=lambda q: q.start)

    def _quantity(self, match: re.Match[str], degrees: bool) -> Quantity | None:
        unit = match.group("unit")
        dim, factor = self.factors[unit]
        if unit == "度" and not (degrees or match.group("neg") == "零下"):
            return None
        if unit in self.digits_only and not match.group("a")[0].isdigit():
            return None
        after = match.string[match.end() : match.end() + 2]
        if unit in ("月", "个月") and re.match(r"\d|份", after):
            return None
        before = match.string[max(0, match.start() - 3) : match.start()]
        if unit in ("天", "日") and (before.endswith("第") or re.search(r"\d月$", before)):
            return None  # an ordinal (第3天) or a date (7月25日), not a duration
        a = text_scan.parse_number(match.group("a"))
        b = text_scan.parse_number(match.group("b")) if match.group("b") else a
        if a is None or b is None or (unit == "年" and a >= 1900):
            return None
        if match.group("neg"):
            a = -a
            if not match.group("b"):
                b = a
        if match.group("neg2"):
            b = -b
        lo, hi = sorted((a * factor, b * factor))
        within = bool(re.match(r"\s*(内|以内|之内)", after))
        return Quantity(dim, lo, hi, match.start(), match.end(), match.group().strip(), within)


def segments(key: str, value: str) -> list[str]:
    """The parts of a spec value, each prefixed with its key; parenthesised notes become parts too."""
    notes = _PAREN.findall(value)
    main = _PAREN.sub(" ", value)
    parts = [p for p in _SEGMENT_SPLIT.split(main) if p.strip()]
    for note in notes:
        parts.extend(p for p in _SEGMENT_SPLIT.split(note) if p.strip())
    return [f"{key}: {p.strip()}" for p in parts if not _NEGATIVE_SEGMENT.match(p)]


def matches(claimed: Quantity, allowed: list[Quantity], tolerance: float) -> bool:
    """The claimed value or range agrees with one of the allowed ones (relative tolerance)."""
    for spec in allowed:
        if spec.dim != claimed.dim:
            continue
        if spec.dim == "ip":
            if spec.label == claimed.label:
                return True
            continue
        slack = max(abs(spec.lo), abs(spec.hi), abs(claimed.lo), abs(claimed.hi)) * tolerance
        if claimed.lo <= spec.hi + slack and spec.lo <= claimed.hi + slack:
            return True
    return False
