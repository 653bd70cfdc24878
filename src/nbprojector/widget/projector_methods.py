"""The Projector's methods on the view and its data (annotations, clusters, images, selection,
search and neighbours, isolation, the draw budget, projections, trust, the timeline), each a
few lines handing the work to the component that owns it (see docs/ARCHITECTURE.md for who
owns what).

They are functions of the widget that ``Projector``'s class body binds as its methods
(``search = projector_methods.search``): the class stays one class, and projector.py reads as
its traits, its construction and the state it holds. Properties stay in the class, where type
checkers and editors see their types. The methods that keep or write out the view are in
projector_saving.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..jobs import Job
from .images import thumbnails_from_inputs
from .timeline import Playback

if TYPE_CHECKING:
    from .projector import Projector


# ---------------------------------------------------------------- data


def metadata_rows(self: Projector, indices: Any) -> pd.DataFrame:
    """Every metadata column (those left on disk too) at the points ``indices``,
    indexed by point."""
    rows = np.asarray(indices, dtype=np.int64).reshape(-1)
    return self._inspector.metadata_rows(rows)


# ---------------------------------------------------------------- annotations


def annotate(self: Projector, indices: Any, column: str, value: Any) -> None:
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


def undo(self: Projector) -> None:
    """Take back the last edit of the metadata (every step is kept; ValueError when
    there is nothing to undo)."""
    self._annotations.undo()


def redo(self: Projector) -> None:
    """Make the last undone edit again (until a new edit is made)."""
    self._annotations.redo()


# ---------------------------------------------------------------- clusters


def cluster(
    self: Projector,
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


def rename_cluster(self: Projector, cluster_id: int, name: str) -> None:
    """Rename a cluster: in the ``cluster`` column and on the map (one undo step)."""
    self._cluster_names.rename(cluster_id, name)


# ---------------------------------------------------------------- images


def set_images(
    self: Projector, images: Any, single_image_dim: tuple[int, int] | None = None
) -> None:
    """Give the points images (anything ``Projector(images=...)`` takes), or remove them
    with None. Shows them (``show_images = True``) when given."""
    thumbs = thumbnails_from_inputs(images, single_image_dim, self.n_points)
    self._images.use(thumbs, show=thumbs is not None)


# ---------------------------------------------------------------- selection


def on_selection(self: Projector, callback: Any, *, remove: bool = False) -> None:
    """Call ``callback(indices)`` whenever the selection changes.

    Fires for clicks, regions and searches in the page and for assignments from Python;
    ``indices`` is the new selection (sorted int64). An exception in a callback is shown
    and does not stop the others. ``remove=True`` unregisters ``callback``.
    """
    self._inspector.on_selection(callback, remove)


def selected_metadata(self: Projector) -> pd.DataFrame:
    """The metadata rows of the selected points, indexed by point index."""
    return self._inspector.selected_metadata()


# ---------------------------------------------------------------- inspector


def search(
    self: Projector,
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
    self: Projector, query: Any, k: int = 10, metric: str = "cosine", *, encode: bool | None = None,
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
    self: Projector, num_partitions: int | None = None, num_sub_vectors: int | None = None, *,
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


def isolate(self: Projector, indices: Any = None) -> np.ndarray:
    """Show only ``indices`` (default: the selection) and rerun the projection on them.

    The selection keeps those of its points that are shown (isolating a clicked point's
    neighbourhood keeps it and its neighbours selected); indices never change, so labels,
    colours, images and neighbour lists stay right. Returns the sorted indices shown.

    Raises:
        ValueError: nothing to isolate, or the current projection cannot run on these
            points (e.g. t-SNE's perplexity needs more of them); nothing changes then.
    """
    return self._inspector.isolate(indices)


def show_all(self: Projector) -> None:
    """Undo :meth:`isolate`: show every point and rerun the projection on all of them."""
    self._inspector.show_all()


# ---------------------------------------------------------------- the draw budget


def show_points(self: Projector, indices: Any) -> np.ndarray:
    """Draw the points ``indices`` (e.g. a neighbour list's) if they are not drawn:
    they are swapped in for drawn points that are neither wanted nor selected, so the
    budget holds (the inspector's "Show these" does the same). Points not shown
    (isolated away) are left out. Returns :attr:`drawn`."""
    return self._inspector.show_points(indices)


# ---------------------------------------------------------------- projections


def project(self: Projector, method: str = "pca", **params: Any) -> Job:
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


def cancel_projection(self: Projector) -> None:
    """Stop the running projection; the layout before it is put back."""
    self._projections.cancel()


# ---------------------------------------------------------------- trust


def fidelity(self: Projector, k: int | None = None, metric: str | None = None) -> pd.Series:
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
    self: Projector, a: str, b: str, k: int | None = None, metric: str | None = None
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


def play_embeddings(
    self: Projector, names: list[str] | None = None, seconds: float = 2.0
) -> Playback:
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
