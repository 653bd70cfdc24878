"""The widget's components, made and wired together in one place.

Every component exists before any trait of the widget is set, so each trait reaction (run
as soon as a trait is first written) finds the component it calls. Each component gets the
others it needs here, and never reads another's private attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..colors import colormap_menu
from ..compute_dask import default_compute
from ..dataset import Dataset
from ..metadata import describe_columns
from .annotations import Annotations
from .bookmark_list import BookmarkList
from .cluster_names import ClusterNames
from .exports import Exports
from .finder import Finder
from .images import Images
from .inspector import Inspector
from .projections import Projections
from .reactions import Reactions
from .requests import Requests, handlers
from .snapshot import Snapshots
from .state import ViewState
from .timeline import Timeline
from .trust import Trust

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector


@dataclass(frozen=True)
class Components:
    """The widget's components; each owns the state its module's docstring names."""

    view: ViewState
    projections: Projections
    inspector: Inspector
    trust: Trust
    finder: Finder
    annotations: Annotations
    cluster_names: ClusterNames
    bookmarks: BookmarkList
    images: Images
    timeline: Timeline
    snapshots: Snapshots
    exports: Exports
    reactions: Reactions
    requests: Requests


def assemble(widget: Projector, data: Dataset, encoder: Any, compute: Any) -> Components:
    """Build the components of ``widget`` over ``data``. ``encoder`` and ``compute`` are
    ``Projector``'s arguments of those names."""
    engine = default_compute(compute)
    view = ViewState(widget, data)
    view.neighbor_runner = engine.runner
    projections = Projections(widget, view, engine)
    inspector = Inspector(widget, view, projections)
    trust = Trust(widget, view)
    finder = Finder(widget, view, projections, inspector, encoder)
    annotations = Annotations(widget, view)
    cluster_names = ClusterNames(widget, view, annotations)
    bookmarks = BookmarkList(widget, view, projections, annotations)
    images = Images(widget, data)

    def show_embedding(name: str) -> None:
        widget.embedding = name

    timeline = Timeline(list(data.embeddings), show_embedding)
    snapshots = Snapshots(lambda message: widget.send(message))
    exports = Exports(widget, view, trust, bookmarks)
    reactions = Reactions(widget, view, projections, inspector, trust, finder, images,
                          cluster_names, bookmarks)  # fmt: skip
    requests = Requests(
        handlers(projections, inspector, bookmarks, images, snapshots, trust, finder,
                 cluster_names, annotations),
        lambda content, buffers: widget.send(content, buffers),
    )  # fmt: skip
    return Components(view, projections, inspector, trust, finder, annotations, cluster_names,
                      bookmarks, images, timeline, snapshots, exports, reactions,
                      requests)  # fmt: skip


def publish(widget: Projector, parts: Components) -> None:
    """Write the panel contents fixed at creation (the data's size, its embeddings and
    columns, the methods, encoders and colour maps offered) and the table's edit state."""
    data = parts.view.data
    widget.set_trait("methods", parts.projections.methods())
    widget.set_trait("embeddings", list(data.embeddings))
    widget.set_trait("encoders", parts.finder.embeddings_with_encoder)
    widget.set_trait("columns", describe_columns(data.table, data.text_on_disk()))
    widget.set_trait("n_points", data.n_points)
    widget.set_trait("colormaps", colormap_menu())
    parts.annotations.publish()
