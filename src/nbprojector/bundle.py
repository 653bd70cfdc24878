"""The built front end: the files of ``static/`` that the widget and the offline export load."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).parent / "static"


def bundle(name: str) -> Path:
    """The path of a built front-end file, or a clear error saying how to build it."""
    path = STATIC / name
    if not path.exists():
        raise FileNotFoundError(
            f"nbprojector's front-end bundle {path} is missing; build it with "
            "`npm ci && npm run build` in js/ (pip install -e . does this for you)"
        )
    return path


def bundle_text(name: str) -> str:
    """A built front-end file's text (see :func:`bundle`)."""
    return bundle(name).read_text(encoding="utf-8")
