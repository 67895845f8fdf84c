"""Golden conversations: typed cases in `evals/golden/<suite>/*.yaml`, their loader and JSON schema."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from service.errors import UserError
from service.guards.base import Turn
from service.policy.decision import DECISIONS
from service.policy.order import Order
from service.settings import PROJECT_ROOT

GOLDEN_DIR = PROJECT_ROOT / "evals" / "golden"
CATEGORIES_FILE = GOLDEN_DIR / "categories.yaml"
SCHEMA_FILE = GOLDEN_DIR / "schema.json"
Stage = Literal["售前", "售中", "售后"]
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"

# libyaml's parser where PyYAML has it: the same objects (checked on every evals/ file), ~6x faster to parse
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class GoldenCase(BaseModel):
    """One buyer conversation with what a right reply must and must not say (docs/data-formats.md)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN, description="unique across the suite, e.g. demo-returns-001")
    shop: str = Field(pattern=r"^[a-z0-9_-]{1,64}$", description="knowledge/<shop> or evals/shops/<shop>")
    language: Literal["zh", "en"] = Field(default="zh", description="language of the buyer and of the reply")
    stage: Stage = Field(description="售前 | 售中 | 售后; equals the category's stage")
    category: str = Field(description="one of the 30 script categories in evals/golden/categories.yaml")
    tags: list[str] = Field(default_factory=list, description="free labels, e.g. multi-turn, colloquial")
    now: datetime = Field(description="ISO 8601 with offset; fixes 'today'")
    conversation: list[Turn] = Field(min_length=1, description="oldest first; the last turn is the buyer's")
    order: Order | None = Field(default=None, description="the buyer's order, if the agent's tool sends one")
    policy_ids: list[str] = Field(
        default_factory=list, description="doc ids the right answer rests on (retrieval must find one)")
    law_articles: list[str] = Field(default_factory=list, description="e.g. 消费者权益保护法 第25条")
    decision: str = Field(description="the expected policy decision",
                          json_schema_extra={"enum": list(DECISIONS)})
    must_state: list[list[str]] = Field(
        default_factory=list, description="facts the reply must state: each a list of alternative regexes")
    never_say: list[str] = Field(default_factory=list, description="regexes the reply must never match")
    golden_reply: str = Field(min_length=1, description="a reply a senior agent would send")
    note: str | None = Field(default=None, description="why the case exists, for editors")

    @field_validator("now")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("`now` needs a UTC offset, e.g. 2026-11-10T10:00:00+08:00")
        return value

    @field_validator("decision")
    @classmethod
    def _known_decision(cls, value: str) -> str:
        if value not in DECISIONS:
            raise ValueError(f"unknown decision `{value}`; one of {', '.join(DECISIONS)}")
        return value

    @field_validator("must_state")
    @classmethod
    def _groups(cls, value: list[list[str]]) -> list[list[str]]:
        if any(not group for group in value):
            raise ValueError("a must_state entry is an empty list; give at least one regex")
        for pattern in (p for group in value for p in group):
            _compile(pattern)
        return value

    @field_validator("never_say")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            _compile(pattern)
        return value

    @field_validator("conversation")
    @classmethod
    def _ends_with_buyer(cls, value: list[Turn]) -> list[Turn]:
        if value[-1].role != "customer":
            raise ValueError("the last turn must be the buyer's (role: customer)")
        return value


class GoldenFile(BaseModel):
    """One YAML file of a suite."""

    model_config = ConfigDict(extra="forbid", title="kefu golden conversations")

    cases: list[GoldenCase] = Field(min_length=1)


class ScriptCategory(BaseModel):
    """One of the 30 script categories (rules-cn.md §4)."""

    model_config = ConfigDict(extra="forbid")

    number: int
    name: str
    stage: Stage


class GoldenSuite(BaseModel):
    """A validated suite: its cases in file order, and which file each came from."""

    name: str
    cases: list[GoldenCase]
    files: dict[str, str] = Field(default_factory=dict, description="case id → file name")

    @property
    def shops(self) -> list[str]:
        return sorted({c.shop for c in self.cases})


def _compile(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regex {pattern!r}: {exc}") from exc


def load_categories(path: Path = CATEGORIES_FILE) -> list[ScriptCategory]:
    """The script categories of categories.yaml, in number order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [ScriptCategory.model_validate(item) for item in data["categories"]]


def load_suite(folder: Path, *, categories: Sequence[ScriptCategory] | None = None,
               shop_roots: Sequence[Path] = ()) -> GoldenSuite:
    """Load and validate every `*.yaml` of a suite folder.

    Args:
        folder: e.g. evals/golden/demo.
        categories: the allowed categories (default: evals/golden/categories.yaml).
        shop_roots: when given, each case's shop must exist under one root and its policy_ids be docs there.

    Raises:
        UserError: listing every problem found (file, case id, field).
    """
    known = {c.name: c for c in (categories if categories is not None else load_categories())}
    problems: list[str] = []
    cases: list[GoldenCase] = []
    files: dict[str, str] = {}
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise UserError(f"no golden files (*.yaml) in {folder}")
    for path in paths:
        try:
            parsed = GoldenFile.model_validate(yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER))
        except (ValidationError, yaml.YAMLError) as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        for case in parsed.cases:
            where = f"{path.name} [{case.id}]"
            if case.id in files:
                problems.append(f"{where}: duplicate id (also in {files[case.id]})")
            category = known.get(case.category)
            if category is None:
                problems.append(f"{where}: unknown category `{case.category}`")
            elif category.stage != case.stage:
                problems.append(f"{where}: stage {case.stage}, but {case.category} is {category.stage}")
            problems += [f"{where}: {p}" for p in _reference_problems(case, shop_roots)]
            files.setdefault(case.id, path.name)
            cases.append(case)
    if problems:
        raise UserError("invalid golden suite:\n  " + "\n  ".join(problems), where=str(folder))
    return GoldenSuite(name=folder.name, cases=cases, files=files)


def _reference_problems(case: GoldenCase, shop_roots: Sequence[Path]) -> list[str]:
    if not shop_roots:
        return []
    folders = [root / case.shop for root in shop_roots if (root / case.shop).is_dir()]
    if not folders:
        return [f"shop `{case.shop}` not found"]
    return [f"policy id `{doc}` is not a document of shop `{case.shop}`" for doc in case.policy_ids
            if not any((f / f"{doc}.md").is_file() for f in folders)]


def golden_schema(categories: Sequence[ScriptCategory] | None = None) -> dict[str, Any]:
    """The JSON schema of a golden file, with the category names as an enum for editors' tools."""
    schema = GoldenFile.model_json_schema()
    names = [c.name for c in (categories if categories is not None else load_categories())]
    schema["$defs"]["GoldenCase"]["properties"]["category"]["enum"] = names
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def render_schema(categories: Sequence[ScriptCategory] | None = None) -> str:
    return json.dumps(golden_schema(categories), ensure_ascii=False, indent=2) + "\n"


def write_schema(path: Path = SCHEMA_FILE) -> Path:
    """Write evals/golden/schema.json from the models (a test checks it is up to date)."""
    path.write_text(render_schema(), encoding="utf-8")
    return path
