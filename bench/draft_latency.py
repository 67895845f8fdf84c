"""Prints startup time and draft latency (deterministic and with the LLM) on this machine.

Usage: python bench/draft_latency.py [--llm N]   (N drafts with the configured LLM; default 0)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from bench.synthetic_shop import synthetic_shop
from service.api.schemas import DraftRequest
from service.container import build_services
from service.drafting.background_loop import run_sync
from service.settings import PROJECT_ROOT, Settings


def _cases() -> list[DraftRequest]:
    requests = []
    for file in sorted((PROJECT_ROOT / "evals" / "golden" / "demo").glob("*.yaml")):
        for case in yaml.safe_load(file.read_text(encoding="utf-8"))["cases"]:
            requests.append(DraftRequest(shop_id="demo", conversation=case["conversation"], order=case.get("order"),
                                         now=case["now"], n=3, use_llm=False))
    return requests


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--llm", type=int, default=0, help="how many drafts to time with the LLM")
    parser.add_argument("--products", type=int, default=0,
                        help="add this many generated products to the demo shop (e.g. 1000: ~10k chunks)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        knowledge = PROJECT_ROOT / "knowledge"
        if args.products:
            knowledge = Path(tmp) / "knowledge"
            (knowledge / "demo").mkdir(parents=True)
            for doc in synthetic_shop(args.products).docs.values():
                (knowledge / "demo" / f"{doc.id}.md").write_text(doc.text, encoding="utf-8")
            print(f"shop: demo + {args.products} generated products")
        settings = Settings(data_dir=Path(tmp) / "data", knowledge_dir=knowledge)
        started = time.perf_counter()
        services = build_services(settings)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        services = build_services(settings)  # second start: the index is already there
        warm = time.perf_counter() - started
        print(f"startup: first (index from scratch) {cold:.2f} s, restart (incremental, nothing changed) {warm:.2f} s")
        cases = _cases()
        run_sync(services.pipeline.draft(cases[0]))
        times = []
        for request in cases:
            started = time.perf_counter()
            run_sync(services.pipeline.draft(request))
            times.append((time.perf_counter() - started) * 1000)
        timings: dict[str, list[float]] = {}
        for request in cases[:40]:
            for stage, ms in run_sync(services.pipeline.draft(request)).timings_ms.items():
                timings.setdefault(stage, []).append(ms)
        print("  by stage (p50 ms): " + ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in timings.items()))
        print(f"deterministic drafts over {len(times)} golden conversations: p50 {_pct(times, 0.5):.1f} ms, "
              f"p99 {_pct(times, 0.99):.1f} ms, max {max(times):.1f} ms")
        llm_times = []
        for request in cases[: args.llm]:
            started = time.perf_counter()
            response = run_sync(services.pipeline.draft(request.model_copy(update={"use_llm": True})))
            llm_times.append(time.perf_counter() - started)
            print(f"  LLM draft {len(llm_times)}: {llm_times[-1]:.1f} s, degraded={response.degraded}, "
                  f"tokens={response.usage}")
        if llm_times:
            print(f"LLM drafts ({services.pipeline.llm.model_name if services.pipeline.llm else 'off'}): "
                  f"median {statistics.median(llm_times):.1f} s, max {max(llm_times):.1f} s")


if __name__ == "__main__":
    main()
