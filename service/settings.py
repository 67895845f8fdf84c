"""The one place where kefu reads its configuration (environment, optional `.env`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class EmbeddingSettings(BaseModel):
    """Which embedding backend turns text into vectors."""

    mode: Literal["use-onnx", "sentence-transformers", "hashing"] = Field(
        "use-onnx",
        description="use-onnx: the packaged multilingual USE (default, good at Chinese); "
        "sentence-transformers: any model by name or local path; hashing: tests only",
    )
    model: str = Field(
        "", description="sentence-transformers model name or path (mode sentence-transformers)"
    )
    threads: int = Field(2, description="CPU threads for the embedding model")


class LLMSettings(BaseModel):
    """Which model drafts replies, through litellm."""

    mode: Literal["local", "litellm", "off"] = Field(
        "local",
        description="local: the packaged Qwen2.5 1.5B GGUF in process; litellm: any litellm model "
        "named by `model`; off: deterministic drafts only",
    )
    model: str = Field("", description="litellm model string, e.g. openai/gpt-4o-mini (mode litellm)")
    api_base: str | None = Field(None, description="API base URL for OpenAI-compatible servers")
    api_key: str | None = Field(None, description="API key passed to litellm (else litellm's env vars)")
    timeout_s: float = Field(30.0, description="Give up on the LLM after this many seconds")
    max_tokens: int = Field(320, description="Cap on generated tokens per call")
    temperature: float = Field(0.3, description="Sampling temperature")
    local_model_path: Path | None = Field(
        None, description="GGUF file for mode local (default: <data_dir>/models/<packaged file>)"
    )
    threads: int = Field(2, description="CPU threads for the local model")


class GuardSettings(BaseModel):
    """Policy guard options."""

    llm_judge: bool = Field(False, description="Also ask the LLM to judge drafts (slow; off by default)")
    max_repairs: int = Field(2, description="How many times a failing draft is repaired")


class Settings(BaseSettings):
    """kefu configuration; every field can be set as KEFU_<NAME> (nested: KEFU_LLM__MODEL)."""

    model_config = SettingsConfigDict(
        env_prefix="KEFU_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    data_dir: Path = Field(
        Path(user_data_dir("kefu")), description="Where the vector index and the shops' documents live"
    )
    knowledge_dir: Path = Field(
        PROJECT_ROOT / "knowledge", description="Knowledge folders (one per shop) indexed at startup"
    )
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", description="Prompt templates")
    default_shop: str = Field("demo", description="Shop used by the CLI when --shop is not given")
    timezone: str = Field("Asia/Shanghai", description="Time zone for day counts when a time has none")
    retrieval_k: int = Field(6, description="Chunks retrieved per draft")
    drafts_n: int = Field(3, description="Drafts returned by default")
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    guards: GuardSettings = Field(default_factory=GuardSettings)

    # Env var names kept short for the ones users set most.
    llm_model_env: str | None = Field(
        None, alias="KEFU_LLM_MODEL", description="Shortcut: any litellm model; switches llm.mode to litellm"
    )

    def effective_llm(self) -> LLMSettings:
        """LLM settings with the KEFU_LLM_MODEL shortcut applied."""
        if self.llm_model_env:
            return self.llm.model_copy(update={"mode": "litellm", "model": self.llm_model_env})
        return self.llm


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
