"""Offline HTML export: ``p.to_html(path)`` writes ONE file that opens from disk with
no network and no kernel.

The file carries, inline:

* the widget's front end: the same ES module the notebook runs (``static/widget.js``, loaded
  from a ``blob:`` URL) and its stylesheet, so the page draws exactly what the notebook does;
* the widget's synced state (every trait; binary traits as base64 at the paths ipywidgets
  would send them as buffers): layout, colours, labels, images, selection, camera, theme,
  bookmarks;
* what the page needs to answer the requests Python answers in a notebook
  (``static/standalone.js``, from ``js/src/standalone.ts``): every metadata column as text
  (dictionary-encoded: distinct values once, then a small integer per point) for search and
  the metadata card; the float32 vectors for nearest neighbours, computed in the page, when
  N x D is at most ``max_neighbor_floats`` (beyond that the neighbour list says it is not
  available in this export, and why); one ready-made state per bookmark (positions, colours,
  labels, isolation, selection, camera, neighbour distance), so bookmark playback works as in
  the notebook.

Projections (PCA, t-SNE, UMAP, custom), isolation and bookmark edits need Python: the page
says so when asked.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from ipywidgets.widgets.widget import _remove_buffers

from . import strictjson
from ._version import __version__
from .atomic import write_atomic
from .bookmarks import State
from .bundle import bundle_text
from .codec import encode_positions
from .colors import DEFAULT_COLORMAP, color_points
from .compute import METHODS
from .dataset import Dataset
from .layout import normalize_positions, visible_mask
from .search import as_text
from .sources import VectorSource

#: Neighbours are computed in the page when N x D (over every embedding embedded) is at most
#: this many float32 values: 4 million floats are 16 MB of vectors, ~21 MB of base64 in the
#: file, and a query scans them in well under a second. Pass ``max_neighbor_floats`` to change.
MAX_NEIGHBOR_FLOATS = 4_000_000

#: Traits that are the widget machinery, not its state (the bundle travels separately).
_SKIP = {"_esm", "_css", "_anywidget_id", "comm", "layout", "log", "tabbable", "tooltip", "keys",
         "_dom_classes", "_property_lock", "_states_to_send", "_view_count"}  # fmt: skip

#: Bytes of per-point colours embedded for colouring by every column (3 bytes a point a
#: column); beyond it only the columns in use (the current one and the bookmarks') are.
COLORING_BUDGET = 32_000_000

_DATA_ID = "nbprojector-data"


@dataclass(frozen=True)
class ExportRecord:
    """What an export is made of, read from the widget at one moment
    (``Projector.export_record``)."""

    #: The widget's synced state, as ``Widget.get_state()`` gives it (binary traits as bytes).
    synced: dict[str, Any]
    #: The embeddings, metadata and images.
    data: Dataset
    embedding: str
    color_by: str
    label_by: str
    bookmarks: Sequence[State]
    #: The continuous colour map of numeric columns.
    colormap: str = DEFAULT_COLORMAP

    @property
    def n_points(self) -> int:
        return self.data.n_points


def b64(data: bytes | memoryview | np.ndarray) -> str:
    if isinstance(data, np.ndarray):
        data = np.ascontiguousarray(data).tobytes()
    return base64.b64encode(bytes(data)).decode("ascii")


def widget_state(record: ExportRecord) -> dict[str, Any]:
    """The synced state as plain JSON: ``{"state", "buffer_paths", "buffers"}`` where each
    buffer is base64 and its path says where it goes (the layout ipywidgets sends)."""
    state = {k: v for k, v in record.synced.items() if k not in _SKIP}
    progress = state.get("progress") or {}
    if progress.get("state") in ("running", "paused"):
        state["progress"] = {}  # nothing runs in the exported page
    stripped, paths, buffers = _remove_buffers(state)
    return {"state": stripped, "buffer_paths": paths, "buffers": [b64(b) for b in buffers]}


def _codes(codes: np.ndarray, n_values: int) -> dict[str, Any]:
    small = np.uint8 if n_values <= 2**8 else np.uint16 if n_values <= 2**16 else np.uint32
    dtype = np.dtype(small)
    return {"dtype": dtype.name, "data": b64(codes.astype(dtype.newbyteorder("<")))}


def encode_columns(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Every column as the text search and the card show (``search.as_text``: numbers as
    written, ``3.0`` as ``3``), dictionary-encoded: ``values`` (distinct texts) and per point
    ``codes`` (0 = missing, else 1 + the value's position), and the ``type`` the card shows
    a value as."""
    out = []
    for name in table.columns:
        text, missing = as_text(table[name])
        codes, uniques = pd.factorize(text.where(~missing, None), sort=False)
        values = [str(u) for u in uniques]
        codes = _codes(codes + 1, len(values) + 1)
        out.append({"name": str(name), "values": values, "codes": codes,
                    "type": _row_type(table[name])})  # fmt: skip
    return out


