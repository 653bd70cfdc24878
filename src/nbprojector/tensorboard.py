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
``run/tensor``. Tensor files are parsed in :mod:`nbprojector.tensorfiles`.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .dataset import Dataset
from .metadata import MetadataError, load_metadata, write_tsv
from .tensorfiles import (
    TensorFileError,
    check_sprite,
    checkpoint_tensor_names,
    read_checkpoint_tensor,
    read_tensor,
    sprite_sheet,
    write_tensor,
)
from .thumbnails import as_thumbnails

CONFIG_NAME = "projector_config.pbtxt"
JSON_CONFIG_NAME = "projector_config.json"
#: Where ``projector.visualize_embeddings`` puts the config inside a run's folder, as
#: TensorBoard's plugin-asset layout has it (``<run>/plugins/<PLUGIN_ASSETS_NAME>/``).
_ASSETS = ("plugins", "org_tensorflow_tensorboard_projector")
_MISSING_TB = (
    "reading and writing TensorBoard projector configs needs the protobuf schema shipped "
    'with the tensorboard package: pip install "nbprojector[tensorboard]"'
)


class LogdirError(ValueError):
    """A log dir or config that cannot be read as given; the message says what and where."""


@dataclass(frozen=True)
class SpriteInfo:
    """A sprite sheet: its file and the (width, height) of one image in it."""

    image_path: Path
    single_image_dim: tuple[int, int]

    def thumbnails(self, n: int, max_side: int | None = 64) -> np.ndarray:
        """The first ``n`` images, as (n, h, w, 4) uint8 RGBA (see ``thumbnails.as_thumbnails``)."""
        return as_thumbnails(
            str(self.image_path), single_image_dim=self.single_image_dim, n=n, max_side=max_side
        )


@dataclass(frozen=True)
class EmbeddingEntry:
    """One ``embeddings`` entry of a config, its paths resolved."""

    name: str
    tensor_name: str
    config_path: Path
    tensor_path: Path | None
    tensor_shape: tuple[int, ...] = ()
    metadata_path: Path | None = None
    sprite: SpriteInfo | None = None
    bookmarks_path: Path | None = None
    checkpoint: Path | None = None


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
        """``bookmarks_path`` of each embedding that has one (read by a later issue)."""
        return {e.name: e.bookmarks_path for e in self.entries if e.bookmarks_path}


# ---------------------------------------------------------------- configs


def _schema() -> tuple[Any, Any, Any]:
    try:
        from google.protobuf import json_format, text_format
        from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig
    except ImportError as err:
        raise ImportError(_MISSING_TB) from err
    return ProjectorConfig, text_format, json_format


def parse_config(path: str | os.PathLike) -> Any:
    """Parse a ``projector_config.pbtxt`` (or a standalone ``.json``) into a ProjectorConfig."""
    path = Path(path)
    project_config, text_format, json_format = _schema()
    if not path.is_file():
        raise LogdirError(f"projector config not found: {path}")
    text = path.read_text(encoding="utf-8")
    config = project_config()
    try:
        if path.suffix.lower() == ".json":
            json_format.ParseDict(json.loads(text), config, ignore_unknown_fields=True)
        else:
            text_format.Parse(text, config)
    except (text_format.ParseError, json_format.ParseError, json.JSONDecodeError) as err:
        raise LogdirError(f"cannot parse the projector config {path}: {err}") from None
    return config


def find_configs(path: str | os.PathLike) -> list[tuple[str, Path]]:
    """``(run, config path)`` for a config file, or for every config under a folder.

    The run is the folder's path relative to ``path`` ('.' for ``path`` itself), with
    TensorBoard's ``plugins/org_tensorflow_tensorboard_projector`` tail removed. Without any
    ``projector_config.pbtxt``, a ``projector_config.json`` in ``path`` is used.
    """
    root = Path(path).expanduser()
    if root.is_file():
        return [(".", root)]
    if not root.is_dir():
        raise LogdirError(f"log dir not found: {root}")
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        if CONFIG_NAME in files:
            parts = Path(folder).relative_to(root).parts
            if parts[-2:] == _ASSETS:
                parts = parts[:-2]
            found.append(("/".join(parts) or ".", Path(folder) / CONFIG_NAME))
    if not found and (root / JSON_CONFIG_NAME).is_file():
        found = [(".", root / JSON_CONFIG_NAME)]
    if not found:
        raise LogdirError(
            f"no {CONFIG_NAME} in {root} or its sub-folders (nor a {JSON_CONFIG_NAME}); write "
            "one with tensorboard's projector.visualize_embeddings(logdir, config) or "
            "nbprojector.tensorboard.write_logdir, or pass the config file's path"
        )
    return found


def _resolve(value: str, config_path: Path) -> Path | None:
    if not value:
        return None
    if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.I):
        raise LogdirError(
            f"{config_path} refers to {value!r}, a URL: download it and use a local path"
        )
    candidate = Path(value).expanduser()
    return candidate if candidate.is_absolute() else config_path.parent / candidate


