"""TensorBoard projector log dirs and standalone configs: read and write.

``projector_config.pbtxt`` is parsed and written with Google's ``protobuf`` package
(``google.protobuf.text_format``; the standalone projector's JSON with
``google.protobuf.json_format``) against the schema TensorBoard itself ships,
``tensorboard.plugins.projector.projector_config_pb2.ProjectorConfig``: no hand-written parser.
Both come with the ``tensorboard`` extra (``pip install "nbprojector[tensorboard]"``).

Reading follows TensorBoard's projector plugin: every ``embeddings`` entry gives
``tensor_name`` (a trailing ``:0`` dropped; the file name when empty), ``tensor_path`` (TSV,
``.npy`` or raw little-endian float32 bytes split by ``tensor_shape``), ``metadata_path``,
``sprite { image_path, single_image_dim }`` and ``bookmarks_path``, relative paths resolved
against the config's folder. A tensor without ``tensor_path`` lives in a checkpoint and needs
TensorFlow. Several runs (sub-folders with their own config) become embeddings named
``run/tensor``. Configs are parsed in :mod:`nbprojector.logdir_config`, tensor files in
:mod:`nbprojector.tensorfiles`. Paths that lead outside the log dir are refused unless
``allow_outside=True``; ``bookmarks_path`` files are loaded as the widget's bookmarks.
"""

from __future__ import annotations

import inspect
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import bookmarks as bookmark_files
from . import strictjson
from .dataset import Dataset
from .logdir_config import (
    CONFIG_NAME,
    JSON_CONFIG_NAME,
    EmbeddingEntry,
    LogdirError,
    SpriteInfo,
    _schema,
    config_entries,
    find_configs,
    parse_config,
)
from .metadata import MetadataError, load_metadata, write_tsv
from .sources import VectorSource
from .tensorfiles import (
    TensorFileError,
    check_sprite,
    read_checkpoint_tensor,
    read_tensor,
    sprite_sheet,
    write_tensor,
)
from .thumbnails import as_thumbnails

__all__ = [
    "CONFIG_NAME", "JSON_CONFIG_NAME", "EmbeddingEntry", "Logdir", "LogdirError",
    "OpenedLogdir", "SpriteInfo", "config_entries", "find_configs", "open_logdir",
    "parse_config", "read_logdir", "save_logdir", "write_logdir",
]  # fmt: skip


@dataclass
class Logdir:
    """What :func:`read_logdir` found: the tensors, the shared metadata and sprite, and the
    entries they came from (paths included, bookmarks' too)."""

    embeddings: dict[str, np.ndarray]
    metadata: pd.DataFrame | None
    sprite: SpriteInfo | None
    entries: list[EmbeddingEntry] = field(default_factory=list)

    @property
    def bookmarks(self) -> dict[str, Path]:
        """``bookmarks_path`` of each embedding that has one."""
        return {e.name: e.bookmarks_path for e in self.entries if e.bookmarks_path}


# ---------------------------------------------------------------- reading


def read_logdir(
    path: str | os.PathLike, tensors: Sequence[str] | None = None, *, allow_outside: bool = False
) -> Logdir:
    """Read a log dir (or one config file) into embeddings, shared metadata and sprite.

    Args:
        path: a folder holding ``projector_config.pbtxt`` files (itself or its runs), a
            ``.pbtxt`` config, or a standalone projector ``.json`` config.
        tensors: the embedding names to read (default: all); all must have the same points.
        allow_outside: follow paths in the configs that lead outside the log dir (absolute
            ones elsewhere, or with ``..``). Off by default: a log dir from someone else
            could otherwise pull any readable file into the labels (and an HTML export).

    The projector shares one metadata table and one sprite: the first embedding's are
    used, and a differing one of another embedding is reported with a warning.
    """
    root = Path(path).expanduser()
    root = root if root.is_dir() else root.parent
    entries = [
        e for run, cfg in find_configs(path)
        for e in config_entries(run, cfg, root, allow_outside)
    ]  # fmt: skip
    entries = _unique_names(entries)
    if tensors is not None:
        known = {e.name: e for e in entries}
        missing = [t for t in tensors if t not in known]
        if missing:
            raise LogdirError(f"no embedding named {missing} in {path}; it has {list(known)}")
        entries = [known[t] for t in tensors]
    if not entries:
        raise LogdirError(f"no embeddings in {path}")
    embeddings, labels = {}, None
    for entry in entries:
        vectors, tensor_labels = _read_entry(entry)
        embeddings[entry.name] = vectors
        labels = tensor_labels if labels is None else labels
    counts = {name: len(v) for name, v in embeddings.items()}
    if len(set(counts.values())) > 1:
        raise LogdirError(
            f"the embeddings in {path} describe different numbers of points {counts}; one "
            "projector needs the same points: open some with from_logdir(path, tensors=[...])"
        )
    n = next(iter(counts.values()))
    metadata = _shared_metadata(entries, n)
    if metadata is None and labels is not None:
        metadata = pd.DataFrame({"label": labels})
    return Logdir(embeddings, metadata, _shared_sprite(entries, n), entries)


