"""Explicit zero prices for the models litellm cannot price, so that pricing each call stays cheap.

litellm prices every response, on each of its two layers per kefu call (the Router's ``kefu-gate/<id>``
and the real model behind the gate). For a model missing from its cost map (``kefu-gate/...``, a
self-hosted vLLM or Ollama model, the in-process GGUF) it searches its generalisation rules for a
price and then runs its zero-cost diagnostic, again on every call: about 2 ms of CPU per call on this
machine, a fifth of litellm's share. litellm's documented way to say "this model is free" (its custom
pricing, zero-cost models) is a cost-map entry with zero prices; with one the lookup is a hit and the
diagnostic ends at once. Models litellm has a price for are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ZERO_PRICE = {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "mode": "chat"}


def unpriced(litellm: Any, model: str) -> bool:
    """True when litellm has no price for `model` (no cost-map entry, or one without token prices)."""
    try:
        info = litellm.get_model_info(model)
    except Exception:  # litellm raises a plain Exception for "This model isn't mapped yet"
        return True
    return info.get("input_cost_per_token") is None and info.get("output_cost_per_token") is None


def register_zero_prices(litellm: Any, gate_models: Iterable[str], real_models: Iterable[str]) -> list[str]:
    """Give every gate model, and every real model litellm cannot price, an explicit zero price.

    Args:
        litellm: the imported litellm module.
        gate_models: the Router's ``kefu-gate/<id>`` names (the gate adds no cost of its own: litellm carries
            the inner call's cost up to the Router's response).
        real_models: the litellm model strings the gates call.

    Returns:
        The model names that were registered.
    """
    entries: dict[str, dict[str, Any]] = {}
    for model in gate_models:
        entries[model] = {**ZERO_PRICE, "litellm_provider": model.split("/", 1)[0]}
    for model in real_models:
        if model not in entries and unpriced(litellm, model):
            provider = model.split("/", 1)[0] if "/" in model else "openai"
            entries[model] = {**ZERO_PRICE, "litellm_provider": provider}
    if entries:
        litellm.register_model(entries)
    return list(entries)
