"""Images on the widget without a browser: inputs, atlases and their manifest,
validation messages, several atlases, the page's `atlas` request, log dirs in and out."""

from __future__ import annotations

import io

import numpy as np
import pytest
import traitlets
from ipywidgets.widgets.widget import _remove_buffers
from PIL import Image

from nbprojector import Projector

N = 50


@pytest.fixture(scope="module")
def emb():
    return np.random.default_rng(0).normal(size=(N, 6)).astype(np.float32)


def distinct_images(n: int, h: int = 6, w: int = 4) -> np.ndarray:
    """(n, h, w, 4) RGBA images, each different everywhere (pixel values encode i)."""
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(n, h, w, 4), dtype=np.uint8)
    images[:, 0, 0, 0] = np.arange(n) % 256  # and the first pixel says which it is
    images[:, 0, 0, 1] = np.arange(n) // 256
    return images


def capture(p):
    p.sent = []
    p.send = lambda content, buffers=None: p.sent.append((content, buffers))
    return p


def ask(p, content, buffers=None):
    p._on_page_message(p, content, buffers or [])
    return p.sent[-1][0]


def decoded_cells(p) -> np.ndarray:
    """Every image as the page finds it: decode each PNG atlas and cut out cell i where the
    manifest says it is (the page's arithmetic, from the index alone)."""
    m = p.image_manifest
    w, h = m["cell"]
    atlases = [np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")) for png in p._atlases]
    assert [list(a.shape[1::-1]) for a in atlases] == m["sizes"]
    out = []
    for i in range(m["count"]):
        atlas, local = divmod(i, m["per_atlas"])
        row, col = divmod(local, m["columns"])
        out.append(atlases[atlas][row * h : (row + 1) * h, col * w : (col + 1) * w])
    return np.stack(out)


def test_no_images_by_default(emb):
    p = Projector(emb)
    assert p.images is None and p.image_manifest == {} and p._atlases == []
    assert p.show_images is False
    with pytest.raises(traitlets.TraitError, match="has no images: pass images="):
        p.show_images = True


def test_atlas_manifest_puts_each_image_in_its_own_cell(emb):
    images = distinct_images(N)
    p = Projector(emb, images=images)
    assert p.show_images is True
    np.testing.assert_array_equal(p.images, images)
    m = p.image_manifest
    assert m["count"] == N and m["cell"] == [4, 6] and m["atlases"] == len(p._atlases) == 1
    assert m["max_texture_size"] == 8192 and m["thumbnail"] == [4, 6] and not m["downscaled"]
    assert m["per_atlas"] == m["columns"] * m["rows_per_atlas"] >= N
    np.testing.assert_array_equal(decoded_cells(p), images)


def test_atlases_travel_as_binary_buffers(emb):
    p = Projector(emb, images=distinct_images(N))
    state, paths, _ = _remove_buffers(p.get_state())
    assert ["_atlases", 0] in paths
    assert state["_atlases"] == [None]  # no PNG bytes in the JSON
    assert state["image_manifest"]["count"] == N


@pytest.mark.parametrize("kind", ["grey uint8", "grey float", "rgb", "rgba float", "pil"])
def test_every_input_form(emb, kind):
    rng = np.random.default_rng(2)
    grey = rng.integers(0, 256, size=(N, 8, 8), dtype=np.uint8)
    images = {
        "grey uint8": grey,
        "grey float": grey / 255.0,
        "rgb": np.repeat(grey[..., None], 3, axis=3),
        "rgba float": np.concatenate(
            [np.repeat(grey[..., None], 3, 3) / 255.0, np.ones((N, 8, 8, 1))], axis=3
        ),
        "pil": [Image.fromarray(g) for g in grey],
    }[kind]
    p = Projector(emb, images=images)
    cells = decoded_cells(p)
    np.testing.assert_array_equal(cells[..., 0], grey)
    assert (cells[..., 3] == 255).all()


def test_sprite_sheet_non_square_with_an_incomplete_last_row(emb, tmp_path):
    images = distinct_images(N, h=5, w=7)
    columns = 9  # 9 x 6 grid (not square), last row holds 5 of 9
    rows = -(-N // columns)
    sheet = np.zeros((rows * 5, columns * 7, 4), np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        sheet[r * 5 : (r + 1) * 5, c * 7 : (c + 1) * 7] = image
    path = tmp_path / "sprite.png"
    Image.fromarray(sheet).save(path)
    for given in (path, str(path), Image.open(path)):
        p = Projector(emb, images=given, single_image_dim=(7, 5))
        np.testing.assert_array_equal(p.images, images)
        np.testing.assert_array_equal(decoded_cells(p), images)


@pytest.mark.parametrize(
    ("images", "dim", "error", "message"),
    [
        (np.zeros((3, 8, 8), np.uint8), None, ValueError, "images: got 3 images for 50 points"),
        (np.zeros((N, 8), np.uint8), None, ValueError, r"images: an image array must have shape"),
        (np.zeros((N, 8, 8, 2), np.uint8), None, ValueError, r"\(N, H, W, 3\|4\)"),
        (np.full((N, 8, 8, 3), 2.0), None, ValueError, r"float RGB / RGBA images need values"),
        (["not an image"] * N, None, TypeError, "item 0 of the image list is a str"),
        (None, (8, 8), ValueError, "single_image_dim was given without images"),
        (np.zeros((N, 8, 8), np.uint8), (4, 4), ValueError, "does not match the images' size"),
    ],
)
def test_validation_errors_say_what_is_wrong(emb, images, dim, error, message):
    with pytest.raises(error, match=message):
        Projector(emb, images=images, single_image_dim=dim)


def test_sprite_sheet_too_small_or_without_its_dimension(emb):
    sheet = Image.new("RGBA", (40, 30))  # 5 x 3 cells of 8 x 10 = 15 images
    with pytest.raises(ValueError, match=r"holds 5 columns x 3 rows = 15 images .* 50 points"):
        Projector(emb, images=sheet, single_image_dim=(8, 10))
    with pytest.raises(ValueError, match="needs single_image_dim=\\(width, height\\)"):
        Projector(emb, images=sheet)
    with pytest.raises(ValueError, match="not a multiple of the image width 7"):
        Projector(emb, images=sheet, single_image_dim=(7, 10))


def test_several_atlases_when_the_texture_is_small(emb):
    images = distinct_images(N, h=8, w=8)
    p = Projector(emb, images=images, max_texture_size=32)  # 4 x 4 = 16 images an atlas
    m = p.image_manifest
    assert (m["columns"], m["rows_per_atlas"], m["per_atlas"]) == (4, 4, 16)
    assert m["atlases"] == len(p._atlases) == 4  # 16 + 16 + 16 + 2
    assert m["sizes"] == [[32, 32]] * 3 + [[32, 8]]  # the last one as tall as its one row
    np.testing.assert_array_equal(decoded_cells(p), images)
    # Changing the knob rebuilds: back to one atlas, the same images in their cells.
    p.max_texture_size = 8192
    assert p.image_manifest["atlases"] == 1
    np.testing.assert_array_equal(decoded_cells(p), images)


def test_an_image_larger_than_the_texture_is_downscaled_and_says_so(emb):
    p = Projector(emb, images=np.zeros((N, 40, 20), np.uint8), max_texture_size=16)
    m = p.image_manifest
    assert m["downscaled"] is True and m["thumbnail"] == [20, 40] and m["cell"] == [8, 16]
    assert (
        m["count"]
        == N
        == sum(min(m["per_atlas"], N - a * m["per_atlas"]) for a in range(m["atlases"]))
    )


def test_the_page_asks_for_atlases_that_fit_its_texture_limit(emb):
    images = distinct_images(N, h=8, w=8)
    p = capture(Projector(emb, images=images))
    reply = ask(p, {"id": 1, "kind": "atlas", "payload": {"max_texture_size": 32}})
    assert reply == {"id": 1, "ok": True, "result": {"max_texture_size": 32, "atlases": 4}}
    assert p.max_texture_size == 32 and p.image_manifest["max_texture_size"] == 32
    np.testing.assert_array_equal(decoded_cells(p), images)
    # A larger limit (another view on a bigger GPU) does not undo it.
    reply = ask(p, {"id": 2, "kind": "atlas", "payload": {"max_texture_size": 16384}})
    assert reply["result"]["max_texture_size"] == 32
    reply = ask(p, {"id": 3, "kind": "atlas", "payload": {"max_texture_size": "big"}})
    assert reply["ok"] is False and "'max_texture_size' must be an integer" in reply["error"]


def test_indices_never_change_so_nothing_is_resent(emb):
    """Isolate, search, selection and projections leave the atlases as they are: each point
    keeps its image because the page finds it by index."""
    p = Projector(emb, {"name": [f"n{i}" for i in range(N)]}, images=distinct_images(N))
    sent = []
    p.observe(lambda change: sent.append(change["name"]), names=["_atlases", "image_manifest"])
    before = decoded_cells(p)
    p.selection = [1, 2, 3]
    p.isolate([0, 5, 10, 15, 20, 25, 30])
    p.search("n1")
    p.project("pca", components=(1, 2)).wait()
    p.show_all()
    assert sent == []
    np.testing.assert_array_equal(decoded_cells(p), before)


def test_show_images_option_and_set_images(emb):
    p = Projector(emb, images=distinct_images(N), show_images=False, image_size=40)
    assert p.show_images is False and p.image_size == 40 and p.image_manifest["count"] == N
    p.set_images(None)
    assert p.images is None and p.image_manifest == {} and p.show_images is False
    grey = np.zeros((N, 3, 3), np.uint8)
    p.set_images(grey)
    assert p.show_images is True and p.image_manifest["cell"] == [3, 3]
    with pytest.raises(ValueError, match="images: got 2 images for 50 points"):
        p.set_images(grey[:2])
    with pytest.raises(traitlets.TraitError):
        p.image_size = 1000


def test_logdir_sprite_flows_into_images_and_back(emb, tmp_path):
    pytest.importorskip("tensorboard")
    from nbprojector.tensorboard import write_logdir

    images = distinct_images(N, h=8, w=8)
    table = {"word": [f"w{i}" for i in range(N)]}
    p = Projector(emb, table, images=images)
    p.to_logdir(tmp_path / "out")  # the thumbnails become TensorBoard's sprite sheet
    assert (tmp_path / "out" / "sprite.png").is_file()
    q = Projector.from_logdir(tmp_path / "out")
    assert q.show_images is True and q.image_manifest["count"] == N
    np.testing.assert_array_equal(q.images, images)
    np.testing.assert_array_equal(decoded_cells(q), images)
    # A log dir written elsewhere (square sprite, last row incomplete) reads the same way.
    write_logdir(tmp_path / "tb", {"e": emb}, None, images)
    r = Projector.from_logdir(tmp_path / "tb")
    np.testing.assert_array_equal(r.images, images)
