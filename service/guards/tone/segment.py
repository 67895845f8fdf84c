"""Splits a reply into the pieces the tone model scores: sentences, long ones cut at commas into parts.

Each piece keeps its [start, end) offsets in the reply so that a finding can point at it. Fragments
too short to carry a tone on their own ("亲,", "好的。") are merged into the next piece.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[。!！?？;；\n…~～]+|[.!?](?=\s|$)")
_COMMA = re.compile(r"[,，、]")
MAX_PIECE = 40  # characters; a longer sentence is cut at its commas
MIN_PIECE = 4  # characters of text (not counting punctuation and spaces)
_TEXT_CHAR = re.compile(r"[\w\u4e00-\u9fff]")


def _cut(text: str, start: int, end: int, sep: re.Pattern[str]) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    begin = start
    for match in sep.finditer(text, start, end):
        pieces.append((begin, match.end()))
        begin = match.end()
    if begin < end:
        pieces.append((begin, end))
    return pieces


def _group(parts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Consecutive comma parts joined while they fit in MAX_PIECE characters."""
    groups: list[tuple[int, int]] = []
    for start, end in parts:
        if groups and end - groups[-1][0] <= MAX_PIECE:
            groups[-1] = (groups[-1][0], end)
        else:
            groups.append((start, end))
    return groups


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _weight(text: str, start: int, end: int) -> int:
    return len(_TEXT_CHAR.findall(text, start, end))


def segment(text: str) -> list[tuple[int, int]]:
    """The pieces of `text` as (start, end) offsets, in order; [] for a text without words."""
    pieces: list[tuple[int, int]] = []
    for start, end in _cut(text, 0, len(text), _SENTENCE_END):
        if end - start > MAX_PIECE:
            pieces.extend(_group(_cut(text, start, end, _COMMA)))
        else:
            pieces.append((start, end))
    merged: list[tuple[int, int]] = []
    carry: int | None = None
    for start, end in pieces:
        if carry is not None:
            start, carry = carry, None
        if _weight(text, start, end) < MIN_PIECE:
            carry = start
            continue
        merged.append((start, end))
    if carry is not None:  # a short tail joins the piece before it
        if merged:
            merged[-1] = (merged[-1][0], len(text))
        elif _weight(text, carry, len(text)) > 0:
            merged.append((carry, len(text)))
    spans = [_strip(text, s, e) for s, e in merged]
    return [(s, e) for s, e in spans if e > s]
