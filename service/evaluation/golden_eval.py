"""`kefu eval run`: load a golden suite, build the services (or reach a server), run and score it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from service.drafting.llm_client import LiteLLMClient
from service.drafting.prompt import PromptLibrary
from service.evaluation.golden import GOLDEN_DIR, load_suite
from service.evaluation.results import CaseResult, RunConfig, RunResult
from service.evaluation.runner import DraftClient, GoldenRunner, HttpClient, InProcessClient, select_cases
from service.evaluation.scorers import LLMJudge, default_scorers
from service.evaluation.workspace import SHOP_ROOTS, eval_llm_settings, eval_settings
from service.retrieval.embeddings import Embedder, build_embedder
from service.settings import Settings


class GoldenRunOptions(BaseModel):
    """What `kefu eval run` was asked to do."""

    suite: str = Field(default="demo", description="a folder under evals/golden/, or a suite folder's path")
    model: str | None = Field(default=None, description="litellm model for drafts (KEFU_LLM_MODEL semantics)")
    use_llm: bool = Field(default=True, description="False: deterministic drafts only")
    server: str | None = Field(default=None, description="URL of a running kefu server; None: in process")
    judge: bool = Field(default=False, description="also grade the top draft with the LLM judge")
    judge_model: str | None = Field(default=None, description="litellm model of the judge (else the drafts')")
    limit: int | None = Field(default=None, ge=1, description="at most N cases, spread over categories")
    cases: list[str] = Field(default_factory=list, description="only case ids matching these globs")
    n: int = Field(default=3, ge=1, le=8, description="drafts per case")


def suite_folder(suite: str, golden_dir: Path = GOLDEN_DIR) -> Path:
    path = Path(suite)
    return path if path.is_dir() and not (golden_dir / suite).is_dir() else golden_dir / suite


def _judge(base: Settings, options: GoldenRunOptions, data_dir: Path) -> LLMJudge:
    if options.judge_model:
        llm = base.llm.model_copy(update={"mode": "litellm", "model": options.judge_model})
    else:
        llm = eval_llm_settings(base, model=options.model, use_llm=True)
    return LLMJudge(LiteLLMClient(llm, data_dir), PromptLibrary(base.prompts_dir))


def run_golden_eval(base: Settings, options: GoldenRunOptions, *,
                    on_start: Callable[[int], None] | None = None,
                    on_case: Callable[[CaseResult], None] | None = None,
                    shop_roots: Sequence[Path] = SHOP_ROOTS, golden_dir: Path = GOLDEN_DIR) -> RunResult:
    """Run a golden suite end to end and return its scored results.

    In process, the suite's shops are copied into a temporary knowledge folder and indexed into a
    temporary data dir (eval-only shops included); with `options.server` the server must already
    hold them.

    Args:
        base: the configured settings (embedder, prompts, LLM).
        options: suite, model, server, judge, subset.
        on_start: called with the number of cases before the first one runs.
        on_case: called after each case.
        shop_roots: where shops are looked up.
        golden_dir: where suites are looked up by name.
    """
    folder = suite_folder(options.suite, golden_dir)
    # a server holds its own shops: their documents are not looked up locally
    suite = load_suite(folder, shop_roots=() if options.server else shop_roots)
    cases = select_cases(suite.cases, patterns=options.cases, limit=options.limit)
    with tempfile.TemporaryDirectory(prefix="kefu-eval-") as tmp:
        workdir = Path(tmp)
        client: DraftClient
        embedder: Embedder
        if options.server:
            client, embedder = HttpClient(options.server), build_embedder(base.embedding)
            model = "server" if options.use_llm else "composer"
        else:
            from service.container import build_services

            settings = eval_settings(base, workdir, suite.shops, model=options.model,
                                     use_llm=options.use_llm, roots=shop_roots)
            services = build_services(settings)
            client, embedder = InProcessClient(services.pipeline), services.retriever.index.embedder
            llm = services.pipeline.llm
            model = llm.model_name if (llm is not None and options.use_llm) else "composer"
        judge = _judge(base, options, base.data_dir) if options.judge else None
        runner = GoldenRunner(client, default_scorers(embedder, judge), use_llm=options.use_llm, n=options.n)
        config = RunConfig(suite=suite.name, model=model, use_llm=options.use_llm, server=options.server,
                           embedder=embedder.name, judge_model=judge.llm.model_name if judge else None,
                           limit=options.limit)
        if on_start is not None:
            on_start(len(cases))
        run = runner.run(cases, config, on_case)
    if options.server and options.use_llm:
        models = {c.scores["latency_ms"].metadata.get("model") for c in run.cases if "latency_ms" in c.scores}
        run.config.model = ", ".join(sorted(str(m) for m in models if m)) or "server"
    return run
