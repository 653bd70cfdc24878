"""nbprojector: the embedding projector for notebooks."""

from ._version import __version__
from .widget import Projector

__all__ = ["Projector", "__version__"]
