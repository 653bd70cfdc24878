"""Points drawn as their own images: the widget's thumbnails and the atlases that carry
them to the page (made by :mod:`nbprojector.thumbnails`).

:class:`Images` owns the thumbnails (kept on the dataset, ``data.images``, (N, h, w, 4) uint8
RGBA, which ``to_logdir`` writes as a sprite sheet) and the writes of ``_atlases`` (PNG
atlases, one binary buffer each) and ``image_manifest`` (how to find image ``i`` in them).
``max_texture_size`` is the largest atlas side built; the page's ``atlas`` request lowers
it to the browser's WebGL ``MAX_TEXTURE_SIZE`` (the atlases are rebuilt to fit, never
dropped or stretched by the browser).

Image ``i`` always sits in the same cell for a given manifest, found from ``i`` alone, and
indices never change: isolation, search, selection and new layouts keep each point with its
own image without anything being re-sent.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import protocol
from ..dataset import Dataset
from ..thumbnails import as_thumbnails, build_atlases

if TYPE_CHECKING:  # the widget that holds the traits; imported for type checking only
    from .projector import Projector

log = logging.getLogger(__name__)

#: The atlas side Python assumes until the page says otherwise: what every WebGL2 browser
#: on a desktop GPU supports (most support 16384). A page whose limit is lower asks for
#: smaller atlases through the ``atlas`` request.
DEFAULT_MAX_TEXTURE_SIZE = 8192

#: The smallest atlas side accepted (the knob exists for testing and odd devices).
MIN_TEXTURE_SIZE = 16


def thumbnails_from_inputs(images: Any, single_image_dim: Any, n: int) -> np.ndarray | None:
    """What ``Projector(images=..., single_image_dim=...)`` accepts, as (n, h, w, 4) RGBA
    thumbnails (longest side at most ``thumbnails.MAX_THUMBNAIL_SIDE``), or None without
    images.

    Raises:
        ValueError / TypeError: what is wrong with the images and how to fix it, prefixed
            with ``images:`` so the message says which argument it is about.
    """
    if images is None:
        if single_image_dim is not None:
            raise ValueError(
                "single_image_dim was given without images: pass the sprite sheet as "
                "images=path_or_image, single_image_dim=(width, height)"
            )
        return None
    try:
        return as_thumbnails(images, single_image_dim=single_image_dim, n=n)
    except (ValueError, TypeError) as err:
        raise type(err)(f"images: {err}") from None


class Images:
    """Thumbnails and their atlases for one widget."""

    def __init__(self, widget: Projector, data: Dataset) -> None:
        self._widget = widget
        self._data = data

    @property
    def thumbnails(self) -> np.ndarray | None:
        return self._data.images

    def use(self, thumbs: np.ndarray | None, show: bool | None) -> None:
        """Store the thumbnails on the dataset, send their atlases, and show or hide them."""
        w = self._widget
        self._data.images = thumbs
        if thumbs is None:
            with w.hold_sync():
                w.show_images = bool(show)  # True raises: there is nothing to show
                w.set_trait("_atlases", [])
                w.set_trait("image_manifest", {})
            return
        with w.hold_sync():
            self.send_atlases()
            if show is not None:
                w.show_images = bool(show)

    def check_show(self, show: bool) -> bool:
        if show and self._data.images is None:
            raise ValueError(
                "this projector has no images: pass images=... to Projector or call "
                "set_images(...) first"
            )
        return show

    def send_atlases(self) -> None:
        """(Re)build the atlases at the current ``max_texture_size`` and send them."""
        thumbs = self._data.images
        if thumbs is None:
            return
        w = self._widget
        limit = int(w.max_texture_size)
        atlases = build_atlases(thumbs, max_texture_size=limit)
        manifest = atlases.to_manifest()
        h, w_px = thumbs.shape[1:3]
        manifest.update(
            max_texture_size=limit,
            thumbnail=[int(w_px), int(h)],
            downscaled=list(atlases.cell) != [int(w_px), int(h)],
        )
        if manifest["downscaled"]:
            log.warning(
                "thumbnails of %d x %d px do not fit a %d px texture: drawn at %d x %d",
                w_px, h, limit, *atlases.cell,
            )  # fmt: skip
        with w.hold_sync():
            w.set_trait("_atlases", atlases.pngs)
            w.set_trait("image_manifest", manifest)

    def handle_atlas(self, payload: dict[str, Any], _buffers: list[bytes]) -> dict[str, Any]:
        """``{max_texture_size}``: the page's WebGL limit. When it is below the atlases'
        size, they are rebuilt to fit it (more atlases, never fewer images)."""
        w = self._widget
        limit = protocol.payload_int(payload, "max_texture_size", MIN_TEXTURE_SIZE, 1 << 20)
        if limit < w.max_texture_size:
            w.max_texture_size = limit  # rebuilds and re-sends the atlases
        return {"max_texture_size": w.max_texture_size, "atlases": len(w._atlases)}
