"""Memory of a real `kefu serve` after huge and deep bodies (target: RSS < 1 GB after the 20 MB request).

Starts `kefu serve` as a subprocess on a free port with a temporary data dir, sends the requests over a
plain socket (the server refuses early and closes, so the upload may be cut short), and prints the
status, time and the server's RSS after each.

    python bench/body_limits_rss.py [--llm-mode off|local]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def memory_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of the process in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def send(port: int, path: str, chunks: Iterator[bytes], length: int | None) -> tuple[int, str]:
    """POST the chunks; returns (status, first bytes of the answer) even when the server stops reading."""
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
    head += f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.sendall((head + "\r\n").encode())
        try:
            for chunk in chunks:
                sock.sendall(chunk if length is not None else b"%x\r\n%s\r\n" % (len(chunk), chunk))
            if length is None:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused mid-upload: the answer is already on its way
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except ConnectionResetError:
            pass
    if not answer:
        return 0, "connection closed without an answer"
    status_line, _, rest = answer.partition(b"\r\n")
    body = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), body[:120].decode("utf-8", "replace")


def pieces(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


def draft_body(text: str, turns: int = 1) -> bytes:
    conversation = [{"role": "customer", "text": text}] * turns
    return json.dumps({"shop_id": "demo", "conversation": conversation, "use_llm": False},
                      ensure_ascii=False).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--llm-mode", default="off", help="KEFU_LLM__MODE for the server (local loads ~1 GB)")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "KEFU_DATA_DIR": tmp, "KEFU_LLM__MODE": args.llm_mode, "HF_HUB_OFFLINE": "1",
               "PYTHONPATH": str(ROOT), "ANONYMIZED_TELEMETRY": "False"}
        server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
                                  env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            started = time.perf_counter()
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        if b" 200 " in sock.recv(100):
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.perf_counter() - started > 180:
                    raise SystemExit("kefu serve did not start")
                time.sleep(0.5)
            rss, peak = memory_mb(server.pid)
            print(f"started in {time.perf_counter() - started:.1f} s (llm mode {args.llm_mode}); "
                  f"RSS {rss:.0f} MB, peak {peak:.0f} MB")
            deep = b"[" * 400_000 + b"]" * 400_000
            big_allowed = draft_body("质量问题能不能退货" * 111, turns=8)  # 8 turns of 999 chars: the most allowed
            cases: list[tuple[str, bytes, bool]] = [
                ("2 MB message, Content-Length", draft_body("退" * (2 * MB // 3)), True),
                ("20 MB message, Content-Length", draft_body("退" * (20 * MB // 3)), True),
                ("20 MB message, chunked", draft_body("退" * (20 * MB // 3)), False),
                ("nested 400k deep (781 KB)", deep, True),
                (f"largest allowed: 8 turns x 999 chars ({len(big_allowed) // 1024} KB)", big_allowed, True),
            ]
            print(f"{'request':<52} {'status':>6} {'ms':>8} {'RSS MB':>7} {'peak MB':>8}")
            for name, body, declared in cases:
                t0 = time.perf_counter()
                status, _ = send(port, "/v1/drafts", pieces(body), len(body) if declared else None)
                ms = (time.perf_counter() - t0) * 1000
                rss, peak = memory_mb(server.pid)
                print(f"{name:<52} {status:>6} {ms:>8.0f} {rss:>7.0f} {peak:>8.0f}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
