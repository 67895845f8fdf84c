"""The one place where kefu reads its configuration (environment, optional `.env`)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODELS_DIR = Path(user_data_dir("kefu")) / "models"  # where `kefu model fetch` puts the embedding model


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
    model_path: Path = Field(
        DEFAULT_MODELS_DIR / "use-multilingual-v3-int8.onnx",
        description="the USE ONNX file for mode use-onnx, put there by `kefu model fetch`",
    )
    max_input_chars: int = Field(
        2000, ge=16, description="Texts are cut to this many characters before embedding (the USE model's "
        "memory grows ~35 MB per 1000 characters and is not given back)",
    )


class LLMDeployment(BaseModel):
    """One place a model is served from; the Router tries deployments in the order they are listed.

    Deployments that share a `name` form one group that the Router balances between; the groups are
    tried in order (the first is the primary, the rest its fallbacks).
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field("primary", min_length=1, pattern=r"^[A-Za-z0-9_.-]+$",
                      description="group name; deployments with the same name are balanced, groups fall back in order")
    model: str = Field(..., min_length=1, description="litellm model string, e.g. openai/qwen2.5 or kefu-local")
    api_base: str | None = Field(None, description="API base URL of an OpenAI-compatible server")
    api_key_env: str | None = Field(None, description="name of the environment variable holding the API key")
    max_concurrency: int = Field(64, ge=1, description="calls in flight at once; more wait in a queue")
    timeout_s: float = Field(30.0, gt=0, description="one call's deadline, counted from when it starts (not queued)")


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
    deployments: list[LLMDeployment] = Field(
        default_factory=list,
        description="several deployments with fallbacks (JSON list in KEFU_LLM__DEPLOYMENTS); empty: one "
        "deployment from mode/model/api_base/api_key",
    )
    local_max_concurrency: int = Field(1, ge=1, description="calls in flight at once on the in-process model")
    max_concurrency: int = Field(64, ge=1, description="calls in flight at once on `model` (mode litellm)")
    queue_timeout_s: float = Field(10.0, gt=0, description="longest wait for a free slot before falling back")
    deadline_s: float = Field(60.0, gt=0, description="longest one draft request waits for the LLM, all "
                              "retries and fallbacks included; then the call is cancelled and drafts degrade")
    num_retries: int = Field(1, ge=0, description="Router retries per deployment group before falling back")
    allowed_fails: int = Field(3, ge=0, description="failures in a minute before a deployment cools down")
    cooldown_s: float = Field(30.0, ge=0, description="how long a failing deployment is skipped")


class GuardSettings(BaseModel):
    """Policy guard options."""

    llm_judge: bool = Field(False, description="Also ask the LLM to judge drafts (slow; off by default)")
    max_repairs: int = Field(2, description="How many times a failing draft is repaired")
    tone: bool = Field(True, description="Run the learned tone layer (needs the embedder it was trained on)")
    tone_model: Path = Field(
        PROJECT_ROOT / "service" / "guards" / "data" / "tone_model",
        description="The tone model's files without suffix (<stem>.npz + <stem>.json), from `kefu guards train`",
    )


class FeedbackSettings(BaseModel):
    """Draft records and agents' feedback (POST /v1/feedback, the reports)."""

    record: bool = Field(True, description="Record every POST /v1/drafts answer (after it is sent) for feedback")
    terms: Path = Field(
        PROJECT_ROOT / "service" / "feedback" / "data" / "edit_terms.yaml",
        description="Units, policy terms, particles and stopwords that classify an agent's edit",
    )


class LimitSettings(BaseModel):
    """Limits that keep one request from taking the server down (each breach is a 413 or 422)."""

    max_body_bytes: int = Field(1_048_576, ge=1, description="Largest request body in bytes (413 beyond)")
    max_json_depth: int = Field(32, ge=2, description="Deepest nesting of arrays/objects in a JSON body (422)")
    max_message_chars: int = Field(1000, ge=1, description="Longest conversation turn text in characters")
    max_turns: int = Field(100, ge=1, description="Most turns in a conversation")
    max_conversation_chars: int = Field(
        8000, ge=1, description="Most characters in all turns together (the guards read every turn)"
    )
    max_reply_chars: int = Field(2000, ge=1, description="Longest reply sent to POST /v1/guard")
    max_query_chars: int = Field(4000, ge=1, description="Longest search query in characters")
    max_order_items: int = Field(50, ge=1, description="Most items in one order")
    max_order_text_chars: int = Field(200, ge=1, description="Longest text field of an order (id, sku, title...)")
    max_n: int = Field(8, ge=1, le=8, description="Most drafts one request may ask for (`n`; drafting makes 8 at most)")
    max_k: int = Field(50, ge=1, description="Most chunks one search may ask for (`k`, `max_per_doc`)")
    max_doc_bytes: int = Field(262_144, ge=1, description="Largest knowledge document on PUT, UTF-8 bytes (413)")


