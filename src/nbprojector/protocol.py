"""The protocol between the page and Python: its one definition, for both languages.

The page sends ``{"id", "kind", "payload"}`` (+ binary buffers); Python always answers with
``{"id", "ok": true, "result"}`` (+ buffers) or ``{"id", "ok": false, "error"}``, also when
the request itself is malformed, so no promise on the page waits forever. Python also sends
the page a few commands of its own (``{"command": ...}``, listed in :data:`COMMANDS`).

Each request kind has a payload type and a result type (TypedDicts, in :mod:`.protocol_types`)
and the binary buffers that travel with it (:data:`PROTOCOL`). :func:`parse_request` checks a
message against them before any handler runs, and says which field is wrong, what it got and
what it expects. The TypeScript types of the page (``js/src/protocolTypes.ts``) are generated
from this table, :mod:`.protocol_types` and :mod:`.trait_types` (the JSON traits the page
reads) by ``scripts/protocol_ts.py``; a test fails when they differ. Values are checked
against these types by :mod:`.typed_json`.

Values whose range depends on the data (a point index, a texture size limit) are checked by
the handler that knows the data (:func:`payload_int`).
"""

from dataclasses import dataclass
from typing import Any, Literal

from . import typed_json
from .protocol_types import (
    METHODS,
    METRICS,
    AnnotatePayload,
    AnnotateResult,
    AtlasPayload,
    AtlasResult,
    BookmarkPayload,
    BookmarkResult,
    CancelPayload,
    ClusterPayload,
    ClusterResult,
    CountPayload,
    CountResult,
    EditPayload,
    EmptyPayload,
    EmptyResult,
    FidelityPointPayload,
    FidelityPointResult,
    FindPayload,
    FindResult,
    IsolatePayload,
    IsolateResult,
    JobStateResult,
    NeighborsPayload,
    NeighborsResult,
    ProjectPayload,
    ProjectResult,
    RowPayload,
    RowResult,
    SearchPayload,
    SearchResult,
    ShowPointsResult,
    SnapshotCommand,
    SnapshotPayload,
    SnapshotResult,
)

#: A JSON value (the command fields the protocol leaves open).
Json = Any

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
