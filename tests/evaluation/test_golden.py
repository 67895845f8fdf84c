from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from service.errors import UserError
from service.evaluation.golden import (
    GOLDEN_DIR,
    SCHEMA_FILE,
    GoldenCase,
    load_categories,
    load_suite,
    render_schema,
)
from service.evaluation.workspace import SHOP_ROOTS
from service.policy.decision import DECISIONS
from service.settings import PROJECT_ROOT

SUITES = sorted(p.name for p in GOLDEN_DIR.iterdir() if p.is_dir() and any(p.glob("*.yaml")))
CASE: dict[str, Any] = {
    "id": "t-001",
    "shop": "demo",
    "stage": "售后",
    "category": "七天无理由退货",
    "now": "2026-11-10T10:00:00+08:00",
    "conversation": [{"role": "customer", "text": "能退吗"}],
    "policy_ids": ["policy-returns"],
    "decision": "return_no_reason_open",
    "must_state": [["7天"]],
    "never_say": ["不支持"],
    "golden_reply": "亲,可以退的。",
}


def write_suite(folder: Path, *files: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, cases in enumerate(files):
        (folder / f"f{i}.yaml").write_text(
            yaml.safe_dump({"cases": cases}, allow_unicode=True), encoding="utf-8"
        )
    return folder


def test_schema_file_is_up_to_date() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render_schema(), (
        "evals/golden/schema.json is stale: run `python -c 'from service.evaluation.golden import "
        "write_schema; write_schema()'`"
    )


@pytest.mark.parametrize("suite", SUITES)
def test_every_committed_suite_loads_and_matches_the_schema(suite: str) -> None:
    loaded = load_suite(GOLDEN_DIR / suite, shop_roots=SHOP_ROOTS)
    assert loaded.cases
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    for path in sorted((GOLDEN_DIR / suite).glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


def test_categories_are_the_thirty_of_rules_cn() -> None:
    categories = load_categories()
    assert [c.number for c in categories] == list(range(1, 31))
    assert {c.stage for c in categories} == {"售前", "售中", "售后"}


def test_schema_enumerates_decisions_and_categories() -> None:
    props = json.loads(render_schema())["$defs"]["GoldenCase"]["properties"]
    assert props["decision"]["enum"] == list(DECISIONS)
    assert len(props["category"]["enum"]) == 30


def test_a_valid_suite_loads(tmp_path: Path) -> None:
    suite = load_suite(
        write_suite(tmp_path / "mini", [CASE], [{**CASE, "id": "t-002"}]),
        shop_roots=(PROJECT_ROOT / "knowledge",),
    )
    assert suite.name == "mini" and [c.id for c in suite.cases] == ["t-001", "t-002"]
    assert suite.files == {"t-001": "f0.yaml", "t-002": "f1.yaml"} and suite.shops == ["demo"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"decision": "refund_everything"}, "unknown decision"),
        ({"never_say": ["不支持(退"]}, "invalid regex"),
        ({"must_state": [["7天", "(["]]}, "invalid regex"),
        ({"must_state": [[]]}, "empty list"),
        ({"now": "2026-11-10T10:00:00"}, "UTC offset"),
        ({"surprise": 1}, "Extra inputs are not permitted"),
        ({"conversation": [{"role": "agent", "text": "您好"}]}, "last turn must be the buyer"),
        ({"category": "闲聊"}, "unknown category `闲聊`"),
        ({"stage": "售前"}, "but 七天无理由退货 is 售后"),
        ({"policy_ids": ["policy-nothing"]}, "policy id `policy-nothing` is not a document of shop `demo`"),
        ({"shop": "nowhere"}, "shop `nowhere` not found"),
    ],
)
def test_loader_reports_what_is_wrong_and_where(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    folder = write_suite(tmp_path / "bad", [{**CASE, **change}])
    with pytest.raises(UserError) as info:
        load_suite(folder, shop_roots=(PROJECT_ROOT / "knowledge",))
    assert message in str(info.value) and "f0.yaml" in str(info.value)


def test_duplicate_ids_across_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"f1.yaml \[t-001\]: duplicate id \(also in f0.yaml\)"):
        load_suite(write_suite(tmp_path / "dup", [CASE], [CASE]))


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no golden files"):
        load_suite(tmp_path)


def test_order_uses_the_api_order_model() -> None:
    order = {
        "order_id": "T1",
        "status": "delivered",
        "delivered_at": "2026-11-04T15:00:00+08:00",
        "items": [{"sku": "AB3", "title": "AirBeat 3", "category": "耳机", "price": 299}],
    }
    assert GoldenCase.model_validate({**CASE, "order": order}).order is not None
    with pytest.raises(ValueError, match="status"):
        GoldenCase.model_validate({**CASE, "order": {**order, "status": "lost"}})


@pytest.mark.parametrize("suite", SUITES)
def test_every_golden_reply_passes_its_own_must_state_and_never_say(suite: str) -> None:
    """A golden reply that misses its own facts or says a forbidden thing is a labelling error."""
    from service.evaluation.scorers.must_state import stated
    from service.evaluation.scorers.never_say import forbidden_hits

    for case in load_suite(GOLDEN_DIR / suite).cases:
        missing = [g for g, ok in zip(case.must_state, stated(case.golden_reply, case.must_state), strict=True)
                   if not ok]
        assert not missing, f"{case.id}: golden reply misses {missing}"
        assert not forbidden_hits(case.golden_reply, case.never_say), f"{case.id}: golden reply says forbidden"