def config_entries(run: str, config_path: Path) -> list[EmbeddingEntry]:
    """The embeddings entries of one config, paths resolved against its folder."""
    config = parse_config(config_path)
    checkpoint = _resolve(config.model_checkpoint_path or config.model_checkpoint_dir, config_path)
    run_dir = config_path.parent
    if run_dir.parts[-2:] == _ASSETS:
        run_dir = run_dir.parent.parent
    if checkpoint is None and (run_dir / "checkpoint").is_file():
        checkpoint = run_dir  # TensorBoard looks for the latest checkpoint in the run
    entries = list(config.embeddings)
    template = (
        entries[:1] if entries and not (entries[0].tensor_name or entries[0].tensor_path) else []
    )
    entries = entries[len(template) :] or _checkpoint_entries(config_path, checkpoint, template)
    out = []
    for info in entries:
        tensor_name = info.tensor_name.removesuffix(":0") or os.path.basename(info.tensor_path)
        dim = tuple(int(v) for v in info.sprite.single_image_dim)
        sprite = None
        if info.sprite.image_path:
            if len(dim) != 2:
                raise LogdirError(
                    f"the sprite of tensor {tensor_name!r} in {config_path} needs "
                    f"single_image_dim [width, height], got {list(dim)}"
                )
            sprite = SpriteInfo(_resolve(info.sprite.image_path, config_path), dim)  # type: ignore[arg-type]
        out.append(EmbeddingEntry(
            name=tensor_name if run == "." else f"{run}/{tensor_name}",
            tensor_name=tensor_name,
            config_path=config_path,
            tensor_path=_resolve(info.tensor_path, config_path),
            tensor_shape=tuple(int(v) for v in info.tensor_shape),
            metadata_path=_resolve(info.metadata_path, config_path),
            sprite=sprite,
            bookmarks_path=_resolve(info.bookmarks_path, config_path),
            checkpoint=checkpoint,
        ))  # fmt: skip
    return out


def _checkpoint_entries(config_path: Path, checkpoint: Path | None, template: list) -> list:
    """TensorBoard's rule: a config without tensors lists every 2-D checkpoint variable
    (a first entry with neither tensor_name nor tensor_path gives them its metadata)."""
    if checkpoint is None:
        raise LogdirError(f"{config_path} lists no embeddings and no checkpoint")
    what = f"{config_path} takes its tensors from the checkpoint {checkpoint}"
    try:
        names = checkpoint_tensor_names(checkpoint, what)
    except TensorFileError as err:
        raise LogdirError(str(err)) from None
    config = _schema()[0]()
    for name in names:
        entry = config.embeddings.add()
        if template:
            entry.CopyFrom(template[0])
        entry.tensor_name = name
    return list(config.embeddings)


# ---------------------------------------------------------------- reading


def read_logdir(path: str | os.PathLike, tensors: Sequence[str] | None = None) -> Logdir:
    """Read a log dir (or one config file) into embeddings, shared metadata and sprite.

    Args:
        path: a folder holding ``projector_config.pbtxt`` files (itself or its runs), a
            ``.pbtxt`` config, or a standalone projector ``.json`` config.
        tensors: the embedding names to read (default: all); all must have the same points.

    The projector shares one metadata table and one sprite: the first embedding's are
    used, and a differing one of another embedding is reported with a warning.
    """
    entries = [e for run, cfg in find_configs(path) for e in config_entries(run, cfg)]
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
        path: the folder (created if needed); files in it with the same names are replaced.
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
    project_config, text_format, json_format = _schema()
    data = Dataset.from_inputs(embeddings, metadata)  # validated, the same points everywhere
    out = Path(path).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    config = project_config()
    stems: set[str] = set()
    for name, matrix in data.embeddings.items():
        stem = re.sub(r"[^\w.-]+", "_", name).strip("._") or "tensor"
        while stem in stems or stem in ("metadata", "sprite"):
            stem += "_"
        stems.add(stem)
        file_name = f"{stem}.{'tsv' if tensor_format == 'tsv' else 'bytes'}"
        entry = config.embeddings.add(tensor_name=name, tensor_path=file_name)
        entry.tensor_shape.extend(write_tensor(out / file_name, matrix, tensor_format))
    if metadata is not None:
        write_tsv(data.table, out / "metadata.tsv")
    if sprite is not None:
        thumbs = as_thumbnails(
            sprite, single_image_dim=single_image_dim, n=data.n_points, max_side=None
        )
        dim = sprite_sheet(thumbs, out / "sprite.png")
    for entry in config.embeddings:
        if metadata is not None:
            entry.metadata_path = "metadata.tsv"
        if sprite is not None:
            entry.sprite.image_path = "sprite.png"
            entry.sprite.single_image_dim.extend(dim)
    config_path = out / CONFIG_NAME
    config_path.write_text(text_format.MessageToString(config), encoding="utf-8")
    if standalone:
        (out / JSON_CONFIG_NAME).write_text(
            json.dumps(json_format.MessageToDict(config), indent=2), encoding="utf-8"
        )
    return config_path


# ---------------------------------------------------------------- the widget's two methods


def open_logdir(cls: type, path: str | os.PathLike, tensors: Sequence[str] | None = None,
                **kwargs: Any) -> Any:  # fmt: skip
    """``Projector.from_logdir``: read ``path`` and build a ``cls`` widget from it."""
    data = read_logdir(path, tensors)
    kwargs.setdefault("meta", data.metadata)
    accepted = inspect.signature(cls).parameters
    if data.sprite is not None and "images" in accepted and "single_image_dim" in accepted:
        kwargs.setdefault("images", str(data.sprite.image_path))
        kwargs.setdefault("single_image_dim", data.sprite.single_image_dim)
    widget = cls(data.embeddings, **kwargs)
    widget._logdir = data.entries  # where each embedding came from, paths included
    widget._logdir_sprite = data.sprite  # for to_logdir, and until the widget shows images
    widget._logdir_bookmarks = data.bookmarks  # bookmarks_path per embedding (a later issue)
    return widget


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
    return write_logdir(path, data.embeddings, None if default else table, sprite,
                        single_image_dim=dim, **kwargs)  # fmt: skip
