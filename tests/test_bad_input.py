"""Bad input, as a careless or hostile user gives it: every case gets its own error class and
a message that names the input and says what is expected, and the widget still works after.

Data (embeddings, PCA), metadata, bookmark files, images and sprite sheets, log dirs, and
the files written (strict JSON, atomic saves that keep the file's identity).
"""

from __future__ import annotations

import base64
import json
import os
import stat
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from nbprojector import Projector
from nbprojector import bookmarks as bookmark_files
from nbprojector.bookmarks import BookmarkError
from nbprojector.dataset import EmbeddingError
from nbprojector.layout import normalize_positions
from nbprojector.metadata import MetadataError, read_tsv
from nbprojector.projections.pca import _covariance_pca, pca
from nbprojector.strictjson import NonFiniteError
from nbprojector.tensorboard import LogdirError, write_logdir

N = 60


@pytest.fixture
def x():
    return np.random.default_rng(0).normal(size=(N, 8)).astype(np.float32)


@pytest.fixture
def p(x):
    widget = Projector(x, {"word": [f"w{i}" for i in range(N)], "digit": np.arange(N) % 4})
    widget.sent = []
    widget.send = lambda content, buffers=None: widget.sent.append(content)
    return widget


def positions(p):
    return np.frombuffer(p._positions, np.float32).reshape(-1, 3)


def still_works(p):
    """The widget answers a request and shows finite positions."""
    if not hasattr(p, "sent"):
        p.sent = []
        p.send = lambda content, buffers=None: p.sent.append(content)
    p._on_page_message(p, {"id": 99, "kind": "row", "payload": {"index": 1}}, [])
    reply = p.sent[-1]
    assert reply["ok"] and reply["result"]["index"] == 1
    assert np.isfinite(positions(p)).all() and positions(p).any()


# ---------------------------------------------------------------- embeddings


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (np.full((5, 3), np.nan), r"NaN or infinite values in 5 row\(s\), the first at row 0"),
        (np.array([[1, 2], [np.inf, 1], [3, 4]]), "the first at row 1; drop or impute"),
        (np.arange(6.0), r"must be 2-D .* got shape \(6,\); wrap a single vector"),
        (np.zeros((4, 3, 2)), r"got shape \(4, 3, 2\); reshape it"),
        ([["a", "b"], ["c", "d"]], "must be numeric, but converting it to float32 failed"),
        (np.zeros((1, 5)), r"has 1 point\(s\); a projection needs at least 2"),
        (np.zeros((5, 1)), r"has 1 dimension\(s\); a projection needs at least 2"),
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


# ---------------------------------------------------------------- bookmark files


def native_file(p, **changes):
    """A valid bookmark file of ``p``'s view, one field of the bookmark changed."""
    p.add_bookmark("view")
    document = json.loads(bookmark_files.dumps(p._states, p.n_points))
    p.delete_bookmark("view")
    document["bookmarks"] = document["bookmarks"][-1:]
    document["bookmarks"][0].update(changes)
    return document


def packed(array, dtype):
    data = np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<"))
    return {"dtype": dtype, "shape": list(data.shape),
            "data": base64.b64encode(data.tobytes()).decode()}  # fmt: skip


def nan_coords():
    coords = np.zeros((N, 3), np.float16)
    coords[5, 1] = np.nan
    return packed(coords, "float16")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"point_size": 1e308}, r"'view'\): field 'point_size' must be a number from 0.5 to 64"),
        ({"label_size": "big"}, r"field 'label_size' must be a number from 6 to 48"),
        ({"image_size": -3}, r"field 'image_size' must be a number from 4 to 128"),
        ({"selection": packed([1.0, 2.0], "float32")}, r"field 'selection': dtype 'float32'"),
        ({"isolated": packed([1, N], "uint32")}, f"field 'isolated': index {N} >= {N} points"),
        ({"selection": packed([[1, 2]], "uint32")}, "must be a flat list of point indices"),
        ({"coords": nan_coords()}, "field 'coords' holds NaN or infinite coordinates"),
        ({"coords": packed(np.zeros((N, 4)), "float32")}, "must be N x 2 or N x 3"),
        ({"coords": packed(np.zeros((N, 2)), "uint32")}, r"dtype 'uint32' is not allowed"),
        ({"coords": packed(np.zeros((7, 2)), "float32")}, f"made for 7 points, but this .* {N}"),
        ({"spherize": "yes"}, "field 'spherize' must be true or false"),
        ({"color_by": 3}, "field 'color_by' must be a string"),
        ({"camera": {"zoom": -1}}, "field 'camera': 'zoom' must be a positive number"),
        ({"camera": {"position": [1, 2]}}, "'position' must be 3 numbers"),
        ({"projection": "pca"}, "field 'projection' must be an object"),
        ({"name": 5}, r"bookmark 1: field 'name' must be a string"),
    ],
)
def test_native_bookmark_files_are_checked_at_load(p, tmp_path, changes, message):
    p.add_bookmark("kept")
    path = tmp_path / "b.json"
    path.write_text(json.dumps(native_file(p, **changes)))
    with pytest.raises(BookmarkError, match=message):
        p.load_bookmarks(path)
    assert [b["name"] for b in p.bookmarks] == ["kept"]  # nothing added
    still_works(p)


