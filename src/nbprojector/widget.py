"""The Projector widget: synced state, the public Python API, and request dispatch.

Python owns the data and every computation; the page owns drawing and interaction.
Per-point data travels as binary buffers (the ``_positions``, ``_colors``, ``_labels`` ...
traits below), never JSON lists.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import traitlets as t

from . import export, protocol, tensorboard
from .bookmarking import BookmarksMixin
from .dataset import Dataset
from .images import ImagesMixin, thumbnails_from_inputs
from .inspector import InspectorMixin
from .layout import Layout
from .metadata import color_points, column_kind, describe_columns, pack_labels
from .running import ProjectionsMixin, methods_available
from .snapshot import SnapshotMixin

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"


def _bundle(name: str) -> Path:
    path = STATIC / name
    if not path.exists():
        raise FileNotFoundError(
            f"nbprojector's front-end bundle {path} is missing; build it with "
            "`npm ci && npm run build` in js/ (pip install -e . does this for you)"
        )
    return path


def _bytes_from_page(value: Any, _widget: Any) -> bytes:
    """Binary traits written by the page arrive as memoryview; traitlets wants bytes."""
    return bytes(value) if value is not None else b""


_BINARY = {"from_json": _bytes_from_page}


class Projector(
    ImagesMixin,
    BookmarksMixin,
    InspectorMixin,
    ProjectionsMixin,
    SnapshotMixin,
    anywidget.AnyWidget,
):
    """An interactive 2D / 3D view of embeddings, inline in a notebook.

    Args:
        emb: an (N, D) numeric matrix (numpy, CPU torch tensor, list of lists, numeric
            DataFrame), or a dict ``{name: matrix}`` of several embeddings of the same points.
        meta: metadata: a DataFrame, a dict of columns, a sequence of labels, or a TSV path.
        label_by: the column shown as each point's label (default: the first column).
        color_by: the column that colours the points (default: the first categorical
            column with at most 50 distinct values, else none).
        height: the widget's height in pixels.
        images: one image per point, drawn in place of its dot (SPEC D6): an (N, H, W) grey
            or (N, H, W, 3|4) RGB(A) array (uint8, or floats in [0, 1]), a list of PIL
            images, or a sprite sheet (a path or a PIL image) with ``single_image_dim``.
            Thumbnails are at most 64 px on their longest side; see ``set_images``.
        single_image_dim: (width, height) of one image in a sprite sheet, stored row-first
            (left to right, top to bottom; any number of columns, the last row may be
            incomplete).
        show_images: draw images (default when images are given) or dots.

    Example:
        >>> from sklearn.datasets import load_digits
        >>> d = load_digits()
        >>> p = Projector(d.data, {"digit": d.target})
        >>> p.color_by = "digit"
    """

    _esm = STATIC / "widget.js"
    _css = STATIC / "widget.css"

    # Per-point data, as binary buffers (never JSON lists).
    _positions = t.Bytes(b"").tag(sync=True, **_BINARY)  # float32 N x 3, normalised
    _colors = t.Bytes(b"").tag(sync=True, **_BINARY)  # uint8 N x 3
    _labels = t.Bytes(b"").tag(sync=True, **_BINARY)  # UTF-8, all labels back to back
    _label_offsets = t.Bytes(b"").tag(sync=True, **_BINARY)  # uint32 N + 1
    _visible = t.Bytes(b"").tag(sync=True, **_BINARY)  # uint8 N, or empty for all
    _selection = t.Bytes(b"").tag(sync=True, **_BINARY)  # uint32 indices, sorted

    # Small JSON: panel contents (written by Python).
    n_points = t.Int(0, read_only=True).tag(sync=True)
    n_dims = t.Int(0, read_only=True).tag(sync=True)
    columns = t.List(read_only=True).tag(sync=True)
    legend = t.Dict(read_only=True).tag(sync=True)
    projection = t.Dict(
        read_only=True, help="Method, parameters and facts of the layout shown"
    ).tag(sync=True)
    progress = t.Dict(read_only=True, help="What is running: {state, message, ...}").tag(sync=True)
    embeddings = t.List(t.Unicode(), read_only=True).tag(sync=True)
    methods = t.Dict(read_only=True, help="Projection methods offered, and why not").tag(sync=True)

    # View options (written by both sides).
    embedding = t.Unicode(help="The embedding shown, by name").tag(sync=True)
    label_by = t.Unicode(help="Metadata column shown as labels").tag(sync=True)
    color_by = t.Unicode("", help="Metadata column that colours the points ('' for none)").tag(
        sync=True
    )
    point_size = t.Float(4.0, min=0.5, max=64.0, help="Point size in CSS pixels").tag(sync=True)
    label_size = t.Float(12.0, min=6.0, max=48.0, help="Label font size in CSS pixels").tag(
        sync=True
    )
    height = t.Int(600, min=200, max=4000, help="Widget height in pixels").tag(sync=True)
    camera = t.Dict(help="Camera position, target and zoom; empty means fit").tag(sync=True)
    theme = t.Enum(["auto", "light", "dark"], "auto", help="'auto' follows the notebook").tag(
        sync=True
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
        **kwargs: Any,
    ) -> None:
        data = Dataset.from_inputs(emb, meta)
        thumbs = thumbnails_from_inputs(images, single_image_dim, data.n_points)
        _bundle("widget.js")  # a clear message if the front end was never built
        super().__init__(height=height, **kwargs)
        self._data = data
        self._layouts: dict[str, Layout] = {}
        self._isolated: np.ndarray | None = None  # indices of the isolated subset, if any
        self._init_projections()
        self._init_bookmarks()
        self.set_trait("methods", methods_available())
        self.set_trait("embeddings", list(data.embeddings))
        self.set_trait("columns", describe_columns(data.table))
        self.set_trait("n_points", data.n_points)
        shown = thumbs is not None if show_images is None else show_images
        self._use_thumbnails(thumbs, show=shown)
        self.on_msg(self._on_page_message)
        first = next(iter(data.embeddings))
        self.embedding = first  # triggers the first layout (PCA)
        self.label_by = label_by if label_by is not None else str(data.table.columns[0])
        self.color_by = color_by if color_by is not None else self._default_color_column()

    # ---------------------------------------------------------------- public API

    @property
    def vectors(self) -> np.ndarray:
        """The current embedding as a float32 (N, D) matrix (not a copy: do not modify)."""
        return self._data.embeddings[self.embedding]

    @property
    def metadata(self) -> pd.DataFrame:
        """The metadata table, one row per point."""
        return self._data.table

    @property
    def coordinates(self) -> np.ndarray:
        """The current layout as an (N, 2) or (N, 3) float32 array, in projection units."""
        return self._layouts[self.embedding].coords.copy()

    @property
    def selection(self) -> np.ndarray:
        """Indices of the selected points, sorted (int64). Assign to select from Python."""
        return np.frombuffer(self._selection, dtype=np.uint32).astype(np.int64)

    @selection.setter
    def selection(self, indices: Any) -> None:
        self._selection = self._selection_bytes(indices)

    @classmethod
    def from_logdir(
        cls, path: str | Path, *, tensors: list[str] | None = None, **kwargs: Any
    ) -> Projector:
        """Open a TensorBoard log dir (its ``projector_config.pbtxt`` files, one per run) or a
        standalone projector ``.json`` config; ``tensors`` picks embeddings by name, other
        arguments go to ``Projector``. Needs the ``tensorboard`` extra (protobuf schema)."""
        return tensorboard.open_logdir(cls, path, tensors, **kwargs)

    def to_logdir(self, path: str | Path, **kwargs: Any) -> Path:
        """Write every embedding, the metadata and the images as a log dir TensorBoard's
        projector opens; see ``nbprojector.tensorboard.write_logdir`` for the options."""
        return tensorboard.save_logdir(self, path, **kwargs)

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
        """
        return export.write_html(self, path, title=title, max_neighbor_floats=max_neighbor_floats)

    # ---------------------------------------------------------------- trait reactions

    @t.validate("embedding")
    def _check_embedding(self, proposal: dict[str, Any]) -> str:
        name = proposal["value"]
        if name not in self._data.embeddings:
            raise t.TraitError(
                f"unknown embedding {name!r}; choose one of {list(self._data.embeddings)}"
            )
        return name

    @t.observe("embedding")
    def _embedding_changed(self, change: dict[str, Any]) -> None:
        self.set_trait("n_dims", int(self.vectors.shape[1]))
        if self.embedding in self._layouts:
            self._show(self._layouts[self.embedding])
        else:
            self._show_first_layout()

    @t.validate("label_by", "color_by")
    def _check_column(self, proposal: dict[str, Any]) -> str:
        name = proposal["value"]
        if name == "" and proposal["trait"].name == "color_by":
            return name
        if name not in self._data.table.columns:
            raise t.TraitError(
                f"unknown column {name!r} for {proposal['trait'].name}; "
                f"choose one of {list(map(str, self._data.table.columns))}"
            )
        return name

    @t.observe("label_by")
    def _label_by_changed(self, change: dict[str, Any]) -> None:
        data, offsets = pack_labels(self._data.table[self.label_by])
        with self.hold_sync():
            self._labels = data
            self._label_offsets = offsets

    @t.observe("color_by")
    def _color_by_changed(self, change: dict[str, Any]) -> None:
        values = self._data.table[self.color_by] if self.color_by else None
        colors, legend = color_points(values)
        with self.hold_sync():
            self._colors = b"" if colors is None else colors.tobytes()
            legend["column"] = self.color_by
            self.set_trait("legend", legend)

    @t.validate("_selection")
    def _check_selection(self, proposal: dict[str, Any]) -> bytes:
        raw = proposal["value"]
        if len(raw) % 4:
            raise t.TraitError("selection bytes must be uint32 indices (a multiple of 4 bytes)")
        indices = np.frombuffer(raw, dtype=np.uint32)
        if len(indices) and int(indices.max()) >= self.n_points:
            raise t.TraitError(f"selection index {int(indices.max())} >= {self.n_points} points")
        return np.unique(indices).astype(np.uint32).tobytes()

    def _selection_bytes(self, indices: Any) -> bytes:
        arr = np.asarray(indices if indices is not None else [], dtype=np.int64).ravel()
        if len(arr) and (arr.min() < 0 or arr.max() >= self.n_points):
            raise IndexError(
                f"selection indices must be in 0..{self.n_points - 1}, got min {arr.min()} "
                f"and max {arr.max()}"
            )
        return np.unique(arr).astype(np.uint32).tobytes()

    def _default_color_column(self) -> str:
        for column in self._data.table.columns:
            values = self._data.table[column]
            if column_kind(values) == "categorical" and 1 < values.nunique() <= 50:
                return str(column)
        for column in self._data.table.columns:
            values = self._data.table[column]
            if column != "index" and 1 < values.nunique() <= 50:
                return str(column)
        return ""

    # ---------------------------------------------------------------- requests

    def _on_page_message(self, _widget: Any, content: Any, buffers: list[Any]) -> None:
        request_id = content.get("id") if isinstance(content, dict) else None
        try:
            request = protocol.parse_request(content)
            handler = getattr(self, f"_request_{request.kind}", None)
            if handler is None:
                raise protocol.ProtocolError(f"requests of kind {request.kind!r} are not served")
            result = handler(request.payload, buffers)
        except Exception as err:  # every request gets an answer, failures included
            if not isinstance(err, (ValueError, KeyError, IndexError, t.TraitError)):
                log.exception("request failed")
            self.send(protocol.error(request_id, _message(err)))
            return
        result, reply_buffers = result if isinstance(result, tuple) else (result, None)
        self.send(protocol.ok(request_id, result), reply_buffers)

    def _request_row(self, payload: dict[str, Any], _buffers: list[Any]) -> dict[str, Any]:
        index = protocol.payload_int(payload, "index", 0, self.n_points - 1)
        row = self._data.table.iloc[index]
        return {
            "index": index,
            "row": {str(k): (None if pd.isna(v) else _plain(v)) for k, v in row.items()},
        }


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def _message(err: Exception) -> str:
    if isinstance(err, KeyError) and err.args:
        return str(err.args[0])
    return str(err) or type(err).__name__
