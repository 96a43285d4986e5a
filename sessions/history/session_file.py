"""Reading a session file (the recorder's fallback JSON) that may be damaged or hostile.

    doc, sha256 = read_session_file(Path("rocking-session-....json"))  # or StoreError
    data = parse_session(doc["session"])                               # or StoreError

What is refused, each with one line (a :class:`StoreError`), before anything is written:
- anything but a regular file (a FIFO, a device such as /dev/zero, a folder), and files over
  :data:`MAX_FILE_BYTES` (read at most that much, so a growing file cannot fill memory);
- text that is not JSON, or nested deeper than Python's parser goes (no RecursionError);
- any field of the wrong type or out of range: every field of the session, its reps, warnings,
  posture changes, samples and losses is checked against the record types themselves (the
  dataclass fields of :class:`SessionMeta`, :class:`Rep`, :class:`MovementWarning`,
  :class:`PostureEvent`, :class:`Sample`, :class:`Loss`), numbers must be finite and within
  :func:`_check_number`'s ranges, fields this version does not know are refused rather than
  dropped.
What is accepted reads back: review, export, plots and reports work on it.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
import math
import os
import stat
import types
import typing
from pathlib import Path
from typing import Any

from pose.events import Loss, MovementWarning, Phase, Rep, Verdict
from sessions.history.store import (
    STATUSES,
    PostureEvent,
    Sample,
    SessionData,
    SessionMeta,
    SessionRow,
    StoreError,
)

MAX_FILE_BYTES = 64 * 1024 * 1024   # a 10-hour session's fallback file is about 30 MB
MAX_ITEMS = 1_000_000               # reps, warnings, posture changes or samples in a session
MAX_TEXT = 10_000                   # characters in a text field
MAX_SETTINGS_DEPTH = 16             # nesting of the settings object
LATEST_UNIX = 253_402_300_799.0     # 9999-12-31: the last time a date can be printed
MAX_SPAN_S = 1_000_000.0            # offsets within a session (11 days)
MAX_MAGNITUDE = 1_000_000.0         # any other measured figure
MAX_COUNT = 1_000_000               # rep indexes, target reps


def read_session_file(path: Path) -> tuple[dict[str, Any], str]:
    """The JSON object in a regular file of at most MAX_FILE_BYTES, and the SHA-256 of the
    file's bytes (to recognise a file imported before); StoreError otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise StoreError(f"{path} is not a regular file; give the .json file rocking "
                             "saved the session to")
        if st.st_size > MAX_FILE_BYTES:
            raise StoreError(f"{path} is too large for a session file "
                             f"({st.st_size / 2**20:.0f} MB; at most "
                             f"{MAX_FILE_BYTES // 2**20} MB)")
        with os.fdopen(os.dup(fd), "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:
        raise StoreError(f"{path} is too large for a session file (it grew while being read)")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except RecursionError as exc:
        raise StoreError(f"{path} is not a rocking session file (nested too deeply)") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path} is not a rocking session file (not JSON: "
                         f"{str(exc)[:200]})") from exc
    if not isinstance(doc, dict):
        raise StoreError(f"{path} is not a rocking session file (not a JSON object)")
    return doc, hashlib.sha256(raw).hexdigest()


class _Invalid(ValueError):
    """A field that fails its check; the message names it."""


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a JSON value, giving up past ``limit``."""
    if limit < 0:
        return 1
    if isinstance(value, dict):
        return 1 + max((_depth(v, limit - 1) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v, limit - 1) for v in value), default=0)
    return 0


def _check_number(where: str, name: str, value: float) -> None:
    if not math.isfinite(value):
        raise _Invalid(f"{where}.{name} must be a finite number, got {value!r}")
    if name in ("started_at", "ended_at"):
        low, high = 0.0, LATEST_UNIX
    elif name.endswith("_s"):
        low, high = 0.0, MAX_SPAN_S
    else:
        low, high = -MAX_MAGNITUDE, MAX_MAGNITUDE
    if name.startswith("target_") and value <= 0:  # a plan's tempo: divided by
        raise _Invalid(f"{where}.{name} must be more than 0, got {value!r}")
    if not low <= value <= high:
        raise _Invalid(f"{where}.{name} is out of range ({value!r}; expected {low:g} to "
                       f"{high:g})")


def _check(where: str, name: str, kind: Any, value: Any) -> Any:
    """``value`` checked against the annotation ``kind``; returns it converted (enums,
    tuples)."""
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            raise _Invalid(f"{where}.{name}: unsupported type {kind}")
        return _check(where, name, inner[0], value)
    if origin is typing.Literal:
        if value not in args:
            raise _Invalid(f"{where}.{name} must be one of {', '.join(map(str, args))}, "
                           f"got {str(value)[:60]!r}")
        return value
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        try:
            return kind(value)
        except ValueError:
            raise _Invalid(f"{where}.{name} must be one of "
                           f"{', '.join(str(m.value) for m in kind)}, got {str(value)[:60]!r}"
                           ) from None
    if kind is bool:
        if not isinstance(value, bool):
            raise _Invalid(f"{where}.{name} must be true or false, got {str(value)[:60]!r}")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(f"{where}.{name} must be a whole number, got {str(value)[:60]!r}")
        low = 1 if name.startswith("target_") else 0
        if not low <= value <= MAX_COUNT:
            raise _Invalid(f"{where}.{name} is out of range ({value}; expected {low} to "
                           f"{MAX_COUNT})")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Invalid(f"{where}.{name} must be a number, got {str(value)[:60]!r}")
        _check_number(where, name, float(value))
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            raise _Invalid(f"{where}.{name} must be text, got {str(value)[:60]!r}")
        if len(value) > MAX_TEXT or "\x00" in value:
            raise _Invalid(f"{where}.{name} is not plain text of at most {MAX_TEXT} characters")
        return value
    if origin is tuple:  # tuple[str, ...]: a JSON list of text
        if not isinstance(value, list | tuple) or len(value) > 64:
            raise _Invalid(f"{where}.{name} must be a short list, got {str(value)[:60]!r}")
        return tuple(_check(where, f"{name}[{i}]", args[0], v) for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise _Invalid(f"{where}.{name} must be an object, got {str(value)[:60]!r}")
        if _depth(value, MAX_SETTINGS_DEPTH) > MAX_SETTINGS_DEPTH:
            raise _Invalid(f"{where}.{name} is nested too deeply")
        if args and args[1] is not Any:
            return {_check(where, f"{name} key", args[0], k):
                    _check(where, f"{name}.{k}", args[1], v) for k, v in value.items()}
        return value
    raise _Invalid(f"{where}.{name}: unsupported type {kind}")  # a new field type: teach me


@functools.cache
def _fields(cls: type, skip: tuple[str, ...]) -> tuple[dict[str, Any],
                                                       dict[str, dataclasses.Field[Any]]]:
    """A dataclass's resolved annotations and fields (worked out once: 18,000 samples)."""
    return (typing.get_type_hints(cls),
            {f.name: f for f in dataclasses.fields(cls) if f.name not in skip})


