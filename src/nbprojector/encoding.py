"""Text encoders: the user's function from strings to vectors in an embedding's space.

An encoder is any callable ``fn(texts: list[str]) -> (len(texts), D)`` array-like (a
sentence-transformers model's ``encode``, a wrapped API client, a CLIP text tower). This
module checks what users pass and what encoders return, and places an encoded query in a
2D / 3D layout. Pure code: no widget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

#: A text encoder: a list of strings in, one row per string out.
Encoder = Callable[[list[str]], Any]

#: How a query's marker was placed in the layout (the page shows it).
EXACT = "exact projection"
NEIGHBOUR_MEAN = "distance-weighted mean of its neighbours"


class EncoderError(ValueError):
    """An encoder that cannot be used, or one that failed or returned something unusable."""


def encoders_for(encoder: Any, embeddings: Iterable[str]) -> dict[str, Encoder]:
    """Embedding name -> encoder, from ``Projector(encoder=...)``: one callable (for every
    embedding), a dict ``{embedding name: callable}``, or None (no encoder)."""
    names = list(embeddings)
    if encoder is None:
        return {}
    if callable(encoder):
        return {name: encoder for name in names}
    if isinstance(encoder, Mapping):
        out: dict[str, Encoder] = {}
        for name, fn in encoder.items():
            if name not in names:
                raise EncoderError(
                    f"encoder given for unknown embedding {name!r}; the embeddings are {names}"
                )
            if not callable(fn):
                raise EncoderError(
                    f"the encoder for embedding {name!r} must be a function taking a list of "
                    f"strings, got {type(fn).__name__}"
                )
            out[str(name)] = fn
        return out
    raise EncoderError(
        "encoder must be a function taking a list of strings and returning an (n, D) array, "
        f"or a dict {{embedding name: function}}; got {type(encoder).__name__}"
    )


def encoder_name(fn: Encoder) -> str:
    """How error messages name an encoder (its name, or its type's: a model's ``encode``
    is named "encode", an instance with ``__call__`` by its class)."""
    name = getattr(fn, "__name__", None) or type(fn).__name__
    return str(name)


def encode(fn: Encoder, texts: list[str], dims: int, embedding: str) -> np.ndarray:
    """``fn(texts)`` as a finite float32 (len(texts), dims) matrix, or an :class:`EncoderError`
    naming the encoder, the embedding and what is wrong."""
    who = f"the encoder {encoder_name(fn)!r} of embedding {embedding!r}"
    try:
        raw = fn(list(texts))
    except Exception as err:
        raise EncoderError(f"{who} failed on {texts[:3]!r}: {type(err).__name__}: {err}") from err
    if hasattr(raw, "detach"):  # a torch tensor: leave autograd and the GPU
        raw = raw.detach().cpu().numpy()
    try:
        array = np.asarray(raw)
    except Exception as err:
        raise EncoderError(f"{who} returned {type(raw).__name__}, not an array: {err}") from err
    if array.ndim == 1 and len(texts) == 1:
        array = array[None, :]
    expected = (len(texts), dims)
    if array.shape != expected:
        raise EncoderError(
            f"{who} returned shape {array.shape} for {len(texts)} text(s); it must return "
            f"{expected}: one row per text, in the embedding's {dims} dimensions"
        )
    if array.dtype == bool or not (
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    ):
        raise EncoderError(f"{who} returned dtype {array.dtype}; it must return real numbers")
    vectors = array.astype(np.float32)
    if not np.isfinite(vectors).all():
        bad = int((~np.isfinite(vectors)).any(axis=1).sum())
        raise EncoderError(
            f"{who} returned NaN or infinite values in {bad} row(s); every value must be finite"
        )
    return vectors


def neighbour_mean(coords: np.ndarray, indices: np.ndarray, distances: np.ndarray) -> np.ndarray:
    """The mean of the neighbours' layout positions, each weighted by 1 / distance (a
    neighbour at distance 0 is the query's position)."""
    if len(indices) == 0:
        raise ValueError("no neighbours to place the query among")
    points = np.asarray(coords, dtype=np.float64)[indices]
    d = np.asarray(distances, dtype=np.float64)
    zero = d <= 1e-12
    weights = zero.astype(np.float64) if zero.any() else 1.0 / d
    position: np.ndarray = (weights[:, None] * points).sum(axis=0) / weights.sum()
    return position
