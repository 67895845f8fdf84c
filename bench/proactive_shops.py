"""Proactive drafts on the evaluation shops (evals/dev*/shops): per shop, kind and language, the status and
whether the top draft passed its guards, then the totals per kind.

Usage:
    python bench/proactive_shops.py [--embedding use-onnx|hashing] [--quiet]

Each shop's first product is ordered; zh lines (and every failure) are printed with the draft's start or the
error, so the drafts can be read, not only counted.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import PROJECT_ROOT, EmbeddingSettings, GuardSettings, LLMSettings, RateLimitSettings, Settings

NOW = "2026-11-16T10:00:00+08:00"


def first_product(folder: Path) -> dict[str, Any]:
    for path in sorted(folder.glob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        if meta.get("type") == "product":
            return {"sku": meta["sku"], "title": meta["title"], "price": meta.get("price", 1), "qty": 1}
    raise SystemExit(f"{folder}: no product document")


def cases(item: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("payment_reminder", {"order": {"status": "unpaid", "items": [item]}}),
        ("shipping_notice", {"order": {"status": "shipped", "items": [item], "courier": "中通",
                                       "tracking_number": "ZT123"}}),
        ("address_check", {"order": {"status": "paid", "items": [item], "address": "上海市浦东新区世纪大道 100 号"}}),
        ("cod_confirmation", {"order": {"status": "unpaid", "items": [item], "payment": "货到付款"}}),
        ("complaint_follow_up", {"order": {"status": "delivered", "items": [item]},
                                 "conversation": [{"role": "customer", "text": "收到的东西有问题"}]}),
        ("review_reply", {"order": {"status": "delivered", "delivered_at": "2026-11-14T12:00:00+08:00",
                                    "items": [item]}, "review_text": "质量太差了,用了两天就坏了"}),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedding", default="use-onnx", choices=["use-onnx", "hashing"])
    parser.add_argument("--quiet", action="store_true", help="totals only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kefu-proactive-shops-"))
    shops = sorted(p for p in (PROJECT_ROOT / "evals").glob("dev*/shops/*") if p.is_dir())
    for folder in shops:
        shutil.copytree(folder, work / "knowledge" / folder.name)
    settings = Settings(data_dir=work / "data", knowledge_dir=work / "knowledge", llm=LLMSettings(mode="off"),
                        embedding=EmbeddingSettings(mode=args.embedding),  # type: ignore[arg-type]
                        guards=GuardSettings(tone=args.embedding == "use-onnx"),
                        rate_limit=RateLimitSettings(enabled=False))
    totals: dict[tuple[str, str], list[int]] = {}
    with TestClient(create_app(settings)) as client:
        for folder in shops:
            for kind, body in cases(first_product(folder)):
                for language in ("zh", "en"):
                    response = client.post("/v1/proactive", json={"shop_id": folder.name, "kind": kind,
                                                                   "language": language, "now": NOW, **body})
                    data = response.json()
                    passed = response.status_code == 200 and data["drafts"][0]["guard"]["passed"]
                    count = totals.setdefault((kind, language), [0, 0])
                    count[0] += passed
                    count[1] += 1
                    if not args.quiet and (language == "zh" or not passed):
                        shown = data["drafts"][0]["text"] if response.status_code == 200 else data["message"]
                        flags = [v["rule"] for v in data["drafts"][0]["guard"]["violations"]] \
                            if response.status_code == 200 else []
                        print(f"{folder.name:12} {kind:20} {language} {response.status_code} passed={passed} "
                              f"{flags} | {shown[:120]}")
    print()
    for (kind, language), (passed, total) in sorted(totals.items()):
        print(f"{kind:20} {language}: {passed}/{total} shops with a passing top draft")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
