"""Fakes at the boundary: they fail loudly on a call nobody planned for."""

from __future__ import annotations

from service.drafting.llm_client import LLMReply
from service.errors import LLMError


class FakeLLM:
    """Returns scripted replies in order; an extra call is a test failure, an Exception is raised as LLMError."""

    def __init__(self, responses: list[str | Exception]) -> None:
        self.responses = list(responses)
        self.calls: list[list[dict[str, str]]] = []

    @property
    def model_name(self) -> str:
        return "fake"

    async def acomplete(self, messages: list[dict[str, str]], *, timeout_s: float | None = None) -> LLMReply:
        return self.complete(messages, timeout_s=timeout_s)

    def complete(self, messages: list[dict[str, str]], *, timeout_s: float | None = None) -> LLMReply:
        self.calls.append(messages)
        if not self.responses:
            raise AssertionError(f"No responses available for query number {len(self.calls)}")
        item = self.responses.pop(0)
        if isinstance(item, Exception):
            raise LLMError(str(item))
        return LLMReply(text=item, model="fake", prompt_tokens=10, completion_tokens=5)
