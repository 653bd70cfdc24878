"""TensorBoard log dirs and standalone configs in and out."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from tensorboard.plugins import projector

from nbprojector import Projector
from nbprojector.tensorboard import LogdirError, read_logdir, write_logdir
from nbprojector.tensorfiles import read_tensor

N = 60


@pytest.fixture(scope="module")
def logdir_inputs(digits):
    d = digits
    x = d.data[:N].astype(np.float32) / 7
    words = np.array([f"item {i}" for i in range(N)], dtype=object)
    table = pd.DataFrame({"word": words, "digit": d.target[:N]})
    return x, table, (d.images[:N] * 15).astype(np.uint8)


def write_sprite(path, images, columns=8):
    """A row-first sprite sheet of (n, h, w) grey images, `columns` wide (not square)."""
    n, h, w = images.shape
    rows = -(-n // columns)
    cells = np.zeros((rows * columns, h, w), np.uint8)
    cells[:n] = images
    sheet = cells.reshape(rows, columns, h, w).swapaxes(1, 2).reshape(rows * h, columns * w)
    Image.fromarray(sheet).save(path)


def assert_same_table(left, right):
    """Equal values and column kinds (pandas' string dtype and object text count as one)."""
    pd.testing.assert_frame_equal(left, right, check_dtype=False)
    for column in left.columns:
        assert left[column].dtype.kind == right[column].dtype.kind or (
            not pd.api.types.is_numeric_dtype(left[column])
            and not pd.api.types.is_numeric_dtype(right[column])
        )


def tsv(path, x):
    np.savetxt(path, x, delimiter="\t", fmt="%.9g")


def tensorboard_logdir(root, x, table, images):
    """A log dir as users make it: TensorBoard's own visualize_embeddings writes the config."""
    root.mkdir(parents=True, exist_ok=True)
    tsv(root / "vectors.tsv", x)
    (2 * x).astype("<f4").tofile(root / "doubled.bytes")
    table.to_csv(root / "meta.tsv", sep="\t", index=False)
    write_sprite(root / "sprite.png", images)
    (root / "bookmarks.json").write_text("[]")
    config = projector.ProjectorConfig()
    first = config.embeddings.add(tensor_name="vectors:0", tensor_path="vectors.tsv")
    first.metadata_path = "meta.tsv"
    first.bookmarks_path = "bookmarks.json"
    first.sprite.image_path = "sprite.png"
    first.sprite.single_image_dim.extend([8, 8])
    second = config.embeddings.add(tensor_name="doubled", tensor_path="doubled.bytes")
    second.tensor_shape.extend(x.shape)
    second.metadata_path = "meta.tsv"
    second.sprite.CopyFrom(first.sprite)
    projector.visualize_embeddings(str(root), config)


def test_reads_a_logdir_written_by_tensorboard(tmp_path, logdir_inputs):
    x, table, images = logdir_inputs
    tensorboard_logdir(tmp_path, x, table, images)
    data = read_logdir(tmp_path)
    assert list(data.embeddings) == ["vectors", "doubled"]  # ':0' dropped, as TensorBoard does
    np.testing.assert_array_equal(data.embeddings["vectors"], x)
    np.testing.assert_array_equal(data.embeddings["doubled"], 2 * x)
    assert_same_table(data.metadata, table)
    assert data.sprite.image_path == tmp_path / "sprite.png"
    assert data.sprite.single_image_dim == (8, 8)
    thumbs = data.sprite.thumbnails(N)
    np.testing.assert_array_equal(thumbs[..., 0], images)  # a non-square grid, row-first
    assert data.bookmarks == {"vectors": tmp_path / "bookmarks.json"}


def test_from_logdir_builds_the_widget(tmp_path, logdir_inputs):
    x, table, images = logdir_inputs
    tensorboard_logdir(tmp_path, x, table, images)
    p = Projector.from_logdir(tmp_path, label_by="word", color_by="digit")
    assert p.embeddings == ["vectors", "doubled"] and p.n_points == N
    assert p.label_by == "word" and p.color_by == "digit"
    np.testing.assert_array_equal(p.vectors, x)
    p.embedding = "doubled"
    np.testing.assert_array_equal(p.vectors, 2 * x)
    assert p._exports.logdir_sprite.single_image_dim == (8, 8)
    assert p.bookmarks == []  # its bookmarks.json holds none
    only = Projector.from_logdir(tmp_path, tensors=["doubled"])
    assert only.embeddings == ["doubled"]


def test_several_runs_become_run_slash_tensor(tmp_path, logdir_inputs):
    x, table, _ = logdir_inputs
    for run, scale in (("epoch1", 1), ("epoch10", 3)):
        # one run as visualize_embeddings writes it into a run, one in TensorBoard's
        # plugin-asset folder; relative paths resolve against each config's own folder
        folder = tmp_path / run
        if run == "epoch10":
            folder = folder / "plugins" / "org_tensorflow_tensorboard_projector"
        folder.mkdir(parents=True)
        tsv(folder / "emb.tsv", scale * x)
        table.to_csv(folder / "meta.tsv", sep="\t", index=False)
        config = projector.ProjectorConfig()
        config.embeddings.add(tensor_name="emb", tensor_path="emb.tsv", metadata_path="meta.tsv")
        projector.visualize_embeddings(str(folder), config)
    p = Projector.from_logdir(tmp_path)
    assert p.embeddings == ["epoch1/emb", "epoch10/emb"]
    p.embedding = "epoch10/emb"
    np.testing.assert_allclose(p.vectors, 3 * x, rtol=1e-6)
    assert_same_table(p.metadata, table)


def test_standalone_json_config(tmp_path, logdir_inputs):
    x, table, images = logdir_inputs
    (tmp_path / "data").mkdir()
    x.astype("<f4").tofile(tmp_path / "data" / "tensor.bytes")
    tsv(tmp_path / "data" / "other.tsv", x[:, ::-1])
    table[["word"]].to_csv(tmp_path / "data" / "labels.tsv", sep="\t", index=False, header=False)
    write_sprite(tmp_path / "data" / "sprite.png", images)
    config = {
        "embeddings": [
            {
                "tensorName": "Digits",
                "tensorShape": [N, 64],
                "tensorPath": "data/tensor.bytes",
                "metadataPath": "data/labels.tsv",
                "sprite": {"imagePath": "data/sprite.png", "singleImageDim": [8, 8]},
                "bookmarksPath": "data/bookmarks.txt",
            },
            {"tensorName": "Reversed", "tensorShape": [N, 64], "tensorPath": "data/other.tsv"},
        ],
        "modelCheckpointPath": "Demo datasets",
    }
    (tmp_path / "oss_config.json").write_text(json.dumps(config))
    data = read_logdir(tmp_path / "oss_config.json")
    assert list(data.embeddings) == ["Digits", "Reversed"]
    np.testing.assert_array_equal(data.embeddings["Digits"], x)
    np.testing.assert_array_equal(data.embeddings["Reversed"], x[:, ::-1])
    assert data.metadata["label"].tolist() == table["word"].tolist()  # one column: no header
    assert data.sprite.single_image_dim == (8, 8)
    assert data.bookmarks["Digits"] == tmp_path / "data" / "bookmarks.txt"
    # A folder holding only projector_config.json is read too.
    (tmp_path / "oss_config.json").rename(tmp_path / "projector_config.json")
    assert list(read_logdir(tmp_path).embeddings) == ["Digits", "Reversed"]


def test_tensor_files_tsv_labels_npy_bytes(tmp_path, logdir_inputs):
    x, table, _ = logdir_inputs
    lines = [
        f"{w}\t" + "\t".join(f"{v:.9g}" for v in row)
        for w, row in zip(table["word"], x, strict=True)
    ]
    (tmp_path / "labelled.tsv").write_text("\n".join(lines) + "\n\n")  # blank lines skipped
    vectors, labels = read_tensor(tmp_path / "labelled.tsv")
    np.testing.assert_array_equal(vectors, x)
    assert labels.tolist() == table["word"].tolist()
    np.save(tmp_path / "v.npy", x.astype(np.float64))
    np.testing.assert_array_equal(read_tensor(tmp_path / "v.npy")[0], x)
    x.astype("<f4").tofile(tmp_path / "v")  # no suffix: recognised as binary
    np.testing.assert_array_equal(read_tensor(tmp_path / "v", (N, 64))[0], x)
    # A TSV tensor with labels and no metadata file: the labels become the metadata.
    config = projector.ProjectorConfig()
    config.embeddings.add(tensor_name="t", tensor_path="labelled.tsv")
    projector.visualize_embeddings(str(tmp_path), config)
    p = Projector.from_logdir(tmp_path)
    assert p.metadata["label"].tolist() == table["word"].tolist() and p.n_dims == 64


@pytest.mark.parametrize("tensor_format", ["tsv", "bytes"])
def test_round_trip_is_identical(tmp_path, logdir_inputs, tensor_format):
    x, table, images = logdir_inputs
    rng = np.random.default_rng(1)
    odd = (rng.normal(size=(N, 5)) * 10.0 ** rng.integers(-30, 30, size=(N, 5))).astype(np.float32)
    p = Projector({"logdir_inputs": x, "epoch 10/odd": odd}, table)
    config_path = write_logdir(
        tmp_path / "first", p._view.data.embeddings, table, images, tensor_format=tensor_format
    )
    q = Projector.from_logdir(config_path.parent)
    q.to_logdir(tmp_path / "second", tensor_format=tensor_format)
    r = Projector.from_logdir(tmp_path / "second")
    for widget in (q, r):
        assert widget.embeddings == ["logdir_inputs", "epoch 10/odd"]
        np.testing.assert_array_equal(widget._view.data.embeddings["logdir_inputs"], x)
        np.testing.assert_array_equal(widget._view.data.embeddings["epoch 10/odd"], odd)
        assert_same_table(widget.metadata, table)
        np.testing.assert_array_equal(widget._exports.logdir_sprite.thumbnails(N)[..., 0], images)


def test_tensorboards_own_plugin_reads_what_we_write(tmp_path, logdir_inputs):
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.projector import projector_plugin

    x, table, images = logdir_inputs
    write_logdir(tmp_path, {"a": x, "b": -x}, table, images)
    plugin = projector_plugin.ProjectorPlugin(base_plugin.TBContext(logdir=str(tmp_path)))
    plugin._update_configs()
    (info_a, info_b) = plugin._configs["."].embeddings
    assert (info_a.tensor_name, list(info_a.tensor_shape)) == ("a", [N, 64])
    assert info_a.metadata_path == "metadata.tsv" and info_b.sprite.image_path == "sprite.png"
    tensor = projector_plugin._read_tensor_tsv_file(str(tmp_path / info_b.tensor_path))
    np.testing.assert_array_equal(tensor, -x)
    sheet = Image.open(tmp_path / "sprite.png")
    assert sheet.size[0] // 8 == sheet.size[1] // 8 == 8  # a square grid, as TensorBoard wants


def test_single_matrix_and_default_metadata(tmp_path, logdir_inputs):
    x, _, _ = logdir_inputs
    p = Projector(x)
    p.to_logdir(tmp_path)
    assert not (tmp_path / "metadata.tsv").exists()  # the default index column is not data
    q = Projector.from_logdir(tmp_path)
    assert q.embeddings == ["embedding"] and list(q.metadata.columns) == ["index"]


def config_with(tmp_path, text):
    (tmp_path / "projector_config.pbtxt").write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "nowhere", "log dir not found"),
        (lambda d: d, "no projector_config.pbtxt in"),
        (lambda d: config_with(d, "embeddings { tensor_nam: 'x' }"), "cannot parse the projector"),
        (lambda d: config_with(d, "embeddings {"), r"projector_config.pbtxt: .*1:"),
        (
            lambda d: config_with(d, 'embeddings { tensor_name: "v" tensor_path: "gone.tsv" }'),
            r"tensor file not found: .*gone.tsv \(tensor 'v' in",
        ),
        (
            lambda d: config_with(d, 'embeddings { tensor_name: "v" tensor_path: "ragged.tsv" }'),
            "line 3 has 2 values but line 1 has 3",
        ),
        (
            lambda d: config_with(d, 'embeddings { tensor_name: "v" tensor_path: "words.tsv" }'),
            "line 2, value 2 is 'x', not a number",
        ),
        (
            lambda d: config_with(
                d, 'embeddings { tensor_name: "v" tensor_path: "v.bytes" tensor_shape: [7, 3] }'
            ),
            r"tensor_shape \[7, 3\] needs 7 x 3 = 21 float32 values \(84 bytes\), but .*v.bytes "
            r"has 72 bytes = 18 values \(= 6 rows of 3\)",
        ),
        (
            lambda d: config_with(d, 'embeddings { tensor_name: "v" tensor_path: "v.bytes" }'),
            r"v.bytes \(18 values\) needs tensor_shape \[N, D\]",
        ),
        (
            lambda d: config_with(d, 'embeddings { tensor_name: "v" tensor_path: "odd.bytes" }'),
            "has 7 bytes, not a whole number of float32 values",
        ),
        (
            lambda d: config_with(
                d, 'embeddings { tensor_name: "v" tensor_path: "ok.tsv" metadata_path: "m.tsv" }'
            ),
            r"metadata file not found: .*m.tsv \(metadata_path of 'v'",
        ),
        (
            lambda d: config_with(
                d, 'embeddings { tensor_name: "v" tensor_path: "ok.tsv" metadata_path: "h.tsv" }'
            ),
            "metadata has 4 rows but the embedding has 3 points.*must not have a header row",
        ),
        (
            lambda d: config_with(
                d,
                'embeddings { tensor_name: "v" tensor_path: "ok.tsv" }\n'
                'embeddings { tensor_name: "w" tensor_path: "v.bytes" tensor_shape: [6, 3] }',
            ),
            r"different numbers of points \{'v': 3, 'w': 6\}",
        ),
        (
            lambda d: config_with(
                d,
                'embeddings { tensor_name: "v" tensor_path: "ok.tsv" '
                'sprite { image_path: "tiny.png" single_image_dim: [8, 8] } }',
            ),
            "holds 2 images of 8 x 8 px, but there are 3 points",
        ),
        (
            lambda d: config_with(
                d, 'embeddings { tensor_name: "v" tensor_path: "https://x.org/t.tsv" }'
            ),
            "a URL: download it",
        ),
    ],
)
def test_malformed_inputs_have_clear_messages(tmp_path, make, message):
    (tmp_path / "ragged.tsv").write_text("1\t2\t3\n4\t5\t6\n7\t8\n")
    (tmp_path / "words.tsv").write_text("1\t2\t3\n4\tx\t6\n")
    (tmp_path / "ok.tsv").write_text("1\t2\t3\n4\t5\t6\n7\t8\t9.5\n")
    (tmp_path / "h.tsv").write_text("label\na\nb\nc\n")
    np.arange(18, dtype="<f4").tofile(tmp_path / "v.bytes")
    (tmp_path / "odd.bytes").write_bytes(b"\x01\x02\x03\x04\x05\x06\x07")
    Image.new("L", (16, 8)).save(tmp_path / "tiny.png")
    with pytest.raises(LogdirError, match=message):
        read_logdir(make(tmp_path))


