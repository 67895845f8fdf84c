"""Shared fixtures: a copy of the repo's knowledge in a temp dir, the hashing embedder, no LLM."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("DISABLE_AIOHTTP_TRANSPORT", "True")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from fastapi.testclient import TestClient

from service.app import create_app
from service.container import Services, build_services
from service.settings import PROJECT_ROOT, EmbeddingSettings, LLMSettings, Settings

PG_ADMIN_URL = os.environ.get("KEFU_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL schema of its own (other test runs share the server), dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text

    schema = f"kefu_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on a SQLite file and on the real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kefu.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge" / "demo", target / "demo")
    return target


@pytest.fixture
def settings(tmp_path: Path, knowledge_dir: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        knowledge_dir=knowledge_dir,
        embedding=EmbeddingSettings(mode="hashing"),
        llm=LLMSettings(mode="off"),
    )


@pytest.fixture
def services(settings: Settings) -> Services:
    return build_services(settings)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def litellm_over_httpx() -> Iterator[None]:
    """litellm's aiohttp transport is invisible to respx; its cached clients would outlive the mock."""
    import litellm

    litellm.disable_aiohttp_transport = True
    litellm.in_memory_llm_clients_cache.flush_cache()
    yield
    litellm.in_memory_llm_clients_cache.flush_cache()
