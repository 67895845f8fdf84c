"""llm_judge: an LLM grades the top draft 1-5 against a rubric kept in prompts/judge_reply.md."""

from __future__ import annotations

import json
import re

from service.drafting.llm_client import LLMClient
from service.drafting.prompt import PromptLibrary
from service.errors import LLMError
from service.evaluation.scorers.base import Direction, Score, Trial

DEFAULT_TEMPLATE = "judge_reply.md"


def parse_verdict(text: str) -> tuple[int, str]:
    """(score 1-5, reason) from the judge's output: its JSON, or a bare "score": N as fallback.

    Raises:
        ValueError: no score between 1 and 5 could be read.
    """
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        try:
            data = json.loads(text[start:end + 1])
            if isinstance(data, dict) and str(data.get("score", "")).strip().isdigit():
                score = int(str(data["score"]).strip())
                if 1 <= score <= 5:
                    return score, str(data.get("reason", ""))
        except json.JSONDecodeError:
            pass
    found = re.search(r'"?score"?\s*[:=]\s*"?([1-5])\b', text)
    if found:
        return int(found.group(1)), ""
    raise ValueError(f"no 1-5 score in judge output: {text[:200]!r}")


class LLMJudge:
    """Renders the rubric template with the case and the top draft, asks the LLM, maps 1-5 to 0..1.

    Args:
        llm: any LLMClient (litellm in production, a fake in tests).
        prompts: where the template lives (prompts/ by default; pass another folder to override).
        template: the template's file name.
    """

    name = "llm_judge"
    direction: Direction = "higher"

    def __init__(self, llm: LLMClient, prompts: PromptLibrary, template: str = DEFAULT_TEMPLATE) -> None:
        self.llm = llm
        self.prompts = prompts
        self.template = template

    def render(self, trial: Trial) -> str:
        case = trial.case
        return self.prompts.render(self.template, conversation=case.conversation, decision=case.decision,
                                   must_state=case.must_state, golden_reply=case.golden_reply,
                                   reply=trial.answer)

    def score(self, trial: Trial) -> Score:
        if not trial.answer.strip():
            return Score(value=0.0, answer="", explanation="no draft to judge")
        try:
            reply = self.llm.complete([{"role": "user", "content": self.render(trial)}])
            grade, reason = parse_verdict(reply.text)
        except (LLMError, ValueError) as exc:
            return Score(value=None, answer=trial.answer, explanation=f"judge failed: {exc}",
                         metadata={"model": self.llm.model_name})
        return Score(value=(grade - 1) / 4, answer=trial.answer, explanation=reason,
                     metadata={"grade": grade, "model": self.llm.model_name,
                               "tokens": reply.prompt_tokens + reply.completion_tokens,
                               "cost_usd": reply.cost_usd})
