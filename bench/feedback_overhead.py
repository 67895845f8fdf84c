"""Prints what recording drafts costs and how long the feedback report takes at 10k feedback rows.

1. Draft latency seen by a client of a real server (uvicorn, deterministic drafts on the demo shop), p50/p90 with
   recording on and off (interleaved batches), and the record write itself (now after the answer is sent).
2. The feedback report and the stats over N recorded requests that all have feedback (SQLite; PostgreSQL too
   with --pg URL, in a schema of its own that is dropped afterwards).

Usage: python bench/feedback_overhead.py [--drafts 80] [--rows 10000] [--pg postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import uvicorn
import yaml
from sqlalchemy import create_engine, text

from service.app import create_app
from service.container import Services
from service.feedback.reporting import ReportService
from service.feedback.store import FeedbackStore
from service.settings import PROJECT_ROOT, LLMSettings, Settings
from service.store.database import Database
from service.store.models import DraftRecordRow, FeedbackRow


def _cases() -> list[dict[str, Any]]:
    cases = []
    for file in sorted((PROJECT_ROOT / "evals" / "golden" / "demo").glob("*.yaml")):
        for case in yaml.safe_load(file.read_text(encoding="utf-8"))["cases"]:
            cases.append({"shop_id": "demo", "conversation": case["conversation"], "order": case.get("order"),
                          "now": case["now"], "n": 3, "use_llm": False})
    return cases


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def draft_overhead(drafts: int, tmp: Path) -> None:
    settings = Settings(data_dir=tmp / "data", llm=LLMSettings(mode="off"))
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    services: Services = app.state.services
    recorder = services.recorder
    assert recorder is not None
    cases = _cases()
    timings: dict[bool, list[float]] = {True: [], False: []}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        for case in cases[:5]:  # warm-up
            client.post("/v1/drafts", json=case).raise_for_status()
        batch, done = 10, 0
        while done < drafts:
            for on in (True, False):
                services.recorder = recorder if on else None
                for i in range(batch):
                    started = time.perf_counter()
                    client.post("/v1/drafts", json=cases[(done + i) % len(cases)]).raise_for_status()
                    timings[on].append((time.perf_counter() - started) * 1000)
            done += batch
        services.recorder = recorder
        response = client.post("/v1/drafts", json=cases[0]).json()
    server.should_exit = True
    thread.join()
    from service.drafting.models import DraftInput, DraftResponse

    request, answer = DraftInput.model_validate(cases[0]), DraftResponse.model_validate(response)
    writes = []
    for _ in range(50):
        started = time.perf_counter()
        recorder.record(request, answer.model_copy(update={"request_id": uuid.uuid4().hex}))
        writes.append((time.perf_counter() - started) * 1000)
    on, off = timings[True], timings[False]
    print(f"draft latency, client of a uvicorn server, {len(on)} requests each (deterministic, demo shop):")
    print(f"  recording off: p50 {statistics.median(off):.1f} ms, p90 {_pct(off, 0.9):.1f} ms")
    print(f"  recording on:  p50 {statistics.median(on):.1f} ms, p90 {_pct(on, 0.9):.1f} ms "
          f"(p50 overhead {statistics.median(on) - statistics.median(off):+.1f} ms)")
    print(f"  the record write itself (after the answer is sent, SQLite): p50 {statistics.median(writes):.2f} ms, "
          f"p90 {_pct(writes, 0.9):.2f} ms")


def _fill(db: Database, rows: int) -> None:
    rng = random.Random(7)
    kinds = ["product_fact", "policy", "logistics", "bargain", "complaint"]
    products = [f"product-{i}" for i in range(40)]
    outcomes = ["as_is", "edited", "ignored"]
    start = datetime.now(UTC) - timedelta(days=29)
    with db.write() as session:
        for i in range(rows):
            rid = f"bench{i:06d}"
            kind, product = rng.choice(kinds), rng.choice(products)
            at = start + timedelta(seconds=i * 29 * 86400 / rows)
            drafts = [{"text": f"亲,这款{product}重{rng.randint(1, 9)}.{rng.randint(0, 9)}kg,7天无理由退货哦",
                       "source": "composer", "passed": True,
                       "citations": [{"doc_id": product, "chunk_id": f"{product}#0", "version": 1}],
                       "violations": []} for _ in range(3)]
            session.add(DraftRecordRow(
                request_id=rid, shop_id="demo", created_at=at, conversation_key=f"c{i // 3}", turns=1,
                customer_text=f"{product}多重?", language="zh", request_kind=kind,
                questions=[{"text": f"{product}多重?", "kind": kind, "products": [product], "answered": True}],
                drafts=drafts, response_ms=rng.uniform(20, 400)))
            outcome = rng.choice(outcomes)
            session.add(FeedbackRow(
                request_id=rid, shop_id="demo", created_at=at, updated_at=at, draft_index=0, compared_index=0,
                sent_text="亲,这款重2.5kg", outcome=outcome, distance=0 if outcome == "as_is" else rng.randint(1, 40),
                similarity=0.8, edit_classes=[] if outcome == "as_is" else ["fact"],
                added_facts=[] if outcome == "as_is" else [f"{rng.randint(1, 9)}.5kg", "防水"]))
            if i % 1000 == 999:
                session.flush()


def report_time(url: str, label: str, rows: int) -> None:
    db = Database(url)
    db.migrate()
    started = time.perf_counter()
    _fill(db, rows)
    print(f"report at {rows} feedback rows ({label}; filled in {time.perf_counter() - started:.1f} s):")
    reports = ReportService(FeedbackStore(db), lambda shop: {}, ZoneInfo("Asia/Shanghai"))
    for name, call in (("feedback report", reports.report), ("stats", reports.stats)):
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            call("demo", 30)
            runs.append((time.perf_counter() - started) * 1000)
        listed = ", ".join(f"{r:.0f}" for r in runs)
        print(f"  {name}, 30 days: median of 3 {statistics.median(runs):.0f} ms (runs {listed})")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--drafts", type=int, default=80, help="draft requests timed with and without recording")
    parser.add_argument("--rows", type=int, default=10_000, help="feedback rows for the report timing")
    parser.add_argument("--pg", default=None, help="also time the report on this PostgreSQL server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.drafts:
            draft_overhead(args.drafts, Path(tmp))
        report_time(f"sqlite:///{Path(tmp) / 'report.db'}", "SQLite", args.rows)
    if args.pg:
        schema = f"kefu_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            report_time(f"{args.pg}?options=-csearch_path%3D{schema}", "PostgreSQL", args.rows)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