def _record(where: str, cls: type, obj: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The checked keyword arguments of dataclass ``cls`` from the JSON object ``obj``."""
    if not isinstance(obj, dict):
        raise _Invalid(f"{where} must be an object, got {str(obj)[:60]!r}")
    hints, fields = _fields(cls, skip)
    unknown = obj.keys() - fields.keys()
    if unknown:
        raise _Invalid(f"{where} has a field this version does not know: "
                       f"{sorted(unknown)[0][:60]!r} (written by a newer rocking?)")
    out: dict[str, Any] = {}
    for name, f in fields.items():
        if name in obj:
            out[name] = _check(where, name, hints[name], obj[name])
        elif (f.default is dataclasses.MISSING
              and f.default_factory is dataclasses.MISSING):
            raise _Invalid(f"{where}.{name} is missing")
    return out


def _items(where: str, obj: dict[str, Any], key: str) -> list[Any]:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise _Invalid(f"{where}.{key} must be a list")
    if len(value) > MAX_ITEMS:
        raise _Invalid(f"{where}.{key} has more than {MAX_ITEMS} entries")
    return value


def _session(obj: Any) -> SessionData:
    if not isinstance(obj, dict):
        raise _Invalid(f"session must be an object, got {str(obj)[:60]!r}")
    head = {k: obj[k] for k in ("id", "started_at", "ended_at", "status") if k in obj}
    lists = ("reps", "warnings", "posture", "samples", "losses")
    meta_obj = {k: v for k, v in obj.items() if k not in head and k not in lists}
    meta = SessionMeta(**_record("session", SessionMeta, meta_obj, skip=("started_at",)),
                       started_at=_check("session", "started_at", float,
                                         obj.get("started_at")))
    assert meta.started_at is not None
    ended = _check("session", "ended_at", float | None, obj.get("ended_at"))
    if ended is not None and not meta.started_at <= ended <= meta.started_at + MAX_SPAN_S:
        raise _Invalid("session.ended_at must be after started_at, by at most "
                       f"{MAX_SPAN_S:g} s")
    status = obj.get("status")
    if status not in STATUSES:
        raise _Invalid(f"session.status must be one of {', '.join(STATUSES)}, "
                       f"got {str(status)[:60]!r}")
    if "id" in obj and obj["id"] is not None:
        _check("session", "id", int, obj["id"])
    reps = [Rep(**_record(f"reps[{i}]", Rep, r)) for i, r in enumerate(_items("session", obj,
                                                                             "reps"))]
    warns = [MovementWarning(**_record(f"warnings[{i}]", MovementWarning, w))
             for i, w in enumerate(_items("session", obj, "warnings"))]
    posture = [PostureEvent(**_record(f"posture[{i}]", PostureEvent, p))
               for i, p in enumerate(_items("session", obj, "posture"))]
    samples = []
    for i, s in enumerate(_items("session", obj, "samples")):
        fields = _record(f"samples[{i}]", Sample, s)
        _check(f"samples[{i}]", "phase", Phase, fields["phase"])
        _check(f"samples[{i}]", "verdict", Verdict, fields["verdict"])
        samples.append(Sample(**fields))
    losses = []
    for i, x in enumerate(_items("session", obj, "losses")):   # (none in files from before v5)
        loss = Loss(**_record(f"losses[{i}]", Loss, x))
        if loss.end_s < loss.start_s:
            raise _Invalid(f"losses[{i}].end_s must not be before its start_s")
        losses.append(loss)
    row = SessionRow(id=0, meta=meta, started_at=meta.started_at, ended_at=ended,
                     status=status)
    return SessionData(row, reps, warns, posture, samples, losses)


def parse_session(obj: Any, path: Path | str = "the file") -> SessionData:
    """A session's JSON form (see sessions.store.session_to_json), every field checked."""
    try:
        return _session(obj)
    except (_Invalid, ValueError, TypeError) as exc:
        raise StoreError(f"{path} is not a valid rocking session file: {exc}") from exc


__all__ = ["MAX_FILE_BYTES", "parse_session", "read_session_file"]