def _unique_names(entries: list[EmbeddingEntry]) -> list[EmbeddingEntry]:
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        seen[entry.name] = seen.get(entry.name, 0) + 1
        if seen[entry.name] > 1:
            entries[i] = replace(entry, name=f"{entry.name} ({seen[entry.name]})")
    return entries


def _read_entry(entry: EmbeddingEntry) -> tuple[np.ndarray, np.ndarray | None]:
    where = f"(tensor {entry.tensor_name!r} in {entry.config_path})"
    try:
        if entry.tensor_path is None:
            what = (
                f"tensor {entry.tensor_name!r} in {entry.config_path} has no tensor_path, so it "
                f"lives in a checkpoint ({entry.checkpoint or 'none found'})"
            )
            return read_checkpoint_tensor(entry.checkpoint, entry.tensor_name, what), None
        if not entry.tensor_path.is_file():
            raise LogdirError(f"tensor file not found: {entry.tensor_path} {where}")
        return read_tensor(entry.tensor_path, entry.tensor_shape or None)
    except TensorFileError as err:
        raise LogdirError(f"{err} {where}" if entry.tensor_path else str(err)) from None


def _shared_metadata(entries: list[EmbeddingEntry], n: int) -> pd.DataFrame | None:
    tables: dict[Path, pd.DataFrame] = {}
    for entry in entries:
        path = entry.metadata_path
        if path is None or path in tables:
            continue
        try:
            tables[path] = load_metadata(path, n)
        except MetadataError as err:
            raise LogdirError(
                f"{err} (metadata_path of {entry.name!r} in {entry.config_path})"
            ) from None
    if not tables:
        return None
    (first_path, first), *others = tables.items()
    for path, table in others:
        if not table.equals(first):
            warnings.warn(
                f"metadata {path} differs from {first_path}; the projector shares one table "
                f"and shows {first_path}'s (open the others with tensors=[...])",
                stacklevel=3,
            )
    return first


def _shared_sprite(entries: list[EmbeddingEntry], n: int) -> SpriteInfo | None:
    sprites = list(dict.fromkeys(e.sprite for e in entries if e.sprite is not None))
    if not sprites:
        return None
    if len(sprites) > 1:
        warnings.warn(
            f"the embeddings have different sprites; showing {sprites[0].image_path}",
            stacklevel=3,
        )
    try:
        check_sprite(sprites[0].image_path, sprites[0].single_image_dim, n)
    except TensorFileError as err:
        raise LogdirError(str(err)) from None
    return sprites[0]


# ---------------------------------------------------------------- writing


