"""The widget's table edits: annotations from Python and the page, undo and redo.

:class:`Annotations` owns the :class:`~nbprojector.annotations.TableEdits` of the metadata
table and the ``edits`` trait (what the undo / redo buttons and the "Label selection as"
form show). After every change it asks the :class:`ViewState` to redraw what depends on the
table (columns, colours, legend, labels); search, the metadata card, exports and log dirs
read the table itself, so they see the edit at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import protocol
from ..annotations import NUMBER, AnnotationError, Step, TableEdits
from .state import ViewState

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector


class Annotations:
    """Every change to the metadata table after it was loaded goes through here."""

    def __init__(self, widget: Projector, view: ViewState) -> None:
        self._widget = widget
        self._view = view
        self._edits = TableEdits(view.table)

    # ---------------------------------------------------------------- Python API

    def annotate(self, indices: Any, column: Any, value: Any) -> None:
        self._check_not_on_disk(column)
        self._changed(self._edits.annotate(indices, column, value))

    def set_column(self, column: str, values: Any, action: str = "set column") -> None:
        """Set a whole column (made when missing) as one undo step: for code that derives a
        column from the data, e.g. cluster names."""
        self._check_not_on_disk(column)
        self._changed(self._edits.set_column(column, values, action))

    def _check_not_on_disk(self, column: Any) -> None:
        """A text column left on disk is read from the source's files, never written: an
        edit there would be a second copy of the column in memory."""
        if isinstance(column, str) and self._view.data.is_on_disk(column):
            raise AnnotationError(
                f"column {column!r} stays on disk in the source (it has too many distinct "
                "values to hold) and is not editable; annotate a new column (e.g. "
                f"{column + ' (edited)'!r})"
            )

    def undo(self) -> None:
        self._changed(self._edits.undo())

    def redo(self) -> None:
        self._changed(self._edits.redo())

    def log(self) -> pd.DataFrame:
        return self._edits.log()

    def editable(self, column: str) -> bool:
        return self._edits.editable(column)

    # ---------------------------------------------------------------- bookmarks

    def net(self) -> list[dict[str, Any]]:
        """The edits against the data as loaded (what a bookmark keeps)."""
        return self._edits.net()

    def put_back(self, net: list[dict[str, Any]]) -> Step | None:
        """Make the table the data as loaded plus ``net``, as one undo step (None: nothing
        to change)."""
        step = self._edits.put_back(net)
        if step is not None:
            self._changed(step)
        return step

    def take_back(self) -> None:
        """Undo the last step and forget it (a bookmark restore that failed after its
        annotations were put back)."""
        self._changed(self._edits.rollback())

    # ---------------------------------------------------------------- page

    def handle_annotate(self, payload: dict[str, Any], _buffers: list[bytes]) -> dict[str, Any]:
        """The inspector's "Label selection as": the selection gets ``value`` in ``column``.
        The page's text box gives text; a number column takes it as a number."""
        column, value = payload["column"], payload["value"]
        if isinstance(value, str) and column in self._view.table.columns and \
                self._edits.kind(column) == NUMBER:  # fmt: skip
            value = _number(column, value)
        self.annotate(self._view.selection, column, value)
        return {"count": len(self._view.selection)}

    def handle_edit(self, payload: dict[str, Any], _buffers: list[bytes]) -> dict[str, Any]:
        """Undo or redo from the page's buttons and keys."""
        action = payload["action"]
        if action == "undo":
            self.undo()
        elif action == "redo":
            self.redo()
        else:
            raise protocol.ProtocolError(f"unknown edit action {action!r}; use undo or redo")
        return {}

    # ---------------------------------------------------------------- internals

    def _changed(self, step: Step) -> None:
        self._view.table_changed({e.column for e in step.edits})
        self.publish()

    def publish(self) -> None:
        self._widget.set_trait("edits", self._edits.describe())


def _number(column: str, text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise AnnotationError(
            f"column {column!r} holds numbers, so its value must be a number; got {text!r}"
        ) from None
    if not np.isfinite(number):
        raise AnnotationError(f"column {column!r} needs a finite number, got {text!r}")
    return number
