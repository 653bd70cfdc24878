"""What the page gets when a Projector is made: the comm's opening state, then ONE update
with everything the first frame needs (positions, colours, legend, labels chosen), not a
message per trait: the page draws once the cell's output arrives, after all of them."""

from __future__ import annotations

from typing import Any

import comm
import numpy as np
import pytest
from comm.base_comm import BaseComm
from traitlets import TraitError

from nbprojector import Projector


class RecordingComm(BaseComm):
    """A comm with no kernel behind it that keeps every message it would publish."""

    def __init__(self, **kwargs: Any) -> None:
        self.sent: list[tuple[str, dict, list]] = []
        super().__init__(**kwargs)

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None,
                    buffers: Any = None, **keys: Any) -> None:  # fmt: skip
        self.sent.append((msg_type, data or {}, list(buffers or [])))


@pytest.fixture
def comms(monkeypatch: pytest.MonkeyPatch) -> list[RecordingComm]:
    made: list[RecordingComm] = []

    def create(**kwargs: Any) -> RecordingComm:
        made.append(RecordingComm(**kwargs))
        return made[-1]

    monkeypatch.setattr(comm, "create_comm", create)
    return made


def test_a_new_projector_sends_its_first_frame_in_one_update(comms):
    rng = np.random.default_rng(0)
    names = np.array([f"group {i}" for i in range(5)])[rng.integers(0, 5, 500)]
    p = Projector(rng.normal(size=(500, 8)).astype(np.float32), {"group": names},
                  color_by="group")  # fmt: skip
    widget = next(c for c in comms if c.comm_id == p.model_id)
    kinds = [kind for kind, _, _ in widget.sent]
    assert kinds == ["comm_open", "comm_msg"], kinds
    _, update, buffers = widget.sent[1]
    assert update["method"] == "update"
    state = update["state"]
    for key in ("legend", "projection", "color_by", "label_by"):
        assert key in state, f"{key} is not in the first update"
    assert state["color_by"] == "group"
    # The positions and colours travel as binary buffers, in the same message.
    binary = {path[0]: len(buffers[i]) for i, path in enumerate(update["buffer_paths"])}
    assert binary["_positions"] >= 500 * 3 * 2 and binary["_colors"] >= 500, binary
    # Later changes are sent as they happen.
    p.point_size = 6.0
    assert widget.sent[-1][0] == "comm_msg" and widget.sent[-1][1]["state"] == {"point_size": 6.0}


@pytest.mark.parametrize(
    "arguments, error",
    [
        ({"emb": np.array([[np.nan, 1.0], [0.0, 1.0]])}, ValueError),
        ({"emb": np.ones((3, 2)), "meta": ["a", "b"]}, ValueError),
        ({"emb": np.ones((3, 2)), "colormap": "no such map"}, TraitError),
        ({"emb": np.ones((3, 2)), "color_by": "no such column"}, TraitError),
    ],
)
def test_a_projector_that_fails_closes_what_it_opened(comms, arguments, error):
    with pytest.raises(error):
        Projector(**arguments)
    for opened in comms:  # the widget's and its layout's: none is left open on the page
        assert opened.sent[-1][0] == "comm_close", [kind for kind, _, _ in opened.sent]


def test_traits_given_to_the_constructor_are_checked_and_applied(comms):
    p = Projector(np.random.default_rng(2).normal(size=(50, 3)), colormap="magma",
                  max_texture_size=2048, point_size=7.0)  # fmt: skip
    assert (p.colormap, p.max_texture_size, p.point_size) == ("magma", 2048, 7.0)
    widget = next(c for c in comms if c.comm_id == p.model_id)
    sent = {**widget.sent[0][1]["state"], **widget.sent[1][1]["state"]}
    assert (sent["colormap"], sent["point_size"]) == ("magma", 7.0)


def test_a_thread_holding_sync_does_not_hold_another_threads_changes(comms):
    # A job's thread and the kernel's both write traits; each thread's held changes are
    # sent when ITS block ends, never lost or sent by the other's (ipywidgets shares one
    # held set per widget between threads).
    import threading

    p = Projector(np.random.default_rng(1).normal(size=(50, 4)).astype(np.float32))
    widget = next(c for c in comms if c.comm_id == p.model_id)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with p.hold_sync():
            p.point_size = 7.0
            holding.set()
            release.wait(10)

    other = threading.Thread(target=hold)
    other.start()
    assert holding.wait(10)
    before = len(widget.sent)
    with p.hold_sync():
        p.label_size = 17.0
    sent_here = [data["state"] for _, data, _ in widget.sent[before:]]
    assert {"label_size": 17.0} in [{k: v for k, v in s.items() if k == "label_size"}
                                    for s in sent_here], sent_here  # fmt: skip
    assert all("point_size" not in s for s in sent_here)  # still held by the other thread
    release.set()
    other.join(10)
    assert any(data["state"].get("point_size") == 7.0 for _, data, _ in widget.sent[before:])
