"""Bad input, as a careless or hostile user gives it: every case gets its own error class and
a message that names the input and says what is expected, and the widget still works after.

Data (embeddings, PCA), metadata, images and sprite sheets, and the file readers' own error
classes; bookmark files, log dirs and the files written are in test_bad_input_files.py.
"""

from __future__ import annotations

import os
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
from bad_input_support import N, positions, sheet, still_works, vectors, widget
from sklearn.datasets import load_digits

from nbprojector import Projector
from nbprojector.dataset import EmbeddingError
from nbprojector.layout import normalize_positions
from nbprojector.metadata import MetadataError, read_tsv
from nbprojector.projections.pca import _covariance_pca, pca
from nbprojector.tensorboard import LogdirError


@pytest.fixture
def x():
    return vectors()


@pytest.fixture
def p(x):
    return widget(x)


# ---------------------------------------------------------------- embeddings


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (np.full((5, 3), np.nan), r"NaN or infinite values in 5 rows, the first at row 0"),
        (np.array([[1, 2], [np.inf, 1], [3, 4]]), "the first at row 1; drop or impute"),
        (np.arange(6.0), r"must be 2-D .* got shape \(6,\); wrap a single vector"),
        (np.zeros((4, 3, 2)), r"got shape \(4, 3, 2\); reshape it"),
        ([["a", "b"], ["c", "d"]], "must be numeric, but converting it to float32 failed"),
        (np.zeros((1, 5)), r"has 1 point; a projection needs at least 2"),
        (np.zeros((5, 1)), r"has 1 dimension; a projection needs at least 2"),
        (np.ones((5, 3), dtype=complex), "holds complex numbers; pass real vectors"),
        ([[1 + 2j, 3], [4, 5]], "holds complex numbers; pass real vectors"),
        (np.array([[1e39, 1.0], [1.0, 2.0]]), r"beyond float32's range \(\+-3.4e38\) in row 0"),
        ({}, "no embeddings given: the dict is empty"),
        ({"a": np.zeros((5, 2)), "b": np.zeros((4, 2))}, r"lengths differ: \{'a': 5, 'b': 4\}"),
    ],
)
def test_bad_embeddings_are_refused(data, message, x):
    with pytest.raises(EmbeddingError, match=message):
        Projector(data)
    p = Projector(x)  # the next one works
    assert np.isfinite(positions(p)).all()


def test_wide_matrix_pca_is_fast_and_small():
    x = np.random.default_rng(1).random((10, 200_000), dtype="f4")
    tracemalloc.start()
    try:
        p = Projector(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 400e6  # a D x D float64 covariance would be 298 GiB
    assert p.projection["method"] == "pca" and np.isfinite(positions(p)).all()
    assert np.ptp(positions(p)[:, 0]) > 1  # the points are spread, not collapsed


def test_wide_pca_is_the_same_as_the_covariance_one():
    x = np.random.default_rng(2).random((40, 300)).astype(np.float32) * [np.linspace(1, 3, 300)]
    x = x.astype(np.float32)
    gram, cov = pca(x, 10), _covariance_pca(x, 10)
    np.testing.assert_allclose(gram.explained_variance_ratio, cov.explained_variance_ratio,
                               rtol=1e-4, atol=1e-7)  # fmt: skip
    np.testing.assert_allclose(gram.components, cov.components, atol=1e-4)  # same signs
    np.testing.assert_allclose(gram.scores, cov.scores, atol=1e-4)
    np.testing.assert_allclose(gram.mean, cov.mean, atol=1e-6)


def test_wide_pca_with_more_components_than_rank():
    x = np.random.default_rng(3).random((5, 50)).astype(np.float32)  # centred rank 4
    result = pca(x, 10)
    c = result.components.astype(np.float64)
    np.testing.assert_allclose(c @ c.T, np.eye(5), atol=1e-5)  # still orthonormal
    np.testing.assert_allclose(result.scores[:, 4], 0, atol=1e-5)


@pytest.mark.parametrize("shape", [(300, 5), (6, 40)])
def test_values_near_float32_max_give_finite_positions(shape):
    x = np.random.default_rng(4).uniform(-3e38, 3e38, shape).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        p = Projector(x)
    pos = positions(p)
    assert np.isfinite(pos).all() and np.ptp(pos[:, 0]) > 1
    assert all(np.isfinite(v) for v in p.projection.get("explained_variance", []))


def test_positions_sent_are_never_nan():
    with pytest.raises(ValueError, match="NaN or infinite coordinate at point 2"):
        normalize_positions(np.array([[0, 0], [1, 1], [np.nan, 0]], np.float32))
    spread = normalize_positions(np.array([[-3.3e38, 0], [3.3e38, 1]], np.float32))
    assert np.isfinite(spread).all() and spread[0, 0] == -1 and spread[1, 0] == 1


# ---------------------------------------------------------------- metadata


@pytest.mark.parametrize(
    ("meta", "error", "message"),
    [
        (["a", "b", "c"], MetadataError, f"has 3 rows but the embedding has {N} points"),
        (np.zeros((N, 2)), MetadataError, r"must be 1-D \(one label per point\)"),
        ({"a": [1, 2]}, MetadataError, f"column 'a' has 2 values but the embedding has {N}"),
        (42, MetadataError, "unsupported metadata type int"),
        ("/no/such/meta.tsv", MetadataError, "metadata file not found: /no/such/meta.tsv"),
    ],
)
def test_bad_metadata_is_refused(meta, error, message, x):
    with pytest.raises(error, match=message):
        Projector(x, meta)
    assert Projector(x, [str(i) for i in range(N)]).n_points == N


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("label\n" + "\n".join(map(str, range(N))), "single-column metadata must not have a"),
        ("a\tb\n" + "\n".join(f"{i}\t{i}" for i in range(N - 1)), "the first line was read as a"),
    ],
)
def test_row_count_mismatch_gives_the_header_hint(tmp_path, x, text, hint):
    (tmp_path / "m.tsv").write_text(text)
    with pytest.raises(MetadataError, match=hint):
        Projector(x, tmp_path / "m.tsv")


