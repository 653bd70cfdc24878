"""The widget's data written out: a TensorBoard log dir, the offline HTML page and the
record it is made of, and the log dir the widget was opened from.

Above the draw budget only the drawn points are written (renumbered in order, by
:mod:`nbprojector.drawn_subset`), with a warning that says so.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import drawn_subset, export, tensorboard, wording
from ..logdir_config import EmbeddingEntry, SpriteInfo
from .bookmark_list import BookmarkList
from .state import ViewState
from .trust import Trust

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector


class Exports:
    """Writes log dirs and offline pages. Owns what was read from the log dir the widget was
    opened from (``Projector.from_logdir``)."""

    def __init__(self, widget: Projector, view: ViewState, trust: Trust,
                 bookmarks: BookmarkList) -> None:  # fmt: skip
        self._widget = widget
        self._view = view
        self._trust = trust
        self._bookmarks = bookmarks
        #: The log dir's entries (where each embedding came from, paths included); empty
        #: unless the widget was opened from a log dir.
        self.logdir_entries: list[EmbeddingEntry] = []
        #: The log dir's sprite: written by :meth:`to_logdir` while the widget has no
        #: images of its own. None unless the widget was opened from a log dir with one.
        self.logdir_sprite: SpriteInfo | None = None

    def opened_from(self, opened: tensorboard.OpenedLogdir) -> None:
        """Keep what the log dir the widget was made from holds beyond its data: the
        entries, the sprite, and the bookmarks (added to the widget's)."""
        self.logdir_entries = list(opened.logdir.entries)
        self.logdir_sprite = opened.logdir.sprite
        if opened.bookmarks:
            self._bookmarks.adopt(opened.bookmarks, False)

    def to_logdir(self, path: str | Path, options: dict[str, Any]) -> Path:
        data = self._view.data
        drawn = self._view.drawn
        if drawn is not None:
            warnings.warn(_only_drawn("the log dir", len(drawn), self._view.n_points),
                          stacklevel=3)  # fmt: skip
            data = drawn_subset.subset_dataset(data, drawn)
        else:
            data = data.held()
        written: Path = tensorboard.save_logdir(data, self.logdir_sprite, path, **options)
        return written

    def to_html(self, path: str | Path, title: str | None, max_neighbor_floats: int) -> Path:
        record = self.record()
        drawn = self._view.drawn
        if drawn is not None:
            record, dropped = drawn_subset.subset_record(record, drawn)
            more = f"; {wording.plural(dropped, 'bookmark')} of other drawn points left out"
            warnings.warn(_only_drawn("the page", len(drawn), self._view.n_points)
                          + (more if dropped else ""), stacklevel=3)  # fmt: skip
        else:  # every point is written: the text of the columns left on disk too
            record = dataclasses.replace(record, data=record.data.held())
        return export.write_html(record, path, title=title,
                                 max_neighbor_floats=max_neighbor_floats)  # fmt: skip

    def record(self) -> export.ExportRecord:
        widget = self._widget
        return export.ExportRecord(
            synced=widget.get_state(),
            data=self._view.data,
            embedding=widget.embedding,
            # Computed colours (layout fidelity) need Python: the export colours by none.
            color_by="" if self._trust.colouring() else widget.color_by,
            label_by=widget.label_by,
            bookmarks=list(self._bookmarks.states),
            colormap=widget.colormap,
        )


def _only_drawn(what: str, drawn: int, n_points: int) -> str:
    return (f"{what} holds the drawn points only, {wording.drawing_line(drawn, n_points)} "
            "(the draw budget, max_points); raise max_points to write more")  # fmt: skip
