"""The request / reply protocol between the page and Python (mirrored by js/src/protocol.ts).

The page sends ``{"id", "kind", "payload"}`` (+ binary buffers); Python always answers with
``{"id", "ok": true, "result"}`` (+ buffers) or ``{"id", "ok": false, "error"}``, also when
the request itself is malformed, so no promise on the page waits forever.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Every kind of request the page may send. Kept in step with js/src/protocol.ts.
KINDS = (
    "project",  # run a projection: {method, params}
    "cancel",  # stop the running projection
    "pause",  # pause the running projection (t-SNE)
    "resume",  # resume it
    "row",  # one point's metadata row: {index}
    "count",  # how many points a query matches: {column, query, regex}
    "search",  # {query, column, regex} -> {count}, the first 100 matches as uint32
    "neighbors",  # {index, k, metric, spherize?} -> uint32 indices, float32 distances (+ angles)
    "isolate",  # {} + uint32 indices buffer (or none: the selection); {show_all: true}
    "bookmark",  # {action, ...}
    "snapshot",  # {token, width, height} + the PNG: the answer to p.save_png
    "atlas",  # {max_texture_size}: the page's WebGL limit; atlases rebuilt to fit it
)


class ProtocolError(ValueError):
    """A message from the page that does not follow the protocol."""


@dataclass(frozen=True)
class Request:
    """A parsed request from the page."""

    id: int | str | None
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)


def parse_request(content: Any) -> Request:
    """Check a message's shape; raise :class:`ProtocolError` saying what is wrong."""
    if not isinstance(content, dict):
        raise ProtocolError(f"a request must be an object, got {type(content).__name__}")
    request_id = content.get("id")
    if not isinstance(request_id, (int, str)) or isinstance(request_id, bool):
        raise ProtocolError("a request needs an integer or string 'id'")
    kind = content.get("kind")
    if kind not in KINDS:
        raise ProtocolError(f"unknown request kind {kind!r}; known kinds: {', '.join(KINDS)}")
    payload = content.get("payload", {})
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise ProtocolError(f"the payload of {kind!r} must be an object")
    return Request(request_id, kind, payload)


def ok(request_id: int | str | None, result: Any = None) -> dict[str, Any]:
    """A successful reply."""
    return {"id": request_id, "ok": True, "result": result}


def error(request_id: int | str | None, message: str) -> dict[str, Any]:
    """A failed reply; ``message`` is shown in the widget as is."""
    return {"id": request_id, "ok": False, "error": message}


def payload_int(payload: dict[str, Any], key: str, lo: int, hi: int, default: int | None = None):
    """An integer field of a payload, checked against [lo, hi]."""
    value = payload.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"{key!r} must be an integer, got {value!r}")
    if not lo <= value <= hi:
        raise ProtocolError(f"{key!r} must be between {lo} and {hi}, got {value}")
    return value
