"""The golden runner end to end: a 2-case suite, the hashing embedder, the LLM mocked at HTTP with respx."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import yaml
from fastapi.testclient import TestClient

from service.evaluation.golden import load_suite
from service.evaluation.golden_eval import GoldenRunOptions, run_golden_eval
from service.evaluation.html_report import render_html
from service.evaluation.results import RunConfig, RunResult
from service.evaluation.runner import GoldenRunner, HttpClient, select_cases
from service.evaluation.scorers import default_scorers
from service.evaluation.workspace import eval_settings, stage_knowledge
from service.retrieval.embeddings import build_embedder
from service.settings import PROJECT_ROOT, EmbeddingSettings, LLMSettings, Settings
from tests.evaluation.helpers import case

LLM_URL = "http://llm.test/v1/chat/completions"
DRAFT = "亲,您好!耳机签收后7天内支持七天无理由退货,寄回的运费需要您承担,您在订单页提交申请就可以。"
ORDER = {
    "order_id": "T1",
    "status": "delivered",
    "paid_at": "2026-11-01T10:00:00+08:00",
    "shipped_at": "2026-11-02T09:00:00+08:00",
    "delivered_at": "2026-11-04T15:00:00+08:00",
    "items": [{"sku": "AB3", "title": "AirBeat 3 蓝牙耳机", "category": "耳机", "price": 299, "qty": 1}],
}
CASES: list[dict[str, Any]] = [
    {
        "id": "mini-return-001",
        "shop": "demo",
        "stage": "售后",
        "category": "七天无理由退货",
        "now": "2026-11-06T10:00:00+08:00",
        "order": ORDER,
        "conversation": [{"role": "customer", "text": "耳机不想要了能退吗"}],
        "policy_ids": ["policy-returns"],
        "decision": "return_no_reason_open",
        "must_state": [["7天", "七天"], ["运费"]],
        "never_say": ["不支持.{0,4}退"],
        "golden_reply": "亲,耳机签收7天内支持无理由退货,11月11日前申请都可以,寄回运费由您承担。",
    },
    {
        "id": "mini-invoice-001",
        "shop": "demo",
        "stage": "售前",
        "category": "发票",
        "now": "2026-11-06T10:00:00+08:00",
        "conversation": [{"role": "customer", "text": "可以开发票吗?要写公司抬头"}],
        "policy_ids": ["policy-invoice"],
        "decision": "invoice",
        "must_state": [["发票"]],
        "never_say": ["不(能|可以)开"],
        "golden_reply": "亲,可以开电子发票的,下单后在订单页申请,填写公司抬头和税号即可。",
    },
]


def completion(content: str, prompt_tokens: int = 200, completion_tokens: int = 40) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": "test-model",
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        },
    )


def llm_reply(request: httpx.Request) -> httpx.Response:
    """Drafts for drafting prompts, a grade for the judge's rubric."""
    body = json.loads(request.content)
    prompt = " ".join(str(m["content"]) for m in body["messages"])
    if "质检员" in prompt:
        return completion('{"score": 4, "reason": "结论正确"}', 300, 10)
    return completion(
        json.dumps({"drafts": [{"text": DRAFT, "citations": ["policy-returns#0"]}]}, ensure_ascii=False)
    )


