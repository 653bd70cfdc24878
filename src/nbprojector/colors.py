"""Point colours: categories from colorcet's Glasbey palette, numbers through a named
continuous colour map (colorcet's perceptually uniform maps, or matplotlib's registry when
matplotlib is installed), and the legends that explain them.

A categorical colouring travels as one byte a point (an index into a palette of at most 256
colours, sent once); a continuous one as RGB. Pure functions over pandas objects and arrays;
nothing here knows about the widget.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import colorcet as cc
import numpy as np
import pandas as pd

#: Categorical colours: colorcet's Glasbey palette made without black, white and greys
#: (minimum chroma 20), so no category reads as "missing" or "other" or vanishes on either
#: theme. 256 colours: exactly what a one-byte index can address.
PALETTE: list[str] = list(cc.palette["glasbey_bw_minc_20"])
#: The most categories a colour index addresses (one byte).
MAX_CATEGORIES = 256
#: Points with no value in the colour-by column.
MISSING_COLOR = "#bebebe"
#: Category values beyond the palette share this colour (and one legend row).
OTHER_COLOR = "#808080"
#: Colour of every point when nothing is chosen to colour by.
DEFAULT_COLOR = "#4a7fd1"
#: The continuous map used unless ``colormap`` says otherwise: colorcet's blue-green-yellow,
#: perceptually uniform (its counterpart of viridis, which colorcet does not carry).
DEFAULT_COLORMAP = "bgy"
#: How many evenly spaced colours of the map a numeric legend's gradient is drawn from.
LEGEND_STOPS = 16
#: The continuous maps the data panel's menu offers (any other valid name is accepted too).
MENU_COLORMAPS = ["bgy", "bmy", "kbc", "fire", "gouldian", "rainbow4", "coolwarm", "bkr",
                  "gray", "isolum"]  # fmt: skip
#: matplotlib's perceptually uniform maps, offered in the menu when matplotlib is installed.
MATPLOTLIB_MENU = ["viridis", "magma", "plasma", "inferno", "cividis"]

NUMERIC = "numeric"
CATEGORICAL = "categorical"


class ColormapError(ValueError):
    """A colour map name that neither colorcet nor matplotlib knows."""


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """'#rrggbb' -> (r, g, b)."""
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def rgb_to_hex(rgb: Any) -> str:
    r, g, b = (int(v) for v in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


# ---------------------------------------------------------------- colour maps


def _colorcet_continuous() -> list[str]:
    """colorcet's continuous maps by every name it gives them (the Glasbey palettes are
    categorical, not maps)."""
    return sorted(
        name
        for name, colors in cc.palette.items()
        if not name.startswith("glasbey") and len(colors) == 256
    )


def _matplotlib_installed() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def colormap_menu() -> list[str]:
    """The names the data panel offers: colorcet's best-known maps, then matplotlib's
    perceptually uniform ones when matplotlib is installed."""
    return MENU_COLORMAPS + (MATPLOTLIB_MENU if _matplotlib_installed() else [])


@lru_cache(maxsize=32)
def colormap_lut(name: str) -> np.ndarray:
    """The map ``name`` as 256 RGB colours, (256, 3) uint8: colorcet's names first, then
    matplotlib's registry (when installed). An unknown name is a :class:`ColormapError`
    that lists some names to use."""
    colors = cc.palette.get(name)
    if colors is not None and not name.startswith("glasbey") and len(colors) == 256:
        return np.array([hex_to_rgb(c) for c in colors], dtype=np.uint8)
    if _matplotlib_installed():
        import matplotlib  # only for a name colorcet does not have

        if name in matplotlib.colormaps:
            rgba = matplotlib.colormaps[name](np.linspace(0.0, 1.0, 256))
            lut: np.ndarray = np.rint(rgba[:, :3] * 255).astype(np.uint8)
            return lut
    where = "colorcet" + (" or matplotlib" if _matplotlib_installed() else "")
    hint = "" if _matplotlib_installed() else (
        " (matplotlib's maps, e.g. 'viridis', need matplotlib installed)"
    )
    raise ColormapError(
        f"unknown colour map {name!r}: not a continuous map of {where}; use one of "
        f"{', '.join(colormap_menu())}, or any of colorcet's {len(_colorcet_continuous())} "
        f"names (colorcet.palette){hint}"
    )


def check_colormap(name: str) -> str:
    """``name`` if it is a usable continuous map, else a :class:`ColormapError`."""
    colormap_lut(name)
    return name


# ---------------------------------------------------------------- colourings


@dataclass
class Coloring:
    """Colours for every point, as the page receives them, and their legend.

    Either ``codes`` (uint8 per point) into ``palette`` ((K, 3) uint8, K <= 256), or ``rgb``
    ((N, 3) uint8); neither when nothing colours the points (the page's default colour).
    """

    legend: dict[str, Any]
    codes: np.ndarray | None = None
    palette: np.ndarray | None = None
    rgb: np.ndarray | None = None
    # The page's traits, computed once: equal colourings compare equal byte for byte.
    traits: dict[str, bytes] = field(init=False)

    def __post_init__(self) -> None:
        if self.codes is not None:
            assert self.palette is not None and len(self.palette) <= MAX_CATEGORIES
            self.traits = {"_colors": self.codes.astype(np.uint8).tobytes(),
                           "_palette": self.palette.astype(np.uint8).tobytes()}  # fmt: skip
        elif self.rgb is not None:
            self.traits = {"_colors": self.rgb.astype(np.uint8).tobytes(), "_palette": b""}
        else:
            self.traits = {"_colors": b"", "_palette": b""}

    def per_point(self) -> np.ndarray | None:
        """(N, 3) uint8 RGB, what the page draws (None: the default colour)."""
        if self.codes is not None:
            assert self.palette is not None
            out: np.ndarray = self.palette[self.codes]
            return out
        return self.rgb


def column_kind(values: pd.Series) -> str:
    """'numeric' (a continuous colour map) or 'categorical' (a palette and counts).

    Numbers are numeric, except class labels: whole numbers with at most
    WHOLE_NUMBER_CATEGORIES distinct values (digits 0-9, cluster ids) read better as
    categories. Booleans and text are categorical.
    """
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return CATEGORICAL
    present = values.dropna()
    whole = pd.api.types.is_integer_dtype(values) or bool(np.all(np.mod(present, 1) == 0))
    if whole and distinct_count(present) <= WHOLE_NUMBER_CATEGORIES:
        return CATEGORICAL
    return NUMERIC


def distinct_count(values: pd.Series) -> int:
    """How many distinct values ``values`` holds, missing ones not counted (pandas'
    ``nunique``). Numbers are counted on one sorted copy (8 bytes a point) and categories
    on their codes: pandas' hash table over 10M numbers takes about 36 bytes a point."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        used = np.bincount(codes[codes >= 0], minlength=len(values.cat.categories))
        return int(np.count_nonzero(used))
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values) \
            and isinstance(values.dtype, np.dtype):  # fmt: skip
        ordered = values.to_numpy()
        ordered = ordered[~np.isnan(ordered)] if ordered.dtype.kind == "f" else ordered.copy()
        if len(ordered) == 0:
            return 0
        ordered.sort()
        return int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1
    return int(values.nunique())


