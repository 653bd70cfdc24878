"""The page's requests: which kinds exist and which component answers each.

The page sends ``{"id", "kind", "payload"}`` (+ binary buffers); :class:`Requests` checks
the message with :func:`nbprojector.protocol.parse_request` (the one place payloads are
validated against the protocol), runs the handler registered for its kind, and always
answers once: ``{"id", "ok": true, "result"}`` (+ buffers) or ``{"id", "ok": false,
"error"}``, also when the request is malformed or the handler fails, so no promise on the
page waits forever. The registry is :func:`handlers`: read it to see where a kind is
handled. The Python -> page messages are in ``protocol.COMMANDS``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import traitlets as t

from .. import protocol
from .annotations import Annotations
from .bookmark_list import BookmarkList
from .cluster_names import ClusterNames
from .finder import Finder
from .images import Images
from .inspector import Inspector
from .projections import Projections
from .snapshot import Snapshots
from .trust import Trust

log = logging.getLogger(__name__)

#: What a handler returns: a JSON result, or a result and the binary buffers that go with it.
Reply = dict[str, Any] | tuple[dict[str, Any], list[bytes]]
#: A handler: (payload, buffers) -> reply. Raising sends an error reply with the message.
Handler = Callable[[dict[str, Any], list[bytes]], Reply]
#: Sends a reply to the page: (content, buffers).
Send = Callable[[dict[str, Any], "list[bytes] | None"], None]

#: Errors a person can fix (bad input): answered without a traceback in the log.
_EXPECTED = (ValueError, KeyError, IndexError, t.TraitError)


def handlers(
    projections: Projections,
    inspector: Inspector,
    bookmarks: BookmarkList,
    images: Images,
    snapshots: Snapshots,
    trust: Trust,
    finder: Finder,
    cluster_names: ClusterNames,
    annotations: Annotations,
) -> dict[str, Handler]:
    """Every request kind the page may send, and the method that answers it."""
    return {
        "project": projections.handle_project,  # run a projection: {method, params}
        "cancel": projections.handle_cancel,  # stop it: {keep?} keeps the layout reached
        "pause": projections.handle_pause,  # pause it (t-SNE)
        "resume": projections.handle_resume,  # resume it
        "count": projections.handle_count,  # how many points a custom-panel query matches
        "row": inspector.handle_row,  # one point's metadata row: {index}
        "labels": inspector.handle_labels,  # first frame drawn: send the labels now
        "search": inspector.handle_search,  # {query, column, regex} -> count, first matches
        "neighbors": inspector.handle_neighbors,  # {index, k, metric, spherize?}
        "isolate": inspector.handle_isolate,  # uint32 indices buffer, or {show_all: true}
        "show_points": inspector.handle_show_points,  # uint32 indices: draw these too
        "bookmark": bookmarks.handle,  # {action: add | restore | rename | delete | load}
        "snapshot": snapshots.handle,  # {token, width, height} + the PNG for save_png
        "atlas": images.handle_atlas,  # {max_texture_size}: the page's WebGL limit
        "fidelity_point": trust.handle_fidelity_point,  # {index, k?}: the card's fidelity
        "find": finder.handle_find,  # {query, k?, metric?}: search by meaning, in a job
        "cluster": cluster_names.handle,  # {action: run | rename}: clusters named on the map
        "annotate": annotations.handle_annotate,  # {column, value}: label the selection
        "edit": annotations.handle_edit,  # {action: undo | redo}: the table's edits
    }


class Requests:
    """Answers the page's requests with the registered handlers."""

    def __init__(self, registry: Mapping[str, Handler], send: Send) -> None:
        #: kind -> handler (a dict: tests may wrap one handler to slow it down).
        self.handlers = dict(registry)
        self._send = send

    def handle(self, content: Any, buffers: list[Any]) -> None:
        """Answer one message from the page, exactly once."""
        request_id = content.get("id") if isinstance(content, dict) else None
        try:
            request = protocol.parse_request(content)
            handler = self.handlers.get(request.kind)
            if handler is None:
                raise protocol.ProtocolError(f"requests of kind {request.kind!r} are not served")
            reply = handler(dict(request.payload), [bytes(b) for b in buffers])
        except Exception as err:  # every request gets an answer, failures included
            if not isinstance(err, _EXPECTED):
                log.exception("request failed")
            self._send(protocol.error(request_id, _message(err)), None)
            return
        result, reply_buffers = reply if isinstance(reply, tuple) else (reply, None)
        self._send(protocol.ok(request_id, result), reply_buffers)


def _message(err: Exception) -> str:
    if isinstance(err, KeyError) and err.args:
        return str(err.args[0])
    return str(err) or type(err).__name__