@pytest.fixture
def suite_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "cases.yaml").write_text(yaml.safe_dump({"cases": CASES}, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture
def base_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        embedding=EmbeddingSettings(mode="hashing"),
        llm=LLMSettings(
            mode="litellm", model="openai/test-model", api_base="http://llm.test/v1", api_key="x"
        ),
    )


def test_run_in_process_with_the_llm_mocked(suite_dir: Path, base_settings: Settings) -> None:
    with respx.mock(assert_all_mocked=True) as mock:
        route = mock.post(LLM_URL).mock(side_effect=llm_reply)
        run = run_golden_eval(
            base_settings,
            GoldenRunOptions(suite=str(suite_dir), judge=True),
            shop_roots=(PROJECT_ROOT / "knowledge",),
        )
    assert route.called
    assert run.errors == [] and [c.case_id for c in run.cases] == ["mini-return-001", "mini-invoice-001"]
    assert run.config.model == "openai/test-model" and run.config.judge_model == "openai/test-model"
    assert run.config.embedder == build_embedder(EmbeddingSettings(mode="hashing")).name
    returns = run.cases[0]
    assert returns.value("decision") == 1.0 and returns.value("retrieval_hit") == 1.0
    # passing composer drafts lead (they state more required facts); the LLM's passing draft follows
    assert [d.source for d in returns.drafts[:2]] == ["composer", "llm"] and returns.drafts[1].text == DRAFT
    assert returns.answer == returns.drafts[0].text
    assert returns.value("guard_pass") == 1.0 and returns.value("must_state") == 1.0
    assert returns.value("never_say") == 0.0
    assert 0 < (returns.value("rouge_l") or 0) < 1 and returns.value("embedding_cosine") is not None
    assert returns.value("tokens") == 240 and returns.value("llm_judge") == 0.75
    assert (returns.value("latency_ms") or 0) > 0
    assert run.cases[1].value("decision") == 1.0
    drafting_prompts = [json.loads(c.request.content) for c in route.calls]
    assert any("耳机不想要了能退吗" in m["content"] for body in drafting_prompts for m in body["messages"])
    assert run.aggregates.overall["decision"].mean == 1.0
    assert set(run.aggregates.by_category) == {"七天无理由退货", "发票"}
    assert RunResult.model_validate_json(run.model_dump_json()) == run
    assert "mini-return-001" in render_html(run)


def test_a_failing_llm_degrades_to_composer_drafts(suite_dir: Path, base_settings: Settings) -> None:
    with respx.mock(assert_all_mocked=True) as mock:
        mock.post(LLM_URL).mock(return_value=httpx.Response(500, json={"error": "down"}))
        run = run_golden_eval(
            base_settings,
            GoldenRunOptions(suite=str(suite_dir), limit=1),
            shop_roots=(PROJECT_ROOT / "knowledge",),
        )
    assert len(run.cases) == 1 and run.cases[0].degraded and run.errors == []
    assert {d.source for d in run.cases[0].drafts} == {"composer"}
    assert run.cases[0].value("tokens") == 0


def test_no_llm_never_calls_the_model(suite_dir: Path, base_settings: Settings) -> None:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mock:
        route = mock.post(LLM_URL).mock(side_effect=llm_reply)
        run = run_golden_eval(
            base_settings,
            GoldenRunOptions(suite=str(suite_dir), use_llm=False),
            shop_roots=(PROJECT_ROOT / "knowledge",),
        )
    assert not route.called and run.config.model == "composer" and not run.config.use_llm
    assert all(c.value("decision") == 1.0 and not c.degraded for c in run.cases)


def test_run_against_a_server(suite_dir: Path, client: TestClient, settings: Settings) -> None:
    suite = load_suite(suite_dir)
    embedder = build_embedder(settings.embedding)
    runner = GoldenRunner(
        HttpClient("http://testserver", client=client), default_scorers(embedder), use_llm=False
    )
    run = runner.run(suite.cases, RunConfig(suite="mini", model="composer", use_llm=False))
    assert run.errors == [] and all(c.value("decision") == 1.0 for c in run.cases)
    broken = case(shop="no-such-shop")
    assert "404" in (runner.run_case(broken).error or "")


def test_staging_merges_shop_roots_and_pins_the_local_model(tmp_path: Path) -> None:
    (tmp_path / "a" / "s1").mkdir(parents=True)
    (tmp_path / "b" / "s1").mkdir(parents=True)
    for root, name in (("a", "x"), ("b", "y")):
        (tmp_path / root / "s1" / f"{name}.md").write_text(
            f"---\nid: {name}\ntype: faq\ntitle: {name}\n---\n# {name}\n- {name}\n", encoding="utf-8")
    target = stage_knowledge(["s1"], tmp_path / "k", (tmp_path / "a", tmp_path / "b"))
    assert sorted(p.name for p in (target / "s1").iterdir()) == ["x.md", "y.md"]
    base = Settings(data_dir=tmp_path / "configured", llm=LLMSettings(mode="local"))
    staged = eval_settings(base, tmp_path / "w", ["demo"])
    assert staged.data_dir == tmp_path / "w" / "data" and (staged.knowledge_dir / "demo").is_dir()
    assert (
        staged.llm.local_model_path
        == tmp_path / "configured" / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    )
    assert eval_settings(base, tmp_path / "w2", ["demo"], use_llm=False).llm.mode == "off"
    remote = eval_settings(base, tmp_path / "w3", ["demo"], model="openai/gpt-x").effective_llm()
    assert (remote.mode, remote.model) == ("litellm", "openai/gpt-x")


def test_limit_spreads_cases_over_categories() -> None:
    cases = [case(id=f"r-{i}") for i in range(4)] + [
        case(id=f"i-{i}", category="发票", stage="售前") for i in range(2)
    ]
    assert [c.id for c in select_cases(cases, limit=3)] == ["r-0", "r-1", "i-0"]
    assert [c.id for c in select_cases(cases, patterns=["i-*"])] == ["i-0", "i-1"]
    assert len(select_cases(cases, limit=10)) == 6
