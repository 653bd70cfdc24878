"""nbprojector: the embedding projector for notebooks."""

from .widget import Projector

__version__ = "0.1.0"
__all__ = ["Projector", "__version__"]
