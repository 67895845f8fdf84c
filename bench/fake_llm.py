"""A fake OpenAI-compatible chat server with a fixed latency, for load tests (loopback only).

Usage: python bench/fake_llm.py --port 8900 [--latency 1.0] [--host 127.0.0.1]

POST /v1/chat/completions sleeps `latency` seconds (without blocking other requests) and answers one
draft in the JSON shape kefu's prompt asks for. GET /stats tells how many calls it served and the
most it had in flight at once, so a test can prove that calls overlapped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from fastapi import FastAPI, Response

REPLY = json.dumps({"drafts": [
    {"text": "亲,您好!您的问题我们已经收到,客服马上为您核实处理,请您稍等一下哦。", "citations": []},
]}, ensure_ascii=False)


def create_fake_llm(latency_s: float) -> FastAPI:
    """The fake server's app; `latency_s` is how long every completion takes."""
    app = FastAPI()
    state = {"calls": 0, "in_flight": 0, "peak": 0}

    @app.post("/v1/chat/completions")
    async def chat() -> Response:  # the body is not read: every prompt gets the same answer
        state["calls"] += 1
        state["in_flight"] += 1
        state["peak"] = max(state["peak"], state["in_flight"])
        try:
            await asyncio.sleep(latency_s)
        finally:
            state["in_flight"] -= 1
        body = {"id": f"fake-{state['calls']}", "object": "chat.completion", "created": int(time.time()),
                "model": "fake", "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": REPLY}}],
                "usage": {"prompt_tokens": 500, "completion_tokens": 60, "total_tokens": 560}}
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")

    @app.get("/stats")
    async def stats() -> dict[str, int]:
        return dict(state)

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per completion")
    args = parser.parse_args()
    uvicorn.run(create_fake_llm(args.latency), host=args.host, port=args.port, log_level="warning",
                backlog=4096)


if __name__ == "__main__":
    main()
