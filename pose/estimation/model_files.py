"""The pose model files: which variants exist, where they live, and getting verified bytes.

``--model lite|full|heavy|PATH`` resolves here. The full model ships inside the package; lite and
heavy are downloaded on first use from MediaPipe's official address into the user cache, checked
against their SHA-256 and written atomically. Every file is read once, hashed, and only the bytes
that passed the check are handed on (to ``model_asset_buffer``), so a file that fails its hash is
never loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import platformdirs

log = logging.getLogger(__name__)

URL_TEMPLATE = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{name}/float16/1/pose_landmarker_{name}.task"
)
BUNDLED_DIR = Path(__file__).resolve().parents[1] / "models"
DEFAULT_MODEL = "full"
CHUNK = 1 << 16


class ModelError(ValueError):
    """A model that cannot be found, fetched or trusted; the message is one line for the user."""


@dataclass(frozen=True)
class ModelVariant:
    """One official Pose Landmarker model file."""

    name: str
    size: int
    sha256: str

    @property
    def filename(self) -> str:
        return f"pose_landmarker_{self.name}.task"

    @property
    def url(self) -> str:
        return URL_TEMPLATE.format(name=self.name)


VARIANTS: dict[str, ModelVariant] = {
    v.name: v
    for v in (
        ModelVariant("lite", 5_777_746,
                     "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a"),
        ModelVariant("full", 9_398_198,
                     "5134a3aad27a58b93da0088d431f366da362b44e3ccfbe3462b3827a839011b1"),
        ModelVariant("heavy", 30_664_242,
                     "64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b"),
    )
}
BUNDLED = frozenset({"full"})


@dataclass(frozen=True)
class ModelBytes:
    """Model bytes that passed the hash check, with where they came from."""

    variant: ModelVariant
    path: Path
    data: bytes


class Response(Protocol):
    """What the downloader needs from an opened URL (``urllib`` responses qualify)."""

    def read(self, n: int = ..., /) -> bytes: ...

    def close(self) -> None: ...


Opener = Callable[[str], Response]
ProgressHook = Callable[[int], None]


def default_opener(url: str) -> Response:
    """Open ``url`` over the network with a timeout."""
    resp: Response = urllib.request.urlopen(url, timeout=30)
    return resp


def cache_dir() -> Path:
    """Where downloaded models are kept for this user."""
    return platformdirs.user_cache_path("rocking") / "models"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify(data: bytes, variant: ModelVariant, path: Path) -> ModelBytes:
    """Return the bytes wrapped as trusted, or raise ModelError when their hash is wrong."""
    digest = sha256_of(data)
    if digest != variant.sha256:
        raise ModelError(
            f"model file {path} fails its SHA-256 check (expected {variant.sha256[:12]}..., "
            f"got {digest[:12]}...); refusing to load it. Delete it or replace it with the "
            f"official {variant.filename}"
        )
    return ModelBytes(variant, path, data)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror or exc}") from exc


def load_path(path: Path) -> ModelBytes:
    """Load a model file given by path; it must be one of the official variants, byte for byte."""
    if path.is_dir():
        raise ModelError(
            f"--model {path} is a folder, not a model file (use lite, full, heavy or the path of "
            "a .task file)"
        )
    if not path.is_file():
        raise ModelError(
            f"model file {path} does not exist (use lite, full, heavy or a .task file)"
        )
    data = _read(path)
    digest = sha256_of(data)
    for variant in VARIANTS.values():
        if digest == variant.sha256:
            return ModelBytes(variant, path, data)
    named = next((v for v in VARIANTS.values() if v.filename == path.name), None)
    if named is not None:
        return verify(data, named, path)  # raises with the expected hash in the message
    raise ModelError(
        f"model file {path} is not an official Pose Landmarker model (unknown SHA-256 "
        f"{digest[:12]}...); refusing to load it"
    )


def download(
    variant: ModelVariant,
    dest_dir: Path,
    opener: Opener = default_opener,
    url: str | None = None,
    progress: ProgressHook | None = None,
) -> Path:
    """Fetch ``variant`` into ``dest_dir``: streamed, hashed, size-checked, then renamed into place.

    Nothing is left at the final path unless the bytes match the expected SHA-256.
    """
    url = url or variant.url
    dest = dest_dir / variant.filename
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot create the model folder {dest_dir}: {exc.strerror}") from exc
    hasher = hashlib.sha256()
    received = 0
    fd, tmp_name = tempfile.mkstemp(prefix=f".{variant.filename}.", suffix=".part", dir=dest_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                resp = opener(url)
                try:
                    while chunk := resp.read(CHUNK):
                        received += len(chunk)
                        if received > variant.size:
                            break
                        hasher.update(chunk)
                        out.write(chunk)
                        if progress is not None:
                            progress(len(chunk))
                finally:
                    resp.close()
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                reason = getattr(exc, "reason", None) or exc
                raise ModelError(
                    f"cannot download the {variant.name} model ({reason}); with no network, "
                    f"place {variant.filename} (from {url}) in {dest_dir} by hand"
                ) from exc
            out.flush()
            os.fsync(out.fileno())
        if received != variant.size or hasher.hexdigest() != variant.sha256:
            raise ModelError(
                f"the downloaded {variant.name} model from {url} is not the expected file "
                f"({received} bytes, SHA-256 {hasher.hexdigest()[:12]}...); not saved"
            )
        tmp.replace(dest)  # atomic on the same file system
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    log.info("downloaded %s to %s", variant.filename, dest)
    return dest


@contextlib.contextmanager
def rich_download_progress(variant: ModelVariant) -> Iterator[ProgressHook]:
    """A rich progress bar on stderr for one model download."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    console = Console(stderr=True)
    if not console.is_terminal:  # no bar in logs and pipes
        log.info("downloading %s", variant.url)
        yield lambda n: None
        return
    columns = (TextColumn(f"downloading {variant.filename}"), BarColumn(), DownloadColumn(),
               TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("download", total=variant.size)
        yield lambda n: bar.advance(task, n)


def resolve(
    spec: str = DEFAULT_MODEL,
    *,
    cache: Path | None = None,
    opener: Opener = default_opener,
    show_progress: bool = True,
) -> ModelBytes:
    """Turn ``lite|full|heavy|PATH`` into verified model bytes, downloading when needed."""
    variant = VARIANTS.get(spec.strip().lower())
    if variant is None:
        return load_path(Path(spec).expanduser())
    if variant.name in BUNDLED:
        path = BUNDLED_DIR / variant.filename
        return verify(_read(path), variant, path)
    folder = cache if cache is not None else cache_dir()
    path = folder / variant.filename
    if not path.is_file():
        if show_progress:
            with rich_download_progress(variant) as hook:
                download(variant, folder, opener, progress=hook)
        else:
            download(variant, folder, opener)
    return verify(_read(path), variant, path)