def test_checkpoint_tensor_without_tensorflow(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # import tensorflow fails
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "model.ckpt-1"\n')
    config_with(tmp_path, 'embeddings { tensor_name: "word_embedding/embeddings:0" }')
    with pytest.raises(LogdirError) as info:
        Projector.from_logdir(tmp_path)
    message = str(info.value)
    assert "tensor 'word_embedding/embeddings'" in message and "no tensor_path" in message
    assert "pip install tensorflow" in message and "export the tensor as TSV" in message
    config_with(tmp_path, "")  # no embeddings listed: every checkpoint tensor, TF needed
    with pytest.raises(LogdirError, match=r"takes its tensors from the checkpoint .*tensorflow"):
        read_logdir(tmp_path)


def test_tensors_filter_and_differing_metadata(tmp_path, logdir_inputs):
    x, table, _ = logdir_inputs
    tsv(tmp_path / "a.tsv", x)
    tsv(tmp_path / "b.tsv", x + 1)
    table.to_csv(tmp_path / "ma.tsv", sep="\t", index=False)
    table.iloc[::-1].to_csv(tmp_path / "mb.tsv", sep="\t", index=False)
    config = projector.ProjectorConfig()
    config.embeddings.add(tensor_name="a", tensor_path="a.tsv", metadata_path="ma.tsv")
    config.embeddings.add(tensor_name="b", tensor_path="b.tsv", metadata_path="mb.tsv")
    projector.visualize_embeddings(str(tmp_path), config)
    with pytest.warns(UserWarning, match="mb.tsv differs from .*ma.tsv"):
        data = read_logdir(tmp_path)
    assert_same_table(data.metadata, table)
    only_b = read_logdir(tmp_path, tensors=["b"])
    assert only_b.metadata["word"].iloc[0] == table["word"].iloc[-1]
    with pytest.raises(LogdirError, match=r"no embedding named \['c'\].*\['a', 'b'\]"):
        read_logdir(tmp_path, tensors=["c"])


@pytest.mark.parametrize("kind", ["tsv", "bytes"])
def test_written_tensors_read_back_bit_for_bit(tmp_path, kind):
    from nbprojector.tensorfiles import write_tensor

    rng = np.random.default_rng(2)
    x = rng.normal(size=(300, 7)) * 10.0 ** rng.integers(-44, 38, size=(300, 7))
    x = x.astype(np.float32)
    x[0] = [np.finfo(np.float32).max, np.finfo(np.float32).tiny, 1e-45, -0.0, 0, 1000, 0.1]
    x[1] = [1, 10, 100, -1e-10, 12345678, 3.0e-39, -np.finfo(np.float32).max]
    path = tmp_path / f"x.{kind}"
    assert write_tensor(path, x, kind) == [300, 7]
    back, labels = read_tensor(path, (300, 7))
    assert labels is None
    np.testing.assert_array_equal(back.view(np.uint32), x.view(np.uint32))
    if kind == "tsv":  # TensorBoard's own reader agrees
        from tensorboard.plugins.projector.projector_plugin import _read_tensor_tsv_file

        np.testing.assert_array_equal(_read_tensor_tsv_file(str(path)), x)


def test_write_logdir_validates(tmp_path, logdir_inputs):
    x, _, _ = logdir_inputs
    with pytest.raises(ValueError, match="tensor_format must be 'tsv' or 'bytes'"):
        write_logdir(tmp_path, x, tensor_format="csv")
    with pytest.raises(ValueError, match="the same points"):
        write_logdir(tmp_path, {"a": x, "b": x[:10]})
    with pytest.raises(ValueError, match="metadata has 3 rows but the embedding has 60"):
        write_logdir(tmp_path, x, ["a", "b", "c"])


class FakeReader:
    """Stands in for tf.train.load_checkpoint's reader (TensorFlow is not installed here)."""

    def __init__(self, tensors):
        self.tensors = tensors

    def get_variable_to_shape_map(self):
        return {k: list(v.shape) for k, v in self.tensors.items()}

    def has_tensor(self, name):
        return name in self.tensors

    def get_tensor(self, name):
        return self.tensors[name]


def test_checkpoint_tensors_with_tensorflow(tmp_path, logdir_inputs, monkeypatch):
    import types

    x, table, _ = logdir_inputs
    tensors = {
        "emb/weights": x.astype(np.float64),
        "emb/weights/.OPTIMIZER_SLOT/adam/m": x,  # optimizer slots are not embeddings
        "dense/bias": np.zeros(4, np.float32),  # not 2-D
        "other": -x,
    }
    opened = []

    def load_checkpoint(path):
        opened.append(path)
        return FakeReader(tensors)

    tf = types.SimpleNamespace(train=types.SimpleNamespace(load_checkpoint=load_checkpoint))
    monkeypatch.setitem(sys.modules, "tensorflow", tf)
    table.to_csv(tmp_path / "meta.tsv", sep="\t", index=False)
    config_with(
        tmp_path,
        'model_checkpoint_path: "model.ckpt-7"\n'
        'embeddings { tensor_name: "emb/weights:0" metadata_path: "meta.tsv" }',
    )
    data = read_logdir(tmp_path)
    assert (
        list(data.embeddings) == ["emb/weights"]
        and data.embeddings["emb/weights"].dtype == np.float32
    )
    np.testing.assert_array_equal(data.embeddings["emb/weights"], x)
    assert opened[-1] == str(tmp_path / "model.ckpt-7")
    # No tensors listed: every 2-D variable, with the metadata of a name-less first entry.
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "model.ckpt-7"\n')
    config_with(tmp_path, 'embeddings { metadata_path: "meta.tsv" }')
    data = read_logdir(tmp_path)
    assert list(data.embeddings) == ["emb/weights", "other"]
    assert_same_table(data.metadata, table)
    assert opened[-1] == str(tmp_path)
    config_with(tmp_path, 'embeddings { tensor_name: "missing" }')
    with pytest.raises(LogdirError, match="tensor 'missing' is not in the checkpoint"):
        read_logdir(tmp_path)
