"""Shared fixtures: the real-data folder (skipped with a reason when absent) and the real model's
landmarks for every shared photograph, computed once per test session."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import landmark_cache
from helpers.paths import REALDATA_DIR

from pose.estimation import model_files
from pose.record import PoseRecord


@pytest.hookimpl(tryfirst=True)         # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of the shared photographs runs in one test worker (pytest-xdist's loadgroup),
    so the 52 photos go through the estimator once, not once per worker."""
    for item in items:
        if "photo_records" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("photos"))


@pytest.fixture(scope="session", autouse=True)
def private_session_history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point ROCKING_DB at a temporary file, so no test (nor any console script a test starts)
    writes to the real session history in the user data folder."""
    path = tmp_path_factory.mktemp("history") / "sessions.db"
    old = os.environ.get("ROCKING_DB")
    os.environ["ROCKING_DB"] = str(path)
    yield path
    if old is None:
        os.environ.pop("ROCKING_DB", None)
    else:
        os.environ["ROCKING_DB"] = old


@pytest.fixture(scope="session")
def realdata() -> Path:
    """../shared/realdata (photos, labels.tsv, clips); skips when it is absent."""
    if not (REALDATA_DIR / "images").is_dir():
        pytest.skip(f"real data not available at {REALDATA_DIR} (team machines only)")
    return REALDATA_DIR


@pytest.fixture(scope="session")
def photo_labels(realdata: Path) -> dict[str, str]:
    """Label of each shared photograph (all_fours, rocked_back, limb_lifted, other, ambiguous)."""
    with (realdata / "labels.tsv").open(newline="") as fh:
        return {row["file"]: row["label"] for row in csv.DictReader(fh, delimiter="\t")}


@pytest.fixture(scope="session")
def pose_model() -> model_files.ModelBytes:
    """The bundled full model, hash-checked."""
    return model_files.resolve("full")


@pytest.fixture(scope="session")
def photo_records(realdata: Path, pose_model: model_files.ModelBytes) -> dict[str, PoseRecord]:
    """The real estimator's record for every shared photograph (each with a fresh landmarker, as
    `rocking analyze photo.jpg` does, so tracking never carries over between unrelated photos),
    from the landmark cache once computed."""
    return {path.name: landmark_cache.records(path, pose_model, people=2)[0]
            for path in sorted((realdata / "images").glob("*.jpg"))}
