"""The drafts' text pulled out of the LLM's JSON answer while it is still being written.

The model answers ``{"drafts": [{"text": "...", "citations": [...]}]}``; an agent wants to read the
``text`` values as they grow, not the JSON around them. The scanner is fed the raw pieces in order and
returns, per piece, the new characters of each draft's text (JSON escapes decoded). The parse of the
whole answer at the end (``parse_drafts``) stays authoritative: it also reads the lenient formats.
"""

from __future__ import annotations

import json
import re

_TEXT_KEY = re.compile(r'"text"\s*:\s*"')
_HIGH_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}")


class DraftTextScanner:
    """Feed raw pieces of the answer; get ``(draft number, new text)`` pairs as text values grow."""

    def __init__(self) -> None:
        self._raw = ""
        self._pos = 0  # everything before this is consumed
        self._in_text = False
        self.count = 0  # text values started so far; the current one is number count - 1
        self.texts: list[str] = []  # the text decoded so far, per draft number

    def feed(self, piece: str) -> list[tuple[int, str]]:
        """The new text per draft in ``piece`` (several drafts may grow in one piece)."""
        self._raw += piece
        grown: dict[int, str] = {}
        while True:
            if not self._in_text:
                found = _TEXT_KEY.search(self._raw, self._pos)
                if found is None:
                    break
                self._pos, self._in_text = found.end(), True
                self.count += 1
                self.texts.append("")
            added, closed = self._read_string()
            if added:
                number = self.count - 1
                grown[number] = grown.get(number, "") + added
                self.texts[number] += added
            if not closed:
                break
            self._in_text = False
        return list(grown.items())

    def _read_string(self) -> tuple[str, bool]:
        """Decode the current JSON string from the position on; (text, whether its closing quote came)."""
        out: list[str] = []
        raw, i = self._raw, self._pos
        while i < len(raw):
            ch = raw[i]
            if ch == '"':
                self._pos = i + 1
                return "".join(out), True
            if ch != "\\":
                out.append(ch)
                i += 1
                continue
            width = self._escape_width(raw, i)
            if width == 0:  # the escape is cut off by the end of the piece: wait for more
                break
            try:
                out.append(json.loads(f'"{raw[i:i + width]}"'))
            except json.JSONDecodeError:
                out.append(raw[i + 1:i + width])  # a malformed escape: keep its characters
            i += width
        self._pos = i
        return "".join(out), False

    @staticmethod
    def _escape_width(raw: str, i: int) -> int:
        """Characters of the escape at ``i`` (a surrogate pair counts as one), 0 when not all here yet."""
        if i + 1 >= len(raw):
            return 0
        if raw[i + 1] != "u":
            return 2
        if i + 6 > len(raw):
            return 0
        if _HIGH_SURROGATE.match(raw, i):  # decode the pair together, never half a character
            return 12 if i + 12 <= len(raw) else 0
        return 6
