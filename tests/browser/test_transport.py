"""What travels to the page, seen in the page: quantised positions land on the pixels their
full-precision coordinates call for, and hover shows labels before and after the labels
arrive (they follow the first frame)."""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image

from .harness import changed_share, notebook_fixture

N = 300  # more label values than one byte of colours
TARGET = N - 1  # drawn last: on top of any point it overlaps
FIT_RADIUS = 1.15  # the 2D camera frames [-1.15, 1.15] on the canvas's shorter side
TARGET_RGB = np.array([0x8C, 0x3B, 0xFF])  # Glasbey's second colour: the rarer category

CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "from nbprojector.layout import normalize_positions\n"
    f"xy = np.random.default_rng(5).normal(size=({N}, 2)).astype('float32')\n"
    f"meta = {{'kind': ['rest'] * {N - 1} + ['target'],\n"
    f"        'word': [f'word-{{i}}' for i in range({N})], 'score': np.linspace(0, 1, {N})}}\n"
    "p = Projector(xy, meta, label_by='word', color_by='kind', point_size=14, height=480)\n"
    "# Hold the labels back: the page's ask is noted, not answered with labels.\n"
    "asked = []\n"
    "p._requests.handlers['labels'] = lambda payload, buffers: (asked.append(1), {})[1]\n"
    "p",
]

nb = notebook_fixture("transport.ipynb", CELLS)


def expected_pixel(nb, position: np.ndarray) -> np.ndarray:
    """Where the 2D camera at its fit (zoom 1, looking at the origin) draws ``position``, in
    canvas CSS px: the shorter side spans [-FIT_RADIUS, FIT_RADIUS], the aspect is kept."""
    camera = nb.handle("h.camera()")
    assert camera["dims"] == 2 and camera["zoom"] == 1 and camera["target"][:2] == [0, 0]
    box = nb.view.locator("canvas").first.bounding_box()
    w, h = box["width"], box["height"]
    aspect = w / h
    rx = FIT_RADIUS * aspect if aspect >= 1 else FIT_RADIUS
    ry = FIT_RADIUS if aspect >= 1 else FIT_RADIUS / aspect
    return np.array([(position[0] / rx + 1) * w / 2, (1 - position[1] / ry) * h / 2])


def test_a_point_at_a_known_coordinate_draws_on_the_expected_pixel(nb):
    nb.py("p.project('pca', components=(1, 2)).wait()")
    nb.wait_for("h.dims() === 2")
    nb.page.mouse.move(0, 0)  # nothing hovered (a hovered point is drawn larger)
    nb.page.locator(".nbp-reset").first.click()
    nb.settle()
    # The target's coordinate at full precision, placed as the page places layouts.
    known = np.array(nb.py_json(f"normalize_positions(p.coordinates)[{TARGET}].tolist()"))
    expected = expected_pixel(nb, known)
    # A screenshot from whole page pixels: the canvas may start mid-pixel.
    box = nb.view.locator("canvas").first.bounding_box()
    x0, y0 = math.floor(box["x"]), math.floor(box["y"])
    clip = {"x": x0, "y": y0, "width": math.ceil(box["width"]) + 1,
            "height": math.ceil(box["height"]) + 1}  # fmt: skip
    shot = Image.open(io.BytesIO(nb.page.screenshot(clip=clip, animations="disabled")))
    pixels = np.asarray(shot.convert("RGB")).astype(int)
    ratio = pixels.shape[1] / clip["width"]
    ys, xs = np.nonzero(np.abs(pixels - TARGET_RGB).max(axis=2) <= 24)
    assert len(xs) > 20, "the target point is not drawn in its colour"
    # The disc's centre (pixel centres, in CSS px), relative to the canvas.
    found = np.array([xs.mean() + 0.5, ys.mean() + 0.5]) / ratio + [x0, y0]
    found -= [box["x"], box["y"]]
    assert np.abs(found - expected).max() <= 1.0, (found, expected)
    # The page's own idea of where it is agrees with the pixels (and with Python).
    drawn = np.array(nb.handle(f"h.clientPositions().slice({2 * TARGET}, {2 * TARGET + 2})"))
    assert np.abs(drawn - [box["x"], box["y"]] - expected).max() <= 0.05


def hover(nb, i: int) -> None:
    x, y = nb.handle(f"h.clientPosition({i})")
    nb.page.mouse.move(x, y)
    nb.wait_for(f"h.hovered() === {i}")


