"""Model files: hash checks refuse altered files; downloads are verified and atomic (no network)."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pose.estimation import model_files
from pose.estimation.model_files import ModelError, ModelVariant

PAYLOAD = b"not really a model, but bytes with a known hash " * 1000
TINY = ModelVariant("tiny", len(PAYLOAD), hashlib.sha256(PAYLOAD).hexdigest())
BUNDLED_FULL = model_files.BUNDLED_DIR / "pose_landmarker_full.task"


def fake_opener(body: bytes) -> model_files.Opener:
    def opener(url: str) -> io.BytesIO:
        return io.BytesIO(body)
    return opener


def offline_opener(url: str) -> io.BytesIO:
    raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_bundled_full_model_passes_its_hash() -> None:
    model = model_files.resolve("full")
    assert model.variant.name == "full"
    assert len(model.data) == model.variant.size
    assert hashlib.sha256(model.data).hexdigest() == model.variant.sha256


@pytest.mark.parametrize("name", ["pose_landmarker_full.task", "renamed.task"])
def test_modified_copy_of_the_model_is_refused(tmp_path: Path, name: str) -> None:
    data = bytearray(BUNDLED_FULL.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered = tmp_path / name
    tampered.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="refusing to load") as info:
        model_files.resolve(str(tampered))
    assert "\n" not in str(info.value)


def test_unmodified_copy_given_by_path_is_accepted(tmp_path: Path) -> None:
    copy = tmp_path / "my_model.task"
    copy.write_bytes(BUNDLED_FULL.read_bytes())
    assert model_files.resolve(str(copy)).variant.name == "full"


def test_missing_model_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        model_files.resolve(str(tmp_path / "nope.task"))


def test_download_writes_verified_file_and_reports_progress(tmp_path: Path) -> None:
    seen: list[int] = []
    path = model_files.download(TINY, tmp_path, fake_opener(PAYLOAD), progress=seen.append)
    assert path == tmp_path / TINY.filename
    assert path.read_bytes() == PAYLOAD
    assert sum(seen) == len(PAYLOAD)
    assert leftovers(tmp_path) == [TINY.filename]


@pytest.mark.parametrize(
    "body",
    [
        PAYLOAD[:-10],                      # short download
        PAYLOAD + b"extra",                 # too long
        PAYLOAD[:-1] + b"X",                # same size, wrong bytes
    ],
    ids=["truncated", "too_long", "corrupted"],
)
def test_download_with_wrong_bytes_leaves_nothing(tmp_path: Path, body: bytes) -> None:
    with pytest.raises(ModelError, match="not the expected file"):
        model_files.download(TINY, tmp_path, fake_opener(body))
    assert leftovers(tmp_path) == []


def test_no_network_names_the_file_to_place_by_hand(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(ModelError) as info:
        model_files.resolve("lite", cache=cache, opener=offline_opener, show_progress=False)
    message = str(info.value)
    assert "pose_landmarker_lite.task" in message
    assert str(cache) in message
    assert "\n" not in message
    assert leftovers(cache) == []


def test_cached_file_failing_its_hash_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pose_landmarker_heavy.task").write_bytes(b"tampered")
    with pytest.raises(ModelError, match="fails its SHA-256"):
        model_files.resolve("heavy", cache=tmp_path, opener=offline_opener, show_progress=False)


@pytest.fixture
def local_server(tmp_path: Path) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 serving tmp_path/www."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_download_from_local_http_server(tmp_path: Path, local_server: str) -> None:
    (tmp_path / "www" / TINY.filename).write_bytes(PAYLOAD)
    dest = tmp_path / "cache"

    def opener(url: str) -> model_files.Response:
        assert url.startswith("http://127.0.0.1:")
        resp: model_files.Response = urllib.request.urlopen(url, timeout=5)
        return resp

    path = model_files.download(TINY, dest, opener, url=f"{local_server}/{TINY.filename}")
    assert path.read_bytes() == PAYLOAD


def test_missing_file_on_server_is_a_download_error(tmp_path: Path, local_server: str) -> None:
    with pytest.raises(ModelError, match="by hand"):
        model_files.download(TINY, tmp_path / "cache", urllib.request.urlopen,
                             url=f"{local_server}/absent.task")


def test_official_addresses_follow_the_published_pattern() -> None:
    assert model_files.VARIANTS["heavy"].url == (
        "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
        "pose_landmarker_heavy/float16/1/pose_landmarker_heavy.task"
    )


def test_download_with_the_progress_bar_hook(tmp_path: Path) -> None:
    with model_files.rich_download_progress(TINY) as hook:
        path = model_files.download(TINY, tmp_path, fake_opener(PAYLOAD), progress=hook)
    assert path.read_bytes() == PAYLOAD


def test_model_path_that_is_a_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="is a folder, not a model file"):
        model_files.resolve(str(tmp_path))
