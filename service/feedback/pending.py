"""Draft records this worker has promised but not yet written (they are written after the answer is sent), so
that feedback arriving right after a draft waits for its record instead of answering 404."""

from __future__ import annotations

import threading
import time


class PendingRecords:
    """Request ids whose record is on its way; entries older than `forget_after_s` are dropped (a stream whose
    client went away never gets its record written)."""

    def __init__(self, forget_after_s: float = 600.0) -> None:
        self._events: dict[str, tuple[threading.Event, float]] = {}
        self._lock = threading.Lock()
        self._forget_after_s = forget_after_s

    def expect(self, request_id: str) -> None:
        """Called before the answer is sent: the record of `request_id` will follow."""
        now = time.monotonic()
        with self._lock:
            stale = [rid for rid, (_, since) in self._events.items() if now - since > self._forget_after_s]
            for rid in stale:
                self._events.pop(rid)[0].set()
            self._events[request_id] = (threading.Event(), now)

    def done(self, request_id: str) -> None:
        """The record was written (or its write failed): nobody needs to wait any longer."""
        with self._lock:
            entry = self._events.pop(request_id, None)
        if entry is not None:
            entry[0].set()

    def wait(self, request_id: str, timeout_s: float) -> bool:
        """Wait until a pending record is written; False at once when none is pending here."""
        with self._lock:
            entry = self._events.get(request_id)
        return entry is not None and entry[0].wait(timeout_s)
