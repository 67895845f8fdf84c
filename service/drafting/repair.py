"""Mechanical repair: apply the guards' suggested wordings to a failing draft."""

from __future__ import annotations

from service.guards.base import Violation


def apply_suggestions(text: str, violations: list[Violation]) -> str:
    """Replace each violation's span by its suggestion, last first; overlapping spans are skipped."""
    fixes = sorted((v for v in violations if v.suggestion is not None), key=lambda v: v.span[0], reverse=True)
    result = text
    limit = len(text) + 1
    for violation in fixes:
        start, end = violation.span
        if end > limit or start < 0 or end > len(text) or start > end:
            continue
        result = result[:start] + (violation.suggestion or "") + result[end:]
        limit = start
    return result
