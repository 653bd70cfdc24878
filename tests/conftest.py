"""Fixtures shared by the unit tests, and the Hypothesis profiles: "ci" (the default: few
examples, so the suite stays fast) and "long" (``pytest tests/test_properties.py
--hypothesis-profile=long``) for a longer local search."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from sklearn.datasets import load_digits
from sklearn.utils import Bunch

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", max_examples=40, **_COMMON)
settings.register_profile("long", max_examples=2_000, **_COMMON)
settings.load_profile("ci")  # --hypothesis-profile=... loads another after this


@pytest.fixture(scope="session")
def digits() -> Bunch:
    """scikit-learn's 1,797 8 x 8 digits: ``data`` (1797 x 64), ``target``, ``images``."""
    return load_digits()


@pytest.fixture(scope="session")
def digit_vectors(digits: Bunch) -> np.ndarray:
    """The digits as a float32 (1797, 64) matrix (read-only: tests share it)."""
    vectors = digits.data.astype(np.float32)
    vectors.flags.writeable = False
    return vectors


@pytest.fixture(scope="session")
def dask_client():
    """A two-worker Dask cluster of separate processes (as a user's LocalCluster or a real
    cluster would be), shared by the tests that compute on Dask."""
    distributed = pytest.importorskip(
        "distributed", reason="Dask is not installed: pip install 'nbprojector[dask]'"
    )
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, memory_limit="2GiB",
        dashboard_address=None,
    )  # fmt: skip
    # Not the default client: a test that wants one found as "the active client" says so
    # with ``with dask_client.as_current():``, the others keep computing in the kernel.
    client = distributed.Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="session")
def big_lance(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The path of a 2M x 128 float32 Lance dataset (1 GB, see big_lance.py), written once
    for the tests that read it in bounded memory."""
    pytest.importorskip("lance", reason="Lance is not installed: pip install 'nbprojector[lance]'")
    from big_lance import write_big_lance

    return write_big_lance(str(tmp_path_factory.mktemp("big") / "big.lance"))


@pytest.fixture(scope="session")
def big_text_lance(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The path of a Lance corpus of 2M chunks with 200 bytes of text each (see
    big_lance.py), written once."""
    pytest.importorskip("lance", reason="Lance is not installed: pip install 'nbprojector[lance]'")
    from big_lance import write_big_text_lance

    return write_big_text_lance(str(tmp_path_factory.mktemp("big_text") / "text.lance"))
