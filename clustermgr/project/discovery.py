"""Discovery: where a project's inputs are, its clusters and the values layers of each
(configuration.py reads clustermgr.yaml; clustermgr.values merges the layers).

A cluster `values/prod/eu/prod-eu1.yaml` is named `prod-eu1`; its layers are the files matching
`layers` in `values/`, then `values/prod/`, then `values/prod/eu/` (lexical order within a
folder), then its own file. Every path must stay inside the project.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

from clustermgr import limits
from clustermgr.errors import ClusterMgrError, ConfigError, UsageError
from clustermgr.files import read_bytes
from clustermgr.problems import Location
from clustermgr.project.configuration import CONFIG_NAME, Config, closest, load_config

_VALUE_SUFFIXES = (".yaml", ".yml")


class Cluster(NamedTuple):
    name: str
    file: Path
    layers: tuple[Path, ...]  # shared layers, then the cluster's own file


class Project:
    """A project root and its configuration; cluster discovery is lazy and cached."""

    def __init__(self, root: Path, config: Config, config_file: Path | None = None) -> None:
        self.root = root.resolve()
        self.config = config
        self.config_file = config_file
        limits.use(config.limits)
        self._index: dict[str, tuple[str, str]] | None = None  # name -> (folder, file name)
        self._layers_of: dict[str, tuple[Path, ...]] = {}
        self._clusters: dict[str, Cluster] = {}  # built once: a warm check asks ~6 times each
        self._schema_data: tuple[Any] | None = None
        self.memo: dict[str, Any] = {}  # what later stages compute once per project
        self._paths: dict[tuple[str, str, bool], Path] = {}
        self._folders: dict[Path, bool] = {}  # folder -> whether it resolves inside

    def display(self, path: Path) -> str:
        """A path as messages show it: relative to the project root when inside it."""
        try:  # most paths are already below the root: resolving costs a syscall per part
            return path.relative_to(self.root).as_posix()
        except ValueError:
            pass
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def path(self, relative: str, setting: str, must_exist: bool = True) -> Path:
        """A configured path, refused when it leaves the project (templates come from review).
        Resolved once per run: every cluster asks for the same few."""
        known = self._paths.get((relative, setting, must_exist))
        if known is not None:
            return known
        path = self._path(relative, setting, must_exist)
        self._paths[(relative, setting, must_exist)] = path
        return path

    def _path(self, relative: str, setting: str, must_exist: bool) -> Path:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            raise ConfigError(f"{setting}: {relative!r} is outside the project", self._where())
        if must_exist and not path.exists():
            raise ConfigError(f"{setting}: {relative!r} does not exist", self._where())
        return path

    def inside(self, path: Path) -> bool:
        """Whether `path` resolves inside the project. A file that is no symlink is where its
        folder resolves to, and folders are resolved once per run (a snapshot or values
        file per cluster would otherwise cost a syscall per part of its path)."""
        try:
            plain = not stat.S_ISLNK(os.lstat(path).st_mode)
        except OSError:
            plain = False
        if plain and path.name not in ("", ".", ".."):
            parent = path.parent
            folder = self._folders.get(parent)
            if folder is None:
                folder = self._folders[parent] = parent.resolve().is_relative_to(self.root)
            return folder
        return path.resolve().is_relative_to(self.root)

    def inside_or_refuse(self, path: Path, setting: str) -> Path:
        """`path`, found through configuration or discovery, refused when it resolves outside
        the project (a symlink to ~/.kube/config must not be read as values)."""
        if not self.inside(path):
            raise ConfigError(
                f"{self.display(path)} leads outside the project (a symlink?); {setting} "
                "reads only files inside it"
            )
        return path

    # -- inputs: the one list of what a cluster's result depends on ---------------------------

    def template_paths(self, must_exist: bool = True) -> list[Path]:
        """The configured template files and folders."""
        return [self.path(p, "templates", must_exist) for p in self.config.templates]

    def snippet_dirs(self, must_exist: bool = True) -> list[Path]:
        """The snippet folders: as configured, else `template/snippets` when it exists."""
        if self.config.snippets is None:
            default = self.root / "template" / "snippets"
            return [default] if default.is_dir() else []
        return [self.path(p, "snippets", must_exist) for p in self.config.snippets]

    def schema_path(self) -> Path | None:
        """The values schema; the default one may be absent, a configured one must exist."""
        schema = self.config.schema
        if not schema or not (self.config.schema_explicit or (self.root / schema).exists()):
            return None
        return self.path(schema, "schema")

    def schema_data(self) -> Any:
        """The values schema as data (for finding secrets), None when there is none or it
        does not parse (validation reports that)."""
        path = self.schema_path()
        if path is None:
            return None
        if self._schema_data is None:
            try:
                self._schema_data = (json.loads(read_bytes(path).decode("utf-8")),)
            except (ClusterMgrError, ValueError):
                self._schema_data = (None,)
        return self._schema_data[0]

    def channel_path(self) -> Path | None:
        channel = self.config.channel
        return self.path(channel, "channel") if channel else None

    def crds_dir(self, flag: str | Path | None = None) -> Path | None:
        """The kOps CRD folder: `--kops-crds` (any path the user names), else `kopsCrds`."""
        if flag is not None:
            return Path(flag)
        crds = self.config.kops_crds
        return self.path(crds, "kopsCrds") if crds else None

    def shared_inputs(self, kops_crds: str | Path | None = None) -> list[Path]:
        """Files and folders that every cluster's result depends on: settings, templates,
        snippets, schema, channel, CRDs. `--changed-since` selects every cluster when one of
        them changes, and every cached result is keyed by their content."""
        config = self.config
        found = [self.config_file or self.root / CONFIG_NAME]
        found += [self.root / p for p in config.templates]
        found += [self.root / p for p in (config.snippets or ["template/snippets"])]
        found += [self.root / p for p in (config.schema, config.channel) if p]
        if kops_crds is not None:
            found.append(Path(kops_crds))  # named on the command line: from the current folder
        elif config.kops_crds:
            found.append(self.root / config.kops_crds)
        return [p.resolve() for p in found]

    def clusters(self) -> dict[str, Cluster]:
        """Every cluster by name, in name order."""
        return {name: self._cluster(name) for name in self._discover()}

    def cluster(self, name: str) -> Cluster:
        """A cluster by its name (its values file); a name a person typed, which may be a kOps
        name, goes through clustermgr.values.find_cluster."""
        found = self._clusters.get(name) or (self._locate(name) if self._index is None else None)
        if found is not None:
            return found
        index = self._discover()
        if name in index:
            return self._cluster(name)
        close = closest(name, index)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        known = "" if hint else f"; known clusters: {', '.join(index) or 'none'}"
        raise UsageError(f"unknown cluster {name!r}{hint}{known}")

    def _cluster(self, name: str) -> Cluster:
        found = self._clusters.get(name)
        if found is None:
            folder, filename = self._discover()[name]
            file = Path(folder, filename)
            found = self._clusters[name] = Cluster(name, file, (*self._layers_of[folder], file))
        return found

    def _discover(self) -> dict[str, tuple[str, str]]:
        if self._index is not None:
            return self._index
        root = self._values_root()
        found: dict[str, tuple[str, str]] = {}
        is_layer = self._layer_test()

        # One top-down walk: a folder's layers are its parent's plus its own, known before
        # any of its clusters. Paths stay strings until asked for (fleets have thousands).
        for folder, entries in _walk(str(root), self._unreadable(root)):
            names = []
            for entry in entries:
                self._check_file(entry)
                names.append(entry.name)
            parent = os.path.dirname(folder)
            inherited = self._layers_of.get(parent, ()) if folder != str(root) else ()
            self._layers_of[folder] = (
                *inherited,
                *(Path(folder, n) for n in names if is_layer(n)),
            )
            for name in names:
                if is_layer(name):
                    continue
                cluster = name.rsplit(".", 1)[0]
                if cluster in found:
                    self._twice(cluster, Path(*found[cluster]), Path(folder, name))
                found[cluster] = (folder, name)
        self._index = dict(sorted(found.items()))
        return self._index

    def _locate(self, name: str) -> Cluster | None:
        """The cluster `name` without the index: the same walk, each folder's files compared
        with the two names its file can have and nothing more done with them, so a
        one-cluster command costs about the same in a fleet of 100 clusters or 10,000. None
        where the index must decide: no such file, or a name no cluster has (the index
        then says which names there are)."""
        is_layer = self._layer_test()
        wanted = {f"{name}{suffix}" for suffix in _VALUE_SUFFIXES}
        if not name or name[0] == "." or os.sep in name or any(map(is_layer, wanted)):
            return None
        root = self._values_root()
        files: dict[str, list[os.DirEntry[str]]] = {}
        hits: list[os.DirEntry[str]] = []
        for folder, entries in _walk(str(root), self._unreadable(root)):
            files[folder] = entries
            hits += [entry for entry in entries if entry.name in wanted]
        if not hits:
            return None
        if len(hits) > 1:  # in the walk's order, as the index finds them
            self._twice(name, Path(hits[0].path), Path(hits[1].path))
        chain = [os.path.dirname(hits[0].path)]  # the cluster's folder up to the root
        while chain[-1] != str(root):
            chain.append(os.path.dirname(chain[-1]))
        read = [e for folder in reversed(chain) for e in files[folder] if is_layer(e.name)]
        read.append(hits[0])
        for entry in read:  # every file this cluster's values are read from
            self._check_file(entry)
        layers = tuple(Path(entry.path) for entry in read)
        found = self._clusters[name] = Cluster(name, layers[-1], layers)
        return found

    def _values_root(self) -> Path:
        return self.path(self.config.values_dir, "values.dir", must_exist=False)

    def _layer_test(self) -> Callable[[str], Any]:
        return re.compile(fnmatch.translate(self.config.layer_pattern)).match

    def _unreadable(self, root: Path) -> Callable[[OSError], None]:
        def unreadable(error: OSError) -> None:
            if Path(error.filename or "") != root:  # no values folder at all: no clusters
                where = self.display(Path(error.filename or root))
                raise ConfigError(f"{where}: cannot read this folder of values ({error.strerror})")

        return unreadable

    def _twice(self, cluster: str, first: Path, again: Path) -> NoReturn:
        raise ConfigError(
            f"cluster {cluster!r} is defined twice: {self.display(first)} and {self.display(again)}"
        )

    def _check_file(self, entry: os.DirEntry[str]) -> None:
        """A values file found by discovery: a name that is text, inside the project (the
        folder's listing says which are symlinks: no system call per file)."""
        try:
            entry.path.encode("utf-8")
        except UnicodeEncodeError:
            path = Path(entry.path)
            shown = os.fsencode(path.name).decode("utf-8", errors="backslashreplace")
            raise ConfigError(
                f"{self.display(path.parent)}/{shown}: a file name that is not UTF-8 text"
            ) from None
        if entry.is_symlink():
            self.inside_or_refuse(Path(entry.path), "values.dir")

    def _where(self) -> Location | None:
        return Location(self.display(self.config_file)) if self.config_file else None


def _walk(
    root: str, unreadable: Callable[[OSError], None]
) -> Iterator[tuple[str, list[os.DirEntry[str]]]]:
    """Each folder below `root`, parents first and in name order, with its values files
    (`*.yaml`, `*.yml`, no dotfiles) in name order: os.walk's order, with the folder's
    entries kept (os.walk keeps names only). Symlinked folders are not entered, as os.walk
    does not enter them."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as error:
            unreadable(error)
            continue
        files, dirs = [], []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                folder_entry = entry.is_dir()
            except OSError:  # as os.walk: what cannot be looked at is no folder
                folder_entry = False
            if folder_entry:
                if not entry.is_symlink():
                    dirs.append(entry.name)
            elif entry.name.endswith(_VALUE_SUFFIXES):
                files.append(entry)
        yield folder, sorted(files, key=lambda e: e.name)
        stack.extend(os.path.join(folder, d) for d in sorted(dirs, reverse=True))


def require_clusters(project: Project) -> None:
    """No cluster at all is an error that says where clustermgr looked (an empty check must
    not pass)."""
    values = project.root / project.config.values_dir
    if project.config_file is None and not values.is_dir():
        raise UsageError(
            f"not a clustermgr project: no clustermgr.yaml in {project.root} or above, and no "
            f"{project.config.values_dir}/ folder (clustermgr init writes a project; -C DIR "
            "runs in another folder)"
        )
    if not project.clusters():
        where = project.display(values)
        raise ConfigError(
            f"no clusters found under {where}/: each *.yaml there is a cluster, "
            f"{project.config.layer_pattern} files are shared layers"
        )


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
            if not config_file.resolve().is_relative_to(folder):
                raise ConfigError(f"{config_file} leads outside the project (a symlink?)")
            return Project(folder, load_config(config_file, folder), config_file)
    return Project(candidates[0], Config())
