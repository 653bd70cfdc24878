"""The protocol between the page and Python: its one definition, for both languages.

The page sends ``{"id", "kind", "payload"}`` (+ binary buffers); Python always answers with
``{"id", "ok": true, "result"}`` (+ buffers) or ``{"id", "ok": false, "error"}``, also when
the request itself is malformed, so no promise on the page waits forever. Python also sends
the page a few commands of its own (``{"command": ...}``, listed in :data:`COMMANDS`).

Each request kind has a payload type and a result type (TypedDicts) and the binary buffers
that travel with it (:data:`PROTOCOL`). :func:`parse_request` checks a message against them
before any handler runs, and says which field is wrong, what it got and what it expects.
The TypeScript types of the page (``js/src/protocolTypes.ts``) are generated from this module
and :mod:`.trait_types` (the JSON traits the page reads) by ``scripts/protocol_ts.py``; a test
fails when they differ. Values are checked against these types by :mod:`.typed_json`.

Values whose range depends on the data (a point index, a texture size limit) are checked by
the handler that knows the data (:func:`payload_int`).
"""

import sys
import typing
from dataclasses import dataclass
from typing import Any, Literal

from . import typed_json
from .trait_types import Undrawn

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - Python 3.10: TypedDict that understands NotRequired
    from typing_extensions import NotRequired, TypedDict

#: A JSON value (the payload fields the protocol leaves open).
Json = Any

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


# ------------------------------------------------------------------ buffers and kinds


@dataclass(frozen=True)
class Buffer:
    """One binary buffer travelling with a message."""

    name: str
    dtype: Literal["uint8", "uint32", "float32"]
    optional: bool = False


@dataclass(frozen=True)
class Kind:
    """One kind of request: what the page sends and what Python answers."""

    payload: Any  # a TypedDict, or a Union of TypedDicts told apart by a Literal field
    result: Any
    doc: str
    buffers_in: tuple[Buffer, ...] = ()
    buffers_out: tuple[Buffer, ...] = ()


#: Every request kind the page may send, in one table.
PROTOCOL: dict[str, Kind] = {
    "project": Kind(ProjectPayload, ProjectResult, "run a projection and show it"),
    "cancel": Kind(CancelPayload, JobStateResult, "stop the running projection"),
    "pause": Kind(EmptyPayload, JobStateResult, "pause the running projection"),
    "resume": Kind(EmptyPayload, JobStateResult, "resume the paused projection"),
    "row": Kind(RowPayload, RowResult, "one point's metadata row"),
    "labels": Kind(EmptyPayload, EmptyResult, "the first frame is drawn: send the labels"),
    "count": Kind(CountPayload, CountResult, "how many of all points a query matches"),
    "search": Kind(
        SearchPayload, SearchResult, "select the shown points a query matches",
        buffers_out=(Buffer("listed", "uint32"),),
    ),
    "neighbors": Kind(
        NeighborsPayload, NeighborsResult, "a point's nearest neighbours, nearest first",
        buffers_out=(Buffer("indices", "uint32"), Buffer("distances", "float32"),
                     Buffer("angles", "float32", optional=True)),
    ),
    "isolate": Kind(
        IsolatePayload, IsolateResult, "show only some points, or all again",
        buffers_in=(Buffer("indices", "uint32", optional=True),),
    ),
    "show_points": Kind(
        EmptyPayload, ShowPointsResult, "draw these points (swapped in within the draw budget)",
        buffers_in=(Buffer("indices", "uint32", optional=True),),
    ),
    "bookmark": Kind(
        BookmarkPayload, BookmarkResult, "the bookmarks panel's actions",
        buffers_in=(Buffer("file", "uint8", optional=True),),
    ),
    "snapshot": Kind(
        SnapshotPayload, SnapshotResult, "the PNG the snapshot command asked for",
        buffers_in=(Buffer("png", "uint8", optional=True),),
    ),
    "atlas": Kind(AtlasPayload, AtlasResult, "rebuild the image atlases for a texture limit"),
    "fidelity_point": Kind(
        FidelityPointPayload, FidelityPointResult,
        "how well the map shown keeps one point's nearest neighbours",
    ),
    "find": Kind(FindPayload, FindResult, "search by meaning with the embedding's encoder"),
    "cluster": Kind(ClusterPayload, ClusterResult, "cluster the points shown and name them"),
    "annotate": Kind(AnnotatePayload, AnnotateResult, "label the selected points in a column"),
    "edit": Kind(EditPayload, EmptyResult, "undo or redo the last edit of the metadata"),
}  # fmt: skip

