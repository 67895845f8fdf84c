"""One event loop in a daemon thread, for synchronous callers (CLI, evaluations) of async code.

litellm caches its HTTP clients per event loop; a fresh loop per call (``asyncio.run``) would leave
those clients bound to closed loops. Every synchronous call therefore runs on this one loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from functools import lru_cache
from typing import Any, TypeVar

T = TypeVar("T")


class BackgroundLoop:
    """An event loop running forever in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="kefu-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and wait for its result (re-raising its exception)."""
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("run_sync called from the background loop itself; await the coroutine instead")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()


@lru_cache(maxsize=1)
def background_loop() -> BackgroundLoop:
    """The process's background loop, started on first use."""
    return BackgroundLoop()


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code."""
    return background_loop().run(coro)
