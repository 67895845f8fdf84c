"""Runs the enabled guards over a reply."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence

from service.errors import GuardUnavailable
from service.guards.base import Guard, GuardContext, GuardResult, Severity, Violation

log = logging.getLogger(__name__)


class GuardRunner:
    """Applies every guard; overlapping duplicates of the same rule are reported once.

    A guard that raises `GuardUnavailable` (the LLM judge when its model fails) does not fail the check:
    the result is marked degraded, the failure is logged and counted in `failures` (by guard name).
    """

    def __init__(self, guards: Sequence[Guard]) -> None:
        self.guards = list(guards)
        self.failures: Counter[str] = Counter()

    def check(self, ctx: GuardContext) -> GuardResult:
        violations: list[Violation] = []
        seen: set[tuple[str, int, int]] = set()
        failed: list[str] = []
        for guard in self.guards:
            try:
                found = guard.check(ctx)
            except GuardUnavailable as exc:
                self.failures[guard.name] += 1
                log.warning("guard %s unavailable (%d failures so far): %s", guard.name,
                            self.failures[guard.name], exc)
                failed.append(f"{guard.name}: {exc}")
                continue
            for violation in found:
                key = (violation.rule, *violation.span)
                if key not in seen:
                    seen.add(key)
                    violations.append(violation)
        violations.sort(key=lambda v: (v.span[0], v.category.value))
        return GuardResult(
            passed=not any(v.severity is Severity.error for v in violations),
            violations=violations,
            degraded=bool(failed),
            degraded_reason="; ".join(failed) or None,
        )
