"""Prometheus metrics of one kefu process: HTTP requests, pipeline stages, guard verdicts, rate limits, index.

Each app owns its registry (no process-wide globals), so tests and several apps in one process do not
clash. Anything that does work worth timing gets this object and calls `observe_stage(name)`.
Under `kefu serve --workers N` (``PROMETHEUS_MULTIPROC_DIR`` set before the workers start) every worker's
counters and histograms go to files in that directory and `/metrics` adds up all workers' values;
gauges read at scrape time (index size) come from the worker that answers, which sees the shared index.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
STAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class _IndexSizes(Collector):
    """Chunks indexed per shop, read when Prometheus scrapes."""

    def __init__(self, sizes: Callable[[], dict[str, int]]) -> None:
        self.sizes = sizes

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily("kefu_index_chunks", "Chunks in the search index per shop", labels=["shop"])
        for shop, count in sorted(self.sizes().items()):
            family.add_metric([shop], count)
        yield family


class Metrics:
    """The instruments kefu exposes at /metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # prometheus_client chooses file-backed values at import when this is set (kefu serve --workers)
        self.multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        self._scrape_time: list[Collector] = []
        self.http_requests = Counter(
            "kefu_http_requests", "HTTP requests by method, route template and status",
            ["method", "route", "status"], registry=self.registry)
        self.http_latency = Histogram(
            "kefu_http_request_duration_seconds", "HTTP request latency by method, route template and status",
            ["method", "route", "status"], buckets=HTTP_BUCKETS, registry=self.registry)
        self.stage_latency = Histogram(
            "kefu_pipeline_stage_duration_seconds", "Time spent in one drafting pipeline stage",
            ["stage"], buckets=STAGE_BUCKETS, registry=self.registry)
        self.guard_violations = Counter(
            "kefu_guard_violations", "Guard violations in returned verdicts, by category and source",
            ["category", "source"], registry=self.registry)
        self.rate_limited = Counter(
            "kefu_rate_limited", "Requests refused with 429 by the rate limiter", registry=self.registry)

    @contextmanager
    def observe_stage(self, name: str) -> Iterator[None]:
        """Time the block as pipeline stage `name` (recorded even when the block raises)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stage_latency.labels(name).observe(time.perf_counter() - started)

    def record_stage(self, name: str, seconds: float) -> None:
        """Record a stage timed elsewhere."""
        self.stage_latency.labels(name).observe(seconds)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.http_requests.labels(method, route, str(status)).inc()
        self.http_latency.labels(method, route, str(status)).observe(seconds)

    def count_violations(self, categories: Iterable[str], source: str) -> None:
        for category in categories:
            self.guard_violations.labels(category, source).inc()

    def watch_index(self, sizes: Callable[[], dict[str, int]]) -> None:
        """Expose the index size per shop, computed by `sizes` at scrape time."""
        collector = _IndexSizes(sizes)
        self.registry.register(collector)
        self._scrape_time.append(collector)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type (every worker's values in multiprocess mode)."""
        if not self.multiprocess_dir:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]
        for collector in self._scrape_time:
            registry.register(collector)
        return generate_latest(registry), CONTENT_TYPE_LATEST