#: Request kind -> its payload type.
REQUESTS: dict[str, Any] = {kind: spec.payload for kind, spec in PROTOCOL.items()}
KINDS: tuple[str, ...] = tuple(PROTOCOL)

# ------------------------------------------------------------------ Python -> page commands


class SnapshotCommand(TypedDict):
    """Draw the view at ``scale`` x the screen's resolution and answer a ``snapshot`` request
    with the PNG and this token (every view answers; Python keeps the first answer)."""

    command: Literal["snapshot"]
    token: str
    scale: float


#: Command name -> its message type.
COMMANDS: dict[str, Any] = {"snapshot": SnapshotCommand}


def command(name: str, **fields: Json) -> dict[str, Any]:
    """A command message for the page, checked against :data:`COMMANDS`."""
    if name not in COMMANDS:
        raise ProtocolError(f"unknown command {name!r}; known commands: {', '.join(COMMANDS)}")
    message = {"command": name, **fields}
    return check(message, COMMANDS[name], f"the {name!r} command")


# ------------------------------------------------------------------ requests and replies


class ProtocolError(ValueError):
    """A message from the page that does not follow the protocol."""


@dataclass(frozen=True)
class Request:
    """A parsed request from the page: its payload has been checked against its kind."""

    id: int | str
    kind: str
    payload: dict[str, Any]


def parse_request(content: Any) -> Request:
    """Check a message and its payload; raise :class:`ProtocolError` saying what is wrong."""
    if not isinstance(content, dict):
        raise ProtocolError(f"a request must be an object, got {typed_json.shown(content)}")
    request_id = content.get("id")
    if not isinstance(request_id, (int, str)) or isinstance(request_id, bool):
        raise ProtocolError("a request needs an integer or string 'id'")
    kind = content.get("kind")
    if not isinstance(kind, str) or kind not in PROTOCOL:
        raise ProtocolError(f"unknown request kind {kind!r}; known kinds: {', '.join(KINDS)}")
    payload = content.get("payload", {})
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        got = typed_json.shown(payload)
        raise ProtocolError(f"the payload of {kind!r} must be an object, got {got}")
    return Request(request_id, kind, check(payload, PROTOCOL[kind].payload, f"a {kind!r} request"))


def check(value: dict[str, Any], schema: Any, where: str) -> dict[str, Any]:
    """``value`` checked against a payload or command type (see :mod:`.typed_json`)."""
    try:
        return typed_json.check(value, schema, where)
    except typed_json.SchemaError as err:
        raise ProtocolError(str(err)) from None


def ok(request_id: int | str | None, result: Any = None) -> dict[str, Any]:
    """A successful reply."""
    return {"id": request_id, "ok": True, "result": result}


def error(request_id: int | str | None, message: str) -> dict[str, Any]:
    """A failed reply; ``message`` is shown in the widget as is."""
    return {"id": request_id, "ok": False, "error": message}


def payload_int(
    payload: dict[str, Any], key: str, lo: int, hi: int, default: int | None = None
) -> int:
    """An integer field of a payload, checked against [lo, hi]."""
    value = payload.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"{key!r} must be an integer, got {typed_json.shown(value)}")
    if not lo <= value <= hi:
        raise ProtocolError(f"{key!r} must be between {lo} and {hi}, got {value}")
    return value


__all__ = [
    "COMMANDS",
    "KINDS",
    "METHODS",
    "METRICS",
    "PROTOCOL",
    "REQUESTS",
    "Buffer",
    "Kind",
    "ProtocolError",
    "Request",
    "check",
    "command",
    "error",
    "ok",
    "parse_request",
    "payload_int",
]
