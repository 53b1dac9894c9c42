"""Reading a script named by a user or by a trace: only regular files, and only so much.

A trace is untrusted input, and its ``meta.script`` or an op's ``file`` can name
``/dev/zero`` (read until memory runs out), a FIFO (``open`` blocks for ever) or a
directory. Everything that shows or runs a source file asks here first.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_SOURCE_BYTES = 2 << 20  # the Source dock shows scripts, not data files


class SourceFileError(OSError):
    """A source file that cannot be read; the message says which file and why."""


def file_kind(mode: int) -> str:
    """What a non-regular file is, for a message ("a FIFO", "a character device", …)."""
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def check_regular(path: str | os.PathLike, what: str = "file") -> Path:
    """``path`` if it is a readable regular file, else SourceFileError saying why
    ("not found", "is a directory", "is a FIFO", "permission denied")."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SourceFileError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise SourceFileError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise SourceFileError(f"{what} {path} is {file_kind(info.st_mode)}, not a regular "
                              "file")
    if not os.access(path, os.R_OK):
        raise SourceFileError(f"cannot read {what} {path}: permission denied")
    return path


def read_source(path: str | os.PathLike, limit: int = MAX_SOURCE_BYTES) -> str:
    """The text of a regular file of at most ``limit`` bytes (undecodable bytes replaced)."""
    path = check_regular(path, "source file")
    try:
        # O_NONBLOCK: should the file be swapped for a FIFO after the check, open won't wait.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise SourceFileError(f"cannot read source file {path}: {exc.strerror or exc}") \
            from None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SourceFileError(f"source file {path} is not a regular file")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise SourceFileError(f"source file {path} is too large to show (over "
                              f"{limit / (1 << 20):g} MB)")
    return data.decode("utf-8", errors="replace")
