"""Guard latency per reply over the labelled set (evals/guards/*.yaml).

Usage:
    python bench/guard_latency.py [--repeat 5] [--catalogue 1000] [--json FILE] [paths ...]

Each repeat runs the default guard runner (with the learned tone layer unless --no-tone, its
embedding cache off) over every labelled reply (contexts are built once,
outside the timing). Prints p50/p99/max per repeat, the overall p50/p99, and p50/p99 per guard.
With `--catalogue N` (default 1000; 0 = off) it then times the demo shop's replies again on a
synthetic shop of the demo documents plus N generated products (bench/synthetic_shop.py): the
guards must cost the same at 30 or 1,000 products.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic_shop import synthetic_shop
from service.evaluation.guard_eval import build_context, load_cases, percentile
from service.guards.base import GuardContext
from service.guards.registry import build_guards
from service.guards.runner import GuardRunner
from service.guards.tone.guard import ToneGuard
from service.guards.tone.model import ToneModel
from service.retrieval.embeddings import build_embedder
from service.settings import PROJECT_ROOT, get_settings


def main() -> None:
    """Time the default runner over the labelled set and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, default=[PROJECT_ROOT / "evals" / "guards"])
    parser.add_argument("--repeat", type=int, default=5, help="passes over the labelled set")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument("--no-tone", action="store_true", help="rule guards only (no learned tone layer)")
    parser.add_argument("--catalogue", type=int, default=1000, help="products in the synthetic shop (0: skip)")
    args = parser.parse_args()

    cases = [case for _, case in load_cases(args.paths)]
    contexts = [build_context(case) for case in cases]
    guards = build_guards()
    if not args.no_tone:  # the learned layer as the service runs it, without its piece cache (every check embeds)
        settings = get_settings()
        guards.append(ToneGuard(ToneModel.load(settings.guards.tone_model), build_embedder(settings.embedding),
                                cache_size=0))
    runner = GuardRunner(guards)
    runner.check(contexts[0])  # warm-up: first-call costs are not per-reply latency

    overall: list[float] = []
    passes = []
    for index in range(args.repeat):
        times = []
        for ctx in contexts:
            started = time.perf_counter()
            runner.check(ctx)
            times.append((time.perf_counter() - started) * 1000)
        overall.extend(times)
        passes.append(
            {
                "pass": index + 1,
                "p50_ms": statistics.median(times),
                "p99_ms": percentile(times, 99),
                "max_ms": max(times),
            }
        )
        print(
            f"pass {index + 1}: {len(times)} replies  p50 {passes[-1]['p50_ms']:.2f} ms  "
            f"p99 {passes[-1]['p99_ms']:.2f} ms  max {passes[-1]['max_ms']:.2f} ms"
        )

    per_guard = {}
    for guard in guards:
        times = []
        for ctx in contexts:
            started = time.perf_counter()
            guard.check(ctx)
            times.append((time.perf_counter() - started) * 1000)
        per_guard[guard.name] = {"p50_ms": statistics.median(times), "p99_ms": percentile(times, 99)}
    result = {
        "replies": len(contexts),
        "repeat": args.repeat,
        "p50_ms": statistics.median(overall),
        "p99_ms": percentile(overall, 99),
        "passes": passes,
        "per_guard": per_guard,
    }
    print(f"overall: p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms ({len(overall)} checks)")
    for name, numbers in per_guard.items():
        print(f"  {name:16} p50 {numbers['p50_ms']:.3f} ms  p99 {numbers['p99_ms']:.3f} ms")
    if args.catalogue:
        result["catalogue"] = _catalogue(runner, [c for c in contexts if c.shop.shop_id == "demo"], args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


def _catalogue(runner: GuardRunner, demo: list[GuardContext], args: argparse.Namespace) -> dict[str, float]:
    """The demo shop's replies on the demo shop and on the demo shop plus N generated products."""
    started = time.perf_counter()
    big = synthetic_shop(args.catalogue)
    build_s = time.perf_counter() - started
    numbers: dict[str, float] = {"products": float(len(big.products)), "build_s": build_s}
    for label, contexts in (("demo", demo), ("synthetic", [c.model_copy(update={"shop": big}) for c in demo])):
        runner.check(contexts[0])
        times = []
        for _ in range(args.repeat):
            for ctx in contexts:
                t0 = time.perf_counter()
                runner.check(ctx)
                times.append((time.perf_counter() - t0) * 1000)
        numbers[f"{label}_p50_ms"] = statistics.median(times)
        numbers[f"{label}_p99_ms"] = percentile(times, 99)
        shop = contexts[0].shop
        print(f"{label:9} shop ({len(shop.products)} products, {len(contexts)} replies x {args.repeat}): "
              f"p50 {numbers[f'{label}_p50_ms']:.2f} ms  p99 {numbers[f'{label}_p99_ms']:.2f} ms")
    print(f"synthetic shop built in {build_s:.1f} s")
    return numbers


if __name__ == "__main__":
    main()