class RateLimitSettings(BaseModel):
    """Per-caller request rate limit (429 with Retry-After); shared through Redis when redis_url is set."""

    enabled: bool = Field(True, description="Limit each caller's request rate on the /v1 routes")
    requests: int = Field(600, ge=1, description="Requests one caller may make per window")
    window_s: int = Field(60, ge=1, description="Window length in seconds (fixed window)")
    key_prefix: str = Field("kefu:rl:", description="Prefix of the Redis keys the limiter writes")


class ChatwootSettings(BaseModel):
    """The Chatwoot agent-bot webhook: where kefu posts its drafts as private notes, and which account is which shop."""

    base_url: str | None = Field(None, description="Chatwoot's base URL, e.g. https://chat.example.com")
    api_access_token: SecretStr | None = Field(
        None, description="access token of the agent bot (or an agent) kefu posts as (header api_access_token); "
        "never logged")
    webhook_secret: SecretStr | None = Field(
        None, description="the webhook's secret; when set, every call must carry a valid X-Chatwoot-Signature "
        "(sha256 HMAC of '{X-Chatwoot-Timestamp}.{body}'), else 401")
    max_signature_age_s: int = Field(300, ge=1, description="a signed call older than this is refused (replays)")
    accounts: dict[int, str] = Field(
        default_factory=dict, description="Chatwoot account id → kefu shop id, JSON in KEFU_CHATWOOT__ACCOUNTS "
        "(e.g. {\"1\": \"demo\"}); a webhook from an unmapped account is refused (403)")
    fetch_history: bool = Field(True, description="read the conversation's earlier messages from Chatwoot's API")
    history_messages: int = Field(20, ge=1, le=100, description="most earlier messages used for the draft")
    use_llm: bool = Field(False, description="let the LLM write too (slower); default: the deterministic drafts")
    order_attribute: str = Field(
        "kefu_order", description="conversation custom attribute holding the buyer's order (kefu's order JSON), "
        "set by the shop's tools; drafts use it for order facts (windows, status)")
    timeout_s: float = Field(10.0, gt=0, description="deadline of each call to Chatwoot's API")
    dedupe_ttl_s: int = Field(86_400, ge=1, description="how long a message id is remembered to ignore repeats")


class Settings(BaseSettings):
    """kefu configuration; every field can be set as KEFU_<NAME> (nested: KEFU_LLM__MODEL)."""

    model_config = SettingsConfigDict(
        env_prefix="KEFU_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    data_dir: Path = Field(
        Path(user_data_dir("kefu")), description="Where the vector index and the shops' documents live"
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of kefu's database (documents, versions, keys); a bare "
        "postgresql:// URL uses psycopg 3; default: a SQLite file <data_dir>/kefu.db"
    )
    knowledge_dir: Path = Field(
        PROJECT_ROOT / "knowledge", description="Knowledge folders (one per shop) brought into the store at startup "
        "(incrementally: only files new or changed since they were last brought in)"
    )
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", description="Prompt templates")
    default_shop: str = Field("demo", description="Shop used by the CLI when --shop is not given")
    timezone: str = Field("Asia/Shanghai", description="Time zone for day counts when a time has none")
    retrieval_k: int = Field(6, description="Chunks retrieved per draft")
    clean_preview_shops: list[str] = Field(
        default_factory=list, description="Shops whose edits (PUT) are published only when a preview of the edit "
        "(golden conversations and guard cases, POST .../preview) finds no regression; else 409 with the problems")
    drafts_n: int = Field(3, description="Drafts returned by default")
    cpu_threads: int = Field(
        default_factory=lambda: os.cpu_count() or 2, ge=1,
        description="Threads per process for the drafts' CPU work (retrieval, plan, guards); more than the "
        "cores only interleaves requests. Default: the CPU count")
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    guards: GuardSettings = Field(default_factory=GuardSettings)
    feedback: FeedbackSettings = Field(default_factory=FeedbackSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    chatwoot: ChatwootSettings = Field(default_factory=ChatwootSettings)
    redis_url: str | None = Field(
        None, description="redis://host:port/db shared by all workers (rate limits); unset: in process"
    )
    chroma_url: str | None = Field(
        None, description="http://host:port of a Chroma server (`chroma run`) shared by all workers and hosts; "
        "unset: an embedded ChromaDB in <data_dir>/chroma"
    )
    log_format: Literal["json", "text"] = Field("json", description="`kefu serve` log lines: json or text")

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