def test_ragged_tsv_names_the_line(tmp_path):
    (tmp_path / "m.tsv").write_text("a\tb\n1\t2\n3\n")
    with pytest.raises(MetadataError, match="metadata line 3 has 1 fields but the header has 2"):
        read_tsv(tmp_path / "m.tsv")


def test_duplicate_dataframe_columns_stay_distinct(x):
    table = pd.DataFrame(np.arange(3 * N).reshape(N, 3), columns=["a", "a", "a (2)"])
    p = Projector(x, table)
    assert list(p.metadata.columns) == ["a", "a (3)", "a (2)"]
    np.testing.assert_array_equal(p.metadata["a (2)"], table.iloc[:, 2])  # its own column
    np.testing.assert_array_equal(p.metadata["a (3)"], table.iloc[:, 1])
    p.color_by = "a (3)"
    assert p.legend["column"] == "a (3)"


def test_duplicate_tsv_header_loses_no_column(tmp_path):
    (tmp_path / "m.tsv").write_text("w\tw\tw (2)\n1\t2\t3\n")
    table = read_tsv(tmp_path / "m.tsv")
    assert list(table.columns) == ["w", "w (3)", "w (2)"]
    assert table.iloc[0].tolist() == [1, 2, 3]


def test_dict_keys_that_print_the_same_stay_two_columns(x):
    p = Projector(x, {1: np.zeros(N), "1": np.ones(N)})
    assert list(p.metadata.columns) == ["1", "1 (2)"]
    assert p.metadata["1 (2)"].eq(1).all()


def test_tsv_rows_end_at_newline_only(tmp_path, x):
    labels = [f"a\u2028b{i}" if i % 3 == 0 else f"c\x85d\x0ce\x1d{i}" for i in range(N)]
    (tmp_path / "m.tsv").write_bytes(("\n".join(labels) + "\n").encode("utf-8"))
    p = Projector(x, tmp_path / "m.tsv")
    assert p.metadata["label"].tolist() == labels
    still_works(p)


def test_tsv_crlf_and_byte_order_mark(tmp_path):
    (tmp_path / "m.tsv").write_bytes(b"\xef\xbb\xbfname\tn\r\nx\t1\r\ny\t2\r\n")
    table = read_tsv(tmp_path / "m.tsv")
    assert list(table.columns) == ["name", "n"] and table["name"].tolist() == ["x", "y"]
    assert table["n"].tolist() == [1, 2]