def write_logdir(
    path: str | os.PathLike,
    embeddings: Mapping[str, Any] | Any,
    metadata: pd.DataFrame | None = None,
    sprite: Any = None,
    *,
    single_image_dim: tuple[int, int] | None = None,
    tensor_format: str = "tsv",
    standalone: bool = False,
) -> Path:
    """Write a log dir that TensorBoard's projector (and :func:`read_logdir`) opens.

    Args:
        path: the folder (created if needed); files in it with the same names are replaced,
            with a warning naming them. A folder that holds other projector configs (runs
            in sub-folders) is refused: from_logdir would read them with the new one.
        embeddings: ``{name: (N, D) matrix}``, or one matrix (named ``embedding``).
        metadata: one row per point, in any form ``Projector`` takes, written as
            TensorBoard's metadata TSV (a header only with two or more columns: a single
            column comes back named ``label``).
        sprite: images, anything ``thumbnails.as_thumbnails`` takes (an (N, H, W[, C]) array,
            PIL images, or a sprite sheet with ``single_image_dim``): written as one square
            ``sprite.png`` grid within TensorBoard's 8192 px limit.
        tensor_format: ``"tsv"`` (9 significant digits: exact for float32; TensorBoard tries
            TSV first) or ``"bytes"`` (raw little-endian float32, with ``tensor_shape``).
        standalone: also write ``projector_config.json`` for the standalone projector.

    Returns:
        The path of the written ``projector_config.pbtxt``.
    """
    if tensor_format not in ("tsv", "bytes"):
        raise ValueError(f"tensor_format must be 'tsv' or 'bytes', got {tensor_format!r}")
    data = Dataset.from_inputs(embeddings, metadata)  # validated, the same points everywhere
    sources = {name: data.source(name) for name in data.embeddings}
    table = None if metadata is None else data.table
    return _write(path, sources, table, sprite, single_image_dim=single_image_dim,
                  tensor_format=tensor_format, standalone=standalone)  # fmt: skip


def _write(
    path: str | os.PathLike,
    sources: Mapping[str, VectorSource],
    table: pd.DataFrame | None,
    sprite: Any,
    *,
    single_image_dim: tuple[int, int] | None,
    tensor_format: str,
    standalone: bool,
) -> Path:
    """Write checked embeddings (read through their sources, a block of rows at a time),
    the metadata table (None: none) and the sprite as a log dir."""
    project_config, text_format, json_format = _schema()
    n_points = next(iter(sources.values())).shape[0]
    out = Path(path).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    config = project_config()
    stems: set[str] = set()
    files = {}
    for name in sources:
        stem = re.sub(r"[^\w.-]+", "_", name).strip("._") or "tensor"
        while stem in stems or stem in ("metadata", "sprite"):
            stem += "_"
        stems.add(stem)
        files[name] = f"{stem}.{'tsv' if tensor_format == 'tsv' else 'bytes'}"
    written = [*files.values(), CONFIG_NAME]
    written += ["metadata.tsv"] * (table is not None) + ["sprite.png"] * (sprite is not None)
    written += [JSON_CONFIG_NAME] * standalone
    thumbs = None  # read before anything is written: a bad sprite leaves the folder as it was
    if sprite is not None:
        thumbs = as_thumbnails(
            sprite, single_image_dim=single_image_dim, n=n_points, max_side=None
        )
    _warn_overwrite(out, written)
    for name, source in sources.items():
        entry = config.embeddings.add(tensor_name=name, tensor_path=files[name])
        entry.tensor_shape.extend(write_tensor(out / files[name], source, tensor_format))
    if table is not None:
        write_tsv(table, out / "metadata.tsv")
    if thumbs is not None:
        dim = sprite_sheet(thumbs, out / "sprite.png")
    for entry in config.embeddings:
        if table is not None:
            entry.metadata_path = "metadata.tsv"
        if sprite is not None:
            entry.sprite.image_path = "sprite.png"
            entry.sprite.single_image_dim.extend(dim)
    config_path = out / CONFIG_NAME
    config_path.write_text(text_format.MessageToString(config), encoding="utf-8")
    if standalone:
        (out / JSON_CONFIG_NAME).write_text(
            strictjson.dumps(json_format.MessageToDict(config), "the config", indent=2),
            encoding="utf-8",
        )
    return config_path


