"""Which points the view draws when there are more than it can draw.

Above the draw budget (``max_points``) the page draws a deterministic sample: stratified by
a categorical column when one is given (every category keeps its share of the budget, and at
least one point when the budget allows), otherwise uniform. Everything else (search,
neighbours, selection, isolation, coordinates) still covers every point; only drawing is
sampled. Pure functions over arrays, vectorised: no Python loop over points.

Drawn indices are always returned sorted ascending, so a drawn slot maps to its point with
one array look-up and a point to its slot with a binary search (``np.searchsorted``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: Default draw budget. A bare three.js points widget drew 1M points ~1.1 s after its cell
#: started (the transport measurements, headless Chromium, software WebGL), and 1M x 3
#: float32 positions are 12 MB on the wire: about what a first frame can carry at once.
DEFAULT_MAX_POINTS = 1_000_000

#: The seed of every sample: the same data and budget always draw the same points.
SEED = 0

#: Drawn points a source outside memory is first shown with: its first frame waits only
#: for these rows (Lance reads 100k random rows in ~0.45 s, 1M in ~4 s); the other drawn
#: points are read after it.
FIRST_PART_POINTS = 100_000


def check_max_points(max_points: Any) -> int:
    """``max_points`` as an int, or a ValueError that says what it must be."""
    if isinstance(max_points, bool) or not isinstance(max_points, (int, np.integer)):
        raise TypeError(
            f"max_points must be a whole number of points (e.g. 1_000_000), got {max_points!r}"
        )
    if max_points < 1:
        raise ValueError(f"max_points must be at least 1, got {max_points}")
    return int(max_points)


def sample(n_points: int, max_points: int, strata: Any = None, seed: int = SEED
           ) -> np.ndarray | None:  # fmt: skip
    """The sorted int64 indices drawn out of ``n_points``, or None when all are drawn.

    ``strata``: one value per point (a categorical column) or None. With it, each category
    gets ``max_points`` times its share of the points (largest remainders round), and at
    least one point while the budget has room for one per category; without it, a uniform
    sample. The same inputs always give the same indices.
    """
    if n_points <= max_points:
        return None
    rng = np.random.default_rng(seed)
    return _pick(rng.random(n_points), max_points, strata)


def first_part(drawn: np.ndarray, size: int, strata: Any = None, seed: int = SEED
               ) -> np.ndarray | None:  # fmt: skip
    """The sorted int64 points, among ``drawn`` (sorted), that a layout is first fitted
    and shown on, or None when all ``size`` or fewer drawn points are.

    A sample of the drawn points as :func:`sample` makes one (stratified by ``strata``,
    one value per drawn point, or uniform), always a subset of ``drawn``. Each point's
    random key is a hash of its index, not a draw in order: drawing a few more points
    ("Show these") changes the part by those points only, so its axes barely move.
    """
    drawn = np.asarray(drawn, dtype=np.int64)
    if len(drawn) <= size:
        return None
    return drawn[_pick(_hashed_keys(drawn, seed), size, strata)]


def _hashed_keys(points: np.ndarray, seed: int) -> np.ndarray:
    """A pseudo-random uint64 key per point index (splitmix64's finaliser)."""
    z = points.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15 * (seed + 1) % 2**64)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _pick(keys: np.ndarray, budget: int, strata: Any) -> np.ndarray:
    """Sorted int64 positions of the ``budget`` points with the smallest ``keys`` (within
    each category of ``strata``, up to its quota, when given)."""
    n_points = len(keys)
    if strata is None:
        return np.sort(np.argpartition(keys, budget - 1)[:budget]).astype(np.int64)
    codes = _codes(strata, n_points)
    counts = np.bincount(codes)
    quota = _quotas(counts, budget)
    # Rank of each point within its category in random order: sort by (category, key).
    order = np.lexsort((keys, codes))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.empty(n_points, dtype=np.int64)
    rank[order] = np.arange(n_points) - np.repeat(starts, counts)
    return np.flatnonzero(rank < quota[codes]).astype(np.int64)


def _codes(strata: Any, n_points: int) -> np.ndarray:
    """Category codes 0..k-1 of ``strata`` (missing values are one more category)."""
    if isinstance(strata, np.ndarray) and strata.dtype.kind in "iub":
        # Integers (the view's own category codes) are numbered as they come: no Python
        # object a point, the same codes as the object path gives them.
        if len(strata) != n_points:
            raise ValueError(f"strata has {len(strata)} values but there are {n_points} points")
        codes, _uniques = pd.factorize(strata)
        return np.asarray(codes, dtype=np.int64)
    values = pd.Series(np.asarray(strata, dtype=object) if not isinstance(strata, pd.Series)
                       else strata.to_numpy(dtype=object))  # fmt: skip
    if len(values) != n_points:
        raise ValueError(f"strata has {len(values)} values but there are {n_points} points")
    codes, _uniques = pd.factorize(values, use_na_sentinel=False)
    return codes.astype(np.int64)


def _quotas(counts: np.ndarray, budget: int) -> np.ndarray:
    """Points drawn per category: proportional to ``counts``, summing to ``budget``, at
    least one per category while ``budget`` covers one each, never more than a count."""
    k = len(counts)
    floor = np.minimum(counts, 1) if budget >= k else np.zeros(k, dtype=np.int64)
    rest = budget - int(floor.sum())
    share = (counts - floor) * (rest / max(1, int((counts - floor).sum())))
    quota = floor + np.floor(share).astype(np.int64)
    short = budget - int(quota.sum())
    if short > 0:  # largest remainders first (stable: ties go to the first category)
        room = counts - quota
        remainders = np.where(room > 0, share - np.floor(share), -1.0)
        order = np.argsort(-remainders, kind="stable")[:short]
        quota[order] += 1
    if budget < k:  # fewer points than categories: the largest categories get one each
        quota = np.zeros(k, dtype=np.int64)
        quota[np.argsort(-counts, kind="stable")[:budget]] = 1
    return np.minimum(quota, counts)


def swap_in(drawn: np.ndarray, wanted: np.ndarray, max_points: int, keep: Any = None,
            seed: int = SEED) -> np.ndarray:  # fmt: skip
    """``drawn`` (sorted) with every index of ``wanted`` in it, still at most
    ``max_points`` when it was: points not wanted (and not in ``keep``, e.g. the selection)
    make room, chosen at random with a fixed seed. Returns sorted int64 indices."""
    drawn = np.asarray(drawn, dtype=np.int64)
    wanted = np.unique(np.asarray(wanted, dtype=np.int64))
    new = np.setdiff1d(wanted, drawn, assume_unique=True)
    if len(new) == 0:
        return drawn
    if len(new) > max_points:
        raise ValueError(
            f"cannot draw {len(new):,} more points with a draw budget of {max_points:,}: "
            "show fewer points, or raise max_points"
        )
    excess = len(drawn) + len(new) - max_points
    if excess > 0:
        protected = wanted if keep is None else np.union1d(wanted, np.asarray(keep, np.int64))
        free = np.setdiff1d(drawn, protected, assume_unique=False)
        if len(free) < excess:  # the kept points must give way too, but never the wanted
            free = np.setdiff1d(drawn, wanted)
        rng = np.random.default_rng(seed + len(drawn) + int(new[0]))
        out = rng.choice(free, size=excess, replace=False)
        drawn = np.setdiff1d(drawn, out, assume_unique=True)
    return np.union1d(drawn, new).astype(np.int64)
