"""Reading and writing files for the CLI: atomic writes, clear errors."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import DeriveError, OutputError


def check_writable(path: str | os.PathLike) -> Path:
    """Fail early, before a long run, if ``path`` cannot be written.

    Raises:
        OutputError: its folder is missing or not writable, or it is a folder.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: folder {folder} does not exist")
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"cannot write {path}: folder {folder} is not writable")
    return path


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` so that a failure leaves no partial file.

    The data goes to a temporary file in the same folder, which is then
    renamed over ``path`` (atomic on POSIX).

    Raises:
        OutputError: the folder does not exist or is not writable.
    """
    path = check_writable(path)
    folder = path.parent if str(path.parent) else Path(".")
    mode = "wb" if isinstance(data, bytes) else "w"
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror}") from None
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(data)
        # mkstemp makes the file private (0600); give it the usual mode
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as e:
        os.unlink(tmp)
        raise OutputError(f"cannot write {path}: {e.strerror}") from None
    except BaseException:
        os.unlink(tmp)
        raise
    return path


def read_text(path: str | os.PathLike, what: str = "file") -> str:
    """The UTF-8 text of ``path``.

    Raises:
        DeriveError: the file is missing, unreadable, binary or not UTF-8.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DeriveError(f"{what} not found", where=str(path)) from None
    except IsADirectoryError:
        raise DeriveError(f"{what} is a folder, not a file", where=str(path)) from None
    except OSError as e:
        raise DeriveError(f"cannot read {what}: {e.strerror}", where=str(path)) from None
    if b"\0" in raw:
        raise DeriveError(f"{what} is binary, not text", where=str(path))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise DeriveError(f"{what} is not UTF-8 (byte {e.start} on line {line})",
                          where=str(path)) from None
