"""TensorBoard projector configs: parsing ``projector_config.pbtxt`` (or a standalone
``.json``), finding them in a log dir, and their entries with paths resolved and kept
inside the log dir. Parsed with Google's ``protobuf`` against the schema TensorBoard ships
(``tensorboard.plugins.projector.projector_config_pb2.ProjectorConfig``); see
:mod:`nbprojector.tensorboard` for reading the files they name.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .tensorfiles import TensorFileError, checkpoint_tensor_names
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
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise LogdirError(
            f"the projector config {path} is not UTF-8 text: byte {err.start} is "
            f"{raw[err.start]:#04x}; save it as UTF-8"
        ) from None
    config = project_config()
    try:
        if path.suffix.lower() == ".json":
            document = json.loads(text)
            if not isinstance(document, dict):
                raise LogdirError(
                    f"the projector config {path} holds a JSON {type(document).__name__}, "
                    "not an object with an 'embeddings' list"
                )
            json_format.ParseDict(document, config, ignore_unknown_fields=True)
        else:
            text_format.Parse(text, config)
    except (text_format.ParseError, json_format.ParseError, json.JSONDecodeError) as err:
        raise LogdirError(f"cannot parse the projector config {path}: {err}") from None
    except RecursionError:
        raise LogdirError(f"cannot parse the projector config {path}: nested too deeply") from None
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


@dataclass(frozen=True)
class _Paths:
    """How a config's paths are resolved: against its folder, and kept inside ``root``
    (the log dir) unless ``allow_outside``."""

    config_path: Path
    root: Path
    allow_outside: bool = False

    def resolve(self, value: str, field_name: str) -> Path | None:
        if not value:
            return None
        if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.I):
            raise LogdirError(
                f"{self.config_path} refers to {value!r}, a URL: download it and use a local path"
            )
        candidate = Path(value).expanduser()
        path = candidate if candidate.is_absolute() else self.config_path.parent / candidate
        if not self.allow_outside and not _inside(path, self.root):
            raise LogdirError(
                f"{field_name} {value!r} in {self.config_path} leads outside the log dir "
                f"{self.root}; an untrusted log dir could read any file this way. If you trust "
                "it, pass allow_outside=True (from_logdir(..., allow_outside=True))"
            )
        return path


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (links followed, ``..`` applied) lies in the folder ``root``."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))


def config_entries(
    run: str, config_path: Path, root: Path | None = None, allow_outside: bool = False
) -> list[EmbeddingEntry]:
    """The embeddings entries of one config, paths resolved against its folder. A path
    that leads outside ``root`` (default: the config's folder) is an error unless
    ``allow_outside``."""
    config = parse_config(config_path)
    paths = _Paths(config_path, root if root is not None else config_path.parent, allow_outside)
    checkpoint = paths.resolve(
        config.model_checkpoint_path or config.model_checkpoint_dir, "model_checkpoint_path"
    )
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
            if len(dim) != 2 or min(dim) < 1:
                raise LogdirError(
                    f"the sprite of tensor {tensor_name!r} in {config_path} needs "
                    f"single_image_dim [width, height], both at least 1 pixel, got {list(dim)}"
                )
            image_path = paths.resolve(info.sprite.image_path, "sprite image_path")
            sprite = SpriteInfo(image_path, dim)  # type: ignore[arg-type]
        out.append(EmbeddingEntry(
            name=tensor_name if run == "." else f"{run}/{tensor_name}",
            tensor_name=tensor_name,
            config_path=config_path,
            tensor_path=paths.resolve(info.tensor_path, "tensor_path"),
            tensor_shape=tuple(int(v) for v in info.tensor_shape),
            metadata_path=paths.resolve(info.metadata_path, "metadata_path"),
            sprite=sprite,
            bookmarks_path=paths.resolve(info.bookmarks_path, "bookmarks_path"),
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
