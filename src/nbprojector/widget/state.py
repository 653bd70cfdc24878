"""The view's state: the dataset, the layouts, isolation and selection.

:class:`ViewState` owns them and is the only code that writes the per-point traits
(``_positions``, ``_colors``, ``_labels``, ``_label_offsets``, ``_visible`` and, from
Python, ``_selection``) together with the small traits that describe them (``projection``,
``legend``). Components read the view through it and change it through its methods; see
docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..chunk_runner import ChunkRunner, in_memory
from ..dataset import Dataset
from ..layout import Layout, visible_mask
from ..metadata import color_points, color_scale, describe_columns, pack_labels
from ..neighbor_backend import ExactNeighbors, NeighborBackend
from ..sources import VectorSource
from ..streamed_neighbors import StreamedNeighbors

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector


class ViewState:
    """The dataset and what the view shows of it."""

    def __init__(self, widget: Projector, data: Dataset) -> None:
        self._widget = widget
        self.data = data
        #: The layout shown for each embedding, computed on the points then shown.
        self.layouts: dict[str, Layout] = {}
        self._isolated: np.ndarray | None = None  # sorted indices shown, or None for all
        self._neighbors: dict[str, NeighborBackend] = {}
        #: Where neighbour queries over a source that is not in memory run (the compute
        #: engine's runner: a Dask cluster, Dask's threads, or here).
        self.neighbor_runner: ChunkRunner | None = None
        # The layout the view showed before the last switch of embedding: new layouts are
        # aligned to it (or start from it) while ``align_embeddings`` is on.
        self._previous: tuple[str, Layout] | None = None

    # ---------------------------------------------------------------- reading

    @property
    def n_points(self) -> int:
        return self.data.n_points

    @property
    def embedding(self) -> str:
        return self._widget.embedding

    @property
    def table(self) -> pd.DataFrame:
        return self.data.table

    @property
    def source(self) -> VectorSource:
        """The current embedding's vectors."""
        return self.data.source(self.embedding)

    @property
    def vectors(self) -> np.ndarray:
        """The current embedding as one in-memory float32 matrix (not a copy)."""
        return self.data.embeddings[self.embedding]

    @property
    def n_dims(self) -> int:
        return int(self.source.shape[1])

    def neighbors(self, embedding: str | None = None) -> NeighborBackend:
        """The neighbour backend of ``embedding`` (default: the current one), kept while
        the widget lives: exact in memory, exact streamed over a source that is not, or the
        index built for it."""
        name = self.embedding if embedding is None else embedding
        if name not in self._neighbors:
            source = self.data.source(name)
            if in_memory(source):
                self._neighbors[name] = ExactNeighbors(source)
            else:
                self._neighbors[name] = StreamedNeighbors(source, self.neighbor_runner)
        return self._neighbors[name]

    def use_neighbors(self, embedding: str, backend: NeighborBackend) -> None:
        """Answer ``embedding``'s neighbour queries with ``backend`` from now on (an index)."""
        self._neighbors[embedding] = backend

    def reference(self) -> tuple[str, Layout] | None:
        """(name, layout) of the embedding shown before the current one, which a new layout
        of the current embedding is aligned to; None when alignment is off or there is none."""
        if not self._widget.align_embeddings or self._previous is None:
            return None
        if self._previous[0] == self.embedding:
            return None
        return self._previous

    @property
    def isolated(self) -> np.ndarray | None:
        """Sorted indices of the points shown, or None when all are (not a copy)."""
        return self._isolated

    @property
    def selection(self) -> np.ndarray:
        """The selection, sorted int64."""
        return np.frombuffer(self._widget._selection, dtype=np.uint32).astype(np.int64)

    def shown_mask(self) -> np.ndarray | None:
        """Booleans per point, True where shown; None when every point is."""
        if self._isolated is None:
            return None
        mask = np.zeros(self.n_points, dtype=bool)
        mask[self._isolated] = True
        return mask

    def selection_bytes(self, indices: Any) -> bytes:
        """Indices as the ``_selection`` trait holds them (sorted, unique uint32); an
        IndexError names the range when one is out of it."""
        arr = np.asarray(indices if indices is not None else [], dtype=np.int64).ravel()
        if len(arr) and (arr.min() < 0 or arr.max() >= self.n_points):
            raise IndexError(
                f"selection indices must be in 0..{self.n_points - 1}, got min {arr.min()} "
                f"and max {arr.max()}"
            )
        return np.unique(arr).astype(np.uint32).tobytes()

    def snapshot(self) -> tuple[Any, ...]:
        """What :meth:`restore_snapshot` puts back: isolation, selection, layouts, shown."""
        w = self._widget
        return (self._isolated, dict(self.layouts), w._visible, w._selection, w._positions,
                dict(w.projection))  # fmt: skip

    def restore_snapshot(self, saved: tuple[Any, ...]) -> None:
        w = self._widget
        self._isolated, layouts, visible, selection, positions, projection = saved
        self.layouts.clear()
        self.layouts.update(layouts)
        with w.hold_sync():
            w._visible, w._selection, w._positions = visible, selection, positions
            w.set_trait("projection", projection)

    # ---------------------------------------------------------------- writing

    def embedding_switched(self, old: str) -> None:
        """The view moves on from embedding ``old``: its layout becomes the reference."""
        if old in self.layouts:
            self._previous = (old, self.layouts[old])

    def forget_other_layouts(self) -> None:
        """Drop the layouts kept for embeddings not shown (to be recomputed when shown)."""
        for name in [n for n in self.layouts if n != self.embedding]:
            del self.layouts[name]

    def select(self, indices: Any) -> None:
        """Make ``indices`` the selection."""
        self._widget._selection = self.selection_bytes(indices)

    def show(self, layout: Layout) -> None:
        """Put ``layout`` on screen (positions and the ``projection`` description)."""
        positions = layout.positions().tobytes()
        w = self._widget
        with w.hold_sync():
            if positions != w._positions:  # equal layouts are not re-sent
                w._positions = positions
            w.set_trait("projection", layout.description)

    def describe_layout(self, key: str, value: Any) -> None:
        """Add ``key: value`` to the shown layout's description (and the ``projection``
        trait); a new layout starts without it, so a stale summary never outlives its map."""
        layout = self.layouts[self.embedding]
        layout.description = {**layout.description, key: value}
        self._widget.set_trait("projection", layout.description)

    def keep_and_show(self, embedding: str, layout: Layout) -> None:
        """Keep ``layout`` as ``embedding``'s, and show it if that embedding is shown."""
        self.layouts[embedding] = layout
        if self.embedding == embedding:
            self.show(layout)

    def show_labels(self, column: str) -> None:
        data, offsets = pack_labels(self.table[column])
        w = self._widget
        with w.hold_sync():
            w._labels = data
            w._label_offsets = offsets

    def show_colors(self, column: str) -> None:
        colors, legend = color_points(self.table[column] if column else None)
        w = self._widget
        with w.hold_sync():
            w._colors = b"" if colors is None else colors.tobytes()
            legend["column"] = column
            w.set_trait("legend", legend)

    def show_score_colors(self, scores: np.ndarray, key: str, caption: str) -> None:
        """Colour the points by ``scores`` in [0, 1] (NaN: not scored), with a legend whose
        ``column`` is ``key`` and whose caption says what the scores mean."""
        colors, legend = color_scale(scores, 0.0, 1.0)
        w = self._widget
        with w.hold_sync():
            w._colors = colors.tobytes()
            legend.update(column=key, caption=caption)
            w.set_trait("legend", legend)

    def table_changed(self, columns: set[str]) -> None:
        """The metadata table changed in ``columns`` (edited, made or removed): redraw what
        shows them. A colour or label column that is gone falls back to none / the first."""
        w, table = self._widget, self.table
        with w.hold_sync():
            w.set_trait("columns", describe_columns(table))
            # Only the columns that changed matter: colours computed from something else
            # (layout fidelity, neighbour change) are not columns and stay as they are.
            if w.color_by in columns:
                if w.color_by in table.columns:
                    self.show_colors(w.color_by)
                else:
                    w.color_by = ""
            if w.label_by in columns:
                if w.label_by in table.columns:
                    self.show_labels(w.label_by)
                else:
                    w.label_by = str(table.columns[0])

    def set_isolation(self, rows: np.ndarray | None, selection: bytes) -> None:
        """Show only ``rows`` (None: every point) with ``selection`` selected. Layouts
        kept for other embeddings were computed on other points: they are dropped, to be
        recomputed when shown, rather than show a layout of a different subset."""
        self._isolated = rows
        self.forget_other_layouts()
        self._previous = None  # a layout of other points: nothing to align to
        w = self._widget
        with w.hold_sync():
            w._selection = selection
            w._visible = visible_mask(rows, self.n_points)
