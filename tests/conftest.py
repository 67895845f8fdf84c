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
