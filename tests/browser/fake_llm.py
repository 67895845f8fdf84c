"""A fake OpenAI-compatible chat server for the browser tests: a scripted answer, streamed slowly when asked.

Usage: python -m tests.browser.fake_llm --port P [--piece-delay 0.05] [--repair-delay 1.5]

A streamed completion (`"stream": true`) answers two drafts, one that passes kefu's guards and one that blames
the buyer, as OpenAI chunks (`data: {...}`) of a few characters, `piece_delay` seconds apart: the console
shows a draft writing itself in and then being blocked. A plain completion (kefu asking for a repair) answers
a fixed draft after `repair_delay` seconds, long enough to see the blocked one first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse

GOOD = "亲,非常抱歉给您添麻烦了!质量问题签收15天内可以为您换货,来回运费由我们承担。"
BLAME = "这是你自己使用不当造成的,我们不负责。"
FIXED = "亲,给您添麻烦了,非常抱歉!麻烦您拍下问题的照片发给我们,我们马上为您处理。"
ANSWER = json.dumps({"drafts": [{"text": GOOD, "citations": ["policy-returns#2"]},
                                {"text": BLAME, "citations": []}]}, ensure_ascii=False)


def create_app(piece_delay: float, repair_delay: float) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        body = await request.json()
        if not body.get("stream"):
            await asyncio.sleep(repair_delay)
            fixed = json.dumps({"drafts": [{"text": FIXED, "citations": []}]}, ensure_ascii=False)
            return Response(json.dumps({
                "id": "fake", "object": "chat.completion", "created": 1, "model": "fake",
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": fixed}}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 60, "total_tokens": 160}}, ensure_ascii=False),
                media_type="application/json")

        async def chunks() -> AsyncIterator[str]:
            for start in range(0, len(ANSWER), 6):
                await asyncio.sleep(piece_delay)
                chunk = {"id": "fake", "object": "chat.completion.chunk", "created": 1, "model": "fake",
                         "choices": [{"index": 0, "delta": {"content": ANSWER[start:start + 6]}, "finish_reason": None}]}
                yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream")

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--piece-delay", type=float, default=0.05)
    parser.add_argument("--repair-delay", type=float, default=1.5)
    args = parser.parse_args()
    uvicorn.run(create_app(args.piece_delay, args.repair_delay), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
