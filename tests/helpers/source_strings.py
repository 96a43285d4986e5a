"""Where the project's code spells out a text: for the tests that keep each sentence the person
is told written in one place."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from helpers.paths import PROJECT_ROOT

PACKAGES = ("pose", "sessions", "scripts")


def string_constants(path: Path) -> set[str]:
    """Every string literal of a module, docstrings left out."""
    tree = ast.parse(path.read_text(), str(path))
    docs = {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef |
                          ast.AsyncFunctionDef)
            and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)}
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in docs}


def spelled_out_elsewhere(texts: Iterable[str], home: Path) -> list[tuple[str, str]]:
    """(module, text) for each text written as a literal (with or without its full stop) in a
    module of the project other than ``home``."""
    wanted = {v: t for t in texts for v in (t, t.rstrip("."), t + ".")}
    found = []
    for pkg in PACKAGES:
        for path in sorted((PROJECT_ROOT / pkg).rglob("*.py")):
            if path != home:
                found += [(path.relative_to(PROJECT_ROOT).as_posix(), wanted[s])
                          for s in string_constants(path) & wanted.keys()]
    return found
