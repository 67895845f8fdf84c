"""llm_judge: an optional LLM opinion on what the rule-based guards cannot see (off by default).

The rubric is a jinja2 template (prompts/guard_judge.md, variables: reply, rules_summary,
facts_summary). The model answers with a JSON list of violations. The judge never blocks a draft: its findings are
warnings. When it cannot give an opinion (the LLM failed, litellm is missing, the answer has no JSON
list) it raises `GuardUnavailable`; the runner then marks the result degraded, logs and counts it,
so a broken judge is visible instead of looking like a clean reply.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel, ConfigDict, ValidationError

from service.errors import GuardUnavailable, TemplateMissingVariables
from service.guards.base import Category, GuardContext, Severity, Violation
from service.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

DEFAULT_TEMPLATE = PROJECT_ROOT / "prompts" / "guard_judge.md"
_JSON_LIST = re.compile(r"\[.*\]", re.DOTALL)


class JudgeFinding(BaseModel):
    """One item of the model's answer."""

    model_config = ConfigDict(extra="ignore")

    category: Category
    quote: str = ""
    message: str
    suggestion: str | None = None


def rules_summary(ctx: GuardContext) -> str:
    """The shop's effective rules as short Chinese lines."""
    r = ctx.shop.rules
    excluded = "、".join(r.no_reason_excluded_categories) or "无"
    payer = "店铺" if r.no_reason_return_shipping == "seller" else "买家(有运费险时由运费险理赔)"
    return "\n".join(
        [
            f"- 签收次日起 {r.no_reason_return_days} 天无理由退货;不适用的类目: {excluded}",
            f"- 无理由退货寄回运费: {payer};质量问题、发错漏发: 店铺承担来回运费",
            f"- 质量问题: 签收 {r.quality_return_days} 天内可退货退款,{r.quality_exchange_days} 天内可换货",
            f"- 收到退货后 {r.refund_within_days} 天内退款;付款后 {r.ship_within_hours} 小时内发货",
            f"- 客服可自行给的补偿上限 {r.compensation_limit_yuan:g} 元,超出需提交主管审核",
        ]
    )


class LLMJudgeGuard:
    """Asks an LLM (any litellm model) to review a reply against the shop's rules and the order."""

    name = "llm_judge"

    def __init__(
        self,
        model: str,
        api_base: str | None = None,
        api_key: str | None = None,
        template_path: Path = DEFAULT_TEMPLATE,
        timeout_s: float = 30.0,
        max_tokens: int = 400,
        max_retries: int = 0,
    ) -> None:
        self.model = model
        self.api_base = api_base
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens
        self.max_retries = max_retries  # the judge is optional: a slow retry loop is worse than no opinion
        env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
        self.template = env.from_string(template_path.read_text(encoding="utf-8"))
        self.template_name = template_path.name

    def render(self, ctx: GuardContext) -> str:
        """The prompt for one reply.

        Raises:
            TemplateMissingVariables: the template uses a variable the judge does not provide.
        """
        try:
            return self.template.render(
                reply=ctx.reply,
                rules_summary=rules_summary(ctx),
                facts_summary="\n".join(f"- {line}" for line in ctx.facts.summary_lines()),
            ).strip()
        except jinja2.UndefinedError as exc:
            raise TemplateMissingVariables(f"prompt {self.template_name}: {exc.message}") from exc

    def check(self, ctx: GuardContext) -> list[Violation]:
        """The model's findings as warnings.

        Raises:
            GuardUnavailable: the model call failed or its answer was not a JSON list.
        """
        prompt = self.render(ctx)
        try:
            answer = self._complete(prompt)
        except ImportError as exc:
            raise GuardUnavailable(f"litellm is not importable ({exc}); install kefu's dependencies",
                                   where=self.name) from exc
        except Exception as exc:  # any provider error (HTTP, timeout, auth): the judge gave no opinion
            raise GuardUnavailable(f"model {self.model} failed: {type(exc).__name__}: {exc}",
                                   where=self.name) from exc
        return self.parse(answer, ctx.reply)

    def _complete(self, prompt: str) -> str:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm  # heavy (about 4 s): imported only when the judge is used

        response: Any = litellm.completion(
            model=self.model,
            messages=[{"role": "user", "content": prompt}],
            api_base=self.api_base,
            api_key=self.api_key,
            timeout=self.timeout_s,
            max_tokens=self.max_tokens,
            max_retries=self.max_retries,
            temperature=0,
        )
        content = response.choices[0].message.content
        return content if isinstance(content, str) else ""

    def parse(self, answer: str, reply: str) -> list[Violation]:
        """Violations from the model's JSON list; malformed items are skipped.

        Raises:
            GuardUnavailable: the answer holds no JSON list (no opinion is not the same as a clean reply).
        """
        match = _JSON_LIST.search(answer)
        if match is None:
            raise GuardUnavailable(f"no JSON list in the model's answer: {answer[:200]!r}", where=self.name)
        try:
            items = json.loads(match.group())
        except json.JSONDecodeError as exc:
            raise GuardUnavailable(f"invalid JSON in the model's answer ({exc}): {answer[:200]!r}",
                                   where=self.name) from exc
        violations = []
        for item in items if isinstance(items, list) else []:
            try:
                finding = JudgeFinding.model_validate(item)
            except ValidationError:
                log.info("llm_judge: skipped an item: %s", item)
                continue
            start = reply.find(finding.quote) if finding.quote else -1
            span = (start, start + len(finding.quote)) if start >= 0 else (0, len(reply))
            violations.append(
                Violation(
                    category=finding.category,
                    rule=f"llm_judge.{finding.category.value}",
                    severity=Severity.warning,
                    message=finding.message,
                    span=span,
                    # a suggestion is only usable when it replaces text that is really in the reply
                    suggestion=finding.suggestion if start >= 0 else None,
                )
            )
        return violations
