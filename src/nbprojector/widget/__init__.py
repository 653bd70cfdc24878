"""The widget: :class:`Projector` and the components it hands its work to."""

from .projector import Projector

__all__ = ["Projector"]
