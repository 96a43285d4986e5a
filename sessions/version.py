"""The tool's version, read from the installed package's metadata (set in pyproject.toml only)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def tool_version() -> str:
    """The installed `rocking` version ("unknown" when run from a source tree not installed)."""
    try:
        return version("rocking")
    except PackageNotFoundError:
        return "unknown"


__version__ = tool_version()
