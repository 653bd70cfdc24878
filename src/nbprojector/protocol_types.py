"""The shapes of the messages between the page and Python: each request kind's payload and
result, and the commands Python sends the page, as TypedDicts.

:mod:`.protocol` ties them to the request kinds (which payload, which result, which binary
buffers) and checks messages against them. ``scripts/protocol_ts.py`` writes them, with their
``#:`` field notes and docstrings, into the page's TypeScript (``js/src/protocolTypes.ts``):
a change here is a change on the wire, made on both sides at once.
"""

import sys
import typing
from typing import Literal

from .trait_types import Undrawn

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - Python 3.10: TypedDict that understands NotRequired
    from typing_extensions import NotRequired, TypedDict

Method = Literal["pca", "tsne", "umap", "custom"]
Metric = Literal["cosine", "euclidean"]
Dims = Literal[2, 3]
#: What a metadata cell becomes on the wire (missing values are null).
Cell = str | int | float | bool | None

METHODS: tuple[str, ...] = typing.get_args(Method)
METRICS: tuple[str, ...] = typing.get_args(Metric)

# ------------------------------------------------------------------ projection parameters
# What the projections panel sends as ``params`` for each method. Python callers of
# ``Projector.project`` may pass more (they are checked there); the page sends these.


class PcaParams(TypedDict):
    #: Principal components shown as x, y (and z), numbered from 1.
    components: NotRequired[list[int]]


class TsneParams(TypedDict):
    dims: NotRequired[Dims]
    n_components: NotRequired[Dims]
    perplexity: NotRequired[float]
    learning_rate: NotRequired[float | Literal["auto"]]
    n_iter: NotRequired[int]
    seed: NotRequired[int]


class UmapParams(TypedDict):
    dims: NotRequired[Dims]
    n_components: NotRequired[Dims]
    n_neighbors: NotRequired[int]
    min_dist: NotRequired[float]
    seed: NotRequired[int]


class CustomParams(TypedDict):
    #: The column searched; empty means the label column.
    column: NotRequired[str]
    regex: NotRequired[bool]
    left: NotRequired[str | None]
    right: NotRequired[str | None]
    down: NotRequired[str | None]
    up: NotRequired[str | None]


# ------------------------------------------------------------------ request payloads


class PcaProject(TypedDict):
    method: NotRequired[Literal["pca"]]  # the method when none is named
    params: NotRequired[PcaParams]


class TsneProject(TypedDict):
    method: Literal["tsne"]
    params: NotRequired[TsneParams]


class UmapProject(TypedDict):
    method: Literal["umap"]
    params: NotRequired[UmapParams]


class CustomProject(TypedDict):
    method: Literal["custom"]
    params: NotRequired[CustomParams]


#: Run a projection; the one of each method is told apart by ``method``.
ProjectPayload = PcaProject | TsneProject | UmapProject | CustomProject


class CancelPayload(TypedDict):
    #: Stop here and keep the layout reached (else the previous layout comes back).
    keep: NotRequired[bool]


class EmptyPayload(TypedDict):
    pass


class RowPayload(TypedDict):
    index: int


class FidelityPointPayload(TypedDict):
    index: int
    #: Neighbours compared (default 15).
    k: NotRequired[int]


class CountPayload(TypedDict):
    #: The column searched; empty means the label column.
    column: NotRequired[str | None]
    query: str
    regex: NotRequired[bool]


class SearchPayload(TypedDict):
    query: str
    #: The column searched; empty or null means the label column.
    column: NotRequired[str | None]
    regex: NotRequired[bool]


class NeighborsPayload(TypedDict):
    index: int
    k: NotRequired[int]
    metric: NotRequired[Metric]
    #: The space the page shows (its toggle may be ahead of the trait); null: the trait's.
    spherize: NotRequired[bool | None]


class FindPayload(TypedDict):
    """Search by meaning: encode ``query`` with the embedding's encoder (an empty query
    clears the last search). The answer comes at once; the ``find`` trait says the rest."""

    query: str
    k: NotRequired[int]
    metric: NotRequired[Metric]


class IsolatePayload(TypedDict):
    #: Show every point again; otherwise isolate the indices in buffer 0 (or the selection).
    show_all: NotRequired[bool]


class AddBookmark(TypedDict):
    action: Literal["add"]
    #: null or absent: a name is made up.
    name: NotRequired[str | None]


class RestoreBookmark(TypedDict):
    action: Literal["restore"]
    #: The bookmark: its position in the list or its name.
    which: int | str


class RenameBookmark(TypedDict):
    action: Literal["rename"]
    which: int | str
    name: str


