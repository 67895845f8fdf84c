"""Chinese ↔ English spec vocabulary (prompts/glossary_en.yaml): English questions are matched against
Chinese documents through it, and plans are rendered in English with it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

_DISCOUNT = re.compile(r"(\d(?:\.\d)?|\d{2})\s*折")


def _discount_off(match: re.Match[str]) -> str:
    paid = float(match.group(1))
    return f"{round(100 - (paid * 10 if paid < 10 else paid), 1):g}% off"


class Glossary:
    """Chinese → English terms, longest first (prompts/glossary_en.yaml)."""

    def __init__(self, path: Path) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rendered = {**data["terms"], **data.get("render_only", {})}
        self._terms = sorted(rendered.items(), key=lambda kv: -len(kv[0]))
        self._units = sorted(data["units"].items(), key=lambda kv: -len(kv[0]))
        self.reverse: dict[str, list[str]] = {}
        for zh, en in data["terms"].items():
            for word in re.findall(r"[a-z]{4,}", en.lower()):
                self.reverse.setdefault(word, []).append(zh)

    def chinese_terms(self, english: str) -> list[str]:
        """Chinese spec words for an English question (to match it against Chinese documents)."""
        found: list[str] = []
        for word in re.findall(r"[a-z]{4,}", english.lower()):
            for zh in self.reverse.get(word, []) + self.reverse.get(word.rstrip("s"), []):
                if zh not in found:
                    found.append(zh)
        return found

    def english(self, text: str) -> str:
        # Chinese discounts name the share paid: 95 折 = 5% off, 8.5 折 = 15% off
        out = _DISCOUNT.sub(_discount_off, text)
        for zh, en in self._units:
            out = re.sub(rf"(\d)\s*{re.escape(zh)}", rf"\1 {en}", out)
        for zh, en in self._terms:
            if zh in out:
                out = out.replace(zh, f" {en} ")
        out = out.replace(",", ", ").replace(";", "; ").replace("。", ". ").replace(":", ": ").replace("、", ", ")
        out = out.replace("(", " (").replace(")", ")")
        out = re.sub(r"\s{2,}", " ", out)
        return re.sub(r"\s+([,;.)])", r"\1", out).strip(" ,;")
