"""Wiring: the one place that reads settings and builds the services (for the app, the CLI, evals)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from service.auth.keys import KeyStore
from service.drafting.composer import Composer
from service.drafting.llm_client import LiteLLMClient
from service.drafting.pipeline import DraftingPipeline
from service.drafting.plan_writer import PlanWriter
from service.drafting.prompt import PromptLibrary
from service.evaluation.preview import PublishPreview
from service.feedback.classify import EditClassifier, EditTerms, fact_vocabulary
from service.feedback.recorder import DraftRecorder
from service.feedback.reporting import ReportService
from service.feedback.service import FeedbackService
from service.feedback.store import FeedbackStore
from service.guards.checker import ReplyChecker
from service.guards.llm_judge import LLMJudgeGuard
from service.guards.registry import default_runner
from service.guards.tone.guard import ToneGuard
from service.guards.tone.model import ToneModel
from service.integrations.chatwoot import ChatwootBot
from service.integrations.chatwoot_client import ChatwootClient
from service.integrations.dedupe import MemorySeenMessages, RedisSeenMessages, SeenMessages
from service.knowledge.base import KnowledgeBase
from service.knowledge.folder_sync import seed_from_folders
from service.knowledge.versions import DocumentStore
from service.observability.metrics import Metrics
from service.planning.builder import PlanBuilder
from service.planning.fact_finder import FactFinder
from service.planning.glossary import Glossary
from service.planning.kind_model import DEFAULT_KIND_MODEL, KindLabeller, KindModel
from service.planning.kinds import KindClassifier
from service.proactive.facts import ShopFactLookup
from service.proactive.service import ProactiveDrafter
from service.proactive.templates import ProactiveTemplates
from service.retrieval.embeddings import Embedder, build_embedder
from service.retrieval.index import KnowledgeIndex, SyncReport
from service.retrieval.retriever import Retriever
from service.retrieval.vector_store import ChromaVectorStore
from service.settings import Settings
from service.store.database import Database, database_url

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the routes and commands use."""

    settings: Settings
    knowledge: KnowledgeBase
    database: Database
    keys: KeyStore
    retriever: Retriever
    checker: ReplyChecker
    pipeline: DraftingPipeline
    startup_reports: list[SyncReport]
    proactive: ProactiveDrafter
    feedback: FeedbackService
    recorder: DraftRecorder | None  # None: recording is switched off
    reports: ReportService
    chatwoot: ChatwootBot
    preview: PublishPreview  # the publish gate: keeps the live side of its cases between previews
    metrics: Metrics = field(default_factory=Metrics)


def open_database(settings: Settings) -> Database:
    """kefu's database, migrated to the newest schema."""
    database = Database(database_url(settings.database_url, settings.data_dir))
    database.migrate()
    return database


def build_kind_labeller(embedder: Embedder) -> KindLabeller:
    """The learned request-kind model when it was trained with this embedder, else nearest examples."""
    if DEFAULT_KIND_MODEL.with_suffix(".npz").exists():
        model = KindModel.load(DEFAULT_KIND_MODEL)
        if model.sidecar.embedder == embedder.name:
            return model
        log.info("request-kind model trained on embedder %s, this service uses %s: nearest examples instead",
                 model.sidecar.embedder, embedder.name)
    return KindClassifier(embedder)


def build_tone_guard(settings: Settings, embedder: Embedder) -> ToneGuard | None:
    """The learned tone guard, or None when it is switched off or the embedder is not the one it was trained on.

    Raises:
        MissingDependencyError: the tone layer is on but its model files are missing.
    """
    if not settings.guards.tone:
        return None
    model = ToneModel.load(settings.guards.tone_model)
    if model.sidecar.embedder != embedder.name:
        log.warning("tone guard off: its model was trained on embedder %s, this service uses %s",
                    model.sidecar.embedder, embedder.name)
        return None
    return ToneGuard(model, embedder)


