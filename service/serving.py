"""`kefu serve`: one process, or several uvicorn workers behind one port that share the external servers.

Several workers are separate processes (the GIL lets one process use about one core): each builds its
own services from the same settings, so they must share state through servers, not files — PostgreSQL
(documents, versions, keys), Redis (rate limits) and a Chroma server (the index; an embedded ChromaDB
must not be opened by two processes). Their metrics are merged through prometheus_client's multiprocess
mode: every worker writes its counters into files under ``PROMETHEUS_MULTIPROC_DIR`` and whichever
worker answers ``/metrics`` reads them all.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from fastapi import FastAPI

from service.errors import UserError
from service.settings import Settings, get_settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LOG_LEVEL_ENV = "KEFU_SERVE_LOG_LEVEL"  # passes `--verbose` to the worker processes


def check_workers(settings: Settings, workers: int) -> None:
    """Refuse a multi-worker layout whose workers would not share their state.

    Raises:
        UserError: several workers without a Chroma server (each would open the embedded index files).
    """
    if workers < 1:
        raise UserError(f"--workers must be at least 1, got {workers}", where="--workers")
    if workers > 1 and not settings.chroma_url:
        raise UserError("several workers need a Chroma server they share: set KEFU_CHROMA_URL "
                        "(`chroma run --path DIR`); an embedded ChromaDB is one process's", where="--workers")


def prepare_metrics_dir(workers: int) -> Path | None:
    """For several workers, a fresh ``PROMETHEUS_MULTIPROC_DIR`` (set in the environment the workers inherit).

    A directory the caller named is emptied first: files left by an earlier run would add its counts.
    """
    if workers == 1:
        return None
    named = os.environ.get(MULTIPROC_ENV)
    path = Path(named) if named else Path(tempfile.mkdtemp(prefix="kefu-metrics-"))
    if named and path.exists():
        for child in path.iterdir():
            if child.is_file() and child.suffix == ".db":
                child.unlink()
    path.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)
    return path


def remove_metrics_dir(path: Path | None, *, created: bool) -> None:
    if path is not None and created:
        shutil.rmtree(path, ignore_errors=True)


def worker_app() -> FastAPI:
    """The app of one worker process (uvicorn's factory when ``--workers`` > 1): logging, then the app."""
    from service.app import create_app
    from service.observability.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_format, int(os.environ.get(LOG_LEVEL_ENV, logging.INFO)))
    return create_app(settings)
