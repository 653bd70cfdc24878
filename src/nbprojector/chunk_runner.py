"""One function over the row blocks of a vector source: on a Dask cluster, on Dask's
threads, or in this process.

Bulk work over a source bigger than the kernel (PCA's sums, streamed neighbours, placing
points on a fitted layout) is the same small numpy function applied to each block of rows,
whose results are then combined in the kernel. :class:`ChunkRunner` decides where the
blocks are read and the function runs:

* ``"client"``: on the ``dask.distributed`` Client given, or the one active in the notebook
  (``distributed.default_client()``); the source travels to the workers once (a dask array
  as its graph, another source pickled: it must then be readable from the workers, as a
  file-backed source is), and only each block's small result comes back;
* ``"threads"``: on Dask's local thread pool, when Dask is installed but no client runs;
* ``"local"``: block after block in this process (Dask not installed, or asked for).

Results are handed to ``on_result`` as the blocks finish (not necessarily in order), so the
kernel holds one block's result at a time, not all of them. At most ``window`` blocks are
in flight, so workers never hold more than that many blocks either.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import numpy as np

from .sources import VectorSource

T = TypeVar("T")

#: Rows per block when the source does not bring its own chunking (a dask array does).
DEFAULT_ROWS_PER_CHUNK = 65_536

Where = Literal["client", "threads", "local"]

#: fn(rows, ids): ``rows`` the (m, D) float32 vectors of one block, ``ids`` their int64
#: point indices (consecutive for a whole block, a subset's for ``rows=``).
BlockFunction = Callable[[np.ndarray, np.ndarray], Any]

#: progress(done, total) after each block; it may raise to stop (a cancelled job).
BlockProgress = Callable[[int, int], object]


def dask_installed() -> bool:
    """True when ``dask.array`` and ``dask.distributed`` can be imported."""
    return all(importlib.util.find_spec(m) is not None for m in ("dask", "distributed"))


def active_client(explicit: Any = None) -> Any:
    """The Client to compute on: ``explicit`` when given, else the notebook's default
    ``dask.distributed`` Client if one is running, else None."""
    if explicit is not None:
        return explicit
    if not dask_installed():
        return None
    from distributed import default_client

    try:
        return default_client()
    except ValueError:  # no client has been started
        return None


def dask_array_of(source: VectorSource) -> Any:
    """The source's ``dask.array.Array`` (its ``array`` attribute) or None."""
    array = getattr(source, "array", None)
    if array is None or isinstance(array, np.ndarray) or not dask_installed():
        return None  # (checked first: an in-memory source never imports Dask)
    import dask.array as da

    return array if isinstance(array, da.Array) else None


def in_memory(source: VectorSource) -> bool:
    """Whether the source holds its vectors in the kernel (sources say so with
    ``in_memory``; an in-memory numpy array is assumed otherwise)."""
    flag = getattr(source, "in_memory", None)
    if flag is not None:
        return bool(flag)
    return dask_array_of(source) is None


@dataclass(frozen=True)
class _Block:
    start: int
    stop: int
    picked: np.ndarray | None  # the point indices read from [start, stop); None: all
    dask_index: int | None = None  # the block of the source's dask array, when it has one

    @property
    def ids(self) -> np.ndarray:
        """The point indices read. Made when asked for, for a block of every row: all the
        blocks of a pass exist at once, and their indices held up front were 8 bytes a
        point (80 MB over 10M rows)."""
        if self.picked is None:
            return np.arange(self.start, self.stop, dtype=np.int64)
        return self.picked


