"""tokens and cost_usd: what the LLM calls of one request consumed, as litellm reported it."""

from __future__ import annotations

from service.evaluation.scorers.base import Direction, Score, Trial


class Tokens:
    """Prompt + completion tokens (repairs included); 0 for deterministic drafts."""

    name = "tokens"
    direction: Direction = "info"

    def score(self, trial: Trial) -> Score:
        usage = trial.response.usage
        prompt, completion = int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
        return Score(value=float(prompt + completion),
                     explanation=f"prompt {prompt}, completion {completion}",
                     metadata={"prompt_tokens": prompt, "completion_tokens": completion,
                               "llm_latency_ms": usage.get("llm_latency_ms")})


class Cost:
    """US dollars per request from litellm's cost map (0 for local or unknown models)."""

    name = "cost_usd"
    direction: Direction = "info"

    def score(self, trial: Trial) -> Score:
        return Score(value=float(trial.response.usage.get("cost_usd", 0.0)))
