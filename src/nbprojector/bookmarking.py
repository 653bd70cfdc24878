"""The widget side of bookmarks (SPEC B1-B6): capture, restore, name, save, load.

A bookmark is a :class:`~nbprojector.bookmarks.State`: the whole view, computed coordinates
included, so restoring never recomputes anything. The list lives in Python; the page gets a
summary per bookmark (``bookmarks``) for its panel, and the whole file (``_bookmark_file``,
the format of :mod:`nbprojector.bookmarks`) so that bookmarks are saved with the notebook's
widget state, survive a page reload, and can be downloaded from the panel.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import traitlets as t

from . import bookmarks as fmt
from . import protocol
from .bookmarks import BookmarkError, State
from .layout import Layout, visible_mask


class BookmarksMixin(t.HasTraits):
    """Bookmarks for :class:`~nbprojector.Projector`."""

    bookmarks = t.List(read_only=True, help="One summary per bookmark, in order").tag(sync=True)
    _bookmark_file = t.Bytes(b"").tag(sync=True)  # the JSON file of every bookmark, UTF-8

    def _init_bookmarks(self) -> None:
        self._states: list[State] = []

    # ---------------------------------------------------------------- public API

    def add_bookmark(self, name: str | None = None) -> dict[str, Any]:
        """Save the current view (projection and its coordinates, camera, selection,
        isolation, spherize, colour and label choices, sizes, images or dots) as a bookmark.

        Args:
            name: defaults to "State n". Names are unique: an existing name gets " (2)".

        Returns:
            The new bookmark's summary (as in :attr:`bookmarks`).
        """
        layout = self._layouts[self.embedding]
        state = State(
            name=self._unique_name(name or f"State {len(self._states) + 1}"),
            embedding=self.embedding,
            projection={k: v for k, v in self.projection.items() if k != "running"},
            coords=layout.coords.copy(),
            isolated=None if self._isolated is None else self._isolated.astype(np.uint32),
            selection=self.selection.astype(np.uint32),
            camera=dict(self.camera),
            spherize=bool(self.spherize),
            color_by=self.color_by,
            label_by=self.label_by,
            point_size=float(self.point_size),
            label_size=float(self.label_size),
            image_size=float(self.image_size),
            show_images=bool(self.show_images),
        )
        fmt.check_state(state)  # a view that cannot be saved is refused before it is added
        self._states.append(state)
        self._publish_bookmarks()
        return state.summary()

    def restore_bookmark(self, which: str | int) -> dict[str, Any]:
        """Put a bookmark's view back exactly (by name, or by position in the list)."""
        state = self._states[self._bookmark_index(which)]
        self.cancel_projection()
        with self.hold_sync():
            if state.embedding and state.embedding in self._data.embeddings:
                self.embedding = state.embedding
            for trait, value in (("color_by", state.color_by), ("label_by", state.label_by)):
                if (value == "" and trait == "color_by") or value in self._data.table.columns:
                    setattr(self, trait, value)
            self.spherize = state.spherize
            self.point_size = state.point_size
            self.label_size = state.label_size
            if state.image_size is not None:
                self.image_size = state.image_size
            if state.show_images is not None and self.images is not None:
                self.show_images = state.show_images
            rows = None if state.isolated is None else state.isolated.astype(np.int64)
            selection = state.selection.astype(np.uint32).tobytes()
            self._set_isolation(rows, visible_mask(rows, self.n_points), selection)
            description = {**state.projection, "dims": int(state.coords.shape[1]),
                           "bookmark": state.name}  # fmt: skip
            layout = Layout(state.coords.copy(), description, rows)
            self._layouts[self.embedding] = layout
            self._show(layout)
            if state.camera:
                self.camera = dict(state.camera)
        return state.summary()

    def rename_bookmark(self, which: str | int, name: str) -> None:
        """Give a bookmark a new (unique, non-empty) name."""
        index = self._bookmark_index(which)
        name = str(name).strip()
        if not name:
            raise ValueError("a bookmark name cannot be empty")
        if any(s.name == name for i, s in enumerate(self._states) if i != index):
            raise ValueError(f"there is already a bookmark named {name!r}")
        self._states[index].name = name
        self._publish_bookmarks()

    def delete_bookmark(self, which: str | int) -> None:
        """Remove a bookmark."""
        del self._states[self._bookmark_index(which)]
        self._publish_bookmarks()

    def save_bookmarks(self, path: str | os.PathLike) -> None:
        """Write every bookmark to ``path`` (JSON; see :mod:`nbprojector.bookmarks`).

        The write is atomic: if it fails, the file that was there is left as it was.
        """
        fmt.save(path, self._states, self.n_points)

    def load_bookmarks(self, path: str | os.PathLike, *, replace: bool = False) -> list[str]:
        """Add the bookmarks of a file (ours, or TensorBoard's), after those already there.

        A corrupt file, or one made for data of another size, raises
        :class:`~nbprojector.bookmarks.BookmarkError` and the bookmarks already there are
        kept. Returns the names added.
        """
        return self._adopt(fmt.load(path, self.n_points), replace)

    # ---------------------------------------------------------------- internals

    def _adopt(self, states: list[State], replace: bool) -> list[str]:
        if replace:
            self._states = []
        for state in states:
            if state.embedding not in self._data.embeddings:
                state.embedding = self.embedding  # TensorBoard's files do not name one
            state.name = self._unique_name(state.name)
            self._states.append(state)
        self._publish_bookmarks()
        return [s.name for s in states]

    def _unique_name(self, name: str) -> str:
        taken = {s.name for s in self._states}
        candidate, n = name, 2
        while candidate in taken:
            candidate, n = f"{name} ({n})", n + 1
        return candidate

    def _bookmark_index(self, which: str | int) -> int:
        if isinstance(which, (int, np.integer)) and not isinstance(which, bool):
            if not -len(self._states) <= which < len(self._states):
                raise IndexError(f"no bookmark {which}: there are {len(self._states)}")
            return int(which) % len(self._states)
        for i, state in enumerate(self._states):
            if state.name == which:
                return i
        names = [s.name for s in self._states]
        raise KeyError(f"no bookmark named {which!r}; there are {names}")

    def _publish_bookmarks(self) -> None:
        with self.hold_sync():
            self.set_trait("bookmarks", [s.summary() for s in self._states])
            self._bookmark_file = fmt.dumps(self._states, self.n_points).encode("utf-8")

    @t.observe("_bookmark_file")
    def _bookmark_file_changed(self, change: dict[str, Any]) -> None:
        # A restored page (a reloaded notebook with saved widget state) brings the file back.
        if change["new"] and not self._states:
            try:
                self._states = fmt.loads(change["new"], self.n_points)
            except BookmarkError:
                return
            self.set_trait("bookmarks", [s.summary() for s in self._states])

    # ---------------------------------------------------------------- requests

    def _request_bookmark(self, payload: dict[str, Any], buffers: list[Any]) -> dict[str, Any]:
        """The panel's actions: add, restore, rename, delete, and load (file in buffer 0)."""
        action = payload.get("action")
        which = payload.get("which")
        if action == "add":
            return self.add_bookmark(payload.get("name"))
        if action == "restore":
            return self.restore_bookmark(which)
        if action == "rename":
            self.rename_bookmark(which, payload.get("name", ""))
            return {}
        if action == "delete":
            self.delete_bookmark(which)
            return {}
        if action == "load":
            if not buffers:
                raise protocol.ProtocolError("load needs the file's bytes in the first buffer")
            names = self._adopt(fmt.loads(bytes(buffers[0]), self.n_points), False)
            return {"added": names}
        raise protocol.ProtocolError(
            f"unknown bookmark action {action!r}; use add, restore, rename, delete or load"
        )