def _row_type(values: pd.Series) -> str:
    """What the metadata card gets for a value of this column from Python's ``row`` answer:
    a number, true / false, or the text."""
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_numeric_dtype(values):
        return "number"
    return "text"


def decode_columns(columns: list[dict[str, Any]]) -> dict[str, list[str | None]]:
    """The inverse of :func:`encode_columns` (tests use it)."""
    out = {}
    for column in columns:
        dtype = np.dtype(column["codes"]["dtype"]).newbyteorder("<")
        codes = np.frombuffer(base64.b64decode(column["codes"]["data"]), dtype)
        lookup = [None, *column["values"]]
        out[column["name"]] = [lookup[c] for c in codes]
    return out


def neighbor_vectors(record: ExportRecord, limit: int) -> dict[str, Any]:
    """The vectors for neighbours in the page, or why they are left out."""
    embeddings = record.data.embeddings
    total = sum(int(np.prod(v.shape)) for v in embeddings.values())
    if total > limit:
        n, d = record.data.source(record.embedding).shape
        return {
            "available": False,
            "reason": (
                f"nearest neighbours are not available in this offline export: the data has "
                f"{n:,} x {d:,} = {total:,} values (all embeddings), more than the "
                f"{limit:,} embedded at most (p.to_html(path, max_neighbor_floats=...) embeds "
                "more, in a larger file). In the notebook they work at any size."
            ),
        }
    return {
        "available": True,
        "vectors": {
            name: _vectors_of(record.data.source(name)) for name in record.data.embeddings
        },
    }


def _vectors_of(source: VectorSource) -> dict[str, Any]:
    """An embedding's vectors as little-endian float32 base64, read through its source."""
    data = b"".join(
        np.ascontiguousarray(block, "<f4").tobytes() for _start, block in source.chunks(65_536)
    )
    return {"shape": list(source.shape), "data": b64(data)}


def bookmark_patches(
    record: ExportRecord, *, coloring_budget: int = COLORING_BUDGET
) -> dict[str, Any]:
    """One trait patch per bookmark (what ``restore_bookmark`` would send, computed without
    touching the widget), and the colours for colouring by each column (shared by the
    bookmarks and the page's colour-by menu). Labels are built in the page from the columns.
    """
    table = record.data.table
    n_points = record.n_points
    colorings: dict[str, Any] = {}

    def coloring(column: str) -> None:
        if column not in colorings:
            colored = color_points(table[column] if column else None, record.colormap)
            colorings[column] = {**{name: b64(value) for name, value in colored.traits.items()},
                                 "legend": {**colored.legend, "column": column}}  # fmt: skip

    coloring(record.color_by)
    patches = []
    for state in record.bookmarks:
        known = state.color_by == "" or state.color_by in table.columns
        color_by = state.color_by if known else record.color_by
        label_by = state.label_by if state.label_by in table.columns else record.label_by
        coloring(color_by)
        rows = None if state.isolated is None else state.isolated.astype(np.int64)
        visible = visible_mask(rows, n_points)
        embedding = state.embedding if state.embedding in record.data.embeddings else None
        embedding = embedding or record.embedding
        patches.append({
            "embedding": embedding,
            "n_dims": int(record.data.embeddings[embedding].shape[1]),
            "color_by": color_by,
            "label_by": label_by,
            "spherize": bool(state.spherize),
            "point_size": float(state.point_size),
            "label_size": float(state.label_size),
            "_visible": b64(visible),
            "isolated_count": None if rows is None else len(rows),
            "_selection": b64(state.selection.astype("<u4")),
            "projection": {**state.projection, "dims": int(state.coords.shape[1]),
                           "bookmark": state.name},
            "_positions": b64(encode_positions(normalize_positions(state.coords, rows),
                                               state.coords.shape[1], rows)),
            "camera": dict(state.camera),
        })  # fmt: skip
        # The page finds neighbours itself, by the bookmark's distance (its fidelity and
        # comparison settings need Python: they stay as exported).
        if state.metric is not None:
            patches[-1]["metric"] = state.metric
    others = [str(c) for c in table.columns if str(c) not in colorings]
    result: dict[str, Any] = {"patches": patches, "colorings": colorings}
    if 3 * n_points * (len(colorings) + len(others) + 1) <= coloring_budget:
        for column in ["", *others]:
            coloring(column)
    else:
        result["missing_colorings"] = (
            f"colours are embedded for the columns in use only, as {n_points:,} points "
            f"x {len(table.columns)} columns exceed {coloring_budget / 1e6:g} MB of colours"
        )
    return result


