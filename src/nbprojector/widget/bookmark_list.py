"""The widget's list of bookmarks: capture, restore, name, save, load.

A bookmark is a :class:`~nbprojector.bookmarks.State` (the file format lives in
:mod:`nbprojector.bookmarks`): the whole view, computed coordinates included, so restoring
never recomputes anything. :class:`BookmarkList` owns the list; the page gets a summary per
bookmark (``bookmarks``) for its panel, and the whole file (``_bookmark_file``) so that
bookmarks are saved with the notebook's widget state, survive a page reload, and can be
downloaded from the panel.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import bookmarks as fmt
from .. import protocol
from ..bookmarks import BookmarkError, State
from ..colors import ColormapError, check_colormap
from ..layout import Layout
from .annotations import Annotations
from .projections import Projections
from .state import ViewState

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector

#: The neighbour settings a bookmark keeps (a file that predates them holds None for each).
_NEIGHBOUR_SETTINGS = ("metric", "fidelity_k", "compare_k")
#: The view options a bookmark sets, as traits of the widget.
_OPTIONS = ("embedding", "color_by", "label_by", "spherize", "point_size", "label_size",
            "image_size", "show_images", "colormap", "camera", *_NEIGHBOUR_SETTINGS)  # fmt: skip


class BookmarkList:
    """The bookmarks of one widget."""

    def __init__(
        self,
        widget: Projector,
        view: ViewState,
        projections: Projections,
        annotations: Annotations,
    ) -> None:
        self._widget = widget
        self._view = view
        self._projections = projections
        self._annotations = annotations
        self._states: list[State] = []

    @property
    def states(self) -> list[State]:
        """The bookmarks, in order (not a copy)."""
        return self._states

    # ---------------------------------------------------------------- public API

    def add(self, name: str | None) -> dict[str, Any]:
        w, view = self._widget, self._view
        layout = view.layouts[view.embedding]
        isolated = view.isolated
        drawn = view.drawn  # above the draw budget: the drawn points' coordinates only
        if drawn is not None:  # those placed: a layout may not have placed every one yet
            drawn = drawn[np.isfinite(layout.coords[drawn]).all(axis=1)]
        state = State(
            name=self._unique_name(name or f"State {len(self._states) + 1}"),
            embedding=view.embedding,
            projection={k: v for k, v in w.projection.items() if k != "running"},
            coords=layout.coords.copy() if drawn is None else layout.coords[drawn],
            drawn=None if drawn is None else drawn.astype(np.uint32),
            isolated=None if isolated is None else isolated.astype(np.uint32),
            selection=view.selection.astype(np.uint32),
            camera=dict(w.camera),
            spherize=bool(w.spherize),
            color_by=w.color_by,
            label_by=w.label_by,
            point_size=float(w.point_size),
            label_size=float(w.label_size),
            image_size=float(w.image_size),
            show_images=bool(w.show_images),
            colormap=w.colormap,
            metric=w.metric,
            fidelity_k=int(w.fidelity_k),
            compare_k=int(w.compare_k),
            annotations=self._annotations.net(),
        )
        fmt.check_state(state)  # a view that cannot be saved is refused before it is added
        self._states.append(state)
        self._publish()
        return state.summary()

    def restore(self, which: str | int) -> dict[str, Any]:
        """Put a bookmark's view back, all or nothing: when any part cannot be applied, the
        view is left exactly as it was and the error says why."""
        state = self._states[self.index(which)]
        self._check_fits(state)
        w, view = self._widget, self._view
        saved_options = {name: getattr(w, name) for name in _OPTIONS}
        saved_view = view.snapshot()
        self._projections.cancel()
        table_step = None
        try:
            with w.hold_sync():
                if state.annotations is not None:  # first: the colour column may be made
                    table_step = self._annotations.put_back(state.annotations)
                self._apply(state)
        except Exception:
            if table_step is not None:
                self._annotations.take_back()
            view.restore_snapshot(saved_view)
            with w.hold_sync():
                for name, value in saved_options.items():
                    if getattr(w, name) != value:
                        setattr(w, name, value)
            view.restore_snapshot(saved_view)  # the embedding's observer may have redrawn
            raise
        return state.summary()

    def _check_fits(self, state: State) -> None:
        """Errors found before anything changes: coordinates for every point, indices of
        points that exist."""
        n = self._view.n_points
        coords = np.asarray(state.coords)
        rows = n if state.drawn is None else len(state.drawn)
        if coords.ndim != 2 or coords.shape[0] != rows or coords.shape[1] not in (2, 3):
            raise BookmarkError(
                f"bookmark {state.name!r} has coordinates of shape {coords.shape}, but this "
                f"view has {n} points: it needs ({rows}, 2) or ({rows}, 3)"
            )
        if not np.isfinite(coords).all():
            raise BookmarkError(f"bookmark {state.name!r} has NaN or infinite coordinates")
        for what, indices in (("isolated", state.isolated), ("selection", state.selection),
                              ("drawn", state.drawn)):  # fmt: skip
            if indices is not None and len(indices) and int(np.max(indices)) >= n:
                raise BookmarkError(
                    f"bookmark {state.name!r}: {what} index {int(np.max(indices))} is out of "
                    f"range for {n} points"
                )

    def _apply(self, state: State) -> None:
        w, view = self._widget, self._view
        table = view.table
        if state.embedding and state.embedding in view.data.embeddings:
            w.embedding = state.embedding
        # Columns the data lacks (a bookmark from another table) keep today's choice.
        if state.color_by == "" or state.color_by in table.columns:
            w.color_by = state.color_by
        if view.data.has_column(state.label_by):
            w.label_by = state.label_by
        # A map this machine lacks (matplotlib's, without matplotlib) keeps today's.
        if state.colormap is not None and _known_colormap(state.colormap):
            w.colormap = state.colormap
        w.spherize = state.spherize
        # Through the traits, checked as the page's writes are: the fidelity colours and the
        # comparison are computed again, and the page's controls follow.
        for option in _NEIGHBOUR_SETTINGS:
            value = getattr(state, option)
            if value is not None:
                setattr(w, option, value)
        w.point_size = state.point_size
        w.label_size = state.label_size
        if state.image_size is not None:
            w.image_size = state.image_size
        if state.show_images is not None and w.images is not None:
            w.show_images = state.show_images
        rows = None if state.isolated is None else state.isolated.astype(np.int64)
        view.set_isolation(rows, state.selection.astype(np.uint32).tobytes())
        description = {**state.projection, "dims": int(state.coords.shape[1]),
                       "bookmark": state.name}  # fmt: skip
        coords = state.coords.copy()
        if state.drawn is not None:
            # The drawn set comes back with the coordinates it had; the others have none.
            drawn = state.drawn.astype(np.int64)
            coords = np.full((view.n_points, state.coords.shape[1]), np.nan, np.float32)
            coords[drawn] = state.coords
            rows = drawn
            view.set_drawn(drawn)
        view.keep_and_show(view.embedding, Layout(coords, description, rows))
        if state.camera:
            w.camera = dict(state.camera)

    def rename(self, which: str | int, name: str) -> None:
        index = self.index(which)
        name = str(name).strip()
        if not name:
            raise ValueError("a bookmark name cannot be empty")
        if any(s.name == name for i, s in enumerate(self._states) if i != index):
            raise ValueError(f"there is already a bookmark named {name!r}")
        self._states[index].name = name
        self._publish()

    def delete(self, which: str | int) -> None:
        del self._states[self.index(which)]
        self._publish()

    def save(self, path: str | os.PathLike[str]) -> None:
        fmt.save(path, self._states, self._view.n_points)

    def load(self, path: str | os.PathLike[str], replace: bool) -> list[str]:
        return self.adopt(fmt.load(path, self._view.n_points), replace)

    # ---------------------------------------------------------------- internals

    def adopt(self, states: list[State], replace: bool) -> list[str]:
        """Add ``states`` after those there (or instead of them, with ``replace``)."""
        if replace:
            self._states = []
        for state in states:
            if state.embedding not in self._view.data.embeddings:
                state.embedding = self._view.embedding  # TensorBoard's files do not name one
            state.name = self._unique_name(state.name)
            self._states.append(state)
        self._publish()
        return [s.name for s in states]

    def _unique_name(self, name: str) -> str:
        taken = {s.name for s in self._states}
        candidate, n = name, 2
        while candidate in taken:
            candidate, n = f"{name} ({n})", n + 1
        return candidate

    def index(self, which: str | int) -> int:
        """The position of a bookmark given by position or name; a clear error if none."""
        if isinstance(which, (int, np.integer)) and not isinstance(which, bool):
            if not -len(self._states) <= which < len(self._states):
                raise IndexError(f"no bookmark {which}: there are {len(self._states)}")
            return int(which) % len(self._states)
        for i, state in enumerate(self._states):
            if state.name == which:
                return i
        names = [s.name for s in self._states]
        raise KeyError(f"no bookmark named {which!r}; there are {names}")

    def _publish(self) -> None:
        w = self._widget
        with w.hold_sync():
            w.set_trait("bookmarks", [s.summary() for s in self._states])
            w._bookmark_file = fmt.dumps(self._states, self._view.n_points).encode("utf-8")

    def file_changed(self, content: bytes) -> None:
        """A restored page (a reloaded notebook with saved widget state) brings the file
        back: it becomes the list when the list is empty."""
        if content and not self._states:
            try:
                self._states = fmt.loads(content, self._view.n_points)
            except BookmarkError:
                return
            self._widget.set_trait("bookmarks", [s.summary() for s in self._states])

    # ---------------------------------------------------------------- requests

    def handle(self, payload: dict[str, Any], buffers: list[bytes]) -> dict[str, Any]:
        """The panel's actions: add, restore, rename, delete, and load (file in buffer 0)."""
        action = payload.get("action")
        which = payload.get("which")
        if action == "add":
            return self.add(payload.get("name"))
        if action == "restore":
            return self.restore(which)  # type: ignore[arg-type]
        if action == "rename":
            self.rename(which, payload.get("name", ""))  # type: ignore[arg-type]
            return {}
        if action == "delete":
            self.delete(which)  # type: ignore[arg-type]
            return {}
        if action == "load":
            if not buffers:
                raise protocol.ProtocolError("load needs the file's bytes in the first buffer")
            names = self.adopt(fmt.loads(bytes(buffers[0]), self._view.n_points), False)
            return {"added": names}
        raise protocol.ProtocolError(
            f"unknown bookmark action {action!r}; use add, restore, rename, delete or load"
        )


def _known_colormap(name: str) -> bool:
    try:
        check_colormap(name)
    except ColormapError:
        return False
    return True
