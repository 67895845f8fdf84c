"""Which guards run: `data/guards.yaml` switches them on and off; this module builds them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from service.guards import text_scan
from service.guards.base import Guard
from service.guards.blame import BlameGuard
from service.guards.expired_offer import ExpiredOfferGuard
from service.guards.false_promise import FalsePromiseGuard
from service.guards.platform_rule import PlatformRuleGuard
from service.guards.refund_rule import RefundRuleGuard
from service.guards.runner import GuardRunner
from service.guards.ungrounded_fact import UngroundedFactGuard

log = logging.getLogger(__name__)

GUARD_FACTORIES: dict[str, Callable[[], Guard]] = {
    "refund_rule": RefundRuleGuard,
    "false_promise": FalsePromiseGuard,
    "blame": BlameGuard,
    "platform_rule": PlatformRuleGuard,
    "ungrounded_fact": UngroundedFactGuard,
    "expired_offer": ExpiredOfferGuard,
}


def enabled_guard_names(data_dir: Path | None = None) -> list[str]:
    """Guard names switched on in guards.yaml, in file order."""
    switches = text_scan.load_data("guards", data_dir).get("guards", {})
    return [name for name, on in switches.items() if on]


def build_guards(enabled: list[str] | None = None, *, judge: Guard | None = None,
                 tone: Guard | None = None) -> list[Guard]:
    """The guards to run.

    Args:
        enabled: Guard names; default: those switched on in `data/guards.yaml`.
        judge: An LLM judge guard (e.g. `LLMJudgeGuard`), added when `llm_judge` is enabled.
        tone: The learned tone guard (`ToneGuard`, it needs the embedder), added when `tone` is enabled;
            without it the rule-based guards run alone.

    Raises:
        ValueError: an unknown guard name.
    """
    names = enabled if enabled is not None else enabled_guard_names()
    guards: list[Guard] = []
    for name in names:
        if name == "llm_judge":
            if judge is None:
                log.warning("llm_judge is enabled but no judge was given; skipping it")
            else:
                guards.append(judge)
            continue
        if name == "tone":
            if tone is not None:
                guards.append(tone)
            continue
        factory = GUARD_FACTORIES.get(name)
        if factory is None:
            known = ", ".join([*GUARD_FACTORIES, "tone", "llm_judge"])
            raise ValueError(f"unknown guard `{name}`; known: {known}")
        guards.append(factory())
    return guards


def default_runner(judge: Guard | None = None, tone: Guard | None = None) -> GuardRunner:
    """A runner over the guards enabled in guards.yaml (plus the judge, if given; the tone guard if given
    and enabled)."""
    enabled = enabled_guard_names()
    if judge is not None and "llm_judge" not in enabled:
        enabled.append("llm_judge")
    return GuardRunner(build_guards(enabled, judge=judge, tone=tone))
