"""Bookmarks: the whole view state as a record, its compact file format, and TensorBoard's.

File format (JSON, ``"format": "nbprojector-bookmarks"``, ``"version": 1``)::

    {"format": "nbprojector-bookmarks", "version": 1, "n_points": N,
     "bookmarks": [{
        "name": "State 1",
        "embedding": "embedding",          # which embedding
        "projection": {...},                # method, params, dims, ... as in p.projection
        "coords": {"dtype": "float16", "shape": [N or D, 2 or 3], "data": "<base64>"},
        "drawn": null or {"dtype": "uint32", "shape": [D], "data": "<base64>"},
        "isolated": null or {"dtype": "uint32", "shape": [M], "data": "<base64>"},
        "selection": {"dtype": "uint32", "shape": [K], "data": "<base64>"},
        "camera": {...}, "spherize": false, "color_by": "...", "label_by": "...",
        "point_size": 4.0, "label_size": 12.0, "image_size": 24.0, "show_images": true,
        "colormap": "bgy", "metric": "cosine", "fidelity_k": 15, "compare_k": 10,
        "annotations": [{"column": "topic", "kind": "text", "created": true,
                         "groups": [{"value": "refunds", "indices": [3, 17]}]}]}]}

Coordinates are little-endian float16 when they fit (|x| < 60000; 3 significant digits,
plenty for a layout on screen), else float32: a 10,000-point 3D bookmark is ~80 kB of base64,
against 3.6 MB for TensorBoard's per-point JSON objects. Index lists are uint32.

Above the draw budget ``drawn`` lists the points the view drew (sorted) and ``coords`` holds
theirs only, in that order: restoring puts the same drawn set back.

``annotations`` are the metadata table's edits against the data as loaded (see
:mod:`nbprojector.annotations`): per edited column, each value and its rows. Restoring the
bookmark makes the table so (as one undo step); a bookmark without the field (TensorBoard's,
or older files) leaves the table alone.

``metric``, ``fidelity_k`` and ``compare_k`` are the neighbour settings the view reads by
(the distance; neighbours per point of the layout-fidelity colours and of a comparison of
two embeddings). Restoring sets them; a bookmark without them (TensorBoard's, or older
files) leaves today's. Loading checks every field (:mod:`nbprojector.bookmark_checks`), as
the widget checks its options, so that a bookmark that loads can be restored.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import strictjson
from .annotations import check_net
from .atomic import write_atomic
from .bookmark_checks import (
    SIZE_RANGES,
    BookmarkError,
    check_camera,
    check_finite,
    field_of,
    metric_of,
    neighbour_count_of,
    point_indices,
    size_of,
)

FORMAT = "nbprojector-bookmarks"
VERSION = 1
_FLOAT16_MAX = 60_000.0


@dataclass
class State:
    """Everything needed to put a view back exactly as it was."""

    name: str
    embedding: str
    projection: dict[str, Any]
    coords: np.ndarray  # (N, 2|3) float32, or (len(drawn), 2|3): the drawn points'
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
    #: The continuous colour map's name; None: the file predates it (today's map stays).
    colormap: str | None = None
    #: The table's edits (:meth:`~nbprojector.annotations.TableEdits.net`); None: none kept.
    annotations: list[dict[str, Any]] | None = None
    #: The neighbour distance ("cosine" or "euclidean"); None: the file predates it.
    metric: str | None = None
    #: Neighbours per point of the layout-fidelity colours; None: the file predates it.
    fidelity_k: int | None = None
    #: Neighbours per point compared between two embeddings; None: the file predates it.
    compare_k: int | None = None
    #: The points drawn (sorted uint32; ``coords`` are theirs), or None: every point was.
    drawn: np.ndarray | None = None

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


_COORD_DTYPES = ("float16", "float32")
_INDEX_DTYPES = ("uint32",)


def _unpack(packed: Any, what: str, dtypes: tuple[str, ...]) -> np.ndarray:
    try:
        if packed["dtype"] not in dtypes:
            raise BookmarkError(
                f"{what}: dtype {packed['dtype']!r} is not allowed here; expected "
                + " or ".join(repr(d) for d in dtypes)
            )
        dtype = np.dtype(packed["dtype"]).newbyteorder("<")
        shape = tuple(int(s) for s in packed["shape"])
        if any(s < 0 for s in shape):
            raise BookmarkError(f"{what}: negative shape {list(shape)}")
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
    record["drawn"] = None if state.drawn is None else _pack(state.drawn, "uint32")
    record["selection"] = _pack(state.selection, "uint32")
    return record


def from_dict(record: Any, n_points: int, where: str = "bookmark") -> State:
    """One bookmark from plain JSON, every field checked (types, ranges, finite numbers,
    the data's number of points, index bounds): a bookmark that loads can be restored."""
    if not isinstance(record, dict):
        raise BookmarkError(f"{where} is not an object")
    for key in ("name", "embedding", "projection", "coords"):
        if key not in record:
            raise BookmarkError(f"{where} lacks the field {key!r}")
    name = field_of(record, "name", str, where)
    where = f"{where} ({name!r})"
    coords = _unpack(record["coords"], f"{where}: field 'coords'", _COORD_DTYPES)
    if coords.ndim != 2 or coords.shape[1] not in (2, 3):
        raise BookmarkError(f"{where}: field 'coords' must be N x 2 or N x 3, got {coords.shape}")
    drawn = record.get("drawn")
    if drawn is not None:
        drawn = point_indices(_unpack(drawn, f"{where}: field 'drawn'", _INDEX_DTYPES),
                              n_points, f"{where}: field 'drawn'")  # fmt: skip
        if len(drawn) == 0 or np.any(np.diff(drawn.astype(np.int64)) <= 0):
            raise BookmarkError(f"{where}: field 'drawn' must list point indices, ascending")
        if len(coords) != len(drawn):
            raise BookmarkError(
                f"{where}: field 'coords' has {len(coords)} rows but 'drawn' lists "
                f"{len(drawn)} points: one row per drawn point"
            )
    elif len(coords) != n_points:
        raise BookmarkError(
            f"{where} was made for {len(coords)} points, but this projector has "
            f"{n_points}: it belongs to other data"
        )
    if not np.isfinite(coords).all():
        raise BookmarkError(f"{where}: field 'coords' holds NaN or infinite coordinates")
    projection = field_of(record, "projection", dict, where)
    if not isinstance(projection.get("method", ""), str):
        raise BookmarkError(f"{where}: field 'projection.method' must be a string")
    check_finite(projection, f"{where}: field 'projection'")
    isolated = record.get("isolated")
    if isolated is not None:
        isolated = point_indices(
            _unpack(isolated, f"{where}: field 'isolated'", _INDEX_DTYPES), n_points,
            f"{where}: field 'isolated'")  # fmt: skip
    selection = record.get("selection")
    selection = (
        np.empty(0, np.uint32) if selection is None
        else point_indices(_unpack(selection, f"{where}: field 'selection'", _INDEX_DTYPES),
                           n_points, f"{where}: field 'selection'")
    )  # fmt: skip
    camera = field_of(record, "camera", dict, where, default={})
    check_camera(camera, f"{where}: field 'camera'")
    return State(
        name=name,
        embedding=field_of(record, "embedding", str, where),
        projection=projection,
        coords=coords.astype(np.float32),
        isolated=isolated,
        selection=selection,
        camera=camera,
        spherize=field_of(record, "spherize", bool, where, default=False),
        color_by=field_of(record, "color_by", str, where, default=""),
        label_by=field_of(record, "label_by", str, where, default=""),
        point_size=size_of(record, "point_size", where, default=4.0),
        label_size=size_of(record, "label_size", where, default=12.0),
        image_size=size_of(record, "image_size", where, default=None),
        show_images=field_of(record, "show_images", bool, where, default=None),
        colormap=field_of(record, "colormap", str, where, default=None),
        metric=metric_of(record, where),
        fidelity_k=neighbour_count_of(record, "fidelity_k", n_points, where),
        compare_k=neighbour_count_of(record, "compare_k", n_points, where),
        annotations=_annotations(record.get("annotations"), n_points, where),
        drawn=drawn,
    )


def _annotations(value: Any, n_points: int, where: str) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    try:
        return check_net(value, n_points, where)
    except ValueError as err:
        raise BookmarkError(str(err)) from None


def check_state(state: State) -> None:
    """Raise :class:`BookmarkError` unless ``state`` can be written as strict JSON and read
    back (finite coordinates, camera and projection numbers; sizes in range)."""
    where = f"bookmark {state.name!r}"
    if not np.isfinite(state.coords).all():
        raise BookmarkError(f"{where}: field 'coords' holds NaN or infinite coordinates")
    check_camera(state.camera, f"{where}: field 'camera'")
    check_finite(state.projection, f"{where}: field 'projection'")
    for key in SIZE_RANGES:
        size_of({key: getattr(state, key)}, key, where, default=None)


def dumps(states: list[State], n_points: int) -> str:
    """The file's text for ``states``."""
    document = {"format": FORMAT, "version": VERSION, "n_points": n_points,
                "bookmarks": [to_dict(s) for s in states]}  # fmt: skip
    return strictjson.dumps(document, "the bookmark file", separators=(",", ":"))


def loads(text: str | bytes, n_points: int) -> list[State]:
    """Bookmarks from a file's text: ours, or TensorBoard's JSON array of states."""
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise BookmarkError(f"not a bookmark file: it is not valid JSON ({err})") from None
    except RecursionError:
        raise BookmarkError("not a bookmark file: its JSON is nested too deeply") from None
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


def _no_constant(name: str) -> Any:
    raise BookmarkError(f"not a bookmark file: it holds {name}, which strict JSON does not allow")


def save(path: str | os.PathLike, states: list[State], n_points: int) -> None:
    """Write atomically: a failed save leaves the old file as it was; an existing file
    keeps its permissions, and a symbolic link stays one (the file it points to is written)."""
    write_atomic(path, dumps(states, n_points))


def load(path: str | os.PathLike, n_points: int) -> list[State]:
    """Read a bookmark file (ours or TensorBoard's)."""
    path = Path(path)
    if not path.is_file():
        raise BookmarkError(f"bookmark file not found: {path}")
    return loads(path.read_bytes(), n_points)


# ------------------------------------------------------------------ TensorBoard's format

#: TensorBoard's projections panel offers the first 10 principal components.
_MAX_PCA_COMPONENTS = 10
_TB_METHODS = {"pca": "pca", "tsne": "tsne", "umap": "umap", "custom": "custom"}


def from_tensorboard(states: list[Any], n_points: int) -> list[State]:
    """TensorBoard's bookmarks: a JSON array of ``State`` objects with per-point
    ``projections`` entries (``pca-0``, ``tsne-1``, ``umap-2``, ``linear-x`` ...), every
    field checked as for our own format."""
    out = []
    for i, raw in enumerate(states):
        where = f"TensorBoard bookmark {i + 1}"
        if not isinstance(raw, dict):
            raise BookmarkError(f"{where} is not an object")
        name = field_of(raw, "label", str, where, default="") or f"State {i + 1}"
        where = f"{where} ({name!r})"
        chosen = raw.get("selectedProjection", "")
        method = _TB_METHODS.get(chosen) if isinstance(chosen, str) else None
        if method is None:
            raise BookmarkError(
                f"{where}: field 'selectedProjection' names an unknown projection "
                f"{raw.get('selectedProjection')!r:.80}; expected one of {list(_TB_METHODS)}"
            )
        points = raw.get("projections")
        if not isinstance(points, list) or len(points) != n_points:
            count = len(points) if isinstance(points, list) else "no"
            raise BookmarkError(
                f"{where} has {count} points' projections, but this projector has "
                f"{n_points}: it belongs to other data"
            )
        keys = _tensorboard_keys(raw, method, where)
        coords = _tensorboard_coords(points, keys, where)
        projection: dict[str, Any] = {"method": method, "dims": len(keys), "params": {}}
        if method == "pca":
            projection["params"] = {"components": [int(k.split("-")[1]) + 1 for k in keys]}
        elif method == "tsne":
            projection["params"] = {
                "dims": len(keys),
                "perplexity": _tb_number(raw, "tSNEPerplexity", where),
                "learning_rate": _tb_number(raw, "tSNELearningRate", where),
            }
            projection["stopped_at"] = _tb_number(raw, "tSNEIteration", where)
        camera = field_of(raw, "cameraDef", dict, where, default={})
        camera = {"dims": len(keys), "position": camera.get("position"),
                  "target": camera.get("target"), "zoom": camera.get("zoom", 1),
                  "up": [0, 1, 0]} if camera.get("position") else {}  # fmt: skip
        check_camera(camera, f"{where}: field 'cameraDef'")
        filtered = _tb_indices(raw, "filteredPoints", n_points, where)
        out.append(
            State(
                name=name,
                embedding="",
                projection=projection,
                coords=coords,
                isolated=filtered if len(filtered) else None,
                selection=_tb_indices(raw, "selectedPoints", n_points, where),
                camera=camera,
                color_by=field_of(raw, "selectedColorOptionName", str, where, default=""),
                label_by=field_of(raw, "selectedLabelOption", str, where, default=""),
            )
        )
    return out


def _tensorboard_coords(points: list[Any], keys: list[str], where: str) -> np.ndarray:
    """(N, len(keys)) float32; a point without a key (TensorBoard sampled it out) gets 0."""
    try:
        values = [[p.get(k) for k in keys] for p in points]
    except AttributeError:
        raise BookmarkError(
            f"{where}: field 'projections' must hold one object per point"
        ) from None
    try:
        coords = np.array(values, dtype=np.float64)  # None (a missing key) becomes NaN
    except (TypeError, ValueError, OverflowError):
        raise BookmarkError(f"{where}: field 'projections' must map {keys} to numbers") from None
    if any(isinstance(v, (str, bool)) for row in values for v in row):
        raise BookmarkError(f"{where}: field 'projections' must map {keys} to numbers")
    if np.isinf(coords).any() or (np.abs(np.nan_to_num(coords)) > _FLOAT32_MAX).any():
        raise BookmarkError(f"{where}: field 'projections' holds coordinates beyond float32")
    return np.nan_to_num(coords).astype(np.float32)


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _tb_number(raw: dict, key: str, where: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BookmarkError(f"{where}: field {key!r} must be a number, got {value!r:.80}")
    return value


def _tb_indices(raw: dict, key: str, n_points: int, where: str) -> np.ndarray:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise BookmarkError(f"{where}: field {key!r} must be a list of point indices")
    try:
        indices = np.asarray(value, dtype=np.int64)
    except OverflowError:
        raise BookmarkError(f"{where}: field {key!r} has an index beyond 2^63") from None
    if len(indices) and (indices.min() < 0 or indices.max() >= n_points):
        bad = int(indices.max() if indices.max() >= n_points else indices.min())
        raise BookmarkError(
            f"{where}: field {key!r} has index {bad}, outside 0..{n_points - 1}"
        )
    return indices.astype(np.uint32)


def _tensorboard_keys(raw: dict[str, Any], method: str, where: str) -> list[str]:
    if method == "pca":
        dims = raw.get("pcaComponentDimensions") or [0, 1, 2]
        if (
            not isinstance(dims, list) or not 2 <= len(dims) <= 3
            or not all(isinstance(d, int) and not isinstance(d, bool) for d in dims)
            or not all(0 <= d < _MAX_PCA_COMPONENTS for d in dims)
        ):  # fmt: skip
            raise BookmarkError(
                f"{where}: field 'pcaComponentDimensions' must list 2 or 3 component numbers "
                f"from 0 to {_MAX_PCA_COMPONENTS - 1}, got {dims!r:.80}"
            )
        return [f"pca-{int(d)}" for d in dims]
    if method == "custom":
        return ["linear-x", "linear-y"]
    is3d = raw.get("tSNEis3d" if method == "tsne" else "UMAPis3d", True)
    return [f"{method}-{d}" for d in range(3 if is3d else 2)]
