"""Exports above the draw budget: the drawn points only, renumbered 0..D-1.

A log dir or an offline page of 20,000,000 points would be as big as the data and draw only
the budget anyway, so ``to_logdir`` and ``to_html`` write the points drawn (and warn). Point
i of the export is the i-th drawn point (drawn indices are sorted, so order is kept).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .bookmarks import State
from .dataset import Dataset
from .export import ExportRecord
from .sources import ArraySource


def subset_dataset(data: Dataset, drawn: np.ndarray) -> Dataset:
    """The rows ``drawn`` of every embedding, the metadata and the images."""
    return Dataset(
        {name: ArraySource(np.ascontiguousarray(source.take(drawn), dtype=np.float32))
         for name, source in data.embeddings.items()},
        data.rows(drawn),  # the columns left on disk too, read for these rows
        None if data.images is None else data.images[drawn],
    )


def renumber(indices: np.ndarray, drawn: np.ndarray) -> np.ndarray:
    """Point indices -> positions among ``drawn`` (sorted); points not drawn are left out."""
    indices = np.asarray(indices, dtype=np.int64)
    slots = np.searchsorted(drawn, indices)
    slots = np.minimum(slots, len(drawn) - 1)
    return slots[drawn[slots] == indices].astype(np.uint32)


def subset_record(record: ExportRecord, drawn: np.ndarray) -> tuple[ExportRecord, int]:
    """``record`` with the drawn points only, and how many bookmarks were left out (those
    of another drawn set: their points are not all in the export)."""
    synced: dict[str, Any] = dict(record.synced)
    selection = np.frombuffer(synced.get("_selection", b""), np.uint32)
    synced.update(
        _drawn=b"",
        n_points=len(drawn),
        _selection=renumber(selection, drawn).tobytes(),
        _found=b"",
        _found_distances=b"",
    )
    kept = [_subset_state(s, drawn) for s in record.bookmarks]
    bookmarks = [s for s in kept if s is not None]
    data = subset_dataset(record.data, drawn)
    out = dataclasses.replace(record, synced=synced, data=data, bookmarks=bookmarks)
    return out, len(kept) - len(bookmarks)


def _subset_state(state: State, drawn: np.ndarray) -> State | None:
    if state.drawn is None or not np.array_equal(state.drawn.astype(np.int64), drawn):
        return None
    isolated = None if state.isolated is None else renumber(state.isolated, drawn)
    return dataclasses.replace(
        state, drawn=None, isolated=isolated, selection=renumber(state.selection, drawn),
        annotations=None,  # made against all points; the exported table already has them
    )  # fmt: skip
