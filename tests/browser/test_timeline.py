"""The embeddings timeline in a real browser: the data panel's slider and play button step
through three embeddings with animated transitions, aligned layouts move less than
unaligned ones, and ``play_embeddings`` drives the same view from Python."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from .harness import notebook_fixture

# Three "checkpoints" of the digits: each changes the variance along one principal axis a
# little, enough to reorder PCA's axes (what makes unaligned layouts jump) while the points'
# neighbourhoods hardly change.
CELLS = [
    "import numpy as np\n"
    "from sklearn.datasets import load_digits\n"
    "from nbprojector import Projector\n"
    "d = load_digits()\n"
    "x = d.data[:600] - d.data[:600].mean(axis=0)\n"
    "axes = np.linalg.svd(x, full_matrices=False)[2]\n"
    "rng = np.random.default_rng(0)\n"
    "def shrink(v, axis, by):\n"
    "    return v - by * np.outer(v @ axes[axis], axes[axis])\n"
    "e2 = shrink(x, 0, 0.06) + rng.normal(0, 0.3, x.shape)\n"
    "e3 = shrink(e2, 2, -0.12) + rng.normal(0, 0.3, x.shape)\n"
    "embs = {'epoch 1': x, 'epoch 2': e2, 'epoch 3': e3}\n"
    "p = Projector({k: v.astype('float32') for k, v in embs.items()}, {'digit': d.target[:600]},"
    " height=640)\n"
    "p",
]

nb = notebook_fixture("timeline.ipynb", CELLS)

NAMES = ["epoch 1", "epoch 2", "epoch 3"]




def layout_version(nb) -> int:
    return int(nb.view.get_attribute("data-layout") or 0)


def click_slider(nb, name: str) -> None:
    """Click the timeline slider where ``name`` is on it, as a person would, and wait until
    the view shows ``name``'s layout."""
    before = layout_version(nb)
    slider = nb.view.locator("input.nbp-timeline")
    box = slider.bounding_box()
    step = NAMES.index(name) / (len(NAMES) - 1)
    # Inside the ends by the thumb's half width (the track's ends are the extreme values).
    x = box["x"] + 3 + step * (box["width"] - 6)
    nb.page.mouse.click(x, box["y"] + box["height"] / 2)
    nb.view.locator(".nbp-timeline-name", has_text=name).wait_for()
    nb.wait_for(f"Number(el.dataset.layout) > {before}")
    assert nb.eventually("p.embedding", name) == name
    nb.settle()


def movement(layouts: list[np.ndarray]) -> float:
    """Mean distance a point moves per step, summed over the steps."""
    return float(sum(np.linalg.norm(b - a, axis=1).mean() for a, b in pairwise(layouts)))


def test_timeline_is_shown_with_several_embeddings(nb):
    box = nb.view.locator(".nbp-timeline-box")
    box.wait_for(state="visible")
    assert nb.view.locator("input.nbp-timeline").get_attribute("max") == "2"
    assert nb.view.locator(".nbp-timeline-name").inner_text() == "epoch 1"
    assert nb.view.locator("input.nbp-align").is_checked()


def test_slider_steps_and_aligned_layouts_move_less(nb):
    status = nb.view.locator(".nbp-status")
    aligned = [nb.page_positions()]
    for previous, name in pairwise(NAMES):
        click_slider(nb, name)
        assert f"aligned to {previous}" in status.inner_text()
        aligned.append(nb.page_positions())
        np.testing.assert_array_equal(aligned[-1], nb.python_positions())
    assert nb.py_json("p.projection['aligned_to']") == "epoch 2"

    # Unaligned is one click away: the layout shown is recomputed as it comes.
    before = layout_version(nb)
    nb.view.locator("input.nbp-align").click()
    assert nb.eventually("p.align_embeddings", False) is False
    nb.wait_for(f"Number(el.dataset.layout) > {before}")
    nb.settle()
    assert "aligned to" not in status.inner_text()
    click_slider(nb, "epoch 1")
    unaligned = [nb.page_positions()]
    for name in NAMES[1:]:
        click_slider(nb, name)
        assert "aligned to" not in status.inner_text()
        unaligned.append(nb.page_positions())
        np.testing.assert_array_equal(unaligned[-1], nb.python_positions())
    assert movement(aligned) < 0.5 * movement(unaligned), (movement(aligned),
                                                           movement(unaligned))  # fmt: skip
    nb.view.locator("input.nbp-align").click()
    assert nb.eventually("p.align_embeddings", True) is True
    nb.settle()


SAMPLE = """(el) => {
  const h = el.__nbp, samples = [], t0 = performance.now();
  el.__samples = null;
  const tick = () => {
    const name = el.querySelector('.nbp-timeline-name').textContent;
    samples.push([name, h.transitioning(), Array.from(h.clientPositions().slice(0, 80))]);
    const done = name === 'epoch 3' && !h.transitioning()
      && el.querySelector('.nbp-timeline-play').textContent === 'Play';
    if (done || performance.now() - t0 > 60000) el.__samples = samples;
    else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def test_play_button_animates_through_the_embeddings(nb):
    click_slider(nb, "epoch 1")
    nb.view.locator("input.nbp-timeline-interval").fill("1.5")
    nb.view.evaluate(SAMPLE)
    play = nb.view.locator("button.nbp-timeline-play")
    play.click()
    assert play.inner_text() == "Stop"
    nb.view.evaluate("(el) => new Promise((ok) => { const w = () => el.__samples ? ok() :"
                     " setTimeout(w, 100); w(); })")  # fmt: skip
    samples = nb.view.evaluate("(el) => el.__samples")
    names = [s[0] for s in samples]
    order = [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]
    assert order == NAMES, order
    # Transitions: while moving, the points pass through positions between the layouts.
    moving = {tuple(np.round(s[2], 1)) for s in samples if s[1]}
    assert len(moving) >= 4, f"only {len(moving)} distinct in-between frames"
    assert play.inner_text() == "Play"  # it stops after the last
    assert nb.eventually("p.embedding", "epoch 3") == "epoch 3"
    nb.settle()
    np.testing.assert_array_equal(nb.page_positions(), nb.python_positions())


def test_play_embeddings_from_python_moves_the_view(nb):
    nb.py("pb = p.play_embeddings(['epoch 1', 'epoch 2'], seconds=1)")
    nb.view.locator(".nbp-timeline-name", has_text="epoch 2").wait_for()
    nb.settle()
    assert nb.py_json("[pb.wait(10), pb.shown]") == [True, ["epoch 1", "epoch 2"]]
    assert nb.view.locator("input.nbp-timeline").input_value() == "1"
    np.testing.assert_array_equal(nb.page_positions(), nb.python_positions())
