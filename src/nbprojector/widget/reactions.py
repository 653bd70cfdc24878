"""What Python does when a trait of the widget is written (by the page or by a cell): the
check of the new value, then the reaction, each handed to the component that owns it.

``Projector`` declares the traits; its ``@validate`` and ``@observe`` methods call
:meth:`Reactions.checked` and :meth:`Reactions.changed` with the trait's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import traitlets as t

from ..colors import ColormapError, check_colormap
from ..neighbors import most_neighbours
from .bookmark_list import BookmarkList
from .cluster_names import ClusterNames
from .finder import Finder
from .images import Images
from .inspector import Inspector
from .projections import Projections
from .state import ViewState
from .trust import COLOR_BY_CHANGE, COLOR_BY_FIDELITY, Trust

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector

#: The traits whose new values are checked (``Projector``'s ``@validate``).
CHECKED = ("embedding", "label_by", "color_by", "colormap", "fidelity_k", "compare_k",
           "_selection", "show_images")  # fmt: skip

#: The traits Python reacts to (``Projector``'s ``@observe``).
OBSERVED = ("embedding", "align_embeddings", "label_by", "color_by", "colormap", "projection",
            "compare_embeddings", "spherize", "metric", "fidelity_k", "compare_k",
            "_selection", "max_texture_size", "edits", "_bookmark_file")  # fmt: skip


class Reactions:
    """The checks and reactions of the widget's traits. Owns no state: each reaction tells
    the component that owns the state concerned."""

    def __init__(self, widget: Projector, view: ViewState, projections: Projections,
                 inspector: Inspector, trust: Trust, finder: Finder, images: Images,
                 cluster_names: ClusterNames, bookmarks: BookmarkList) -> None:  # fmt: skip
        self._widget = widget
        self._view = view
        self._projections = projections
        self._inspector = inspector
        self._trust = trust
        self._finder = finder
        self._images = images
        self._cluster_names = cluster_names
        self._bookmarks = bookmarks
        self._checks: dict[str, Callable[[str, Any], Any]] = {
            "embedding": self._check_embedding,
            "label_by": self._check_column,
            "color_by": self._check_column,
            "colormap": self._check_colormap,
            "fidelity_k": self._check_k,
            "compare_k": self._check_k,
            "_selection": self._check_selection,
            "show_images": self._check_show_images,
        }
        self._reactions: dict[str, Callable[[dict[str, Any]], None]] = {
            "embedding": self._embedding_changed,
            "align_embeddings": self._align_changed,
            "label_by": lambda _change: view.show_labels(widget.label_by),
            "color_by": self._color_by_changed,
            "colormap": self._colormap_changed,
            "projection": self._projection_changed,
            "compare_embeddings": lambda _change: trust.compare_in_background(
                list(widget.compare_embeddings)
            ),
            "spherize": self._neighbour_settings_changed,
            "metric": self._neighbour_settings_changed,
            "fidelity_k": self._neighbour_settings_changed,
            "compare_k": self._neighbour_settings_changed,
            "_selection": lambda _change: inspector.selection_changed(),
            "max_texture_size": lambda _change: images.send_atlases(),
            # The names drawn are the cluster column's: an edit or undo may change them.
            "edits": lambda _change: cluster_names.table_changed(),
            "_bookmark_file": lambda change: bookmarks.file_changed(change["new"]),
        }

    def checked(self, trait: str, value: Any) -> Any:
        """``value`` as ``trait`` keeps it; raises ``TraitError`` (the trait keeps its
        value) when it is not one the trait takes, saying which are."""
        return self._checks[trait](trait, value)

    def changed(self, change: dict[str, Any]) -> None:
        """React to the change of a trait (a traitlets change dict)."""
        self._reactions[change["name"]](change)

    # ---------------------------------------------------------------- checks

    def _check_embedding(self, _trait: str, name: str) -> str:
        if name not in self._view.data.embeddings:
            raise t.TraitError(
                f"unknown embedding {name!r}; choose one of {list(self._view.data.embeddings)}"
            )
        return name

    def _check_column(self, trait: str, name: str) -> str:
        if trait == "color_by" and name in ("", COLOR_BY_FIDELITY, COLOR_BY_CHANGE):
            return name
        data = self._view.data
        if not data.has_column(name):
            raise t.TraitError(
                f"unknown column {name!r} for {trait}; choose one of {data.columns}"
            )
        if trait == "color_by" and data.is_on_disk(name):
            raise t.TraitError(
                f"column {name!r} is text with too many distinct values to colour by (it "
                "stays on disk); colour by a column with fewer values, or label by it"
            )
        return name

    def _check_colormap(self, _trait: str, name: str) -> str:
        try:
            return check_colormap(name)
        except ColormapError as err:
            raise t.TraitError(str(err)) from None

    def _check_k(self, trait: str, k: int) -> int:
        most = most_neighbours(self._view.n_points)
        if not 1 <= k <= most:
            raise t.TraitError(
                f"{trait} must be between 1 and {most} (the other points), got {k}"
            )
        return int(k)

    def _check_selection(self, _trait: str, raw: bytes) -> bytes:
        if len(raw) % 4:
            raise t.TraitError("selection bytes must be uint32 indices (a multiple of 4 bytes)")
        indices = np.frombuffer(raw, dtype=np.uint32)
        if len(indices) and int(indices.max()) >= self._view.n_points:
            raise t.TraitError(
                f"selection index {int(indices.max())} >= {self._view.n_points} points"
            )
        return bytes(np.unique(indices).astype(np.uint32).tobytes())

    def _check_show_images(self, _trait: str, show: Any) -> bool:
        try:
            return self._images.check_show(bool(show))
        except ValueError as err:
            raise t.TraitError(str(err)) from None

    # ---------------------------------------------------------------- reactions

    def _embedding_changed(self, change: dict[str, Any]) -> None:
        view, name = self._view, self._widget.embedding
        view.embedding_switched(change["old"])
        self._widget.set_trait("n_dims", view.n_dims)
        if name in view.layouts:
            self._projections.show_kept(view.layouts[name])
        else:
            self._projections.show_first_layout()

    def _align_changed(self, _change: dict[str, Any]) -> None:
        # Kept layouts were made under the old setting: recompute them when shown, and now
        # for the one shown when that is cheap (PCA, custom; a t-SNE or UMAP run stays).
        self._view.forget_other_layouts()
        projection = self._widget.projection
        if projection.get("method") in ("pca", "custom") and "bookmark" not in projection:
            self._projections.rerun()

    def _color_by_changed(self, _change: dict[str, Any]) -> None:
        self._trust.refresh_colors()  # starts, or stops, colouring by layout fidelity
        if not self._trust.colouring():
            self._view.show_colors(self._widget.color_by)

    def _colormap_changed(self, _change: dict[str, Any]) -> None:
        if self._trust.colouring():
            self._trust.refresh_colors(force=True)
        else:
            self._view.show_colors(self._widget.color_by)

    def _projection_changed(self, _change: dict[str, Any]) -> None:
        self._trust.refresh_colors()  # fidelity colours follow the layout shown
        self._finder.relocate()  # the query's marker follows the layout shown

    def _neighbour_settings_changed(self, change: dict[str, Any]) -> None:
        # What the fidelity colours and the comparison show was computed with the old
        # settings: compute them again with the new ones.
        if change["name"] != "compare_k":
            self._trust.refresh_colors(force=True)
        if change["name"] != "fidelity_k":
            self._trust.recompare()
