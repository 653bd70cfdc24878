"""The shapes of what the page reads besides requests and replies: the widget's JSON traits
(``methods``, ``progress``, ``columns``, ``legend``, ``isolated_count``) and the columns of an
offline export.

TypedDicts, exported to the page's TypeScript with the protocol's types (js/src/protocolTypes.ts,
by scripts/protocol_ts.py).
"""

import sys
from typing import Any, Literal

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - Python 3.10: TypedDict that understands NotRequired
    from typing_extensions import NotRequired, TypedDict

#: A JSON value.
Json = Any

# ------------------------------------------------------------------ traits


class ParamSpec(TypedDict):
    """One parameter a projection tab renders: its UI range and default."""

    name: str
    label: str
    type: Literal["choice", "int", "float", "float_or_auto"]
    default: Json
    min: NotRequired[float]
    max: NotRequired[float]
    step: NotRequired[float]
    choices: NotRequired[list[int]]
    scale: NotRequired[Literal["log"]]
    help: NotRequired[str]


class MethodInfo(TypedDict):
    """One entry of the widget's ``methods`` trait."""

    available: bool
    defaults: NotRequired[dict[str, Json]]
    params: NotRequired[list[ParamSpec]]
    #: Why the method is not available (e.g. how to install it).
    message: NotRequired[str]


#: The widget's ``methods`` trait: what the projections panel offers.
MethodsTrait = dict[str, MethodInfo]


class Progress(TypedDict):
    """The widget's ``progress`` trait: what is running, and how far it got."""

    state: NotRequired[Literal["idle", "running", "paused", "done", "failed", "cancelled"]]
    method: NotRequired[str]
    message: NotRequired[str]
    iteration: NotRequired[int]
    n_iter: NotRequired[int]
    fraction: NotRequired[float | None]
    error: NotRequired[str]
    #: What the user should know about the run, e.g. that it is not reproducible.
    note: NotRequired[str]


#: The widget's ``isolated_count`` trait: how many points the user isolated, or None when
#: nothing is isolated (points hidden only because the shown layout has not placed them yet,
#: while the drawn points are read, are not isolated).
IsolatedCount = int | None


class QueryMarker(TypedDict):
    """Where a search by meaning put its query in the layout shown."""

    #: Page coordinates, as the points' positions (the unit cube).
    position: list[float]
    #: "exact projection" (PCA) or "distance-weighted mean of its neighbours".
    how: str
    #: The layout's method.
    method: str


class Undrawn(TypedDict):
    """The points of a list that the page does not draw (above the draw budget), with
    their labels: the page holds only the drawn points' labels."""

    indices: list[int]
    labels: list[str]


class FindState(TypedDict):
    """The widget's ``find`` trait: the last search by meaning (the points found are in
    ``_found`` / ``_found_distances``)."""

    state: NotRequired[Literal["idle", "running", "done", "failed"]]
    message: NotRequired[str]
    query: NotRequired[str]
    count: NotRequired[int]
    metric: NotRequired[str]
    error: NotRequired[str]
    marker: NotRequired[QueryMarker]
    #: The points found that are not drawn, with their labels.
    undrawn: NotRequired[Undrawn]


class ClusterName(TypedDict):
    """One cluster's name on the map."""

    id: int
    name: str
    size: int
    #: The member point the name is drawn at (nearest the cluster's centre).
    anchor: int


class ClusteringState(TypedDict):
    """The widget's ``clustering`` trait: the last clustering and the names drawn."""

    state: NotRequired[Literal["idle", "running", "done", "failed"]]
    message: NotRequired[str]
    error: NotRequired[str]
    #: The metadata column holding each point's cluster name.
    column: NotRequired[str]
    names: NotRequired[list[ClusterName]]


class Column(TypedDict):
    """One entry of the widget's ``columns`` trait."""

    name: str
    #: "text": a column of a Lance or Parquet source left on disk (too many distinct values
    #: to colour by); its ``unique`` is a lower bound.
    kind: Literal["numeric", "categorical", "text"]
    unique: int


class EditsTrait(TypedDict):
    """The widget's ``edits`` trait: the metadata table's undo / redo state."""

    #: How many steps can be undone / redone.
    undo: int
    redo: int
    #: What the next undo / redo changes, in words ("" when nothing).
    next_undo: str
    next_redo: str
    #: The columns that take annotations.
    editable: list[str]


class LegendEntry(TypedDict):
    value: Json
    color: str
    count: int


class LegendOther(TypedDict):
    #: How many values share the "other" colour, and how many points have them.
    values: int
    count: int
    color: str


class LegendMissing(TypedDict):
    count: int
    color: str


class Legend(TypedDict):
    """The widget's ``legend`` trait: what the colours mean."""

    kind: Literal["none", "numeric", "categorical"]
    column: NotRequired[str]
    entries: NotRequired[list[LegendEntry]]
    other: NotRequired[LegendOther]
    missing: NotRequired[LegendMissing]
    min: NotRequired[float]
    max: NotRequired[float]
    #: Evenly spaced colours of the map, low to high: the gradient bar is drawn from them.
    stops: NotRequired[list[str]]
    #: The continuous colour map's name (numeric legends).
    colormap: NotRequired[str]
    #: What the colours measure, in a sentence (for computed scores rather than a column).
    caption: NotRequired[str]

class ChangedPoint(TypedDict):
    """One of the most changed points of a comparison, with its neighbours in a and in b."""

    index: int
    label: str
    change: float
    kept: int
    gained: int
    lost: int
    a: list[int]
    b: list[int]


class Comparison(TypedDict):
    """The widget's ``comparison`` trait (empty before any comparison)."""

    a: str
    b: str
    state: Literal["running", "done", "failed"]
    k: NotRequired[int]
    #: How the neighbours were found: the distance, and in which space.
    metric: NotRequired[Literal["cosine", "euclidean"]]
    space: NotRequired[Literal["original", "spherized"]]
    mean: NotRequired[float]
    changed: NotRequired[list[ChangedPoint]]
    error: NotRequired[str]

# ------------------------------------------------------------------ the offline export


class CodesData(TypedDict):
    """Little-endian unsigned integers, base64."""

    dtype: Literal["uint8", "uint16", "uint32"]
    data: str


class ExportColumn(TypedDict):
    """One metadata column as an offline export carries it, for the page's stand-in for
    Python to search it and answer ``row`` as Python does."""

    name: str
    #: Distinct texts (as search reads them); point i has values[codes[i] - 1], or none at 0.
    values: list[str]
    codes: CodesData
    #: What ``row`` answers for a value: a number, true / false, or the text itself.
    type: Literal["number", "boolean", "text"]
