"""The project: clustermgr.yaml, its clusters and the values layers of each.

Layout (every setting optional):

    templates: [template]          # files or directories of Jinja2 templates
    snippets: [template/snippets]  # directories of snippets, addressed by file name
    schema: schemas/values.schema.json
    channel: channels/stable.yaml  # a local kOps channel file for the Channel* functions
    kopsVersion: 1.34.0            # for ChannelRecommendedKopsKubernetesVersion
    values:
      dir: values                  # every *.yaml below it is a cluster ...
      layers: "_*.yaml"            # ... except these shared layers

A cluster `values/prod/eu/prod-eu1.yaml` is named `prod-eu1`; its layers are the files matching
`layers` in `values/`, then `values/prod/`, then `values/prod/eu/` (lexical order within a
folder), then its own file. Every path must stay inside the project.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clustermgr.errors import ConfigError, UsageError
from clustermgr.problems import Location
from clustermgr.yamlio import Document, load_mapping

CONFIG_NAME = "clustermgr.yaml"
_VALUE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Cluster:
    name: str
    file: Path
    layers: tuple[Path, ...]  # shared layers, then the cluster's own file


@dataclass
class Config:
    templates: list[str] = field(default_factory=lambda: ["template"])
    snippets: list[str] = field(default_factory=lambda: ["template/snippets"])
    schema: str | None = "schemas/values.schema.json"
    channel: str | None = None
    kops_version: str | None = None
    values_dir: str = "values"
    layer_pattern: str = "_*.yaml"


class Project:
    """A project root and its configuration; cluster discovery is lazy and cached."""

    def __init__(self, root: Path, config: Config, config_file: Path | None = None) -> None:
        self.root = root.resolve()
        self.config = config
        self.config_file = config_file
        self._clusters: dict[str, Cluster] | None = None

    def display(self, path: Path) -> str:
        """A path as messages show it: relative to the project root when inside it."""
        for candidate in (path, path.resolve()):  # resolving costs syscalls: try without first
            try:
                return candidate.relative_to(self.root).as_posix()
            except ValueError:
                continue
        return str(path)

    def path(self, relative: str, setting: str, must_exist: bool = True) -> Path:
        """A configured path, refused when it leaves the project (templates come from review)."""
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            raise ConfigError(f"{setting}: {relative!r} is outside the project", self._where())
        if must_exist and not path.exists():
            raise ConfigError(f"{setting}: {relative!r} does not exist", self._where())
        return path

    def inside(self, path: Path) -> bool:
        return path.resolve().is_relative_to(self.root)

    def clusters(self) -> dict[str, Cluster]:
        if self._clusters is None:
            self._clusters = self._discover()
        return self._clusters

    def cluster(self, name: str) -> Cluster:
        clusters = self.clusters()
        if name in clusters:
            return clusters[name]
        close = difflib.get_close_matches(name, clusters, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        known = "" if hint else f"; known clusters: {', '.join(sorted(clusters)) or 'none'}"
        raise UsageError(f"unknown cluster {name!r}{hint}{known}")

    def _discover(self) -> dict[str, Cluster]:
        root = self.path(self.config.values_dir, "values.dir", must_exist=False)
        if not root.is_dir():
            return {}
        found: dict[str, Cluster] = {}
        layer_cache: dict[Path, list[Path]] = {}
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            here = Path(folder)
            for name in sorted(files):
                if not name.endswith(_VALUE_SUFFIXES) or name.startswith("."):
                    continue
                if fnmatch.fnmatchcase(name, self.config.layer_pattern):
                    continue
                file = here / name
                cluster = name.rsplit(".", 1)[0]
                if cluster in found:
                    first = self.display(found[cluster].file)
                    raise ConfigError(
                        f"cluster {cluster!r} is defined twice: {first} and {self.display(file)}"
                    )
                layers = self._layers(root, here, layer_cache)
                found[cluster] = Cluster(cluster, file, (*layers, file))
        return dict(sorted(found.items()))

    def _layers(self, root: Path, folder: Path, cache: dict[Path, list[Path]]) -> list[Path]:
        if folder in cache:
            return cache[folder]
        parent = [] if folder == root else self._layers(root, folder.parent, cache)
        own = sorted(
            p
            for p in folder.iterdir()
            if p.is_file() and fnmatch.fnmatchcase(p.name, self.config.layer_pattern)
        )
        cache[folder] = [*parent, *own]
        return cache[folder]

    def _where(self) -> Location | None:
        return Location(self.display(self.config_file)) if self.config_file else None


def find_project(directory: Path | None = None) -> Project:
    """The project for `-C DIR`, or the nearest folder upwards holding clustermgr.yaml, or the
    current folder with default settings."""
    if directory is not None:
        if not directory.is_dir():
            raise UsageError(f"-C: no such directory: {directory}")
        candidates = [directory.resolve()]
    else:
        cwd = Path.cwd().resolve()
        candidates = [cwd, *cwd.parents]
    for folder in candidates:
        config_file = folder / CONFIG_NAME
        if config_file.is_file():
            return Project(folder, load_config(config_file, folder), config_file)
    return Project(candidates[0], Config())


_KEYS = {"templates", "snippets", "schema", "channel", "kopsVersion", "values"}
_VALUES_KEYS = {"dir", "layers"}


def load_config(path: Path, root: Path) -> Config:
    """Read clustermgr.yaml, refusing unknown settings and wrong types with their location."""
    doc = load_mapping(path, path.relative_to(root).as_posix())
    data = doc.data
    config = Config()
    for key in data:
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"unknown setting {key!r}{hint}", doc.location((key,)))
    if "templates" in data:
        config.templates = _str_list(doc, "templates")
    if "snippets" in data:
        config.snippets = _str_list(doc, "snippets")
    if "schema" in data:  # an explicit null turns schema validation off
        config.schema = _opt_str(doc, ("schema",), None)
    config.channel = _opt_str(doc, ("channel",), None)
    config.kops_version = _opt_str(doc, ("kopsVersion",), None)
    values = data.get("values", {})
    if not isinstance(values, dict):
        raise ConfigError("values: expected a mapping", doc.location(("values",)))
    for key in values:
        if key not in _VALUES_KEYS:
            raise ConfigError(f"unknown setting 'values.{key}'", doc.location(("values", key)))
    config.values_dir = _opt_str(doc, ("values", "dir"), config.values_dir) or "values"
    config.layer_pattern = _opt_str(doc, ("values", "layers"), config.layer_pattern) or "_*.yaml"
    return config


def _get(doc: Document, path: tuple[str, ...]) -> Any:
    node: Any = doc.data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _opt_str(doc: Document, path: tuple[str, ...], default: str | None) -> str | None:
    value = _get(doc, path)
    if value is None:
        return default
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ConfigError(f"{'.'.join(path)}: expected a string", doc.location(path))
    return str(value)


def _str_list(doc: Document, key: str) -> list[str]:
    value = doc.data[key]
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key}: expected a path or a list of paths", doc.location((key,)))
    return list(value)
