"""POST /v1/drafts with `"stream": true`: the draft events as server-sent events.

OpenAI's convention, which agents' tools already parse: each event is one line `data: {json}` and a blank
line; the stream ends with `data: [DONE]`. Event kinds and their order: service/drafting/streaming.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from service.drafting.models import DraftInput
from service.drafting.pipeline import Prepared
from service.drafting.streaming import DraftStreamer, StreamEvent

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # nginx must not buffer the stream


def sse(event: StreamEvent) -> str:
    """One event in SSE framing."""
    return f"data: {event.model_dump_json()}\n\n"


async def _frames(streamer: DraftStreamer, base: Prepared, request: DraftInput, request_id: str,
                  sent: list[StreamEvent]) -> AsyncIterator[str]:
    async for event in streamer.events(base, request, request_id):
        sent.append(event)
        yield sse(event)
    yield "data: [DONE]\n\n"


def stream_response(streamer: DraftStreamer, base: Prepared, request: DraftInput, request_id: str, *,
                    on_end: Callable[[list[StreamEvent]], object] | None = None) -> StreamingResponse:
    """The streaming answer for a request whose deterministic half is done (its errors were 4xx already);
    `on_end` gets the events sent, after the stream has ended."""
    sent: list[StreamEvent] = []
    return StreamingResponse(_frames(streamer, base, request, request_id, sent), media_type="text/event-stream",
                             headers=SSE_HEADERS, background=BackgroundTask(on_end, sent) if on_end else None)
