"""Pixels to movement facts: frame sources and the pose estimator at the edges
(``pose.estimation``), the pure movement analysis inside (``pose.analysis``).

The public API::

    from pose import MovementAnalyzer, PoseRecord, open_source, PoseEstimator, resolve_model

Importing ``pose`` loads numpy only; the OpenCV and MediaPipe edges load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from pose.analysis.alerts import Thresholds
from pose.analysis.analyzer import MovementAnalyzer, summarize
from pose.analysis.posture import PostureLimits, classify
from pose.events import (
    Fault,
    FrameAnalysis,
    MovementWarning,
    Phase,
    PostureResult,
    Rep,
    Verdict,
    WarningKind,
)
from pose.record import Landmark, PoseRecord

#: Edge names, imported when first used (OpenCV and MediaPipe are heavy).
_EDGES = {
    "PoseEstimator": ("pose.estimation.estimator", "PoseEstimator"),
    "open_source": ("pose.estimation.sources", "open_source"),
    "NetworkCameraSource": ("pose.estimation.network_camera", "NetworkCameraSource"),
    "SourceError": ("pose.estimation.sources", "SourceError"),
    "resolve_model": ("pose.estimation.model_files", "resolve"),
}

__all__ = [
    "Fault",
    "FrameAnalysis",
    "Landmark",
    "MovementAnalyzer",
    "MovementWarning",
    "NetworkCameraSource",
    "Phase",
    "PoseEstimator",
    "PoseRecord",
    "PostureLimits",
    "PostureResult",
    "Rep",
    "SourceError",
    "Thresholds",
    "Verdict",
    "WarningKind",
    "classify",
    "open_source",
    "resolve_model",
    "summarize",
]


def __getattr__(name: str) -> Any:
    if name in _EDGES:
        module, attr = _EDGES[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'pose' has no attribute {name!r}")
