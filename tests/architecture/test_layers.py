"""The architecture holds in the code: the analysis is pure, and dependencies run one way
(command line -> coach / history -> pose), with no import cycle between modules."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from helpers.paths import PROJECT_ROOT

#: What the pure analysis must not use, directly or through what it imports.
IMPURE = {"cv2", "mediapipe", "sqlite3", "time", "datetime", "os", "pathlib", "io", "shutil",
          "tempfile", "subprocess", "socket", "threading", "sounddevice", "matplotlib"}
PURE_ROOTS = ("pose.analysis", "pose.record", "pose.events", "pose.messages", "pose.simulate")


def _module_name(path: Path) -> str:
    rel = path.relative_to(PROJECT_ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in ("pose", "sessions")
            for p in (PROJECT_ROOT / pkg).rglob("*.py")}


def _imports(path: Path, name: str) -> set[str]:
    """Every module a file imports (absolute names), at module level or inside functions."""
    tree = ast.parse(path.read_text(), str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:   # relative
                base = ".".join([*name.split(".")[:-node.level], node.module])
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return out


def _uses_open(path: Path) -> bool:
    tree = ast.parse(path.read_text(), str(path))
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "open"
               for n in ast.walk(tree))


MODULES = _modules()
GRAPH = {m: {i for i in _imports(p, m) if i in MODULES} | {
    i.split(".")[0] for i in _imports(p, m) if i.split(".")[0] not in ("pose", "sessions")}
    for m, p in MODULES.items()}


def _reach(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        m = todo.pop()
        for dep in GRAPH.get(m, ()):
            if dep in MODULES and dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def _pure_modules() -> list[str]:
    return sorted(m for m in MODULES if any(m == r or m.startswith(r + ".") for r in PURE_ROOTS))


@pytest.mark.parametrize("module", _pure_modules())
def test_the_analysis_is_pure(module: str) -> None:
    """No OpenCV, MediaPipe, SQLite, clock or file I/O, directly or through what it imports."""
    for m in [module, *sorted(_reach(module))]:
        bad = sorted((GRAPH[m] - set(MODULES)) & IMPURE)
        assert not bad, f"{module} reaches {m}, which imports {bad}"
        assert not _uses_open(MODULES[m]), f"{module} reaches {m}, which opens files"
        assert not m.startswith("sessions"), f"{module} reaches {m}"


def test_importing_pose_loads_no_opencv_or_mediapipe() -> None:
    import subprocess

    code = ("import sys, pose, pose.analysis.analyzer; "
            "print(sorted(m for m in ('cv2', 'mediapipe', 'sqlite3') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=PROJECT_ROOT).stdout.strip()
    assert out == "[]"


#: Which layer may import which: the command line on top, coach and history beside each other.
ALLOWED = {
    "pose": {"pose"},
    "sessions.errors": set(),
    "sessions.version": set(),
    "sessions.pain": set(),   # the pain check-in's rules and wording: asked by the coach, shown
    "sessions.output": {"pose", "sessions.errors", "sessions.output"},   # by the history
    "sessions.coach": {"pose", "sessions.errors", "sessions.output", "sessions.coach",
                       "sessions.pain"},
    "sessions.history": {"pose", "sessions.errors", "sessions.output", "sessions.version",
                         "sessions.history", "sessions.pain"},
    "sessions.cli": {"pose", "sessions"},
}


def _layer(module: str) -> str:
    for layer in sorted(ALLOWED, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return module


@pytest.mark.parametrize("module", sorted(MODULES))
def test_dependencies_run_one_way(module: str) -> None:
    allowed = ALLOWED.get(_layer(module), {"pose", "sessions"})
    for dep in sorted(GRAPH[module] & set(MODULES)):
        if dep in ("pose", "sessions"):
            continue
        assert any(dep == a or dep.startswith(a + ".") for a in allowed), \
            f"{module} ({_layer(module)}) imports {dep}"


def test_no_import_cycles() -> None:
    for m in MODULES:
        assert m not in _reach(m), f"{m} imports itself through {sorted(_reach(m))}"
