"""The one writer of private files: everything the tool writes that holds a person's data.

    write_private_bytes(Path("report.html"), html.encode(), inputs=[db_path])

What it promises (the README's "Promises" section repeats it, and tests/reliability checks it):
- The bytes go to a temporary file in the target's own folder, created with
  ``O_CREAT|O_EXCL|O_NOFOLLOW`` under an unpredictable name and mode 0600, flushed to disk
  (``fsync``) and then renamed over the target: the target is either the old file or the whole
  new one, never half written, and a link planted in the folder is never followed.
- The file ends up 0600 whether it is new or replaces an existing 0644 file (the rename replaces
  the name: a link at the target is replaced, its destination is left alone).
- A target that is one of the files being read (the same file, also through a symbolic or hard
  link: same ``st_dev``/``st_ino``) is refused before anything is written
  (:func:`refuse_overwriting_input`; the video writer calls it too).
- Failures raise :class:`OutputError`, one line for the user; the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from sessions.errors import UserError

PRIVATE_MODE = 0o600
FOLDER_MODE = 0o700
_OPEN_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
               | getattr(os, "O_CLOEXEC", 0))

StrPath = str | os.PathLike[str]


class OutputError(UserError):
    """An output file cannot (or must not) be written; the message is one line."""

    exit_code = 2


def printable(path: StrPath) -> str:
    """A file name safe to print on a terminal: control characters (escape sequences, new lines)
    are shown escaped (``\\x1b``), everything else as it is."""
    text = os.fspath(path)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def printable_lines(text: str) -> str:
    """:func:`printable` line by line: the new lines stay, other control characters (a stored
    name's escape sequences) are shown escaped. For text meant for a terminal."""
    return "\n".join(printable(line) for line in text.split("\n"))


def _identity(path: StrPath) -> tuple[int, int] | None:
    try:
        st = Path(path).stat()
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def same_file(a: StrPath, b: StrPath) -> bool:
    """True when both names lead to one file (also through symbolic or hard links)."""
    ia = _identity(a)
    return ia is not None and ia == _identity(b)


def refuse_overwriting_input(out: StrPath, inputs: Iterable[StrPath | None]) -> None:
    """Raise OutputError if ``out`` is (a link to) one of ``inputs``, or a folder."""
    for src in inputs:
        if src is not None and same_file(out, src):
            raise OutputError(f"refusing to write {printable(out)}: it is the file being read "
                              f"({printable(src)}); choose another output file")
    if Path(out).is_dir():
        raise OutputError(f"cannot write {printable(out)}: it is a folder; name a file")


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte (a short write is continued; a full disk raises OSError ENOSPC)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def fsync_folder(folder: Path) -> None:
    """Flush the folder's entries to disk, so a rename into it survives a power cut (best
    effort: a file system that cannot is left as it is)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def os_error_reason(exc: OSError) -> str:
    """Why a write failed, in words for the user ("no space left on the disk")."""
    if exc.errno == errno.ENOSPC:
        return "no space left on the disk"
    return exc.strerror or str(exc)


def _describe(path: StrPath, exc: OSError) -> str:
    return f"cannot write {printable(path)}: {os_error_reason(exc)}"


def _open_temp(target: Path, inputs: Iterable[StrPath | None], make_folder: bool,
               suffix: str = "") -> tuple[Path, int]:
    """A new 0600 file with an unpredictable name beside ``target`` (never an existing file or a
    link: O_EXCL|O_NOFOLLOW), opened for writing; the target must not be one of ``inputs``."""
    refuse_overwriting_input(target, inputs)
    folder = target.parent
    tmp = folder / f".{target.name}.{secrets.token_hex(8)}.tmp{suffix}"
    try:
        if make_folder:
            folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        fd = os.open(tmp, _OPEN_FLAGS, PRIVATE_MODE)
    except OSError as exc:
        raise OutputError(_describe(target, exc)) from exc
    return tmp, fd


@contextlib.contextmanager
def _removed_on_error(tmp: Path, target: Path) -> Iterator[None]:
    """Remove the temporary file if the block fails; an OSError becomes one OutputError line.
    On success the folder is synced, so the rename into place is on disk."""
    try:
        yield
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(_describe(target, exc)) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_folder(target.parent)


@contextlib.contextmanager
def private_temp(path: StrPath, *, inputs: Iterable[StrPath | None] = (),
                 make_folder: bool = False) -> Iterator[Path]:
    """A fresh empty 0600 file beside ``path`` (same suffix) to write by name; renamed over
    ``path`` when the block ends normally, removed if it raises. For writers that need a file
    name (an encoder); :func:`write_private_bytes` is simpler for bytes in memory."""
    target = Path(path)
    tmp, fd = _open_temp(target, inputs, make_folder, target.suffix)
    try:
        os.fchmod(fd, PRIVATE_MODE)  # whatever the umask
    finally:
        os.close(fd)
    with _removed_on_error(tmp, target):
        yield tmp
        st = tmp.lstat()  # the writer may not have replaced our file by a link
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"cannot write {printable(target)}: its temporary file was "
                              "replaced by something else")
        with open(tmp, "rb") as fh:  # noqa: PTH123 - an fd to fsync
            os.fsync(fh.fileno())
        tmp.chmod(PRIVATE_MODE)  # an encoder may have made the file anew
        tmp.replace(target)


def write_private_bytes(path: StrPath, data: bytes, *, inputs: Iterable[StrPath | None] = (),
                        make_folder: bool = False) -> None:
    """Write ``data`` to ``path`` atomically, mode 0600 (see the module's promises); written
    through the descriptor that created the file, never reopened by name."""
    target = Path(path)
    tmp, fd = _open_temp(target, inputs, make_folder)
    with _removed_on_error(tmp, target):
        try:
            os.fchmod(fd, PRIVATE_MODE)  # whatever the umask
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp.replace(target)


def write_private_text(path: StrPath, text: str, *, inputs: Iterable[StrPath | None] = (),
                       make_folder: bool = False) -> None:
    """:func:`write_private_bytes` of UTF-8 text."""
    write_private_bytes(path, text.encode("utf-8"), inputs=inputs, make_folder=make_folder)


__all__ = ["FOLDER_MODE", "PRIVATE_MODE", "OutputError", "fsync_folder", "os_error_reason",
           "printable", "printable_lines", "private_temp",
           "refuse_overwriting_input", "same_file", "write_private_bytes", "write_private_text"]
