"""Bookmarks: the whole view state as a record, its compact file format, and TensorBoard's.

File format (JSON, ``"format": "nbprojector-bookmarks"``, ``"version": 1``)::

    {"format": "nbprojector-bookmarks", "version": 1, "n_points": N,
     "bookmarks": [{
        "name": "State 1",
        "embedding": "embedding",          # which embedding
        "projection": {...},                # method, params, dims, ... as in p.projection
        "coords": {"dtype": "float16", "shape": [N, 2 or 3], "data": "<base64>"},
        "isolated": null or {"dtype": "uint32", "shape": [M], "data": "<base64>"},
        "selection": {"dtype": "uint32", "shape": [K], "data": "<base64>"},
        "camera": {...}, "spherize": false, "color_by": "...", "label_by": "...",
        "point_size": 4.0, "label_size": 12.0, "image_size": 24.0, "show_images": true,
        "annotations": [{"column": "topic", "kind": "text", "created": true,
                         "groups": [{"value": "refunds", "indices": [3, 17]}]}]}]}

Coordinates are little-endian float16 when they fit (|x| < 60000; 3 significant digits,
plenty for a layout on screen), else float32: a 10,000-point 3D bookmark is ~80 kB of base64,
against 3.6 MB for TensorBoard's per-point JSON objects. Index lists are uint32.

``annotations`` are the metadata table's edits against the data as loaded (see
:mod:`nbprojector.annotations`): per edited column, each value and its rows. Restoring the
bookmark makes the table so (as one undo step); a bookmark without the field (TensorBoard's,
or older files) leaves the table alone.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .annotations import check_net

FORMAT = "nbprojector-bookmarks"
VERSION = 1
_FLOAT16_MAX = 60_000.0


class BookmarkError(ValueError):
    """A bookmark file or record that cannot be used; the message says why."""


@dataclass
class State:
    """Everything needed to put a view back exactly as it was."""

    name: str
    embedding: str
    projection: dict[str, Any]
    coords: np.ndarray  # (N, 2|3) float32
    isolated: np.ndarray | None = None  # indices, or None for all points
    selection: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint32))
    camera: dict[str, Any] = field(default_factory=dict)
    spherize: bool = False
    color_by: str = ""
    label_by: str = ""
    point_size: float = 4.0
    label_size: float = 12.0
    image_size: float | None = None  # None: the widget has no images, or the file predates them
    show_images: bool | None = None
    #: The table's edits (:meth:`~nbprojector.annotations.TableEdits.net`); None: none kept.
    annotations: list[dict[str, Any]] | None = None

    def summary(self) -> dict[str, Any]:
        """What a person reads in ``p.bookmarks`` and the panel: no per-point data."""
        method = self.projection.get("method", "?")
        return {
            "name": self.name,
            "method": method,
            "dims": int(self.coords.shape[1]),
            "selected": len(self.selection),
            "isolated": None if self.isolated is None else len(self.isolated),
            "color_by": self.color_by,
        }


def _pack(array: np.ndarray, dtype: str) -> dict[str, Any]:
    data = np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<"))
    return {"dtype": dtype, "shape": list(array.shape),
            "data": base64.b64encode(data.tobytes()).decode("ascii")}  # fmt: skip


def _unpack(packed: Any, what: str) -> np.ndarray:
    try:
        dtype = np.dtype(packed["dtype"]).newbyteorder("<")
        if packed["dtype"] not in ("float16", "float32", "uint32"):
            raise BookmarkError(f"{what}: unsupported dtype {packed['dtype']!r}")
        shape = tuple(int(s) for s in packed["shape"])
        raw = base64.b64decode(packed["data"], validate=True)
        return np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
    except BookmarkError:
        raise
    except (KeyError, TypeError, ValueError) as err:
        raise BookmarkError(f"{what} is damaged ({err}); the file may be truncated") from None


def encode_coords(coords: np.ndarray) -> dict[str, Any]:
    """Coordinates as base64 float16 (float32 when float16 would overflow)."""
    coords = np.asarray(coords, dtype=np.float32)
    small = coords.size == 0 or float(np.abs(coords).max()) < _FLOAT16_MAX
    return _pack(coords, "float16" if small else "float32")


def to_dict(state: State) -> dict[str, Any]:
    """One bookmark as plain JSON."""
    record = asdict(state)
    record["coords"] = encode_coords(state.coords)
    record["isolated"] = None if state.isolated is None else _pack(state.isolated, "uint32")
    record["selection"] = _pack(state.selection, "uint32")
    return record


def from_dict(record: Any, n_points: int, where: str = "bookmark") -> State:
    """One bookmark from plain JSON, checked against the data's number of points."""
    if not isinstance(record, dict):
        raise BookmarkError(f"{where} is not an object")
    try:
        coords = _unpack(record["coords"], f"{where}: coordinates").astype(np.float32)
        if coords.ndim != 2 or coords.shape[1] not in (2, 3):
            raise BookmarkError(f"{where}: coordinates must be N x 2 or N x 3")
        if len(coords) != n_points:
            raise BookmarkError(
                f"{where} was made for {len(coords)} points, but this projector has "
                f"{n_points}: it belongs to other data"
            )
        isolated = record.get("isolated")
        selection = _unpack(record.get("selection") or _pack(np.empty(0), "uint32"),
                            f"{where}: selection")  # fmt: skip
        state = State(
            name=str(record["name"]),
            embedding=str(record["embedding"]),
            projection=dict(record["projection"]),
            coords=coords,
            isolated=None if isolated is None else _unpack(isolated, f"{where}: isolation"),
            selection=selection,
            camera=dict(record.get("camera") or {}),
            spherize=bool(record.get("spherize", False)),
            color_by=str(record.get("color_by", "")),
            label_by=str(record.get("label_by", "")),
            point_size=float(record.get("point_size", 4.0)),
            label_size=float(record.get("label_size", 12.0)),
            image_size=_optional(record.get("image_size"), float),
            show_images=_optional(record.get("show_images"), bool),
            annotations=_annotations(record.get("annotations"), n_points, where),
        )
    except KeyError as err:
        raise BookmarkError(f"{where} lacks the field {err.args[0]!r}") from None
    for name, indices in (("selection", state.selection), ("isolation", state.isolated)):
        if indices is not None and len(indices) and int(indices.max()) >= n_points:
            raise BookmarkError(f"{where}: {name} index {int(indices.max())} >= {n_points} points")
    return state


