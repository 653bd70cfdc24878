"""The beyond-the-kernel bench's own logic: its exact lists (the recall's ground truth), its
section choice and its time-bounded placing, on a small Lance dataset."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("lance")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import beyond

from nbprojector.neighbor_backend import ExactNeighbors
from nbprojector.sources import ArraySource


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return beyond.open_dataset(tmp_path_factory.mktemp("beyond"), 3_000)[0]


def test_the_recall_truth_is_the_exact_cosine_neighbours_in_one_pass(source, monkeypatch):
    picks = np.array([0, 1_234, 2_999])
    rows_read = []
    chunks = source.chunks
    monkeypatch.setattr(source, "chunks", lambda n: (rows_read.append(n), chunks(1_000))[1])
    truth = beyond.cosine_truth(source, picks, 50)
    assert rows_read == [262_144]  # one pass (in blocks of 1,000 here: three blocks merged)
    exact = ExactNeighbors(ArraySource(beyond.clustered_block(0, 3_000)))
    for q, found in zip(picks, truth, strict=True):
        assert q not in found
        assert set(found) == set(exact.query(int(q), 50, "cosine").indices)


def test_only_names_the_unknown_section(capsys):
    with pytest.raises(SystemExit):
        beyond.main(["--only", "open,pcaa"])
    err = capsys.readouterr().err
    assert "unknown section(s) pcaa" in err and "open,pca,exact,index,query,placement" in err


def test_placing_stops_at_the_count_or_the_time_limit():
    calls = []

    def slow_placer(rows, ids):
        calls.append(len(rows))
        time.sleep(0.05)

    others = np.zeros((100_000, 4), dtype=np.float32)
    placed, _ = beyond.place_for(slow_placer, others, 20_000, seconds=0.0)
    assert placed == 20_000 and calls[1:] == [16_384, 3_616]  # after the 500-row warm-up
    calls.clear()
    placed, taken = beyond.place_for(slow_placer, others, None, seconds=0.12)
    assert placed == 16_384 * (len(calls) - 1) and 2 <= len(calls) - 1 < 6 and taken >= 0.12
