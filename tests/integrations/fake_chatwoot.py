"""A fake Chatwoot application API served by uvicorn on a free loopback port: it serves a conversation's
messages (the shape of app/views/api/v1/accounts/conversations/messages/index.json.jbuilder) and records the
messages kefu posts. It refuses calls without the expected api_access_token, as Chatwoot does."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


@dataclass
class FakeChatwoot:
    token: str
    history: list[dict[str, Any]] = field(default_factory=list)
    history_status: int = 200
    post_status: int = 200
    notes: list[dict[str, Any]] = field(default_factory=list)
    note_times: list[float] = field(default_factory=list)  # time.monotonic() when each note arrived
    reads: int = 0
    release_posts: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def __post_init__(self) -> None:
        self.release_posts.set()

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/api/v1/accounts/{account}/conversations/{conversation}/messages")
        def messages(account: int, conversation: int, request: Request) -> JSONResponse:
            if request.headers.get("api_access_token") != self.token:
                return JSONResponse({"error": "You need to sign in or sign up before continuing."}, status_code=401)
            self.reads += 1
            if self.history_status != 200:
                return JSONResponse({"error": "boom"}, status_code=self.history_status)
            return JSONResponse({"meta": {"labels": [], "contact_id": 14}, "payload": self.history})

        @app.post("/api/v1/accounts/{account}/conversations/{conversation}/messages")
        async def create(account: int, conversation: int, request: Request) -> JSONResponse:
            if request.headers.get("api_access_token") != self.token:
                return JSONResponse({"error": "You need to sign in or sign up before continuing."}, status_code=401)
            while not self.release_posts.is_set():  # a slow Chatwoot: the webhook must not wait for this
                time.sleep(0.01)
            if self.post_status != 200:
                return JSONResponse({"error": "boom"}, status_code=self.post_status)
            body = await request.json()
            self.notes.append({"account": account, "conversation": conversation, **body})
            self.note_times.append(time.monotonic())
            return JSONResponse({"id": 1000 + len(self.notes), **body})

        return app

    def wait_for_notes(self, count: int, timeout_s: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while len(self.notes) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.notes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Served:
    """Runs an ASGI app with uvicorn in a thread until stopped."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.server.started, "the fake Chatwoot did not start"
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
