"""The Projector widget: the synced traits and the public Python API.

Python owns the data and every computation; the page owns drawing and interaction.
Per-point data travels as binary buffers (the ``_positions``, ``_colors``, ``_labels`` ...
traits below), never JSON lists. Each public method is a few lines handing the work to the
component that owns it (see docs/ARCHITECTURE.md for who owns what).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import traitlets as t

from .. import draw_budget, export, tensorboard
from ..bundle import STATIC, bundle
from ..colors import DEFAULT_COLORMAP
from ..dataset import Dataset
from ..jobs import Job
from ..sources import DEFAULT_MEMORY_BUDGET, VectorSource
from .assembly import assemble, publish
from .images import DEFAULT_MAX_TEXTURE_SIZE, MIN_TEXTURE_SIZE, thumbnails_from_inputs
from .neighbor_index import INDEX_KINDS
from .reactions import CHECKED, OBSERVED
from .snapshot import DEFAULT_TIMEOUT, PendingPNG
from .timeline import Playback
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
        # Everything the first frame needs goes to the page in one message, not one per
        # trait: the page draws once the cell's output arrives, after all of them.
        with self.hold_sync():
            publish(self, parts)
            shown = thumbs is not None if show_images is None else show_images
            self._images.use(thumbs, show=shown)
            self.on_msg(self._on_page_message)
            color_by = color_by if color_by is not None else default_color_column(self.columns)
            self._view.start_budget(max_points, color_by)  # before the first layout is drawn
            self.embedding = next(iter(data.embeddings))  # triggers the first layout (PCA)
            self.label_by = label_by if label_by is not None else data.columns[0]
            self.color_by = color_by
        if index is not None:
            for name in data.embeddings:
                self.build_index(embedding=name)

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

    def metadata_rows(self, indices: Any) -> pd.DataFrame:
        """Every metadata column (those left on disk too) at the points ``indices``,
        indexed by point."""
        rows = np.asarray(indices, dtype=np.int64).reshape(-1)
        return self._inspector.metadata_rows(rows)

    # ---------------------------------------------------------------- annotations

    def annotate(self, indices: Any, column: str, value: Any) -> None:
        """Give the points ``indices`` the ``value`` in metadata column ``column``.

        Args:
            indices: point indices (e.g. ``p.selection``).
            column: a new column (made, missing for the other points) or an editable one:
                one made by annotations, or a text column of the data.
            value: text or a number (as the column holds), or None to clear.

        Colours, legend, labels and search show the change at once; :meth:`undo` takes it
        back. Raises :class:`~nbprojector.annotations.AnnotationError` (a ValueError) for
        indices out of range, a value of the wrong kind, or a column that is not editable;
        nothing changes then.
        """
        self._annotations.annotate(indices, column, value)

    def undo(self) -> None:
        """Take back the last edit of the metadata (every step is kept; ValueError when
        there is nothing to undo)."""
        self._annotations.undo()

    def redo(self) -> None:
        """Make the last undone edit again (until a new edit is made)."""
        self._annotations.redo()

    @property
    def annotations(self) -> pd.DataFrame:
        """The edit log, oldest first: one row per column edit in effect, with ``time``
        (UTC), ``action``, ``column``, ``indices``, ``old`` and ``new`` (values per index)
        and ``created`` (the edit made the column)."""
        return self._annotations.log()

    # ---------------------------------------------------------------- clusters

    def cluster(
        self,
        column: str | None = None,
        *,
        space: str = "layout",
        naming: str = "auto",
        min_cluster_size: int | None = None,
        min_samples: int | None = None,
    ) -> pd.DataFrame:
        """Find the clusters of the points shown (HDBSCAN; above the draw budget, of the
        points drawn), name them, and draw the names.

        Each point's cluster name goes into the metadata column ``cluster`` ("unclustered"
        for noise and for points not shown), so colour, search and isolate work on it;
        :meth:`undo` takes it back. Run it again after a new layout or an isolate.

        Args:
            column: the metadata column that names the clusters (default: ``label_by``):
                free text by the terms most specific to each cluster (class-based TF-IDF),
                categories by their most frequent value.
            space: "layout" (the coordinates shown) or "original" (the embedding's
                vectors; up to 20,000 points).
            naming: "auto", "terms" or "category": how ``column`` names the clusters.
            min_cluster_size: the smallest cluster (default: 0.5% of the points, at least 5).
            min_samples: HDBSCAN's density smoothing (default: min(min_cluster_size, 10)).

        Returns:
            :attr:`clusters`.
        """
        options = {"naming": naming, "min_cluster_size": min_cluster_size,
                   "min_samples": min_samples}  # fmt: skip
        return self._cluster_names.run(column, space, options)

    @property
    def clusters(self) -> pd.DataFrame:
        """The last clustering: one row per cluster with ``id``, ``name``, ``size``,
        ``top_terms`` and ``centre`` (mean position in the space clustered)."""
        return self._cluster_names.table()

    def rename_cluster(self, cluster_id: int, name: str) -> None:
        """Rename a cluster: in the ``cluster`` column and on the map (one undo step)."""
        self._cluster_names.rename(cluster_id, name)

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

    def set_images(self, images: Any, single_image_dim: tuple[int, int] | None = None) -> None:
        """Give the points images (anything ``Projector(images=...)`` takes), or remove them
        with None. Shows them (``show_images = True``) when given."""
        thumbs = thumbnails_from_inputs(images, single_image_dim, self.n_points)
        self._images.use(thumbs, show=thumbs is not None)

    # ---------------------------------------------------------------- selection

    @property
    def selection(self) -> np.ndarray:
        """Indices of the selected points, sorted (int64). Assign to select from Python."""
        return self._view.selection

    @selection.setter
    def selection(self, indices: Any) -> None:
        self._view.select(indices)

    def on_selection(self, callback: Any, *, remove: bool = False) -> None:
        """Call ``callback(indices)`` whenever the selection changes.

        Fires for clicks, regions and searches in the page and for assignments from Python;
        ``indices`` is the new selection (sorted int64). An exception in a callback is shown
        and does not stop the others. ``remove=True`` unregisters ``callback``.
        """
        self._inspector.on_selection(callback, remove)

    def selected_metadata(self) -> pd.DataFrame:
        """The metadata rows of the selected points, indexed by point index."""
        return self._inspector.selected_metadata()

    # ---------------------------------------------------------------- inspector

    def search(
        self,
        query: str,
        column: str | None = None,
        regex: bool = False,
        *,
        by: str = "text",
        k: int = 100,
    ) -> np.ndarray:
        """Select every point whose ``column`` contains ``query`` and return their indices;
        with ``by="meaning"``, select the ``k`` points nearest to the encoded ``query``.

        Args:
            query: text to find, case-insensitive; with ``regex=True`` an RE2 regular
                expression (no backreferences or lookaround; linear time, so no pattern
                hangs) searched anywhere in the value (anchor it with ``^`` / ``$``).
            column: the metadata column to search (default: the ``label_by`` column).
            regex: treat ``query`` as a regular expression.
            by: "text" (match the column's values) or "meaning" (encode ``query`` with the
                embedding's encoder and find its nearest points by cosine distance; the
                query is drawn as a marker in the layout, see :attr:`find`).
            k: how many points ``by="meaning"`` finds.

        Returns:
            Sorted int64 indices of the matches (only points shown, once isolated); with
            ``by="meaning"`` the ``k`` nearest, nearest first. They become the selection.

        Raises:
            ValueError: unknown column, empty query, an invalid regular expression, no
                encoder, or an encoder that fails or returns the wrong shape.
        """
        return self._finder.search_by(query, column, regex, by, k)

    def neighbors(
        self, query: Any, k: int = 10, metric: str = "cosine", *, encode: bool | None = None,
        exact: bool = False, where: str | None = None,
    ) -> pd.DataFrame:  # fmt: skip
        """The ``k`` nearest points to ``query``, nearest first: exact, or from the index
        built with :meth:`build_index` (then with exact distances, but possibly missing a
        true neighbour; ``exact=True`` skips the index).

        Args:
            query: a point index (int), a label (a value of the ``label_by`` column, which
                must name exactly one point), a vector of the embedding's dimension, or a
                text that is no point's label, which the embedding's encoder turns into a
                vector. An index or label leaves that point itself out of the result.
            k: how many neighbours; more than there are points gives all of them.
            metric: "cosine" (distance 1 - cosine similarity, plus the angle in degrees)
                or "euclidean".
            encode: True encodes ``query`` even when it is a label; False never encodes;
                None (default) encodes a text that is no point's label when there is an
                encoder.
            exact: True: exact neighbours even when an index was built.
            where: a SQL filter on the metadata columns (``"lang = 'en'"``), run by Lance:
                the embedding must be stored in Lance or have an index built.

        Returns:
            A DataFrame with columns ``index``, ``label``, ``distance`` and ``angle``
            (degrees; NaN for euclidean), ties in distance ordered by index. Its ``attrs``
            say ``metric``, ``space`` ("original" or "spherized", see ``spherize``) and
            ``found_by`` ("exact" or "approximate (IVF-PQ, refined)").
            Once points are isolated, only the points shown are searched.
        """
        return self._finder.neighbors(query, k, metric, encode=encode, exact=exact, where=where)

    def build_index(
        self, num_partitions: int | None = None, num_sub_vectors: int | None = None, *,
        folder: Any = None, metric: str = "cosine", nprobes: int = 20, refine_factor: int = 70,
        embedding: str | None = None,
        on_progress: Callable[[str, float | None], object] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Build a Lance IVF-PQ index of an embedding (default: the current one); its
        neighbour lists then come from the index, re-ranked with exact distances, and say
        "approximate (IVF-PQ, refined)". Meant for millions of points that are not in
        memory, where an exact query reads every vector.

        Args:
            num_partitions: IVF partitions (default about sqrt(N)).
            num_sub_vectors: PQ sub-vectors, dividing the dimension (default D / 8).
            folder: a new folder to write the vectors (and scalar metadata, for ``where=``)
                to as a Lance dataset; needed unless the embedding is stored in Lance,
                which is indexed in place.
            metric: the metric the index serves ("cosine" or "euclidean"); queries in the
                other metric, in the spherized space or over isolated points are exact.
            nprobes: partitions searched per query.
            refine_factor: Lance re-ranks ``refine_factor * k`` candidates exactly.
            on_progress: ``on_progress(message, fraction)`` for each block written, and
                when the index build starts and ends.

        Returns:
            ``{embedding, kind, uri, metric, points}``.
        """
        return self._inspector.indexes.build(
            embedding, folder=folder, metric=metric, num_partitions=num_partitions,
            num_sub_vectors=num_sub_vectors, nprobes=nprobes, refine_factor=refine_factor,
            on_progress=on_progress,
        )  # fmt: skip

    @property
    def isolated(self) -> np.ndarray | None:
        """Indices of the points shown after :meth:`isolate`, or None when all are shown."""
        rows = self._view.isolated
        return None if rows is None else rows.copy()

    def isolate(self, indices: Any = None) -> np.ndarray:
        """Show only ``indices`` (default: the selection) and rerun the projection on them.

        The selection keeps those of its points that are shown (isolating a clicked point's
        neighbourhood keeps it and its neighbours selected); indices never change, so labels,
        colours, images and neighbour lists stay right. Returns the sorted indices shown.

        Raises:
            ValueError: nothing to isolate, or the current projection cannot run on these
                points (e.g. t-SNE's perplexity needs more of them); nothing changes then.
        """
        return self._inspector.isolate(indices)

    def show_all(self) -> None:
        """Undo :meth:`isolate`: show every point and rerun the projection on all of them."""
        self._inspector.show_all()

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

    def show_points(self, indices: Any) -> np.ndarray:
        """Draw the points ``indices`` (e.g. a neighbour list's) if they are not drawn:
        they are swapped in for drawn points that are neither wanted nor selected, so the
        budget holds (the inspector's "Show these" does the same). Points not shown
        (isolated away) are left out. Returns :attr:`drawn`."""
        return self._inspector.show_points(indices)

    # ---------------------------------------------------------------- projections

    def project(self, method: str = "pca", **params: Any) -> Job:
        """Compute and show a projection of the current embedding (on the isolated points
        only, while some are isolated).

        - ``p.project("pca", components=(1, 2))``: components numbered from 1, as in the
          panel; two give 2D, three give 3D. Immediate.
        - ``p.project("tsne", dims=2, perplexity=30, learning_rate="auto", n_iter=750,
          seed=0)``: animated; runs in the background.
        - ``p.project("umap", dims=2, n_neighbors=15, min_dist=0.1, seed=None)``: background;
          needs the ``umap`` extra. Without a seed it runs on every core and is not
          reproducible (``p.projection["note"]`` says so); a seed makes it reproducible, on
          one core.
        - ``p.project("custom", left="bad", right="good", down=None, up=None,
          column=None, regex=False)``: x from Left to Right (centroid difference in the
          original space), y from Down to Up. The axes come from all points, also while
          some are isolated; the points shown are laid out. Immediate.

        A newer call supersedes a running one (without waiting for it). Parameter errors
        raise here, at once.

        Returns:
            A :class:`~nbprojector.jobs.Job`: ``.wait()`` blocks until the layout is shown
            and raises the run's error if it failed; ``.cancel()``, ``.pause()``,
            ``.resume()``; ``.state``.
        """
        return self._projections.project(method, params)

    def cancel_projection(self) -> None:
        """Stop the running projection; the layout before it is put back."""
        self._projections.cancel()

    # ---------------------------------------------------------------- trust

    def fidelity(self, k: int | None = None, metric: str | None = None) -> pd.Series:
        """How faithful the layout shown is, point by point: the share of each point's ``k``
        nearest neighbours in the original space (``metric``, spherized when ``spherize``
        is on) that are also among its ``k`` nearest in the layout (euclidean). ``k`` and
        ``metric`` default to the view's ``fidelity_k`` (15) and ``metric`` (cosine).

        1 means the map keeps the point's neighbourhood, 0 that none of it is left; a
        random map scores about k / (N - 1) (``attrs["chance"]``). Above 200,000 points
        only a fixed sample of anchor points is scored and the others are NaN
        (``attrs["sampled"]``). Exact; takes a pass over the vectors per point scored.

        Returns:
            A float32 Series indexed by point (the points the layout was computed on).
            Its ``attrs`` and ``projection["fidelity"]`` hold ``k``, ``mean`` (Q_NX(k)),
            ``chance``, ``anchors``, ``sampled``, ``metric`` and ``space``.
        """
        return self._trust.fidelity(
            self.fidelity_k if k is None else k, self.metric if metric is None else metric
        )

    def compare(
        self, a: str, b: str, k: int | None = None, metric: str | None = None
    ) -> pd.DataFrame:
        """How much each point's ``k`` nearest neighbours differ between embeddings ``a``
        and ``b`` of the same points (each searched in its own space, with ``metric``,
        spherized when ``spherize`` is on). ``k`` and ``metric`` default to the view's
        ``compare_k`` (10) and ``metric`` (cosine).

        Returns:
            A DataFrame with ``index``, ``label``, ``change`` (1 - Jaccard of the two
            neighbour sets: 0 same, 1 nothing shared), ``kept`` (in both), ``gained``
            (only in ``b``) and ``lost`` (only in ``a``), most changed first. Once points
            are isolated, only they are compared.
        """
        return self._trust.compare(
            a, b, self.compare_k if k is None else k, self.metric if metric is None else metric
        )

    # ---------------------------------------------------------------- timeline

    def play_embeddings(self, names: list[str] | None = None, seconds: float = 2.0) -> Playback:
        """Show the embeddings one after another, as the timeline's play button does.

        Args:
            names: the embeddings, in the order to show them (default: all, in order).
            seconds: how long each stays before the next (more than 0, at most 3600).

        Returns:
            A :class:`~nbprojector.widget.timeline.Playback` at once (the steps run in the
            background): ``.wait()`` blocks until the last is shown, ``.stop()`` ends it,
            ``.shown`` lists those shown. A new call stops the playback before it.

        Raises:
            ValueError: an unknown name, no names, or seconds out of range.
        """
        return self._timeline.play(names, seconds)

    # ---------------------------------------------------------------- bookmarks

    def add_bookmark(self, name: str | None = None) -> dict[str, Any]:
        """Save the current view (projection and its coordinates, camera, selection,
        isolation, spherize, colour and label choices, sizes, images or dots) as a bookmark.

        Args:
            name: defaults to "State n". Names are unique: an existing name gets " (2)".

        Returns:
            The new bookmark's summary (as in :attr:`bookmarks`).
        """
        return self._bookmarks.add(name)

    def restore_bookmark(self, which: str | int) -> dict[str, Any]:
        """Put a bookmark's view back exactly (by name, or by position in the list). All
        or nothing: if any part cannot be applied, the view stays as it was."""
        return self._bookmarks.restore(which)

    def rename_bookmark(self, which: str | int, name: str) -> None:
        """Give a bookmark a new (unique, non-empty) name."""
        self._bookmarks.rename(which, name)

    def delete_bookmark(self, which: str | int) -> None:
        """Remove a bookmark."""
        self._bookmarks.delete(which)

    def save_bookmarks(self, path: str | os.PathLike[str]) -> None:
        """Write every bookmark to ``path`` (JSON; see :mod:`nbprojector.bookmarks`).

        The write is atomic: if it fails, the file that was there is left as it was.
        """
        self._bookmarks.save(path)

    def load_bookmarks(self, path: str | os.PathLike[str], *, replace: bool = False) -> list[str]:
        """Add the bookmarks of a file (ours, or TensorBoard's), after those already there.

        A corrupt file, or one made for data of another size, raises
        :class:`~nbprojector.bookmarks.BookmarkError` and the bookmarks already there are
        kept. Returns the names added.
        """
        return self._bookmarks.load(path, replace)

    # ---------------------------------------------------------------- files and pictures

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

    def to_logdir(self, path: str | Path, **kwargs: Any) -> Path:
        """Write every embedding, the metadata and the images as a log dir TensorBoard's
        projector opens; see ``nbprojector.tensorboard.write_logdir`` for the options.
        Above the draw budget only the drawn points are written (renumbered in order), with
        a warning that says so."""
        return self._exports.to_logdir(path, kwargs)

    def to_html(
        self,
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

    def export_record(self) -> export.ExportRecord:
        """What the offline export is made of, read from the widget now."""
        return self._exports.record()

    def save_png(
        self, path: str | Path, scale: float = 2.0, *, timeout: float = DEFAULT_TIMEOUT
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