def test_nan_literal_in_a_bookmark_file(p, tmp_path):
    text = json.dumps(native_file(p)).replace('"point_size":4.0', '"point_size":NaN')
    text = text.replace('"point_size": 4.0', '"point_size": NaN')
    assert "NaN" in text
    (tmp_path / "b.json").write_text(text)
    with pytest.raises(BookmarkError, match="holds NaN, which strict JSON does not allow"):
        p.load_bookmarks(tmp_path / "b.json")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not a bookmark file: it is not valid JSON"),
        ('{"format": "other"}', "expected nbprojector's format or TensorBoard's"),
        ('{"format": "nbprojector-bookmarks", "version": 9}', "unsupported bookmark file version"),
        ('{"format": "nbprojector-bookmarks", "version": 1}', "has no 'bookmarks' list"),
        ("[" * 100_000, "not a bookmark file"),
    ],
)
def test_damaged_bookmark_files(p, tmp_path, text, message):
    (tmp_path / "b.json").write_text(text)
    with pytest.raises(BookmarkError, match=message):
        p.load_bookmarks(tmp_path / "b.json")
    still_works(p)


def test_truncated_coordinates(p, tmp_path):
    document = native_file(p)
    document["bookmarks"][0]["coords"]["data"] = document["bookmarks"][0]["coords"]["data"][:40]
    (tmp_path / "b.json").write_text(json.dumps(document))
    with pytest.raises(BookmarkError, match=r"field 'coords' is damaged .* may be truncated"):
        p.load_bookmarks(tmp_path / "b.json")


def tensorboard_state(**changes):
    state = {"label": "tb", "selectedProjection": "pca", "pcaComponentDimensions": [0, 1],
             "projections": [{"pca-0": float(i), "pca-1": 1.0} for i in range(N)]}  # fmt: skip
    state.update(changes)
    return state


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"selectedPoints": [0, N]}, f"'tb'\\): field 'selectedPoints' has index {N}, outside"),
        ({"filteredPoints": [-1, 3]}, "field 'filteredPoints' has index -1, outside 0"),
        ({"selectedPoints": [1.5]}, "field 'selectedPoints' must be a list of point indices"),
        ({"pcaComponentDimensions": [0, 1, 2, 3]}, "'pcaComponentDimensions' must list 2 or 3"),
        ({"pcaComponentDimensions": [0, 12]}, "component numbers from 0 to 9, got"),
        ({"projections": [{"pca-0": "1", "pca-1": 1}] * N}, "must map .* to numbers"),
        ({"projections": [{"pca-0": 1e300, "pca-1": 1}] * N}, "coordinates beyond float32"),
        ({"projections": [3] * N}, "must hold one object per point"),
        ({"projections": []}, f"has 0 points' projections, but this projector has {N}"),
        ({"selectedProjection": "magic"}, "unknown projection 'magic'"),
        ({"cameraDef": {"position": [1, 2, 3], "zoom": 0}}, "'zoom' must be a positive"),
        ({"tSNEPerplexity": "30", "selectedProjection": "tsne"}, "'tSNEPerplexity' must be"),
        ({"selectedColorOptionName": ["x"]}, "'selectedColorOptionName' must be a string"),
        ({"selectedProjection": ["pca"]}, r"unknown projection \['pca'\]"),
        ({"selectedPoints": [10**30]}, "field 'selectedPoints' has an index beyond 2"),
        ({"projections": [{"pca-0": 10**400, "pca-1": 1}] * N}, "must map .* to numbers"),
    ],
)
def test_tensorboard_bookmark_files_are_checked_at_load(p, tmp_path, changes, message):
    (tmp_path / "tb.json").write_text(json.dumps([tensorboard_state(**changes)]))
    with pytest.raises(BookmarkError, match=message):
        p.load_bookmarks(tmp_path / "tb.json")
    assert p.bookmarks == []
    still_works(p)