class ChunkRunner:
    """Applies a function to every block of a source's rows (see the module docstring).

    Args:
        client: a ``dask.distributed`` Client; None finds the active one (if any).
        rows_per_chunk: rows per block for sources without their own chunks.
        use_dask: False keeps everything in this process, even with Dask installed.
        window: blocks in flight at once on Dask (default: twice the workers' threads).
    """

    def __init__(
        self,
        client: Any = None,
        *,
        rows_per_chunk: int = DEFAULT_ROWS_PER_CHUNK,
        use_dask: bool = True,
        window: int | None = None,
    ) -> None:
        if rows_per_chunk < 1:
            raise ValueError(f"rows_per_chunk must be at least 1, got {rows_per_chunk}")
        self._explicit_client = client
        self.rows_per_chunk = int(rows_per_chunk)
        self.use_dask = use_dask and dask_installed()
        if client is not None and not self.use_dask:
            raise ValueError("a Dask client was given but Dask is not installed (or use_dask "
                             "is False); pip install 'nbprojector[dask]'")  # fmt: skip
        self._window = window

    @property
    def client(self) -> Any:
        return active_client(self._explicit_client) if self.use_dask else None

    def where(self, source: VectorSource) -> Where:
        """Where blocks of ``source`` run: on the client, Dask's threads, or here. A source
        held in the kernel runs here unless a client was given explicitly (sending an
        in-memory matrix to workers costs more than computing on it)."""
        if not self.use_dask:
            return "local"
        if self._explicit_client is not None:
            return "client"
        if in_memory(source):
            return "local"
        if self.client is not None:
            return "client"
        return "threads" if dask_array_of(source) is not None else "local"

    # ---------------------------------------------------------------- blocks

    def _blocks(self, source: VectorSource, rows: np.ndarray | None, where: Where,
                rows_per_chunk: int) -> list[_Block]:  # fmt: skip
        n = source.shape[0]
        array = dask_array_of(source) if where != "local" else None
        spans: list[tuple[int, int, int | None]]
        if array is not None:
            bounds = np.concatenate([[0], np.cumsum(array.chunks[0])]).astype(np.int64)
            spans = [(int(a), int(b), i) for i, (a, b) in enumerate(itertools.pairwise(bounds))]
        else:
            step = rows_per_chunk
            spans = [(a, min(n, a + step), None) for a in range(0, n, step)]
        blocks = []
        for start, stop, index in spans:
            if rows is None:
                if stop > start:
                    blocks.append(_Block(start, stop, None, index))
                continue
            ids = rows[np.searchsorted(rows, start) : np.searchsorted(rows, stop)]
            if ids.size:
                blocks.append(_Block(start, stop, ids.astype(np.int64), index))
        return blocks

    # ---------------------------------------------------------------- running

    def run(
        self,
        source: VectorSource,
        fn: BlockFunction,
        on_result: Callable[[np.ndarray, Any], None],
        *,
        rows: np.ndarray | None = None,
        progress: BlockProgress | None = None,
        rows_per_chunk: int | None = None,
    ) -> Where:
        """Call ``fn(block_rows, ids)`` on every block (of ``rows`` only, sorted point
        indices, when given) and ``on_result(ids, result)`` in the kernel as each finishes.
        ``rows_per_chunk`` overrides the runner's block size (a dask array keeps its own).
        Returns where it ran."""
        if rows is not None:
            rows = np.asarray(rows, dtype=np.int64)
        where = self.where(source)
        blocks = self._blocks(source, rows, where, rows_per_chunk or self.rows_per_chunk)
        if where == "local":
            self._run_local(source, blocks, fn, on_result, progress)
        else:
            self._run_dask(source, blocks, fn, on_result, progress, where)
        return where

    def _run_local(self, source: VectorSource, blocks: list[_Block], fn: BlockFunction,
                   on_result: Callable[[np.ndarray, Any], None],
                   progress: BlockProgress | None) -> None:  # fmt: skip
        for done, block in enumerate(blocks, 1):
            on_result(block.ids, fn(_read(source, block), block.ids))
            if progress is not None:
                progress(done, len(blocks))

    def _run_dask(self, source: VectorSource, blocks: list[_Block], fn: BlockFunction,
                  on_result: Callable[[np.ndarray, Any], None],
                  progress: BlockProgress | None, where: Where) -> None:  # fmt: skip
        import dask

        array = dask_array_of(source)
        shared_fn: Any = fn
        shared_source: Any = source
        if where == "client":
            # The function (it may hold a fitted model) and a source that is not a dask array
            # go to each worker once, not with every block.
            client = self.client
            shared_fn = client.scatter(fn, broadcast=True, hash=False)
            if array is None:
                shared_source = client.scatter(source, broadcast=True, hash=False)
        if array is not None:
            array = array.rechunk({1: -1})  # whole rows in every block
            delayed_blocks = array.to_delayed().ravel()
        tasks = []
        for block in blocks:
            if array is not None:
                part = delayed_blocks[block.dask_index]
                tasks.append(dask.delayed(_apply_to_block)(part, block.start, block.ids,
                                                           shared_fn))  # fmt: skip
            else:
                tasks.append(dask.delayed(_apply_to_source)(shared_source, block, shared_fn))
        if where == "client":
            _run_on_client(self.client, tasks, blocks, on_result, progress, self._window)
        else:
            window = self._window or 2 * (os.cpu_count() or 1)
            for first in range(0, len(tasks), window):
                results = dask.compute(*tasks[first : first + window], scheduler="threads")
                for block, result in zip(blocks[first : first + window], results, strict=True):
                    on_result(block.ids, result)
                if progress is not None:
                    progress(min(len(tasks), first + window), len(tasks))


def _run_on_client(client: Any, tasks: list[Any], blocks: list[_Block],
                   on_result: Callable[[np.ndarray, Any], None],
                   progress: BlockProgress | None, window: int | None) -> None:  # fmt: skip
    from distributed import as_completed

    if window is None:
        threads = sum(client.nthreads().values()) or 1
        window = 2 * threads
    pending = iter(range(len(tasks)))
    which: dict[str, int] = {}

    def submit() -> Any:
        i = next(pending, None)
        if i is None:
            return None
        future = client.compute(tasks[i])
        which[future.key] = i
        return future

    started = [f for f in (submit() for _ in range(window)) if f is not None]
    queue = as_completed(started, loop=client.loop)
    done = 0
    try:
        for future in queue:
            result = future.result()
            block = blocks[which.pop(future.key)]
            future.release()
            on_result(block.ids, result)
            done += 1
            if progress is not None:
                progress(done, len(tasks))
            following = submit()
            if following is not None:
                queue.add(following)
    except BaseException:
        for future in started:
            future.cancel()
        queue.clear()
        raise


def _read(source: VectorSource, block: _Block) -> np.ndarray:
    """The rows ``block.ids`` of ``source`` as float32 (a slice of an in-memory array,
    else read with ``take``, which file-backed sources answer without scanning)."""
    array = getattr(source, "array", None)
    if isinstance(array, np.ndarray) and block.ids.size == block.stop - block.start:
        rows = array[block.start : block.stop]
    else:
        rows = source.take(block.ids)
    return np.ascontiguousarray(rows, dtype=np.float32)


def _apply_to_block(part: Any, start: int, ids: np.ndarray, fn: BlockFunction) -> Any:
    rows = np.ascontiguousarray(np.asarray(part), dtype=np.float32)
    if ids.size != len(rows):
        rows = rows[ids - start]
    return fn(rows, ids)


def _apply_to_source(source: VectorSource, block: _Block, fn: BlockFunction) -> Any:
    return fn(_read(source, block), block.ids)