def build_services(settings: Settings, embedder: Embedder | None = None, *,
                   metrics: Metrics | None = None) -> Services:
    """Build every service: migrate the database, bring the knowledge folders into it, and bring the index
    in line with it (embedding only what changed)."""
    metrics = metrics or Metrics()
    database = open_database(settings)
    keys = KeyStore(database)
    if not keys.enforced():
        log.warning("no API keys configured: running in DEV MODE, every caller may read and edit every shop "
                    "(create keys with `kefu keys create`)")
    store = DocumentStore(database)
    seed_from_folders(store, settings.knowledge_dir)
    embedder = embedder or build_embedder(settings.embedding)
    zone = ZoneInfo(settings.timezone)
    vectors = ChromaVectorStore(settings.data_dir / "chroma", embedder.name, url=settings.chroma_url)
    index = KnowledgeIndex(embedder, vectors)
    knowledge = KnowledgeBase(store, index)
    reports = knowledge.load_all()
    for report in reports:
        log.info("indexed shop %s: %d added, %d updated, %d removed, %d unchanged, %d chunks",
                 report.shop_id, len(report.added), len(report.updated), len(report.removed),
                 report.unchanged, report.chunks)
    retriever = Retriever(index)
    llm_settings = settings.effective_llm()
    llm = None if llm_settings.mode == "off" else LiteLLMClient(llm_settings, settings.data_dir)
    if llm is not None:
        llm.warm_up()
    judge = None
    if settings.guards.llm_judge and llm is not None:
        judge = LLMJudgeGuard(llm.model_string(), api_base=llm_settings.api_base, api_key=llm_settings.api_key,
                              template_path=settings.prompts_dir / "guard_judge.md", timeout_s=llm_settings.timeout_s)
    checker = ReplyChecker(default_runner(judge, tone=build_tone_guard(settings, embedder)), zone)
    glossary = Glossary(settings.prompts_dir / "glossary_en.yaml")
    finder = FactFinder(embedder)
    pipeline = DraftingPipeline(
        knowledge, retriever, checker, PlanBuilder(finder, glossary, kinds=build_kind_labeller(embedder)),
        PlanWriter(settings.prompts_dir / "plan_writer.yaml", glossary,
                   Composer(settings.prompts_dir / "composer.yaml", embedder)),
        PromptLibrary(settings.prompts_dir), llm, zone=zone, k=settings.retrieval_k,
        max_repairs=settings.guards.max_repairs, metrics=metrics, cpu_threads=settings.cpu_threads,
    )
    proactive = ProactiveDrafter(knowledge, ShopFactLookup(retriever, finder), checker,
                                 ProactiveTemplates.load(settings.prompts_dir / "proactive.yaml"), zone=zone)
    feedback_store = FeedbackStore(database)
    recorder = (DraftRecorder(feedback_store, lambda shop_id: knowledge.shop(shop_id).versions)
                if settings.feedback.record else None)
    feedback = FeedbackService(feedback_store, EditClassifier(EditTerms.load(settings.feedback.terms)),
                               lambda shop_id: fact_vocabulary(knowledge.shop(shop_id)),
                               pending=recorder.pending if recorder is not None else None)
    report_service = ReportService(
        feedback_store, lambda shop_id: {d: p.title for d, p in knowledge.shop(shop_id).products.items()}, zone)
    chatwoot = build_chatwoot(settings, knowledge, pipeline)
    return Services(settings, knowledge, database, keys, retriever, checker, pipeline, reports, proactive, feedback,
                    recorder, report_service, chatwoot, PublishPreview(knowledge, pipeline, checker),
                    metrics=metrics)


def build_chatwoot(settings: Settings, knowledge: KnowledgeBase, pipeline: DraftingPipeline) -> ChatwootBot:
    """The Chatwoot agent bot; without URL and token it answers 503 (not configured)."""
    config = settings.chatwoot
    client = None
    if config.base_url and config.api_access_token is not None:
        client = ChatwootClient(config.base_url, config.api_access_token, timeout_s=config.timeout_s)
        if config.webhook_secret is None:
            log.warning("the Chatwoot webhook accepts unsigned calls: set KEFU_CHATWOOT__WEBHOOK_SECRET")
    seen: SeenMessages = MemorySeenMessages(config.dedupe_ttl_s)
    if settings.redis_url:
        from redis.asyncio import Redis

        seen = RedisSeenMessages(Redis.from_url(settings.redis_url, socket_connect_timeout=1, socket_timeout=1),
                                 config.dedupe_ttl_s)
    return ChatwootBot(config, knowledge, pipeline, PromptLibrary(settings.prompts_dir), seen, client,
                       max_turn_chars=settings.limits.max_message_chars,
                       max_conversation_chars=settings.limits.max_conversation_chars)
