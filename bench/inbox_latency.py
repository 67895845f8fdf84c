"""Proactive drafts and the Chatwoot webhook, timed on the demo shop.

Usage:
    python bench/inbox_latency.py [--repeat 20] [--messages 20] [--embedding use-onnx|hashing]

Proactive: every kind in zh and en, `--repeat` requests each through the app (TestClient, in process);
p50/p99 ms per kind. Chatwoot: a fake Chatwoot API served by uvicorn on a free port
(tests/integrations/fake_chatwoot.py); `--messages` contact messages (distinct ids) are posted to the webhook
one after another; prints the webhook's answer time (what Chatwoot waits for, at most 5 s) and the time until the
private note reached the fake (history read + drafting + posting), p50/p99.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.app import create_app
from service.settings import PROJECT_ROOT, ChatwootSettings, EmbeddingSettings, LLMSettings, RateLimitSettings, Settings
from tests.integrations.fake_chatwoot import FakeChatwoot, Served

ITEM = {"sku": "AB3", "title": "AirBeat 3", "category": "耳机", "price": 299, "qty": 1}
KINDS: dict[str, dict[str, Any]] = {
    "payment_reminder": {"order": {"status": "unpaid", "items": [ITEM]}},
    "shipping_notice": {"order": {"status": "shipped", "items": [ITEM], "courier": "顺丰", "tracking_number": "SF1"}},
    "address_check": {"order": {"status": "paid", "items": [ITEM], "address": "浙江省杭州市西湖区文三路 1 号"}},
    "complaint_follow_up": {"order": {"status": "delivered", "items": [ITEM]},
                            "conversation": [{"role": "customer", "text": "耳机左边没声音"}]},
    "review_reply": {"order": {"status": "delivered", "delivered_at": "2026-11-14T12:00:00+08:00", "items": [ITEM]},
                     "review_text": "耳机用了三天左边就没声音了,差评"},
}
QUESTIONS = ["耳机一边没声音了,能退货吗?", "AirBeat 3 防水吗?", "几点前付款当天发货?", "充电宝能带上飞机吗?"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--embedding", default="use-onnx", choices=["use-onnx", "hashing"])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kefu-inbox-bench-"))
    shutil.copytree(PROJECT_ROOT / "knowledge" / "demo", work / "knowledge" / "demo")
    message = json.loads((PROJECT_ROOT / "tests" / "integrations" / "data" / "message_created.json").read_text())
    chatwoot = FakeChatwoot(token="bench-token")
    with Served(chatwoot.app()) as url:
        settings = Settings(data_dir=work / "data", knowledge_dir=work / "knowledge", llm=LLMSettings(mode="off"),
                            embedding=EmbeddingSettings(mode=args.embedding),  # type: ignore[arg-type]
                            rate_limit=RateLimitSettings(enabled=False),
                            chatwoot=ChatwootSettings(base_url=url, api_access_token=SecretStr("bench-token"),
                                                      accounts={1: "demo"}))
        with TestClient(create_app(settings)) as client:
            print(f"proactive ({args.embedding}, {args.repeat} requests per kind and language), ms:")
            for kind, body in KINDS.items():
                for language in ("zh", "en"):
                    times = []
                    for _ in range(args.repeat):
                        start = time.perf_counter()
                        response = client.post("/v1/proactive", json={"shop_id": "demo", "kind": kind,
                                                                       "language": language, **body})
                        times.append((time.perf_counter() - start) * 1000)
                        assert response.status_code == 200, response.text
                    print(f"  {kind:20} {language}  p50 {statistics.median(times):7.1f}  p99 {pct(times, 0.99):7.1f}")
            answers, to_note = [], []
            for i in range(args.messages):
                event = {**message, "id": 10_000 + i, "content": QUESTIONS[i % len(QUESTIONS)]}
                sent = time.monotonic()
                response = client.post("/v1/integrations/chatwoot/demo", json=event)
                answers.append((time.monotonic() - sent) * 1000)
                assert response.json()["status"] == "queued", response.text
                chatwoot.wait_for_notes(i + 1)
                to_note.append((chatwoot.note_times[i] - sent) * 1000)
            print(f"chatwoot webhook ({args.messages} messages, one at a time), ms:")
            print(f"  webhook answer         p50 {statistics.median(answers):7.1f}  p99 {pct(answers, 0.99):7.1f}")
            print(f"  message → private note p50 {statistics.median(to_note):7.1f}  p99 {pct(to_note, 0.99):7.1f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
