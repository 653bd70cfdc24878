"""Embedding validation: every accepted form, and a clear error for each bad one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbprojector.dataset import Dataset, EmbeddingError, as_embedding


def test_float32_input_is_not_copied():
    x = np.random.default_rng(0).random((10, 4), dtype=np.float32)
    assert as_embedding(x) is x or np.shares_memory(as_embedding(x), x)


@pytest.mark.parametrize(
    "data",
    [
        [[1, 2], [3, 4], [5, 6]],
        np.arange(6, dtype=np.int64).reshape(3, 2),
        pd.DataFrame({"a": [1.0, 2, 3], "b": [4, 5, 6]}),
        np.asfortranarray(np.ones((3, 2))),
    ],
)
def test_accepted_forms(data):
    m = as_embedding(data)
    assert m.dtype == np.float32 and m.shape == (3, 2) and m.flags.c_contiguous


def test_torch_tensor():
    torch = pytest.importorskip("torch")
    assert as_embedding(torch.ones(4, 3)).shape == (4, 3)


def test_not_2d():
    with pytest.raises(EmbeddingError, match=r"must be 2-D .* got shape \(5,\)"):
        as_embedding(np.ones(5))
    with pytest.raises(EmbeddingError, match="reshape"):
        as_embedding(np.ones((4, 2, 2)))


def test_too_small():
    with pytest.raises(EmbeddingError, match="1 point"):
        as_embedding(np.ones((1, 5)))
    with pytest.raises(EmbeddingError, match="1 dimension"):
        as_embedding(np.ones((5, 1)))


def test_nan_and_inf_report_count_and_first_row():
    x = np.ones((10, 3))
    x[4, 1] = np.nan
    x[7, 0] = np.inf
    with pytest.raises(EmbeddingError, match=r"in 2 rows, the first at row 4"):
        as_embedding(x)


def test_non_numeric():
    with pytest.raises(EmbeddingError, match="must be numeric"):
        as_embedding([["a", "b"], ["c", "d"]])
    with pytest.raises(EmbeddingError, match=r"non-numeric columns \['word'\]"):
        as_embedding(pd.DataFrame({"word": ["a", "b"], "x": [1, 2]}))


def test_several_embeddings_must_have_same_length():
    with pytest.raises(EmbeddingError, match="lengths differ"):
        Dataset.from_inputs({"a": np.ones((3, 2)), "b": np.ones((4, 2))})
    data = Dataset.from_inputs({"a": np.ones((3, 2)), "b": np.zeros((3, 5))}, ["x", "y", "z"])
    assert list(data.embeddings) == ["a", "b"] and data.n_points == 3