def test_non_utf8_tsv_names_the_file_and_byte(tmp_path, x):
    path = tmp_path / "latin1.tsv"
    path.write_bytes("name\tn\ncaf\u00e9\t1\n".encode("latin-1"))
    with pytest.raises(MetadataError, match=f"{path} is not UTF-8 text: byte 10 is 0xe9"):
        read_tsv(path)


# ---------------------------------------------------------------- other readers


def test_readers_raise_their_own_errors(tmp_path):
    from nbprojector.tensorboard import parse_config
    from nbprojector.tensorfiles import TensorFileError, read_tensor

    with pytest.raises(MetadataError, match="cannot read the metadata file"):
        read_tsv(tmp_path / "missing.tsv")
    with pytest.raises(TensorFileError, match="tensor file not found"):
        read_tensor(tmp_path / "missing.tsv")
    (tmp_path / "t").write_bytes(b"5\r]")  # a lone carriage return is not a line end
    with pytest.raises(TensorFileError, match=r"line 1, value 1 is '5\\r\]', not a number"):
        read_tensor(tmp_path / "t")
    (tmp_path / "crlf.tsv").write_bytes(b"1\t2\r\n3\t4\r\n")
    np.testing.assert_array_equal(read_tensor(tmp_path / "crlf.tsv")[0], [[1, 2], [3, 4]])
    (tmp_path / "cut.npy").write_bytes(b"\x93NUMPY\x01\x00")
    with pytest.raises(TensorFileError, match=r"cannot read .*cut\.npy as \.npy"):
        read_tensor(tmp_path / "cut.npy")
    for text, message in (("[]", "holds a JSON list, not an object"),
                          ("[" * 5000, "nested too deeply")):  # fmt: skip
        (tmp_path / "c.json").write_text(text)
        with pytest.raises(LogdirError, match=message):
            parse_config(tmp_path / "c.json")


# ---------------------------------------------------------------- images and sprite sheets


@pytest.mark.parametrize(
    ("images", "dim", "message"),
    [
        (np.zeros((N, 0, 0), np.uint8), None, r"images: images of 0 x 0 pixels .* are empty"),
        (np.zeros((N, 4, 0, 3), np.uint8), None, "each image needs at least 1 x 1 pixel"),
        (np.full((N, 4, 4, 3), 2.0), None, r"float RGB / RGBA images need values in \[0, 1\]"),
        (np.full((N, 4, 4), np.nan), None, "contains NaN or infinity"),
        ("SHEET", (10.7, 10.2), r"single_image_dim must be \(width, height\) in whole pixels"),
        ("SHEET", "55", r"got '55' \(text, not two numbers\)"),
        ("SHEET", (0, 0), "both must be at least 1"),
        ("SHEET", (8, 8, 8), r"3 values, not 2"),
        ("SHEET", (8, 7), "the sprite sheet is 80 px tall, not a multiple of the image height 7"),
        ("/no/such/sheet.png", (8, 8), "the sprite sheet '/no/such/sheet.png' does not exist"),
        ("NOT_AN_IMAGE", (8, 8), "is not an image Pillow can read"),
        ("FOLDER", (8, 8), "is a folder, not an image file"),
    ],
)
def test_bad_images_are_refused(p, tmp_path, images, dim, message):
    if isinstance(images, str) and images.isupper():  # made here
        fake = tmp_path / "fake.png"
        fake.write_text("not a png")
        images = {"SHEET": sheet(tmp_path, 80, 80), "NOT_AN_IMAGE": fake, "FOLDER": tmp_path}[
            images
        ]
    with pytest.raises(ValueError, match=message):
        Projector(p.vectors, images=images, single_image_dim=dim)
    with pytest.raises(ValueError, match=message):
        p.set_images(images, single_image_dim=dim)
    assert p.images is None
    still_works(p)


def test_unreadable_sprite_sheet(tmp_path, p):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = sheet(tmp_path, 80, 80)
    os.chmod(path, 0)
    with pytest.raises(ValueError, match="cannot be read"):
        p.set_images(path, single_image_dim=(8, 8))


def test_grey_float_images_are_scaled_by_their_range():
    d = load_digits()  # grey images with values 0..16
    p = Projector(d.data, {"digit": d.target}, images=d.images)
    thumbs = p.images[..., 0]
    expected = np.rint(d.images * (255 / 16)).astype(np.uint8)
    np.testing.assert_array_equal(thumbs, expected)
    assert p.show_images
