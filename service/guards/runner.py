"""Runs the enabled guards over a reply."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from service.guards.base import Guard, GuardContext, GuardResult, Severity, Violation

log = logging.getLogger(__name__)


class GuardRunner:
    """Applies every guard; overlapping duplicates of the same rule are reported once."""

    def __init__(self, guards: Sequence[Guard]) -> None:
        self.guards = list(guards)

    def check(self, ctx: GuardContext) -> GuardResult:
        violations: list[Violation] = []
        seen: set[tuple[str, int, int]] = set()
        for guard in self.guards:
            for violation in guard.check(ctx):
                key = (violation.rule, *violation.span)
                if key not in seen:
                    seen.add(key)
                    violations.append(violation)
        violations.sort(key=lambda v: (v.span[0], v.category.value))
        return GuardResult(passed=not any(v.severity is Severity.error for v in violations), violations=violations)
