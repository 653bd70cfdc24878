"""The Projector's methods that keep or write out the view: bookmarks (saved views, and the
files they are saved to), TensorBoard log dirs, the offline HTML page and PNGs. Each hands the
work to the component that owns it; ``Projector``'s class body binds them as its methods, as
it does those of projector_methods.py.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import export
from .snapshot import DEFAULT_TIMEOUT, PendingPNG

if TYPE_CHECKING:
    from .projector import Projector


# ---------------------------------------------------------------- bookmarks


def add_bookmark(self: Projector, name: str | None = None) -> dict[str, Any]:
    """Save the current view (projection and its coordinates, camera, selection,
    isolation, spherize, colour and label choices, sizes, images or dots) as a bookmark.

    Args:
        name: defaults to "State n". Names are unique: an existing name gets " (2)".

    Returns:
        The new bookmark's summary (as in :attr:`bookmarks`).
    """
    return self._bookmarks.add(name)


def restore_bookmark(self: Projector, which: str | int) -> dict[str, Any]:
    """Put a bookmark's view back exactly (by name, or by position in the list). All
    or nothing: if any part cannot be applied, the view stays as it was."""
    return self._bookmarks.restore(which)


def rename_bookmark(self: Projector, which: str | int, name: str) -> None:
    """Give a bookmark a new (unique, non-empty) name."""
    self._bookmarks.rename(which, name)


def delete_bookmark(self: Projector, which: str | int) -> None:
    """Remove a bookmark."""
    self._bookmarks.delete(which)


def save_bookmarks(self: Projector, path: str | os.PathLike[str]) -> None:
    """Write every bookmark to ``path`` (JSON; see :mod:`nbprojector.bookmarks`).

    The write is atomic: if it fails, the file that was there is left as it was.
    """
    self._bookmarks.save(path)


def load_bookmarks(
    self: Projector, path: str | os.PathLike[str], *, replace: bool = False
) -> list[str]:
    """Add the bookmarks of a file (ours, or TensorBoard's), after those already there.

    A corrupt file, or one made for data of another size, raises
    :class:`~nbprojector.bookmarks.BookmarkError` and the bookmarks already there are
    kept. Returns the names added.
    """
    return self._bookmarks.load(path, replace)


# ---------------------------------------------------------------- files and pictures


def to_logdir(self: Projector, path: str | Path, **kwargs: Any) -> Path:
    """Write every embedding, the metadata and the images as a log dir TensorBoard's
    projector opens; see ``nbprojector.tensorboard.write_logdir`` for the options.
    Above the draw budget only the drawn points are written (renumbered in order), with
    a warning that says so."""
    return self._exports.to_logdir(path, kwargs)


def to_html(
    self: Projector,
    path: str | Path,
    *,
    title: str | None = None,
    max_neighbor_floats: int = export.MAX_NEIGHBOR_FLOATS,
) -> Path:
    """Write the view as ONE HTML file that works offline, without a kernel: the current
    layout, colours, labels, images, selection, camera and bookmarks; hover, rotate,
    zoom, search, the metadata card and bookmark playback work as in the notebook.
    Nearest neighbours are computed in the page when N x D (all embeddings) is at most
    ``max_neighbor_floats`` (the vectors are embedded); beyond that the neighbour list
    says they are not available in the export. Projections need Python. Returns the path.
    Above the draw budget only the drawn points are written (renumbered in order; the
    bookmarks of other drawn sets are left out), with a warning that says so.
    """
    return self._exports.to_html(path, title, max_neighbor_floats)


def export_record(self: Projector) -> export.ExportRecord:
    """What the offline export is made of, read from the widget now."""
    return self._exports.record()


def save_png(
    self: Projector, path: str | Path, scale: float = 2.0, *, timeout: float = DEFAULT_TIMEOUT
) -> PendingPNG:
    """Write a PNG of exactly what the view shows (points and labels) to ``path``.

    Args:
        path: the file to write; its folder must exist.
        scale: image pixels per CSS pixel of the view, times the screen's pixel ratio
            (2: twice the on-screen size, crisp for slides). 0.1 to 16.
        timeout: seconds to wait for the page before giving up.

    Returns:
        A :class:`~nbprojector.widget.snapshot.PendingPNG`. The page draws the image;
        its answer reaches the kernel when the current cell finishes, and the file is
        written then. Use ``.result()`` in a later cell (or from a thread) to get the
        path or the error.

    Raises:
        ValueError: a bad scale, or the folder does not exist.
    """
    return self._snapshots.save_png(path, scale, timeout)