class DeleteBookmark(TypedDict):
    action: Literal["delete"]
    which: int | str


class LoadBookmarks(TypedDict):
    """Add the bookmarks of a file (its bytes in buffer 0)."""

    action: Literal["load"]


#: The bookmarks panel's actions, told apart by ``action``.
BookmarkPayload = AddBookmark | RestoreBookmark | RenameBookmark | DeleteBookmark | LoadBookmarks


class RunClustering(TypedDict):
    """Cluster the points shown in the background; the ``clustering`` trait says the rest."""

    action: Literal["run"]
    #: The metadata column that names the clusters (default: the labels shown).
    column: NotRequired[str]
    space: NotRequired[Literal["layout", "original"]]


class RenameCluster(TypedDict):
    action: Literal["rename"]
    id: int
    name: str


#: The Clusters button and a cluster's name edited on the map, told apart by ``action``.
ClusterPayload = RunClustering | RenameCluster


class AnnotatePayload(TypedDict):
    """"Label selection as": every selected point gets ``value`` in ``column`` (made when
    missing). The page sends text; a column of numbers takes it as a number; null clears."""

    column: str
    value: str | None


class EditPayload(TypedDict):
    """The undo / redo buttons and keys."""

    action: Literal["undo", "redo"]


class SnapshotPayload(TypedDict):
    """The page's answer to the ``snapshot`` command: the PNG in buffer 0, or an error."""

    token: str
    width: NotRequired[int]
    height: NotRequired[int]
    error: NotRequired[str]


class AtlasPayload(TypedDict):
    #: The page's WebGL MAX_TEXTURE_SIZE: atlases larger than it are rebuilt to fit.
    max_texture_size: int


# ------------------------------------------------------------------ reply results


class ProjectResult(TypedDict):
    method: str
    state: str | None


class JobStateResult(TypedDict):
    #: The running job's state after the request, null when no job ever ran.
    state: str | None


class RowResult(TypedDict):
    index: int
    row: dict[str, Cell]


class CountResult(TypedDict):
    count: int
    #: The number of points searched: all of them, also while some are isolated.
    of: int


class SearchResult(TypedDict):
    count: int
    #: How many of the matches are in buffer 0 (the first ones).
    listed: int
    column: str
    #: The listed matches not drawn.
    undrawn: Undrawn


class NeighborsResult(TypedDict):
    index: int
    count: int
    metric: Metric
    space: Literal["original", "spherized"]
    #: Whether buffer 2 holds the angles (cosine only).
    angles: bool
    #: The neighbours not drawn.
    undrawn: Undrawn
    #: How the list was found: "exact", or an approximate index's name, e.g.
    #: "approximate (IVF-PQ, refined)" (its distances are exact, its points may miss some).
    found_by: str


class FidelityPointResult(TypedDict):
    index: int
    k: int
    #: Share of its k nearest in the original space also among its k nearest in the map.
    fidelity: float
    #: Its k nearest in the original space that are (near) and are not (far) in the map's k.
    near: list[int]
    far: list[int]
    metric: Metric
    space: Literal["original", "spherized"]


class FindResult(TypedDict):
    #: "running" while the encoder runs in the background; "idle" after a clear.
    state: Literal["running", "idle"]


class ClusterResult(TypedDict):
    #: "running" while a clustering runs in the background; "done" after a rename.
    state: Literal["running", "done"]


class AnnotateResult(TypedDict):
    #: How many points were labelled.
    count: int


class IsolateResult(TypedDict):
    shown: int


class ShowPointsResult(TypedDict):
    #: How many points are drawn now.
    drawn: int


class BookmarkSummary(TypedDict):
    """One bookmark as ``p.bookmarks`` and the panel show it (the reply to add and restore)."""

    name: str
    method: str
    dims: int
    selected: int
    isolated: int | None
    color_by: str


class LoadedBookmarks(TypedDict):
    added: list[str]


class EmptyResult(TypedDict):
    pass


#: add and restore answer the bookmark's summary, load the names added, rename / delete {}.
BookmarkResult = BookmarkSummary | LoadedBookmarks | EmptyResult


class SnapshotResult(TypedDict):
    #: False when another view answered first or the page reported an error.
    used: bool
    path: NotRequired[str]
    bytes: NotRequired[int]


class AtlasResult(TypedDict):
    max_texture_size: int
    atlases: int


# ------------------------------------------------------------------ Python -> page commands


class SnapshotCommand(TypedDict):
    """Draw the view at ``scale`` x the screen's resolution and answer a ``snapshot`` request
    with the PNG and this token (every view answers; Python keeps the first answer)."""

    command: Literal["snapshot"]
    token: str
    scale: float