def test_a_bookmark_that_loads_restores(p, tmp_path):
    state = tensorboard_state(selectedPoints=[1, 2], filteredPoints=[0, 1, 2, 3],
                              pcaComponentDimensions=[2, 0, 1])  # fmt: skip
    for point in state["projections"]:
        point["pca-2"] = 0.5
    (tmp_path / "tb.json").write_text(json.dumps([state]))
    p.load_bookmarks(tmp_path / "tb.json")
    p.restore_bookmark("tb")
    assert p.selection.tolist() == [1, 2]
    assert np.frombuffer(p._visible, np.uint8).sum() == 4
    still_works(p)


def test_size_ranges_match_the_widget():
    for name, (lo, hi) in bookmark_files.SIZE_RANGES.items():
        trait = Projector.class_traits()[name]
        assert (trait.min, trait.max) == (lo, hi), name


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


# ---------------------------------------------------------------- files written


def test_bookmark_file_text_is_strict_json(p):
    p.add_bookmark("a")
    p._states[0].camera = {"position": [0, float("nan"), 1]}
    with pytest.raises(NonFiniteError, match=r"number at bookmarks\[0\]\.camera\.position"):
        bookmark_files.dumps(p._states, p.n_points)


def test_html_export_is_strict_json_and_writes_nothing_on_failure(p, tmp_path):
    p.camera = {"position": [0, 0, 2], "target": [0, 0, 0], "zoom": float("inf")}
    with pytest.raises(NonFiniteError, match=r"the export holds a non-finite number at .*zoom"):
        p.to_html(tmp_path / "view.html")
    assert not list(tmp_path.iterdir())  # no half-written file
    p.camera = {}
    p.to_html(tmp_path / "view.html")
    text = (tmp_path / "view.html").read_text()
    data = text.split('type="application/json"', 1)[1].split(">", 1)[1].split("</script>")[0]
    json.loads(data, parse_constant=pytest.fail)  # strict JSON: no NaN or Infinity in it