#: Whole-number columns with at most this many values are categories (class labels), more
#: are numbers (ages, years, counts).
WHOLE_NUMBER_CATEGORIES = 32


def color_points(values: pd.Series | None, colormap: str = DEFAULT_COLORMAP) -> Coloring:
    """How to colour the points by ``values``.

    Categorical: values ranked by count; up to 256 get Glasbey colours (one byte a point),
    the rest share OTHER_COLOR. Numeric: ``colormap`` from min to max (RGB). Missing:
    MISSING_COLOR.
    """
    if values is None:
        return Coloring({"kind": "none"})
    if column_kind(values) == NUMERIC:
        return color_scale(values.to_numpy(dtype=np.float64, na_value=np.nan), None, colormap)
    return _color_categorical(values)


def _color_categorical(values: pd.Series) -> Coloring:
    codes, uniques = pd.factorize(values, sort=False)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    # Most frequent first; ties in order of first appearance (stable sort).
    ranking = np.argsort(-counts, kind="stable")
    rank_of = np.empty(len(uniques), dtype=np.int64)
    rank_of[ranking] = np.arange(len(uniques))
    missing = codes < 0
    has_missing = bool(missing.any())
    # Every code fits one byte: the named values, "other" when some are left, "missing".
    n_named = len(uniques)
    if n_named + has_missing > MAX_CATEGORIES:
        n_named = MAX_CATEGORIES - has_missing - 1
    has_other = n_named < len(uniques)
    palette = [hex_to_rgb(c) for c in PALETTE[:n_named]]
    other_code, missing_code = n_named, n_named + has_other
    if has_other:
        palette.append(hex_to_rgb(OTHER_COLOR))
    if has_missing:
        palette.append(hex_to_rgb(MISSING_COLOR))
    ranks = rank_of[np.maximum(codes, 0)]
    point_codes = np.where(ranks < n_named, ranks, other_code)
    point_codes[missing] = missing_code
    entries = [
        {"value": _json_value(uniques[i]), "color": PALETTE[r], "count": int(counts[i])}
        for r, i in enumerate(ranking[:n_named])
    ]
    legend: dict[str, Any] = {"kind": CATEGORICAL, "entries": entries}
    if has_other:
        legend["other"] = {
            "values": int(len(uniques) - n_named),
            "count": int(counts[ranking[n_named:]].sum()),
            "color": OTHER_COLOR,
        }
    if has_missing:
        legend["missing"] = {"count": int(missing.sum()), "color": MISSING_COLOR}
    return Coloring(legend, codes=point_codes.astype(np.uint8),
                    palette=np.array(palette, dtype=np.uint8).reshape(-1, 3))  # fmt: skip


def color_scale(
    values: np.ndarray,
    limits: tuple[float, float] | None = None,
    colormap: str = DEFAULT_COLORMAP,
) -> Coloring:
    """Numbers through ``colormap`` (RGB a point): from ``limits`` (lo, hi) when given (scores
    whose range is known; values outside are clipped), else from the values' min to max.
    NaN and infinities get MISSING_COLOR."""
    lut = colormap_lut(colormap)
    x = np.asarray(values, dtype=np.float64)
    missing = ~np.isfinite(x)
    if limits is not None:
        lo, hi = limits
    else:
        present = x[~missing]
        lo, hi = (float(present.min()), float(present.max())) if len(present) else (0.0, 1.0)
    t = np.zeros_like(x) if hi == lo else (x - lo) / (hi - lo)
    t = np.clip(np.nan_to_num(t), 0.0, 1.0)
    colors = lut[np.rint(t * 255).astype(np.intp)]
    colors[missing] = hex_to_rgb(MISSING_COLOR)
    stops = [rgb_to_hex(c) for c in lut[np.linspace(0, 255, LEGEND_STOPS).round().astype(int)]]
    legend: dict[str, Any] = {"kind": NUMERIC, "min": lo, "max": hi, "stops": stops,
                              "colormap": colormap}  # fmt: skip
    if missing.any():
        legend["missing"] = {"count": int(missing.sum()), "color": MISSING_COLOR}
    return Coloring(legend, rgb=colors)


def _json_value(value: Any) -> Any:
    """A legend value as plain JSON (numpy scalars become Python ones)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
