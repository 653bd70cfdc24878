"""Atomic file writes that keep the file's identity.

A temporary file in the same folder, renamed over the target: a failed write leaves the
old file as it was. The target keeps its permission bits (a new file gets the usual ones,
0666 less the umask, not ``mkstemp``'s 0600), and a symbolic link is written through:
the file it points to is replaced, the link stays a link.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def _new_file_mode() -> int:
    mask = os.umask(0)  # the only portable way to read the umask is to set it
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (text is UTF-8) to ``path`` atomically; returns ``path``."""
    path = Path(path)
    target = Path(os.path.realpath(path))  # through symbolic links, to the file itself
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = _new_file_mode()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
