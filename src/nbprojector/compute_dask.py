"""The Dask compute engine: bulk work over a source's blocks on a Dask cluster.

The same numpy code as :class:`~nbprojector.compute.LocalCompute`, run per block where Dask
runs it: on the Client given (``Projector(..., compute=client)``, e.g.
``Client("tcp://scheduler:8786")`` for a real cluster, or a ``LocalCluster``), else on the
client active in the notebook (``distributed.default_client()``), else on Dask's threads for
a dask array. Sources held in the kernel stay in the kernel unless a client is given
explicitly: shipping an in-memory matrix to workers costs more than computing on it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .chunk_runner import DEFAULT_ROWS_PER_CHUNK, ChunkRunner, dask_installed
from .compute import LocalCompute

MISSING_MESSAGE = "computing on Dask needs Dask: pip install 'nbprojector[dask]'"


class DaskCompute(LocalCompute):
    """PCA, t-SNE/UMAP placement (and, through the neighbour backends, streamed neighbours)
    on Dask.

    Args:
        client: a ``distributed.Client``; None uses the notebook's active client when there
            is one at the time of each computation.
        rows_per_chunk: rows per block for sources without chunks of their own.
        fit_points: as for :class:`~nbprojector.compute.LocalCompute`.
    """

    def __init__(self, client: Any = None, *, rows_per_chunk: int = DEFAULT_ROWS_PER_CHUNK,
                 fit_points: int | np.ndarray | None = None) -> None:  # fmt: skip
        if not dask_installed():
            raise ImportError(MISSING_MESSAGE)
        super().__init__(ChunkRunner(client, rows_per_chunk=rows_per_chunk),
                         fit_points=fit_points)  # fmt: skip
        self.client = client


def default_compute(compute: Any = None) -> LocalCompute:
    """The engine for ``Projector(..., compute=...)``: an engine as given; a Dask Client (or
    "dask") for :class:`DaskCompute` on it; None for Dask when it is installed (it then
    uses a client only when one is active and the data is not in memory), else local;
    "local" for this process only."""
    if isinstance(compute, LocalCompute):
        return compute
    if compute is None:
        return DaskCompute() if dask_installed() else LocalCompute()
    if isinstance(compute, str) and compute in ("local", "dask"):
        return LocalCompute() if compute == "local" else DaskCompute()
    if dask_installed():
        from distributed import Client

        if isinstance(compute, Client):
            return DaskCompute(compute)
    raise ValueError(
        f"compute must be 'local', 'dask', a dask.distributed Client or a compute engine, got "
        f"{type(compute).__name__}"
        + ("" if dask_installed() else f" ({MISSING_MESSAGE})")
    )