def _warn_overwrite(out: Path, written: list[str]) -> None:
    """Before writing into ``out``: refuse when other configs there (runs in sub-folders)
    would be read back with the new one; warn about the files replaced."""
    existing = [cfg for _, cfg in find_configs(out)] if _has_config(out) else []
    others = [cfg for cfg in existing if cfg not in (out / CONFIG_NAME, out / JSON_CONFIG_NAME)]
    if others:
        raise LogdirError(
            f"{out} already holds other projector configs ({', '.join(map(str, others))}), "
            "which from_logdir would read together with the new one: write into an empty "
            "folder, or remove them first"
        )
    replaced = [name for name in written if (out / name).exists()]
    if not replaced:
        return
    message = f"writing the log dir {out} replaces {', '.join(replaced)}"
    old_config = out / CONFIG_NAME
    if old_config.is_file():
        try:
            old = [e.tensor_name for e in config_entries(".", old_config, allow_outside=True)]
        except (LogdirError, ValueError, ImportError):  # unreadable: nothing to name
            old = []
        if old:
            message += f" (the old config listed the embeddings {old})"
    warnings.warn(message, stacklevel=3)


def _has_config(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    try:
        find_configs(folder)
    except LogdirError:
        return False
    return True


# ---------------------------------------------------------------- the widget's two methods


@dataclass
class OpenedLogdir:
    """What ``Projector.from_logdir`` makes a widget from: the log dir read and the
    bookmarks of its ``bookmarks_path`` files."""

    logdir: Logdir
    bookmarks: list[bookmark_files.State]

    def widget_arguments(self, cls: type, kwargs: dict[str, Any]) -> dict[str, Any]:
        """``kwargs`` for ``cls(self.logdir.embeddings, ...)``, with the log dir's metadata
        and sprite as defaults (the sprite only when ``cls`` takes images)."""
        arguments = dict(kwargs)
        arguments.setdefault("meta", self.logdir.metadata)
        accepted = inspect.signature(cls).parameters
        sprite = self.logdir.sprite
        if sprite is not None and "images" in accepted and "single_image_dim" in accepted:
            arguments.setdefault("images", str(sprite.image_path))
            arguments.setdefault("single_image_dim", sprite.single_image_dim)
        return arguments


def open_logdir(path: str | os.PathLike, tensors: Sequence[str] | None = None,
                *, allow_outside: bool = False) -> OpenedLogdir:  # fmt: skip
    """``Projector.from_logdir``: read ``path`` and its bookmarks (see :func:`read_logdir`)."""
    data = read_logdir(path, tensors, allow_outside=allow_outside)
    n = len(next(iter(data.embeddings.values())))
    states = [state for name, file in data.bookmarks.items()
              for state in _read_bookmarks(file, name, n)]  # fmt: skip
    return OpenedLogdir(data, states)


def _read_bookmarks(path: Path, embedding: str, n: int) -> list[bookmark_files.State]:
    """The states of a ``bookmarks_path`` file, made for ``embedding``."""
    try:
        states = bookmark_files.load(path, n)
    except bookmark_files.BookmarkError as err:
        raise LogdirError(f"{err} (bookmarks_path {path} of {embedding!r})") from None
    for state in states:
        state.embedding = state.embedding or embedding  # TensorBoard's files name none
    return states


def save_logdir(
    data: Dataset, opened_sprite: Any, path: str | os.PathLike, **kwargs: Any
) -> Path:
    """``Projector.to_logdir``: every embedding, the metadata and the images of ``data``,
    as a log dir. ``opened_sprite``: the sprite of the log dir the widget was opened from
    (None if none), written when the widget has no images of its own."""
    table = data.table
    default = list(table.columns) == ["index"] and np.array_equal(
        table["index"], np.arange(len(table))
    )
    sprite: Any = data.images
    dim = None
    if data.images is None and opened_sprite is not None:
        sprite, dim = str(opened_sprite.image_path), opened_sprite.single_image_dim
    options = {"tensor_format": "tsv", "standalone": False, **kwargs}
    unknown = set(options) - {"tensor_format", "standalone"}
    if unknown:
        raise TypeError(f"to_logdir() got unexpected arguments: {', '.join(sorted(unknown))}")
    if options["tensor_format"] not in ("tsv", "bytes"):
        raise ValueError(
            f"tensor_format must be 'tsv' or 'bytes', got {options['tensor_format']!r}"
        )
    sources = {name: data.source(name) for name in data.embeddings}
    return _write(
        path, sources, None if default else table, sprite, single_image_dim=dim,
        tensor_format=options["tensor_format"], standalone=bool(options["standalone"]),
    )  # fmt: skip
