"""Theme and PNG snapshots in JupyterLab: the dark theme changes the
canvas background, "auto" follows JupyterLab's theme switched at run time, and
``p.save_png`` writes exactly the pixels the canvas shows."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from .harness import close_notebook, open_notebook

CELLS = [
    "import numpy as np\n"
    "from sklearn.datasets import load_digits\n"
    "from nbprojector import Projector\n"
    "d = load_digits()\n"
    "p = Projector(d.data, {'name': [f'point {i}' for i in range(1797)], 'digit': d.target},\n"
    "              label_by='name', color_by='digit', height=480)\n"
    "p",
]

SWITCH_THEME = """async (theme) => {
  const app = window.jupyterapp;
  await app.commands.execute('apputils:change-theme', { theme });
}"""


@pytest.fixture(scope="module")
def nb(server, browser):
    server.write_notebook("theme_png.ipynb", CELLS)
    notebook = open_notebook(browser, server, "theme_png.ipynb")
    yield notebook
    # The theme is a user setting of the shared server: leave it light for other modules.
    notebook.page.evaluate(SWITCH_THEME, "JupyterLab Light")
    notebook.page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")
    close_notebook(notebook)


def background(pixels: np.ndarray) -> np.ndarray:
    """The most common colour of the canvas (its background), as ints."""
    colours, counts = np.unique(pixels.reshape(-1, 3), axis=0, return_counts=True)
    return colours[counts.argmax()].astype(int)


def wait_background(nb, dark: bool, timeout_ms: int = 20_000) -> np.ndarray:
    """Poll the canvas until its background is dark (or light); return it."""
    for _ in range(timeout_ms // 250):
        nb.settle()
        bg = background(nb.canvas_pixels())
        if (bg.max() < 80) == dark and (bg.min() > 180) == (not dark):
            return bg
        nb.page.wait_for_timeout(250)
    raise AssertionError(f"background stayed {bg} (wanted {'dark' if dark else 'light'})")


def test_dark_theme_changes_the_background_pixels(nb):
    light = wait_background(nb, dark=False)
    assert nb.view.get_attribute("data-scheme") == "light"
    nb.py("p.theme = 'dark'")
    dark = wait_background(nb, dark=True)
    assert np.abs(light - dark).sum() > 300
    assert nb.view.get_attribute("data-scheme") == "dark"
    assert nb.view.locator("select.nbp-theme").input_value() == "dark"
    # The toggle in the widget sets it back, and Python sees the choice.
    nb.view.locator("select.nbp-theme").select_option("light")
    wait_background(nb, dark=False)
    for _ in range(40):
        if nb.py("print(p.theme)").strip() == "light":
            break
        nb.page.wait_for_timeout(100)
    assert nb.py("print(p.theme)").strip() == "light"
    nb.view.locator("select.nbp-theme").select_option("auto")
    wait_background(nb, dark=False)


def test_auto_follows_jupyterlab_theme_switched_at_run_time(nb):
    nb.py("p.theme = 'auto'")
    wait_background(nb, dark=False)
    try:
        nb.page.evaluate(SWITCH_THEME, "JupyterLab Dark")
        nb.page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
        dark = wait_background(nb, dark=True)
        assert nb.view.get_attribute("data-host-theme") == "jupyter"
        assert nb.view.get_attribute("data-scheme") == "dark"
        # The panels follow JupyterLab's own variables, as the canvas does.
        panel = nb.view.locator(".nbp-left").evaluate("el => getComputedStyle(el).backgroundColor")
        channels = [int(c) for c in panel[panel.index("(") + 1 : panel.index(")")].split(",")[:3]]
        assert max(channels) < 90, panel
        # Forcing light wins over JupyterLab's dark theme.
        nb.py("p.theme = 'light'")
        wait_background(nb, dark=False)
        nb.py("p.theme = 'auto'")
        assert (wait_background(nb, dark=True) == dark).all()
    finally:
        nb.page.evaluate(SWITCH_THEME, "JupyterLab Light")
    nb.page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")
    wait_background(nb, dark=False)


def png_pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def aligned(screen: np.ndarray, image: np.ndarray) -> np.ndarray:
    """The part of a screenshot that lines up with ``image``: an element screenshot rounds a
    fractional box outwards, so it may hold one more row or column (on either side)."""
    h, w = image.shape[:2]
    assert screen.shape[0] - h in (0, 1) and screen.shape[1] - w in (0, 1), (screen.shape, h, w)
    crops = [screen[dy : dy + h, dx : dx + w] for dy in (0, 1) for dx in (0, 1)]
    crops = [c for c in crops if c.shape[:2] == (h, w)]
    return min(crops, key=lambda c: np.abs(c - image).mean())


def wait_png(nb, name: str) -> str:
    """Wait (between cells, where the kernel reads the page's answer) for a PendingPNG."""
    for _ in range(100):
        if nb.py(f"print({name}.done())").strip() == "True":
            break
        nb.page.wait_for_timeout(100)
    return nb.py(f"print({name}.result(), {name}.size)")


def test_save_png_matches_the_canvas(nb, tmp_path):
    nb.py("p.theme = 'auto'; p.project('pca', components=(1, 2)); p.selection = [5, 50, 500]")
    nb.wait_for("h.dims() === 2")
    nb.view.locator(".nbp-status", has_text="3 selected").wait_for()
    nb.settle()
    assert len(nb.handle("h.labelsPlaced()")) == 3, "selected points are labelled"
    screen = nb.canvas_pixels().astype(int)  # WebGL canvas + labels layer, as shown
    path = tmp_path / "view.png"
    nb.py(f"png = p.save_png({str(path)!r}, scale=1)")
    printed = wait_png(nb, "png")
    shot = png_pixels(path.read_bytes())
    assert str(path) in printed and f"({shot.shape[1]}, {shot.shape[0]})" in printed
    box = nb.view.locator("canvas").first.evaluate("c => [c.clientWidth, c.clientHeight]")
    assert list(shot.shape[:2]) == box[::-1], "scale 1: one image pixel per CSS pixel here"
    screen = aligned(screen, shot)
    diff = np.abs(shot - screen).max(axis=2)
    assert (diff > 40).mean() < 0.002, "the PNG differs from what the canvas shows"
    assert diff.mean() < 1.5
    # Labels are in the image: text pixels where the labels layer drew them.
    x, y, w, h = (round(v) for v in nb.handle("h.labelsPlaced()")[0][1:])
    label_box = shot[y : y + h, x : x + w]
    assert (np.abs(label_box - background(shot)).max(axis=2) > 100).mean() > 0.05

    # Twice the resolution: the same picture, downsampled.
    path2 = tmp_path / "view2.png"
    nb.py(f"png2 = p.save_png({str(path2)!r})")  # scale=2 by default
    wait_png(nb, "png2")
    big = png_pixels(path2.read_bytes())
    assert big.shape == (2 * shot.shape[0], 2 * shot.shape[1], 3)
    small = big.reshape(screen.shape[0], 2, screen.shape[1], 2, 3).mean(axis=(1, 3))
    assert np.abs(small - screen).max(axis=2).mean() < 12
    assert (np.abs(small - screen).max(axis=2) > 100).mean() < 0.02


def test_waiting_in_the_same_cell_is_refused_clearly(nb, tmp_path):
    out = nb.py(
        f"png3 = p.save_png({str(tmp_path / 'x.png')!r})\n"
        "try:\n    png3.result()\nexcept Exception as e:\n    print(type(e).__name__, e)"
    )
    assert out.startswith("SnapshotError") and "after this cell finishes" in out
    assert "x.png" in wait_png(nb, "png3")  # ... and the next cell has it


def test_png_button_downloads_the_view(nb, tmp_path):
    nb.settle()
    screen = nb.canvas_pixels()
    with nb.page.expect_download() as info:
        nb.view.locator("button.nbp-snapshot").click()
    download = info.value
    assert download.suggested_filename == "nbprojector.png"
    target = tmp_path / "button.png"
    download.save_as(target)
    image = png_pixels(target.read_bytes())
    h, w = image.shape[0] // 2, image.shape[1] // 2
    assert image.shape == (2 * h, 2 * w, 3)
    small = image.reshape(h, 2, w, 2, 3).mean(axis=(1, 3))
    assert np.abs(small - aligned(screen.astype(int), small)).max(axis=2).mean() < 12
    nb.py("p.selection = []")
    assert nb.py("print(p.theme)").strip() == "auto"
