"""The view's state: the dataset, the layouts, isolation and selection.

:class:`ViewState` owns them and is the only code that writes the per-point traits
(``_positions``, ``_colors``, ``_palette``, ``_labels``, ``_label_offsets``, ``_visible``,
``_drawn`` and, from Python, ``_selection``) together with the small traits that describe
them (``projection``, ``legend``). How they are packed is in codec.py and colors.py. The
labels follow the first display: the page asks for them once it has drawn its first frame,
so the first message carries positions and colours only. Components read the view through
it and change it through its methods; see docs/ARCHITECTURE.md.

The draw budget: above ``max_points`` the page draws a sample of the points. The per-point
traits then hold the drawn points only, in drawn order (ascending point index), and
``_drawn`` maps each drawn slot to its point (uint32; empty when every point is drawn). Every
index that crosses the protocol (selection, neighbours, search, bookmarks) stays a point
index: the page converts with ``_drawn``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import draw_budget
from ..chunk_runner import ChunkRunner, in_memory
from ..codec import encode_positions
from ..colors import Coloring, color_points, color_scale
from ..dataset import Dataset
from ..layout import Layout, visible_mask
from ..metadata import describe_columns, pack_labels
from ..neighbor_backend import ExactNeighbors, NeighborBackend
from ..sources import ArraySource, VectorSource
from ..streamed_neighbors import StreamedNeighbors

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector


class NotInMemoryError(RuntimeError):
    """The whole matrix of an embedding was asked for, but it stays in its source."""


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
        self.max_points = draw_budget.DEFAULT_MAX_POINTS
        # The points drawn while nothing is isolated (sorted), and the points drawn now
        # (the sample, or an isolated subset's); None: every point (of the subset).
        self._sample: np.ndarray | None = None
        self._drawn: np.ndarray | None = None
        # The colours shown, for every point, kept so that a new drawn set is coloured
        # without recomputing them.
        self._coloring: Coloring | None = None
        self._strata_column: str | None = None  # the sample's strata (the colour column)
        # Labels are sent once the page has drawn its first frame (send_labels).
        self._labels_wanted = False

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
        """The current embedding as one in-memory float32 matrix (not a copy); an error
        for a source that stays on disk, whose matrix the kernel never holds."""
        source = self.source
        if isinstance(source, ArraySource):
            return source.array
        n, d = source.shape
        raise NotInMemoryError(
            f"the vectors of {self.embedding!r} ({n:,} x {d}) stay in their source "
            f"({getattr(source, 'label', type(source).__name__)}) and are not loaded into "
            "the kernel; read the rows you need with p.source.take(rows), or blocks of rows "
            "with p.source.chunks(p.source.rows_per_chunk())"
        )

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
        name, kept = self._previous
        if name == self.embedding:
            return None
        layout = self.layouts.get(name, kept)  # its newest layout (an exact pass may have ended)
        if not np.isfinite(layout.coords).all():
            return None  # a drawn sample's PCA: the other points have no place to align to
        return name, layout

    @property
    def isolated(self) -> np.ndarray | None:
        """Sorted indices of the points shown, or None when all are (not a copy)."""
        return self._isolated

    @property
    def drawn(self) -> np.ndarray | None:
        """Sorted indices of the points drawn, or None when every point is (not a copy)."""
        return self._drawn

    def drawn_or_all(self) -> np.ndarray:
        """Sorted int64 indices of the points drawn (all of them when none is left out)."""
        return np.arange(self.n_points, dtype=np.int64) if self._drawn is None else self._drawn

    def fit_rows(self) -> tuple[np.ndarray | None, bool]:
        """The rows a t-SNE or UMAP run is fitted on, and whether those are the drawn points
        only (the points shown are more than the budget): the others get no coordinates."""
        if self._drawn is None:
            return self._isolated, False
        shown = self.n_points if self._isolated is None else len(self._isolated)
        return self._drawn, len(self._drawn) < shown

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
                dict(w.projection), self._sample, self._drawn)  # fmt: skip

    def restore_snapshot(self, saved: tuple[Any, ...]) -> None:
        w = self._widget
        (self._isolated, layouts, visible, selection, positions, projection,
         self._sample, drawn) = saved  # fmt: skip
        self.layouts.clear()
        self.layouts.update(layouts)
        with w.hold_sync():
            if drawn is not self._drawn:
                self._set_drawn(drawn)
            w._visible, w._selection, w._positions = visible, selection, positions
            w.set_trait("projection", projection)
            self._publish_isolation()

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
        positions, placed = self._drawn_positions(layout)
        w = self._widget
        with w.hold_sync():
            if positions != w._positions:  # equal layouts are not re-sent
                w._positions = positions
            if self._drawn is not None:  # below the budget isolation alone sets it
                visible = self._visible_bytes(placed)
                if visible != w._visible:
                    w._visible = visible
            w.set_trait("projection", layout.description)

    def _publish_isolation(self) -> None:
        """The ``isolated_count`` trait: the page tells isolation from points hidden only
        because the layout shown has not placed them yet (both leave ``_visible`` non-empty)."""
        count = None if self._isolated is None else len(self._isolated)
        self._widget.set_trait("isolated_count", count)

    def _drawn_positions(self, layout: Layout) -> tuple[bytes, np.ndarray | None]:
        """The drawn points' positions, encoded, and which of them the layout places (None:
        all). A layout fitted on other drawn points has no coordinates (NaN) for the points
        drawn since: they are sent at 0 and hidden (never a NaN on the wire) until it is
        rerun; the encoding's range is that of the placed points."""
        drawn = self._drawn
        if drawn is None:
            return encode_positions(layout.positions(), layout.dims, layout.rows), None
        placed = np.isfinite(layout.coords[drawn]).all(axis=1)
        if placed.all():
            return encode_positions(layout.positions(drawn), layout.dims), None
        out = np.zeros((len(drawn), 3), dtype=np.float32)
        out[placed] = layout.positions(drawn[placed])
        return encode_positions(out, layout.dims, np.flatnonzero(placed)), placed

    def _visible_bytes(self, placed: np.ndarray | None) -> bytes:
        """The ``_visible`` trait: one flag per drawn slot (empty: all shown)."""
        if self._drawn is None:
            return visible_mask(self._isolated, self.n_points)
        if placed is None:
            # Drawn points of an isolated set are all shown; still one flag per slot, so
            # the page knows the view is isolated.
            return b"" if self._isolated is None else np.ones(len(self._drawn), np.uint8).tobytes()
        return placed.astype(np.uint8).tobytes()

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
        """Label the points by ``column``, once the page has asked for labels."""
        if not self._labels_wanted:
            return
        # The drawn points' labels only: a text column left on disk is read for those rows.
        if self._drawn is None and not self.data.is_on_disk(column):
            labels = self.table[column]
        else:
            labels = self.data.values(column, self.drawn_or_all())
        data, offsets = pack_labels(labels)
        w = self._widget
        with w.hold_sync():
            w._labels = data
            w._label_offsets = offsets

    def send_labels(self) -> None:
        """The page drew its first frame: from now on the labels go with the label column."""
        self._labels_wanted = True
        self.show_labels(self._widget.label_by)

    def show_colors(self, column: str) -> None:
        w = self._widget
        coloring = color_points(self.table[column] if column else None, w.colormap)
        self._send_coloring(coloring, column)

    def show_score_colors(self, scores: np.ndarray, key: str, caption: str) -> None:
        """Colour the points by ``scores`` in [0, 1] (NaN: not scored), with a legend whose
        ``column`` is ``key`` and whose caption says what the scores mean."""
        coloring = color_scale(scores, (0.0, 1.0), self._widget.colormap)
        coloring.legend["caption"] = caption
        self._send_coloring(coloring, key)

    def _send_coloring(self, coloring: Coloring, column: str) -> None:
        self._coloring = coloring
        w = self._widget
        with w.hold_sync():
            self._send_colors()
            w.set_trait("legend", {**coloring.legend, "column": column})

    def _send_colors(self) -> None:
        """The colours of the drawn points (and the palette), unchanged ones not re-sent."""
        w, coloring = self._widget, self._coloring
        if coloring is None:
            return
        traits = dict(coloring.traits)
        if self._drawn is not None and traits["_colors"]:
            per_point = coloring.codes if coloring.codes is not None else coloring.rgb
            assert per_point is not None
            traits["_colors"] = per_point[self._drawn].astype(np.uint8).tobytes()
        for name, value in traits.items():
            if value != getattr(w, name):  # an unchanged palette is not re-sent
                setattr(w, name, value)

    def table_changed(self, columns: set[str]) -> None:
        """The metadata table changed in ``columns`` (edited, made or removed): redraw what
        shows them. A colour or label column that is gone falls back to none / the first."""
        w, table = self._widget, self.table
        with w.hold_sync():
            w.set_trait("columns", describe_columns(table, self.data.text_on_disk()))
            # Only the columns that changed matter: colours computed from something else
            # (layout fidelity, neighbour change) are not columns and stay as they are.
            if w.color_by in columns:
                if w.color_by in table.columns:
                    self.show_colors(w.color_by)
                else:
                    w.color_by = ""
            if w.label_by in columns:
                if self.data.has_column(w.label_by):
                    self.show_labels(w.label_by)
                else:
                    w.label_by = self.data.columns[0]

    def set_isolation(self, rows: np.ndarray | None, selection: bytes) -> None:
        """Show only ``rows`` (None: every point) with ``selection`` selected. Layouts
        kept for other embeddings were computed on other points: they are dropped, to be
        recomputed when shown, rather than show a layout of a different subset. Isolating
        fewer points than the draw budget draws them all; more, a sample of them."""
        self._isolated = rows
        self.forget_other_layouts()
        self._previous = None  # a layout of other points: nothing to align to
        if rows is None:
            drawn = self._sample
        elif self._sample is None:
            drawn = None  # every point is drawn: the visible mask hides the others
        else:
            picked = draw_budget.sample(len(rows), self.max_points, self._strata(rows))
            drawn = rows if picked is None else rows[picked]
        w = self._widget
        with w.hold_sync():
            w._selection = selection
            self._set_drawn(drawn)
            self._publish_isolation()

    # ---------------------------------------------------------------- the draw budget

    def start_budget(self, max_points: int, strata_column: str | None) -> None:
        """Draw at most ``max_points``, a sample stratified by ``strata_column`` (or
        uniform); called once, before anything is drawn."""
        self.max_points = max_points
        self._strata_column = strata_column
        self._sample = draw_budget.sample(self.n_points, max_points, self._strata(None))
        self._set_drawn(self._sample)

    def first_part(self) -> np.ndarray | None:
        """The drawn points a layout of a source outside memory is first fitted and shown
        on (stratified as the drawn sample is), or None when it is fitted on all of them."""
        if self._drawn is None:
            return None
        return draw_budget.first_part(self._drawn, draw_budget.FIRST_PART_POINTS,
                                      self._strata(self._drawn))  # fmt: skip

    def _strata(self, rows: np.ndarray | None) -> np.ndarray | None:
        """The sample's strata for the points ``rows`` (None: all): the colour column's
        category codes, numbered as the sampler numbers the values themselves (in order of
        first appearance, a missing value a category of its own), so the sample is the
        column's; integers, which the sampler counts far sooner than text."""
        column = self._strata_column
        if not column or column not in self.table.columns:
            return None
        values = self.table[column]
        codes, _uniques = pd.factorize(values if rows is None else values.iloc[rows],
                                       use_na_sentinel=False)  # fmt: skip
        return np.asarray(codes)

    def draw(self, indices: np.ndarray) -> np.ndarray:
        """Draw the points ``indices`` too (shown ones only), swapped in for others not
        selected when the budget is full. Returns the points drawn now."""
        if self._drawn is None:
            return self.drawn_or_all()
        wanted = np.unique(np.asarray(indices, dtype=np.int64))
        if self._isolated is not None:
            wanted = np.intersect1d(wanted, self._isolated)
        drawn = draw_budget.swap_in(self._drawn, wanted, self.max_points, keep=self.selection)
        if self._isolated is None:
            self._sample = drawn
        self._set_drawn(drawn)
        return drawn

    def set_drawn(self, drawn: np.ndarray) -> None:
        """Draw exactly ``drawn`` (sorted point indices; a restored bookmark's)."""
        if self._isolated is None:
            self._sample = drawn
        self._set_drawn(drawn)

    def _set_drawn(self, drawn: np.ndarray | None) -> None:
        """Draw ``drawn`` (sorted point indices, None: all) and rewrite every per-point
        trait for it; the layout is redrawn when it has coordinates for every point drawn."""
        self._drawn = drawn
        w = self._widget
        with w.hold_sync():
            w._drawn = b"" if drawn is None else drawn.astype(np.uint32).tobytes()
            if self.data.has_column(w.label_by):
                self.show_labels(w.label_by)
            self._send_colors()
            w._visible = self._visible_bytes(None)
            layout = self.layouts.get(self.embedding)
            if layout is not None:
                self.show(layout)  # hides drawn points it has no coordinates for

    def missing_coordinates(self) -> bool:
        """Whether the layout shown has no coordinates for some drawn point (fitted on
        other drawn points): it must be rerun to place them."""
        layout = self.layouts.get(self.embedding)
        if layout is None:
            return False
        coords = layout.coords if self._drawn is None else layout.coords[self._drawn]
        return not bool(np.isfinite(coords).all())