def _annotations(value: Any, n_points: int, where: str) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    try:
        return check_net(value, n_points, where)
    except ValueError as err:
        raise BookmarkError(str(err)) from None


def _optional(value: Any, kind: type) -> Any:
    return None if value is None else kind(value)


def dumps(states: list[State], n_points: int) -> str:
    """The file's text for ``states``."""
    document = {"format": FORMAT, "version": VERSION, "n_points": n_points,
                "bookmarks": [to_dict(s) for s in states]}  # fmt: skip
    return json.dumps(document, separators=(",", ":"))


def loads(text: str | bytes, n_points: int) -> list[State]:
    """Bookmarks from a file's text: ours, or TensorBoard's JSON array of states."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise BookmarkError(f"not a bookmark file: it is not valid JSON ({err})") from None
    if isinstance(data, list):
        return from_tensorboard(data, n_points)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BookmarkError(
            "not a bookmark file: expected nbprojector's format or TensorBoard's JSON array "
            "of states"
        )
    if data.get("version") != VERSION:
        raise BookmarkError(f"unsupported bookmark file version {data.get('version')!r}")
    records = data.get("bookmarks")
    if not isinstance(records, list):
        raise BookmarkError("the bookmark file has no 'bookmarks' list")
    return [from_dict(r, n_points, f"bookmark {i + 1}") for i, r in enumerate(records)]


def save(path: str | os.PathLike, states: list[State], n_points: int) -> None:
    """Write atomically: a failed save leaves the old file as it was."""
    path = Path(path)
    text = dumps(states, n_points)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: str | os.PathLike, n_points: int) -> list[State]:
    """Read a bookmark file (ours or TensorBoard's)."""
    path = Path(path)
    if not path.is_file():
        raise BookmarkError(f"bookmark file not found: {path}")
    return loads(path.read_bytes(), n_points)


# ------------------------------------------------------------------ TensorBoard's format

_TB_METHODS = {"pca": "pca", "tsne": "tsne", "umap": "umap", "custom": "custom"}


def from_tensorboard(states: list[Any], n_points: int) -> list[State]:
    """TensorBoard's bookmarks: a JSON array of ``State`` objects with per-point
    ``projections`` entries (``pca-0``, ``tsne-1``, ``umap-2``, ``linear-x`` ...)."""
    out = []
    for i, raw in enumerate(states):
        where = f"TensorBoard bookmark {i + 1}"
        if not isinstance(raw, dict):
            raise BookmarkError(f"{where} is not an object")
        method = _TB_METHODS.get(raw.get("selectedProjection", ""))
        if method is None:
            raise BookmarkError(f"{where}: unknown projection {raw.get('selectedProjection')!r}")
        points = raw.get("projections")
        if not isinstance(points, list) or len(points) != n_points:
            count = len(points) if isinstance(points, list) else "no"
            raise BookmarkError(
                f"{where} has {count} points' projections, but this projector has "
                f"{n_points}: it belongs to other data"
            )
        keys = _tensorboard_keys(raw, method)
        try:
            coords = np.array([[p.get(k, np.nan) for k in keys] for p in points], np.float32)
        except (AttributeError, TypeError, ValueError):
            raise BookmarkError(
                f"{where}: 'projections' entries must be objects of numbers"
            ) from None
        coords = np.nan_to_num(coords)  # points TensorBoard sampled out have no coordinates
        projection: dict[str, Any] = {"method": method, "dims": len(keys), "params": {}}
        if method == "pca":
            projection["params"] = {
                "components": [int(c) + 1 for c in raw.get("pcaComponentDimensions", [])]
            }
        elif method == "tsne":
            projection["params"] = {
                "dims": len(keys),
                "perplexity": raw.get("tSNEPerplexity"),
                "learning_rate": raw.get("tSNELearningRate"),
            }
            projection["stopped_at"] = raw.get("tSNEIteration")
        camera = raw.get("cameraDef") or {}
        filtered = raw.get("filteredPoints")
        out.append(
            State(
                name=str(raw.get("label") or f"State {i + 1}"),
                embedding="",
                projection=projection,
                coords=coords,
                isolated=None if not filtered else np.asarray(filtered, np.uint32),
                selection=np.asarray(raw.get("selectedPoints") or [], np.uint32),
                camera={"dims": len(keys), "position": camera.get("position"),
                        "target": camera.get("target"), "zoom": camera.get("zoom", 1),
                        "up": [0, 1, 0]} if camera.get("position") else {},
                color_by=str(raw.get("selectedColorOptionName") or ""),
                label_by=str(raw.get("selectedLabelOption") or ""),
            )
        )  # fmt: skip
    return out


def _tensorboard_keys(raw: dict[str, Any], method: str) -> list[str]:
    if method == "pca":
        dims = raw.get("pcaComponentDimensions") or [0, 1, 2]
        return [f"pca-{int(d)}" for d in dims]
    if method == "custom":
        return ["linear-x", "linear-y"]
    is3d = raw.get("tSNEis3d" if method == "tsne" else "UMAPis3d", True)
    return [f"{method}-{d}" for d in range(3 if is3d else 2)]
