"""Points drawn as their own images (SPEC D6): the widget's side of ``sprites.py``.

:class:`ImagesMixin` is one of :class:`~nbprojector.widget.Projector`'s bases. It owns:

* the thumbnails, one per point, kept on the dataset (``self._data.images``, (N, h, w, 4)
  uint8 RGBA, which ``to_logdir`` writes as a sprite sheet);
* the PNG atlases that carry them to the page (``_atlases``, one binary buffer each) and
  the small JSON that says how to find image ``i`` in them (``image_manifest``);
* the view options ``show_images`` (images or dots) and ``image_size``;
* ``max_texture_size``, the largest atlas side built, and the page's ``atlas`` request that
  lowers it to the browser's WebGL ``MAX_TEXTURE_SIZE`` (the atlases are rebuilt to fit,
  never dropped or stretched by the browser).

Image ``i`` always sits in the same cell for a given manifest, found from ``i`` alone, and
indices never change: isolation, search, selection and new layouts keep each point with its
own image without anything being re-sent.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import traitlets as t

from . import protocol
from .sprites import as_thumbnails, build_atlases

log = logging.getLogger(__name__)

#: The atlas side Python assumes until the page says otherwise: what every WebGL2 browser
#: on a desktop GPU supports (most support 16384). A page whose limit is lower asks for
#: smaller atlases through the ``atlas`` request.
DEFAULT_MAX_TEXTURE_SIZE = 8192

#: The smallest atlas side accepted (the knob exists for testing and odd devices).
MIN_TEXTURE_SIZE = 16


def thumbnails_from_inputs(images: Any, single_image_dim: Any, n: int) -> np.ndarray | None:
    """What ``Projector(images=..., single_image_dim=...)`` accepts, as (n, h, w, 4) RGBA
    thumbnails (longest side at most ``sprites.MAX_THUMBNAIL_SIDE``), or None without images.

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


class ImagesMixin(t.HasTraits):
    """Thumbnails, their atlases and the image view options for the Projector widget."""

    _atlases = t.List(t.Bytes(), read_only=True).tag(sync=True)  # one PNG per atlas
    image_manifest = t.Dict(
        read_only=True,
        help="How the atlases are laid out: image i is in atlas i // per_atlas, at column "
        "(i % per_atlas) % columns and row (i % per_atlas) // columns of `cell` pixels; empty "
        "without images. See sprites.Atlases.",
    ).tag(sync=True)
    show_images = t.Bool(False, help="Draw each point as its image (True) or as a dot (False)").tag(
        sync=True
    )
    image_size = t.Float(
        28.0, min=4.0, max=128.0, help="Drawn size of an image's longest side, in CSS pixels"
    ).tag(sync=True)
    max_texture_size = t.Int(
        DEFAULT_MAX_TEXTURE_SIZE,
        min=MIN_TEXTURE_SIZE,
        help="Largest atlas side in pixels. The page lowers it to its WebGL MAX_TEXTURE_SIZE "
        "when that is smaller; lower it yourself to test several atlases. Thumbnails that do "
        "not fit in one atlas go to more atlases; only a single thumbnail larger than this "
        "is downscaled (aspect kept, said in image_manifest['downscaled']).",
    )

    # ---------------------------------------------------------------- public API

    @property
    def images(self) -> np.ndarray | None:
        """The thumbnails, (N, h, w, 4) uint8 RGBA, one per point; None without images.
        Not a copy: do not modify (use :meth:`set_images`)."""
        return getattr(self._data, "images", None)

    def set_images(self, images: Any, single_image_dim: tuple[int, int] | None = None) -> None:
        """Give the points images (anything ``Projector(images=...)`` takes), or remove them
        with None. Shows them (``show_images = True``) when given."""
        thumbs = thumbnails_from_inputs(images, single_image_dim, self.n_points)
        self._use_thumbnails(thumbs, show=thumbs is not None)

    # ---------------------------------------------------------------- internals

    def _use_thumbnails(self, thumbs: np.ndarray | None, show: bool | None) -> None:
        """Store the thumbnails on the dataset, send their atlases, and show or hide them."""
        self._data.images = thumbs
        if thumbs is None:
            with self.hold_sync():
                self.show_images = bool(show)  # True raises: there is nothing to show
                self.set_trait("_atlases", [])
                self.set_trait("image_manifest", {})
            return
        with self.hold_sync():
            self._send_atlases()
            if show is not None:
                self.show_images = bool(show)

    def _send_atlases(self) -> None:
        thumbs = self.images
        if thumbs is None:
            return
        limit = int(self.max_texture_size)
        atlases = build_atlases(thumbs, max_texture_size=limit)
        manifest = atlases.to_manifest()
        h, w = thumbs.shape[1:3]
        manifest.update(
            max_texture_size=limit,
            thumbnail=[int(w), int(h)],
            downscaled=list(atlases.cell) != [int(w), int(h)],
        )
        if manifest["downscaled"]:
            log.warning(
                "thumbnails of %d x %d px do not fit a %d px texture: drawn at %d x %d",
                w, h, limit, *atlases.cell,
            )  # fmt: skip
        with self.hold_sync():
            self.set_trait("_atlases", atlases.pngs)
            self.set_trait("image_manifest", manifest)

    @t.validate("show_images")
    def _check_show_images(self, proposal: dict[str, Any]) -> bool:
        if proposal["value"] and getattr(self, "_data", None) is not None and self.images is None:
            raise t.TraitError(
                "this projector has no images: pass images=... to Projector or call "
                "set_images(...) first"
            )
        return bool(proposal["value"])

    @t.observe("max_texture_size")
    def _max_texture_size_changed(self, change: dict[str, Any]) -> None:
        if getattr(self, "_data", None) is not None and self.images is not None:
            self._send_atlases()

    def _request_atlas(self, payload: dict[str, Any], _buffers: list[Any]) -> dict[str, Any]:
        """``{max_texture_size}``: the page's WebGL limit. When it is below the atlases'
        size, they are rebuilt to fit it (more atlases, never fewer images)."""
        limit = protocol.payload_int(payload, "max_texture_size", MIN_TEXTURE_SIZE, 1 << 20)
        if limit < self.max_texture_size:
            self.max_texture_size = limit  # rebuilds and re-sends the atlases
        return {
            "max_texture_size": self.max_texture_size,
            "atlases": len(self._atlases),
        }
