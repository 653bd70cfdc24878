"""The Projector widget: the synced traits, its construction and the state it holds.

Python owns the data and every computation; the page owns drawing and interaction.
Per-point data travels as binary buffers (the ``_positions``, ``_colors``, ``_labels`` ...
traits below), never JSON lists. Each public method is a few lines handing the work to the
component that owns it (see docs/ARCHITECTURE.md for who owns what); they are written in
projector_methods.py and projector_saving.py and bound in the class body below, so that this
file reads as the list of the widget's traits, properties and methods.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import traitlets as t

from .. import draw_budget, tensorboard
from ..bundle import STATIC, bundle
from ..colors import DEFAULT_COLORMAP
from ..dataset import Dataset
from ..sources import DEFAULT_MEMORY_BUDGET, VectorSource
from . import projector_methods, projector_saving, thread_sync
from .assembly import assemble, publish
from .images import DEFAULT_MAX_TEXTURE_SIZE, MIN_TEXTURE_SIZE, thumbnails_from_inputs
from .neighbor_index import INDEX_KINDS
from .reactions import CHECKED, OBSERVED
from .trait_help import HELP
from .traits import BINARY, FiniteFloat, default_color_column


class Projector(anywidget.AnyWidget):
    """An interactive 2D / 3D view of embeddings, inline in a notebook.

    Args:
        emb: an (N, D) numeric matrix (numpy, CPU torch tensor, list of lists, numeric
            DataFrame); or vectors that stay where they are: a Lance dataset (a ``*.lance``
            path, a ``lance.LanceDataset``, a LanceDB table), Parquet (a file, a folder of
            shards, a ``pyarrow.dataset.Dataset``), a 2-D Zarr array or ``*.zarr`` path, a
            2-D ``dask.array.Array``; or a dict ``{name: any of these}`` of several
            embeddings of the same points.
        meta: metadata: a DataFrame, a dict of columns, a sequence of labels, or a TSV path.
            Without it, a Lance or Parquet source's other scalar columns are the metadata.
        label_by: the column shown as each point's label (default: the first column).
        color_by: the column that colours the points (default: the first categorical
            column with at most 50 distinct values, else none), or ``":layout fidelity"``
            to colour each point by how well the map keeps its neighbours (see
            :meth:`fidelity`; computed in the background with ``fidelity_k`` and
            ``metric``), or
            ``":neighbour change"`` for the last comparison asked for in the data panel.
        height: the widget's height in pixels.
        images: one image per point, drawn in place of its dot: an (N, H, W) grey
            or (N, H, W, 3|4) RGB(A) array (uint8; colour floats in [0, 1]; grey floats
            scaled from their range, as matplotlib's imshow does), a list of PIL
            images, or a sprite sheet (a path or a PIL image) with ``single_image_dim``.
            Thumbnails are at most 64 px on their longest side; see ``set_images``.
        single_image_dim: (width, height) of one image in a sprite sheet, stored row-first
            (left to right, top to bottom; any number of columns, the last row may be
            incomplete).
        show_images: draw images (default when images are given) or dots.
        encoder: a function ``fn(texts: list[str]) -> (len(texts), D)`` array in the
            embedding's space (a sentence-transformers model's ``encode``, a wrapped API
            client), or a dict ``{embedding name: fn}``; enables search by meaning.
        max_points: the draw budget: with more points, the view draws a fixed sample of
            this many (stratified by the colour column given or chosen at creation, else
            uniform); search, neighbours, selection and isolation still cover every
            point. See :attr:`drawn` and :meth:`show_points`.
        vector_column: the column of a Lance or Parquet source that holds the vectors
            (default: its one column of fixed-size lists of numbers or lists of floats).
        memory_budget: bytes one block of rows read from a source that is not in memory
            may take (1 GiB by default); blocks are sized from it.
        compute: where PCA, t-SNE/UMAP placement and neighbour queries over data that is
            not in memory run: a ``dask.distributed`` Client (e.g. ``Client(address)``),
            "dask" (the notebook's active client, else Dask's threads), "local" (this
            process), or None: Dask when it is installed, else local. Data in memory is
            computed in the kernel unless a Client is given.
        index: "ivf_pq" builds an approximate neighbour index at once (see
            :meth:`build_index`; the embedding must be stored in Lance).

    Example:
        >>> from sklearn.datasets import load_digits
        >>> d = load_digits()
        >>> p = Projector(d.data, {"digit": d.target})
        >>> p.color_by = "digit"
    """

    _esm = STATIC / "widget.js"
    _css = STATIC / "widget.css"

    # Per-point data, as binary buffers (never JSON lists); written by the ViewState.
    _positions = t.Bytes(b"").tag(sync=True, **BINARY)  # uint16 N x dims + header (codec.py)
    _colors = t.Bytes(b"").tag(sync=True, **BINARY)  # uint8 N into _palette, or uint8 N x 3 RGB
    _palette = t.Bytes(b"").tag(sync=True, **BINARY)  # uint8 K x 3 (K <= 256), or empty for RGB
    _labels = t.Bytes(b"").tag(sync=True, **BINARY)  # UTF-8, all labels back to back
    _label_offsets = t.Bytes(b"").tag(sync=True, **BINARY)  # uint32 N + 1
    _visible = t.Bytes(b"").tag(sync=True, **BINARY)  # uint8 per drawn point, or empty for all
    # uint32: the point each drawn slot shows (the per-point traits above hold the drawn
    # points only, in this order); empty when every point is drawn. See ``max_points``.
    _drawn = t.Bytes(b"").tag(sync=True, **BINARY)
    _selection = t.Bytes(b"").tag(sync=True, **BINARY)  # uint32 indices, sorted
    _atlases = t.List(t.Bytes(), read_only=True).tag(sync=True)  # one PNG per image atlas
    _bookmark_file = t.Bytes(b"").tag(sync=True)  # the JSON file of every bookmark, UTF-8
    _found = t.Bytes(b"").tag(sync=True, **BINARY)  # uint32: search by meaning, nearest first
    _found_distances = t.Bytes(b"").tag(sync=True, **BINARY)  # float32, one per _found

    # Small JSON: panel contents (written by Python). Each trait's meaning: trait_help.py.
    n_points = t.Int(0, read_only=True).tag(sync=True)
    n_dims = t.Int(0, read_only=True).tag(sync=True)
    columns: t.List[dict[str, Any]] = t.List(read_only=True).tag(sync=True)
    legend = t.Dict(read_only=True).tag(sync=True)
    projection = t.Dict(read_only=True, help=HELP["projection"]).tag(sync=True)
    progress = t.Dict(read_only=True, help=HELP["progress"]).tag(sync=True)
    embeddings = t.List(t.Unicode(), read_only=True).tag(sync=True)
    comparison = t.Dict(read_only=True, help=HELP["comparison"]).tag(sync=True)
    compare_embeddings = t.List(t.Unicode(), help=HELP["compare_embeddings"]).tag(sync=True)
    encoders = t.List(t.Unicode(), read_only=True, help=HELP["encoders"]).tag(sync=True)
    find = t.Dict(read_only=True, help=HELP["find"]).tag(sync=True)
    isolated_count = t.Int(None, allow_none=True, read_only=True,
                           help=HELP["isolated_count"]).tag(sync=True)  # IsolatedCount
    methods = t.Dict(read_only=True, help=HELP["methods"]).tag(sync=True)
    edits = t.Dict(read_only=True, help=HELP["edits"]).tag(sync=True)
    clustering = t.Dict(read_only=True, help=HELP["clustering"]).tag(sync=True)
    bookmarks: t.List[dict[str, Any]] = t.List(read_only=True, help=HELP["bookmarks"]).tag(
        sync=True
    )
    image_manifest = t.Dict(read_only=True, help=HELP["image_manifest"]).tag(sync=True)

    # View options (written by both sides).
    embedding = t.Unicode(help=HELP["embedding"]).tag(sync=True)
    label_by = t.Unicode(help=HELP["label_by"]).tag(sync=True)
    color_by = t.Unicode("", help=HELP["color_by"]).tag(sync=True)
    colormap = t.Unicode(DEFAULT_COLORMAP, help=HELP["colormap"]).tag(sync=True)
    colormaps = t.List(t.Unicode(), read_only=True, help=HELP["colormaps"]).tag(sync=True)
    point_size = FiniteFloat(4.0, min=0.5, max=64.0, help=HELP["point_size"]).tag(sync=True)
    label_size = FiniteFloat(12.0, min=6.0, max=48.0, help=HELP["label_size"]).tag(sync=True)
    height = t.Int(600, min=200, max=4000, help=HELP["height"]).tag(sync=True)
    camera = t.Dict(help=HELP["camera"]).tag(sync=True)
    theme = t.Enum(["auto", "light", "dark"], "auto", help=HELP["theme"]).tag(sync=True)
    spherize = t.Bool(False, help=HELP["spherize"]).tag(sync=True)
    metric = t.Enum(["cosine", "euclidean"], "cosine", help=HELP["metric"]).tag(sync=True)
    fidelity_k = t.Int(15, help=HELP["fidelity_k"]).tag(sync=True)
    compare_k = t.Int(10, help=HELP["compare_k"]).tag(sync=True)
    align_embeddings = t.Bool(True, help=HELP["align_embeddings"]).tag(sync=True)
    all_labels = t.Bool(False, help=HELP["all_labels"]).tag(sync=True)
    show_images = t.Bool(False, help=HELP["show_images"]).tag(sync=True)
    image_size = FiniteFloat(28.0, min=4.0, max=128.0, help=HELP["image_size"]).tag(sync=True)
    max_texture_size = t.Int(
        DEFAULT_MAX_TEXTURE_SIZE, min=MIN_TEXTURE_SIZE, help=HELP["max_texture_size"]
    )

    def __init__(
        self,
        emb: Any,
        meta: Any = None,
        *,
        label_by: str | None = None,
        color_by: str | None = None,
        height: int = 600,
        images: Any = None,
        single_image_dim: tuple[int, int] | None = None,
        show_images: bool | None = None,
        encoder: Any = None,
        max_points: int = draw_budget.DEFAULT_MAX_POINTS,
        vector_column: str | None = None,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
        compute: Any = None,
        index: str | None = None,
        **kwargs: Any,
    ) -> None:
        max_points = draw_budget.check_max_points(max_points)
        data = Dataset.from_inputs(
            emb, meta, vector_column=vector_column, memory_budget=memory_budget
        )
        thumbs = thumbnails_from_inputs(images, single_image_dim, data.n_points)
        bundle("widget.js")  # a clear message if the front end was never built
        if index is not None and index not in INDEX_KINDS:
            raise ValueError(f"index must be one of {', '.join(map(repr, INDEX_KINDS))} or "
                             f"None, got {index!r}")  # fmt: skip
        # The components exist before any trait is set, so every trait reaction finds them.
        parts = assemble(self, data, encoder, compute)
        self._view = parts.view
        self._projections = parts.projections
        self._inspector = parts.inspector
        self._trust = parts.trust
        self._finder = parts.finder
        self._annotations = parts.annotations
        self._cluster_names = parts.cluster_names
        self._bookmarks = parts.bookmarks
        self._images = parts.images
        self._timeline = parts.timeline
        self._snapshots = parts.snapshots
        self._exports = parts.exports
        self._reactions = parts.reactions
        self._requests = parts.requests
        super().__init__(height=height, **kwargs)
        try:
            # Everything the first frame needs goes to the page in one message, not one
            # per trait: the page draws once the cell's output arrives, after all of them.
            with self.hold_sync():
                publish(self, parts)
                shown = thumbs is not None if show_images is None else show_images
                self._images.use(thumbs, show=shown)
                self.on_msg(self._on_page_message)
                color_by = (color_by if color_by is not None
                            else default_color_column(self.columns))  # fmt: skip
                self._view.start_budget(max_points, color_by)  # before the first layout
                self.embedding = next(iter(data.embeddings))  # the first layout (PCA)
                self.label_by = label_by if label_by is not None else data.columns[0]
                self.color_by = color_by
        except BaseException:
            # The comm is open (the page has the widget's model): nothing half-made stays.
            self.close()
            if "layout" not in kwargs:
                self.layout.close()  # the layout made with it (one passed in is not ours)
            raise
        if index is not None:
            for name in data.embeddings:
                self.build_index(embedding=name)

    # ---------------------------------------------------------------- opening a log dir

    @classmethod
    def from_logdir(
        cls, path: str | Path, *, tensors: list[str] | None = None, **kwargs: Any
    ) -> Projector:
        """Open a TensorBoard log dir (its ``projector_config.pbtxt`` files, one per run) or a
        standalone projector ``.json`` config, with its ``bookmarks_path`` files as bookmarks;
        ``tensors`` picks embeddings by name; paths leading outside the log dir are refused
        unless ``allow_outside=True``; other arguments go to ``Projector``. Needs the
        ``tensorboard`` extra (protobuf schema)."""
        opened = tensorboard.open_logdir(
            path, tensors, allow_outside=kwargs.pop("allow_outside", False)
        )
        widget = cls(opened.logdir.embeddings, **opened.widget_arguments(cls, kwargs))
        widget._exports.opened_from(opened)
        return widget

    # ---------------------------------------------------------------- data

    @property
    def vectors(self) -> np.ndarray:
        """The current embedding as a float32 (N, D) matrix (not a copy: do not modify).
        For a source that is not in memory (Lance, Parquet, Zarr, Dask) this raises: read
        rows through :attr:`source` instead."""
        return self._view.vectors

    @property
    def source(self) -> VectorSource:
        """The current embedding's vectors where they live: ``source.take(rows)`` reads
        rows, ``source.chunks(source.rows_per_chunk())`` reads every row a block at a
        time, ``source.shape`` is (N, D)."""
        return self._view.source

    @property
    def metadata(self) -> pd.DataFrame:
        """The metadata table, one row per point, with the annotations made (not a copy:
        change it through :meth:`annotate`). The text columns of a Lance or Parquet source
        with too many distinct values to hold stay on disk and are not in it: read their
        rows with :meth:`metadata_rows`."""
        return self._view.table

    # ---------------------------------------------------------------- annotations

    @property
    def annotations(self) -> pd.DataFrame:
        """The edit log, oldest first: one row per column edit in effect, with ``time``
        (UTC), ``action``, ``column``, ``indices``, ``old`` and ``new`` (values per index)
        and ``created`` (the edit made the column)."""
        return self._annotations.log()

    # ---------------------------------------------------------------- clusters

    @property
    def clusters(self) -> pd.DataFrame:
        """The last clustering: one row per cluster with ``id``, ``name``, ``size``,
        ``top_terms`` and ``centre`` (mean position in the space clustered)."""
        return self._cluster_names.table()

    @property
    def coordinates(self) -> np.ndarray:
        """The current layout as an (N, 2) or (N, 3) float32 array, in projection units.

        Every point has coordinates. t-SNE and UMAP on more points than the draw budget
        (or with ``fit_points``) are fitted on the drawn points and place every other point
        with the method's own ``transform``; the ``projection`` record says how many were
        fitted and placed.

        A source outside memory (Lance, Parquet, Zarr, Dask) above the draw budget is first
        shown with the PCA fitted on the drawn points while the exact PCA over every point
        runs: this waits for that exact PCA, and raises its error (rows with NaN or
        infinity) when it failed. Once it was cancelled, the drawn points' coordinates are
        given and the others are NaN."""
        self._projections.settle()
        return self._view.layouts[self.embedding].coords.copy()

    @property
    def images(self) -> np.ndarray | None:
        """The thumbnails, (N, h, w, 4) uint8 RGBA, one per point; None without images.
        Not a copy: do not modify (use :meth:`set_images`)."""
        return self._images.thumbnails

    # ---------------------------------------------------------------- selection

    @property
    def selection(self) -> np.ndarray:
        """Indices of the selected points, sorted (int64). Assign to select from Python."""
        return self._view.selection

    @selection.setter
    def selection(self, indices: Any) -> None:
        self._view.select(indices)

    # ---------------------------------------------------------------- inspector

    @property
    def isolated(self) -> np.ndarray | None:
        """Indices of the points shown after :meth:`isolate`, or None when all are shown."""
        rows = self._view.isolated
        return None if rows is None else rows.copy()

    # ---------------------------------------------------------------- the draw budget

    @property
    def max_points(self) -> int:
        """The draw budget: the most points the view draws (set with ``Projector(...,
        max_points=)``)."""
        return self._view.max_points

    @property
    def drawn(self) -> np.ndarray:
        """Sorted int64 indices of the points drawn: every point shown (all, or the
        isolated ones) while they fit the budget, else a fixed sample of them. The page's
        per-point data follows this order."""
        return self._view.drawn_or_all().copy()

    # ---------------------------------------------------------------- methods
    # Written in projector_methods.py and projector_saving.py (their docstrings are the
    # methods' help) and bound here, in the order of the sections above.
    metadata_rows = projector_methods.metadata_rows
    annotate = projector_methods.annotate
    undo = projector_methods.undo
    redo = projector_methods.redo
    cluster = projector_methods.cluster
    rename_cluster = projector_methods.rename_cluster
    set_images = projector_methods.set_images
    on_selection = projector_methods.on_selection
    selected_metadata = projector_methods.selected_metadata
    search = projector_methods.search
    neighbors = projector_methods.neighbors
    build_index = projector_methods.build_index
    isolate = projector_methods.isolate
    show_all = projector_methods.show_all
    show_points = projector_methods.show_points
    project = projector_methods.project
    cancel_projection = projector_methods.cancel_projection
    fidelity = projector_methods.fidelity
    compare = projector_methods.compare
    play_embeddings = projector_methods.play_embeddings
    # bookmarks, log dirs, the offline page, PNGs
    add_bookmark = projector_saving.add_bookmark
    restore_bookmark = projector_saving.restore_bookmark
    rename_bookmark = projector_saving.rename_bookmark
    delete_bookmark = projector_saving.delete_bookmark
    save_bookmarks = projector_saving.save_bookmarks
    load_bookmarks = projector_saving.load_bookmarks
    to_logdir = projector_saving.to_logdir
    to_html = projector_saving.to_html
    export_record = projector_saving.export_record
    save_png = projector_saving.save_png

    # ipywidgets holds trait changes per widget; background jobs and the kernel's thread
    # both write traits, so each thread holds its own (see thread_sync.py).
    hold_sync = thread_sync.hold_sync
    _holding_sync = thread_sync.holding_sync
    _states_to_send = thread_sync.states_to_send

    def close(self) -> None:
        """Close the widget; a projection still running for it (the background passes over
        a source outside memory among them) stops reading at its next block."""
        projections = getattr(self, "_projections", None)  # None: closed while being built
        if projections is not None:
            projections.close()
        super().close()

    # ---------------------------------------------------------------- the page's messages

    def _on_page_message(self, _widget: Any, content: Any, buffers: list[Any]) -> None:
        self._requests.handle(content, buffers)

    # ---------------------------------------------------------------- trait reactions

    @t.validate(*CHECKED)
    def _check_trait(self, proposal: dict[str, Any]) -> Any:
        return self._reactions.checked(proposal["trait"].name, proposal["value"])

    @t.observe(*OBSERVED)
    def _trait_changed(self, change: dict[str, Any]) -> None:
        self._reactions.changed(change)
