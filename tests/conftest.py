"""Fixtures shared by the unit tests."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.utils import Bunch


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
