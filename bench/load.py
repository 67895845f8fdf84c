"""Load benchmark: kefu serving POST /v1/drafts against a fake OpenAI-compatible LLM with fixed latency.

Usage: python bench/load.py [--latency 1.0] [--levels 1,8,32,64,200] [--rounds 3] [--embedding use-onnx]
                            [--workers 1] [--cpu-threads N]

Starts the fake LLM (bench/fake_llm.py) and `kefu serve` as subprocesses on free loopback ports, with
the LLM pointed at the fake. At each concurrency level it sends `rounds` bursts of that many requests
at once (golden demo conversations, use_llm true) and prints, per level: the burst's wall time, the
service overhead (a request's latency minus the time inside the LLM call, p50/p99), the LLM queue
wait p99, throughput, degraded answers, and the CPU time kefu (all its processes), the fake LLM and this
client spent per request; then kefu's peak RSS (per worker). Every request body is distinct (golden
conversations with reworded openings and closings), so no cache answers a repeat.
With --workers N > 1 it also starts a Chroma server (`chroma run`), which several workers need.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not up within {timeout_s:.0f} s")


def requests_from_golden() -> list[dict[str, Any]]:
    bodies = []
    for file in sorted((ROOT / "evals" / "golden" / "demo").glob("*.yaml")):
        for case in yaml.safe_load(file.read_text(encoding="utf-8"))["cases"]:
            bodies.append({"shop_id": "demo", "conversation": case["conversation"], "order": case.get("order"),
                           "now": str(case["now"]), "n": 3, "use_llm": True})
    return bodies


# Ways buyers open and close the same question; each request of a run gets its own combination, so no
# two requests carry the same last message (no cache in kefu answers a repeat for free).
_OPENERS = {"zh": ["", "亲,", "你好,", "在吗?", "麻烦问下,", "客服你好,", "请问一下,", "哈喽,"],
            "en": ["", "Hi, ", "Hello, ", "Quick question: ", "Hey there, ", "Excuse me, ", "Hi again, ",
                   "Sorry to bother, "]}
_CLOSERS = {"zh": ["", "谢谢", "急", "?在线等", "哈", "谢谢亲", "麻烦快点回复", "好的吗"],
            "en": ["", " thanks", " pls", " thank you!", " asap", " cheers", " (urgent)", " thx"]}


def varied_requests(golden: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Golden conversations whose last buyer turn is reworded: every body of a run is distinct.

    Request j takes golden case j mod N and the (j div N)-th opener/closer pair; 105 demo cases × 64
    pairs give 6,720 distinct bodies, more than one full run sends.
    """
    pairs = [(o, c) for c in range(len(_CLOSERS["zh"])) for o in range(len(_OPENERS["zh"]))]
    for variant in range(len(pairs)):
        opener, closer = pairs[variant]
        for body in golden:
            conversation = [dict(turn) for turn in body["conversation"]]
            last = max(i for i, turn in enumerate(conversation) if turn["role"] == "customer")
            text = conversation[last]["text"]
            lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"
            conversation[last]["text"] = f"{_OPENERS[lang][opener]}{text}{_CLOSERS[lang][closer]}"
            yield {**body, "conversation": conversation}
    raise RuntimeError("the run asked for more distinct bodies than the variations give")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def burst(client: httpx.AsyncClient, url: str,
                bodies: list[dict[str, Any]]) -> tuple[float, list[dict[str, Any]]]:
    async def one(body: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            response = await client.post(url, json=body)
        except httpx.HTTPError as exc:
            return {"status": type(exc).__name__, "wall_ms": (time.perf_counter() - started) * 1000,
                    "llm_ms": 0.0, "queue_ms": 0.0, "degraded": True, "error": repr(exc)[:200]}
        wall_ms = (time.perf_counter() - started) * 1000
        data = response.json() if response.status_code == 200 else {}
        usage = data.get("usage", {})
        return {"status": response.status_code, "wall_ms": wall_ms, "llm_ms": usage.get("llm_call_ms", 0.0),
                "queue_ms": usage.get("llm_queue_ms", 0.0), "degraded": data.get("degraded", True),
                "error": data.get("degraded_reason") or ("" if response.status_code == 200 else response.text[:200])}

    started = time.perf_counter()
    results = await asyncio.gather(*(one(b) for b in bodies))
    return time.perf_counter() - started, list(results)


async def run_levels(base: str, levels: list[int], rounds: int, pids: dict[str, int]) -> list[dict[str, Any]]:
    bodies = varied_requests(requests_from_golden())
    url = f"{base}/v1/drafts"
    rows = []
    # keep-alive shorter than uvicorn's 5 s: a connection the server is closing is never reused
    limits = httpx.Limits(max_connections=max(levels) + 8, max_keepalive_connections=max(levels) + 8,
                          keepalive_expiry=2.0)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        await burst(client, url, [next(bodies) for _ in range(4)])  # warm: first requests set up clients and caches
        for level in levels:
            walls: list[float] = []
            results: list[dict[str, Any]] = []
            cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            client_before = time.process_time()
            for _ in range(rounds):
                chosen = [next(bodies) for _ in range(level)]
                wall, got = await burst(client, url, chosen)
                walls.append(wall)
                results += got
            cpu = {name: (cpu_seconds(pid) - cpu_before[name]) * 1000 / len(results) for name, pid in pids.items()}
            cpu["client"] = (time.process_time() - client_before) * 1000 / len(results)
            overhead = [x["wall_ms"] - x["llm_ms"] for x in results]
            rows.append({
                "concurrency": level, "requests": len(results),
                "burst_s_median": statistics.median(walls), "burst_s_max": max(walls),
                "overhead_p50_ms": pct(overhead, 0.5), "overhead_p99_ms": pct(overhead, 0.99),
                "queue_p99_ms": pct([x["queue_ms"] for x in results], 0.99),
                "throughput_rps": len(results) / sum(walls),
                "non_200": sum(1 for x in results if x["status"] != 200),
                "degraded": sum(1 for x in results if x["degraded"]),
                "errors": sorted({f"{x['status']}: {x['error']}" for x in results if x["error"]})[:5],
                "cpu_ms_per_request": cpu,
            })
    return rows


def _stat_fields(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2:].split()  # after "pid (comm) "


def process_tree(pid: int) -> list[int]:
    """`pid` and its live descendants (uvicorn's workers, Chroma's helpers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(int(_stat_fields(int(entry.name))[1]), []).append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` and its live descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for member in process_tree(pid):
        try:
            fields = _stat_fields(member)
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_chroma(tmp: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`chroma run` on a free loopback port with its data under `tmp`."""
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(chroma), "run", "--path", str(Path(tmp) / "chroma-server"), "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/api/v2/heartbeat", proc)
    return proc, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=1.0, help="fake LLM seconds per completion")
    parser.add_argument("--levels", default="1,8,32,64,200", help="concurrency levels")
    parser.add_argument("--rounds", type=int, default=3, help="bursts per level")
    parser.add_argument("--embedding", default="use-onnx", help="KEFU_EMBEDDING__MODE for kefu")
    parser.add_argument("--workers", type=int, default=1, help="kefu serve --workers (>1 starts a Chroma server)")
    parser.add_argument("--cpu-threads", type=int, help="KEFU_CPU_THREADS (default: kefu's, the CPU count)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    llm_port, kefu_port = free_port(), free_port()
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="kefu-load-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "KEFU_DATA_DIR": tmp,
               "KEFU_KNOWLEDGE_DIR": str(ROOT / "knowledge"), "KEFU_EMBEDDING__MODE": args.embedding,
               "KEFU_LLM__MODE": "litellm", "KEFU_LLM__MODEL": "openai/fake",
               "KEFU_LLM__API_BASE": f"http://127.0.0.1:{llm_port}/v1", "KEFU_LLM__API_KEY": "unused",
               "KEFU_LLM__MAX_CONCURRENCY": str(max(levels) + 8), "KEFU_LLM__TIMEOUT_S": "30",
               "KEFU_RATE_LIMIT__ENABLED": "false",  # one caller sends every request here
               "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True", "ORT_DISABLE_TELEMETRY": "1",
               "ANONYMIZED_TELEMETRY": "False"}
        env.pop("KEFU_LLM_MODEL", None)
        if args.cpu_threads:
            env["KEFU_CPU_THREADS"] = str(args.cpu_threads)
        try:
            procs.append(subprocess.Popen([sys.executable, str(ROOT / "bench" / "fake_llm.py"), "--port",
                                           str(llm_port), "--latency", str(args.latency)], env=env))
            pids = {"fake_llm": procs[0].pid}
            if args.workers > 1:
                chroma, env["KEFU_CHROMA_URL"] = start_chroma(tmp, env)
                procs.append(chroma)
                pids["chroma"] = chroma.pid
                # one worker indexes first; the others find the index on the server
                subprocess.run([sys.executable, "-m", "service.cli", "index"], env=env, cwd=ROOT, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            log = (Path(tmp) / "kefu.log").open("wb")
            workers = ["--workers", str(args.workers)] if args.workers > 1 else []
            kefu = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(kefu_port), *workers],
                                    env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            procs.append(kefu)
            pids["kefu"] = kefu.pid
            wait_until_up(f"http://127.0.0.1:{llm_port}/stats", procs[0])
            started = time.perf_counter()
            wait_until_up(f"http://127.0.0.1:{kefu_port}/healthz", kefu)
            if args.workers > 1:
                time.sleep(10)  # /healthz answers once the first worker is up; let the others finish starting
            print(f"kefu up in {time.perf_counter() - started:.1f} s (embedding {args.embedding}, "
                  f"{args.workers} worker(s)); fake LLM latency {args.latency:g} s")
            rows = asyncio.run(run_levels(f"http://127.0.0.1:{kefu_port}", levels, args.rounds, pids))
            if kefu.poll() is not None:
                tail = (Path(tmp) / "kefu.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"kefu exited with {kefu.returncode} during the load:\n{tail}")
            rss = [peak_rss_mb(pid) for pid in process_tree(kefu.pid)]
            stats = httpx.get(f"http://127.0.0.1:{llm_port}/stats").json()
        finally:
            for proc in reversed(procs):
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)
    header = (f"{'conc':>5} {'reqs':>5} {'burst med s':>11} {'burst max s':>11} {'ovh p50 ms':>10} "
              f"{'ovh p99 ms':>10} {'queue p99':>9} {'req/s':>6} {'non200':>6} {'degraded':>8} "
              f"{'CPU ms/req: kefu':>16} {'llm':>5} {'client':>6}")
    print(header)
    for row in rows:
        cpu = row["cpu_ms_per_request"]
        print(f"{row['concurrency']:>5} {row['requests']:>5} {row['burst_s_median']:>11.2f} "
              f"{row['burst_s_max']:>11.2f} "
              f"{row['overhead_p50_ms']:>10.1f} {row['overhead_p99_ms']:>10.1f} {row['queue_p99_ms']:>9.1f} "
              f"{row['throughput_rps']:>6.1f} {row['non_200']:>6} {row['degraded']:>8} "
              f"{cpu['kefu']:>16.1f} {cpu['fake_llm']:>5.1f} {cpu['client']:>6.1f}")
    for row in rows:
        for error in row["errors"]:
            print(f"  at {row['concurrency']}: {error}")
    print(f"kefu peak RSS {max(rss):.0f} MB per process, {sum(rss):.0f} MB for its {len(rss)} process(es); "
          f"fake LLM served {stats['calls']} calls, at most {stats['peak']} at once")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "peak_rss_mb": rss, "llm": stats}, indent=2))


if __name__ == "__main__":
    main()