def test_hover_labels_before_and_after_the_labels_arrive(nb):
    nb.settle()
    # The first frame is drawn: the page asked for the labels, and none came.
    assert nb.eventually("len(asked)", 1) == 1
    assert nb.py_json("len(p._labels)") == 0
    nb.record_sends()
    hover(nb, TARGET)
    # Before: the tooltip asks for the point's row and shows its label from it.
    nb.wait_for(f"h.tooltip() === 'word-{TARGET}'", timeout=15_000)
    assert [s["index"] for s in nb.sends("custom", "row")] == [TARGET]
    nb.page.mouse.move(0, 0)
    # The labels arrive (what the page's ask does when it is answered).
    nb.py("p._view.send_labels()")
    nb.wait_for("h.labelCount() > 0", timeout=15_000)
    before = len(nb.sends("custom", "row"))
    other = TARGET - 7
    hover(nb, other)
    # After: the label is there at once, with no request.
    assert nb.handle("h.tooltip()") == f"word-{other}"
    nb.page.wait_for_timeout(300)
    assert len(nb.sends("custom", "row")) == before


def test_the_colour_map_menu_recolours_and_the_legend_follows(nb):
    nb.py("p.color_by = 'score'")
    menu = nb.view.locator("select.nbp-colormap")
    menu.wait_for(state="visible")
    assert menu.input_value() == "bgy"
    nb.settle()
    before = nb.canvas_pixels()
    menu.select_option("fire")
    assert nb.eventually("p.colormap", "fire") == "fire"
    gradient = nb.view.locator(".nbp-gradient")
    nb.page.wait_for_function(
        "(el) => el.getAttribute('title') === 'fire'", arg=gradient.element_handle()
    )
    # The legend's gradient is drawn from the stops Python sampled from the same map.
    style = gradient.evaluate("el => getComputedStyle(el).backgroundImage")
    stops = nb.py_json("p.legend['stops']")
    assert stops[0] == "#000000" and stops[-1] == "#ffffff"  # colorcet's fire: black to white
    colours = [tuple(int(s[i : i + 2], 16) for i in (1, 3, 5)) for s in stops]
    assert all(f"rgb({r}, {g}, {b})" in style for r, g, b in colours), style
    nb.settle()
    after = nb.canvas_pixels()
    assert changed_share(before, after) > 0.005  # the points changed colour
    # The points wear the map's colours: some pixels near fire's bright middle (orange-red).
    flat = after.reshape(-1, 3).astype(int)
    middle = np.array(colours[len(colours) // 2])
    assert (np.abs(flat - middle).max(axis=1) <= 40).mean() > 0.0005
    # 300 values: 255 colours, and the rest in one grey that the legend owns up to.
    nb.py("p.color_by = 'word'")
    rows = nb.view.locator(".nbp-legend .nbp-legend-row")
    rows.last.filter(has_text="more, in grey").wait_for()
    assert rows.last.locator(".nbp-legend-value").inner_text() == "+45 more, in grey"
    assert rows.count() == 256


def test_zooming_with_labels_shown_projects_only_the_labelled_points(nb):
    """Frames while the camera moves do no work proportional to N in JavaScript: the labels
    of the clicked point and its neighbours are placed every frame from their own screen
    positions, not from every point's."""
    nb.py("p.color_by = 'kind'; p._view.send_labels()")
    nb.wait_for("h.labelCount() > 0")
    nb.page.locator(".nbp-reset").first.click()
    nb.settle()
    x, y = nb.handle(f"h.clientPosition({TARGET})")
    nb.page.mouse.click(x, y)
    nb.wait_for(f"h.focus() === {TARGET} && h.neighbors() !== null")
    nb.settle()
    box = nb.view.locator("canvas").first.bounding_box()
    nb.page.mouse.move(box["x"] + 3, box["y"] + 3)  # off the focus: its label is drawn
    nb.wait_for("h.hovered() === -1")
    nb.settle()
    assert len(nb.handle("h.labelsPlaced()")) > 1  # the focus and some neighbours
    passes, frames = nb.handle("h.screenPasses()"), nb.handle("h.frames()")
    for _ in range(6):
        nb.page.mouse.wheel(0, -120)
        nb.page.wait_for_timeout(120)
    nb.settle()
    assert nb.handle("h.camera()")["zoom"] > 1  # it zoomed
    assert nb.handle("h.frames()") >= frames + 3
    # The focus's label is beside the focus where the zoomed camera draws it.
    (label,) = [p for p in nb.handle("h.labelsPlaced()") if p[0] == TARGET]
    px, py = np.array(nb.handle(f"h.clientPosition({TARGET})")) - [box["x"], box["y"]]
    assert abs(label[2] + label[4] / 2 - py) <= label[4] and abs(label[1] - px) <= 3 * label[3]
    assert nb.handle("h.screenPasses()") == passes