def export_payload(
    record: ExportRecord, *, max_neighbor_floats: int = MAX_NEIGHBOR_FLOATS
) -> dict[str, Any]:
    """Everything the offline page needs besides the scripts (see the module's docs)."""
    offline = "needs the Python kernel; this is an offline export of the view"
    state = widget_state(record)
    state["state"]["methods"] = {m: {"available": False, "message": f"{m}: {offline}"}
                                 for m in METHODS}  # fmt: skip
    return {
        "format": "nbprojector-export",
        "version": 1,
        "nbprojector": __version__,
        "widget": state,
        "columns": encode_columns(record.data.table),
        "neighbors": neighbor_vectors(record, max_neighbor_floats),
        "bookmarks": bookmark_patches(record),
    }


def _json_for_html(value: Any) -> str:
    """JSON safe inside a <script> element: "<" only ever occurs inside JSON strings, where
    \\u003c means the same character."""
    text = strictjson.dumps(value, "the export", separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c")


def _inline_script(code: str, what: str) -> str:
    if re.search(r"</script|<!--", code, re.IGNORECASE):
        raise ValueError(f"{what} contains '</script' or '<!--' and cannot be inlined as is")
    return code


def render_html(record: ExportRecord, *, title: str | None = None, **options: Any) -> str:
    """The export as one HTML document (see :func:`write_html`)."""
    payload = export_payload(record, **options)
    payload["esm"] = bundle_text("widget.js")
    payload["css"] = bundle_text("widget.css")
    standalone = _inline_script(bundle_text("standalone.js"), "static/standalone.js")
    n, d = record.data.source(record.embedding).shape
    title = title or f"nbprojector: {n:,} points"
    made = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    note = (
        f"{n:,} points, {d} dimensions. Offline export made with nbprojector "
        f"{__version__} on {made}."
    )
    return "\n".join([
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing may be fetched: scripts and styles are inline, data is in the page.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'unsafe-inline' blob:; style-src 'unsafe-inline'; img-src data: blob:; "
        "connect-src data: blob:; worker-src blob:\">",
        f"<title>{html.escape(title)}</title>",
        "<style>body{margin:16px;font:13px system-ui,sans-serif}"
        ".nbp-export-note{color:#777;margin:6px 0 0}"
        "@media (prefers-color-scheme:dark){body{background:#161616;color:#ddd}}</style>",
        "</head>",
        "<body>",
        f"<h1 style=\"font-size:16px;margin:0 0 8px\">{html.escape(title)}</h1>",
        '<div id="nbprojector"></div>',
        f'<p class="nbp-export-note">{html.escape(note)}</p>',
        f'<script type="application/json" id="{_DATA_ID}">{_json_for_html(payload)}</script>',
        f'<script type="module">{standalone}</script>',
        "</body>",
        "</html>",
        "",
    ])  # fmt: skip


def write_html(record: ExportRecord, path: str | Path, **options: Any) -> Path:
    """Write the export to ``path`` (see ``Projector.to_html``); returns the path."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"cannot write {path}: the folder {path.parent} does not exist")
    limit = options.get("max_neighbor_floats", MAX_NEIGHBOR_FLOATS)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"max_neighbor_floats must be a whole number >= 0, got {limit!r}")
    return write_atomic(path, render_html(record, **options))