def test_save_bookmarks_keeps_the_mode(p, tmp_path):
    path = tmp_path / "b.json"
    path.write_text("old")
    os.chmod(path, 0o644)
    p.add_bookmark("a")
    p.save_bookmarks(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [s.name for s in bookmark_files.load(path, N)] == ["a"]
    os.chmod(path, 0o640)
    p.to_html(path)  # the export's save too
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_new_files_get_the_usual_mode(p, tmp_path):
    mask = os.umask(0o022)
    try:
        p.save_bookmarks(tmp_path / "new.json")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o644


def test_save_bookmarks_writes_through_a_symlink(p, tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "b.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    p.add_bookmark("a")
    p.save_bookmarks(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert [s.name for s in bookmark_files.load(target, N)] == ["a"]
    assert sorted(os.listdir(tmp_path / "real")) == ["b.json"]  # no temporary left


# ---------------------------------------------------------------- images and sprite sheets


def sheet(tmp_path, width, height):
    path = tmp_path / "sheet.png"
    Image.new("RGBA", (width, height), (200, 10, 10, 255)).save(path)
    return path


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


# ---------------------------------------------------------------- log dirs


def small_logdir(root, x, **entry_fields):
    """A log dir with one tensor; extra config fields (paths) as given."""
    from tensorboard.plugins import projector

    root.mkdir(parents=True, exist_ok=True)
    np.savetxt(root / "vectors.tsv", x, delimiter="\t", fmt="%.9g")
    config = projector.ProjectorConfig()
    entry = config.embeddings.add(tensor_name="vectors", tensor_path="vectors.tsv")
    for name, value in entry_fields.items():
        if name == "sprite":
            entry.sprite.image_path, dim = value
            entry.sprite.single_image_dim.extend(dim)
        else:
            setattr(entry, name, value)
    from google.protobuf import text_format

    (root / "projector_config.pbtxt").write_text(text_format.MessageToString(config))
    return root


def test_logdir_sprite_of_zero_pixels(tmp_path, x):
    sheet(tmp_path, 80, 80)
    small_logdir(tmp_path, x, sprite=("sheet.png", [0, 0]))
    with pytest.raises(LogdirError, match=r"single_image_dim \[width, height\], both at least 1"):
        Projector.from_logdir(tmp_path)


def test_logdir_sprite_not_whole_cells(tmp_path, x):
    sheet(tmp_path, 80, 80)
    small_logdir(tmp_path, x, sprite=("sheet.png", [8, 7]))
    with pytest.raises(LogdirError, match=r"80 x 80 px\) is not a whole number of images"):
        Projector.from_logdir(tmp_path)


def test_logdir_config_not_utf8(tmp_path, x):
    small_logdir(tmp_path, x)
    config = tmp_path / "projector_config.pbtxt"
    config.write_bytes(config.read_bytes() + b'# caf\xe9\n')
    with pytest.raises(LogdirError, match=f"{config} is not UTF-8 text: byte .* is 0xe9"):
        Projector.from_logdir(tmp_path)


@pytest.mark.parametrize("where", ["../outside.tsv", "ABSOLUTE"])
def test_logdir_paths_leaving_the_folder_are_refused(tmp_path, x, where):
    outside = tmp_path / "outside.tsv"
    outside.write_text("\n".join(f"secret {i}" for i in range(N)) + "\n")
    value = str(outside) if where == "ABSOLUTE" else where
    root = small_logdir(tmp_path / "logs", x, metadata_path=value)
    with pytest.raises(LogdirError, match=f"metadata_path '{value}' in .* leads outside the log"):
        Projector.from_logdir(root)
    p = Projector.from_logdir(root, allow_outside=True)  # the explicit opt-in
    assert p.metadata["label"][0] == "secret 0"


def test_logdir_symlink_leaving_the_folder_is_refused(tmp_path, x):
    (tmp_path / "outside.tsv").write_text("\n".join(map(str, range(N))) + "\n")
    root = small_logdir(tmp_path / "logs", x, metadata_path="meta.tsv")
    (root / "meta.tsv").symlink_to(tmp_path / "outside.tsv")
    with pytest.raises(LogdirError, match="leads outside the log dir"):
        Projector.from_logdir(root)


def test_logdir_bookmarks_are_loaded(tmp_path, x):
    root = small_logdir(tmp_path, x, bookmarks_path="bookmarks.txt")
    state = tensorboard_state(selectedPoints=[3])
    (root / "bookmarks.txt").write_text(json.dumps([state]))
    p = Projector.from_logdir(root)
    assert [b["name"] for b in p.bookmarks] == ["tb"]
    p.restore_bookmark("tb")
    assert p.selection.tolist() == [3] and p.embedding == "vectors"


def test_logdir_damaged_bookmarks_name_the_file(tmp_path, x):
    root = small_logdir(tmp_path, x, bookmarks_path="bookmarks.txt")
    (root / "bookmarks.txt").write_text(json.dumps([tensorboard_state(selectedPoints=[N])]))
    with pytest.raises(LogdirError, match=f"bookmarks_path {root / 'bookmarks.txt'} of 'vectors'"):
        Projector.from_logdir(root)


def test_to_logdir_over_an_older_config_warns_and_reads_back(tmp_path, x):
    Projector({"old": x[:, :4]}, [f"old {i}" for i in range(N)]).to_logdir(tmp_path)
    p = Projector({"new": 2 * x}, {"word": [f"w{i}" for i in range(N)], "n": np.arange(N)})
    with pytest.warns(UserWarning, match=r"replaces projector_config.pbtxt, metadata.tsv .*'old'"):
        p.to_logdir(tmp_path)
    back = Projector.from_logdir(tmp_path)
    assert back.embeddings == ["new"]
    np.testing.assert_allclose(back.vectors, 2 * x, rtol=1e-6)
    assert list(back.metadata.columns) == ["word", "n"]


def test_to_logdir_refuses_a_folder_with_other_runs(tmp_path, x):
    Projector(x).to_logdir(tmp_path / "run1")
    before = sorted(str(f) for f in tmp_path.rglob("*"))
    with pytest.raises(LogdirError, match=r"already holds other projector configs .*run1"):
        Projector(x[:10]).to_logdir(tmp_path)
    assert sorted(str(f) for f in tmp_path.rglob("*")) == before  # nothing written


def test_write_logdir_with_a_bad_sprite_writes_nothing(tmp_path, x):
    with pytest.raises(ValueError, match="images of 0 x 0 pixels"):
        write_logdir(tmp_path / "out", x, None, np.zeros((N, 0, 0), np.uint8))
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
