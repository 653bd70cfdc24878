"""Bad files: bookmark files checked in full at load, log dirs (paths kept inside, bookmarks
loaded, what to_logdir replaces), and the files written (strict JSON, atomic saves that keep
the file's identity). Each case asserts the error class and its message, and that the widget
still works after.
"""

from __future__ import annotations

import base64
import json
import os
import stat

import numpy as np
import pytest
from bad_input_support import N, sheet, still_works, tensorboard_state, vectors, widget

from nbprojector import Projector
from nbprojector import bookmarks as bookmark_files
from nbprojector.bookmarks import BookmarkError
from nbprojector.strictjson import NonFiniteError
from nbprojector.tensorboard import LogdirError, open_logdir, write_logdir


@pytest.fixture
def x():
    return vectors()


@pytest.fixture
def p(x):
    return widget(x)


# ---------------------------------------------------------------- bookmark files


def native_file(p, **changes):
    """A valid bookmark file of ``p``'s view, one field of the bookmark changed."""
    p.add_bookmark("view")
    document = json.loads(bookmark_files.dumps(p._bookmarks.states, p.n_points))
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


# ---------------------------------------------------------------- files written


def test_a_view_with_a_nan_camera_is_not_bookmarked(p):
    p.add_bookmark("kept")
    p.camera = {"position": [0, 0, 2], "target": [0, 0, 0], "zoom": float("nan")}
    with pytest.raises(BookmarkError, match="field 'camera' holds a non-finite number"):
        p.add_bookmark("bad")
    assert [b["name"] for b in p.bookmarks] == ["kept"] and len(p._bookmarks.states) == 1
    p.camera = {}
    assert p.add_bookmark("good")["name"] == "good"
    still_works(p)


def test_bookmark_file_text_is_strict_json(p):
    p.add_bookmark("a")
    p._bookmarks.states[0].camera = {"position": [0, float("nan"), 1]}
    with pytest.raises(NonFiniteError, match=r"number at bookmarks\[0\]\.camera\.position"):
        bookmark_files.dumps(p._bookmarks.states, p.n_points)


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


def test_open_logdir_reads_without_touching_a_widget(tmp_path, x):
    """open_logdir hands back what it read; from_logdir gives it to the widget's parts."""
    root = small_logdir(tmp_path, x, bookmarks_path="bookmarks.txt")
    (root / "bookmarks.txt").write_text(json.dumps([tensorboard_state(selectedPoints=[3])]))
    opened = open_logdir(root)
    assert list(opened.logdir.embeddings) == ["vectors"]
    assert [state.name for state in opened.bookmarks] == ["tb"]
    assert opened.bookmarks[0].embedding == "vectors"  # TensorBoard's files name none
    arguments = opened.widget_arguments(Projector, {"label_by": "index"})
    assert arguments["label_by"] == "index" and "meta" in arguments
    p = Projector.from_logdir(root)
    assert [entry.name for entry in p._exports.logdir_entries] == ["vectors"]


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
