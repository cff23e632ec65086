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

import fnmatch
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from clustermgr import limits
from clustermgr.errors import ClusterMgrError, ConfigError, UsageError
from clustermgr.limits import Limits
from clustermgr.problems import Location
from clustermgr.yamlio import Document, load_mapping

if TYPE_CHECKING:
    from clustermgr.secrets import Secrets
    from clustermgr.values import Overrides, Values

CONFIG_NAME = "clustermgr.yaml"
_VALUE_SUFFIXES = (".yaml", ".yml")


class Cluster(NamedTuple):
    name: str
    file: Path
    layers: tuple[Path, ...]  # shared layers, then the cluster's own file


class Config:
    """The settings of clustermgr.yaml, with their defaults."""

    def __init__(self) -> None:
        self.templates: list[str] = ["template"]
        self.snippets: list[str] | None = None  # None: template/snippets, when it exists
        self.schema: str | None = "schemas/values.schema.json"
        self.schema_explicit = False  # a configured schema must exist; the default may not
        self.channel: str | None = None
        self.kops_version: str | None = None
        self.values_dir = "values"
        self.layer_pattern = "_*.yaml"
        self.kops_crds: str | None = None  # folder of the kOps CRDs for the manifest lint
        self.diff_ignore: list[str] = []  # `Kind/name:path` globs never shown as changes
        self.diff_applied: str | None = None  # folder of <cluster>.yaml applied snapshots
        self.diff_list_keys: dict[str, str] = {}  # list path -> identity key of its items
        self.ci_environments: list[str] = []  # promotion order; default: dev before prod
        self.ci_environment_value = "environment"  # the values key naming the environment
        self.ci_automatic: list[str] = []  # environments whose update and roll need no click
        # python:3.11 (not -slim): the merge-request check needs git for --changed-since
        self.ci_image = "python:3.11"
        self.ci_kops_image: str | None = None  # for jobs running kops and aws (default: image)
        self.ci_install: str | None = None  # the install step (default: see ops/gitlab.py)
        self.ci_max_jobs = 50  # per environment and kind of job, before clusters are batched
        self.ci_note_token = "CLUSTERMGR_GITLAB_TOKEN"  # variable holding the note's token
        self.limits = Limits()
        self.unknown_fields = "error"  # in your own render (validate, check, apply); lint warns
        self.kops_version_explicit = False


class Project:
    """A project root and its configuration; cluster discovery is lazy and cached."""

    def __init__(self, root: Path, config: Config, config_file: Path | None = None) -> None:
        self.root = root.resolve()
        self.config = config
        self.config_file = config_file
        limits.use(config.limits)
        self._index: dict[str, tuple[str, str]] | None = None  # name -> (folder, file name)
        self._layers_of: dict[str, tuple[Path, ...]] = {}
        self._schema_data: tuple[Any] | None = None
        self._kops_names: dict[str, str] | None = None

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
        """A configured path, refused when it leaves the project (templates come from review)."""
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            raise ConfigError(f"{setting}: {relative!r} is outside the project", self._where())
        if must_exist and not path.exists():
            raise ConfigError(f"{setting}: {relative!r} does not exist", self._where())
        return path

    def inside(self, path: Path) -> bool:
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
            import json

            from clustermgr.files import read_bytes

            try:
                self._schema_data = (json.loads(read_bytes(path).decode("utf-8")),)
            except (ClusterMgrError, ValueError):
                self._schema_data = (None,)
        return self._schema_data[0]

    def secrets(self, values: Values, docs: Iterable[Any] = ()) -> Secrets:
        """The secrets of one cluster (see clustermgr.secrets); `docs` are rendered
        documents (anything with a `data`)."""
        from clustermgr import secrets

        pairs = [(str(d.data.get("kind", "")), d.data) for d in docs if isinstance(d.data, dict)]
        return secrets.for_cluster(self.schema_data(), values.data, pairs)

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

    def kops_names(self) -> dict[str, str]:
        """Every cluster's kOps name (clusterName from its merged layers, else its name)."""
        if self._kops_names is None:
            from clustermgr.values import LayerCache, cluster_values

            cache = LayerCache(persist=False)
            found = {}
            for name, cluster in self.clusters().items():
                try:
                    value = cluster_values(self, cluster, None, cache).data.get("clusterName")
                except ClusterMgrError:
                    value = None  # its own validation reports the values
                found[name] = value if isinstance(value, str) and value else name
            self._kops_names = found
        return self._kops_names

    def kops_name(self, name: str, overrides: Overrides | None = None) -> str:
        """The kOps cluster name of a cluster: `clusterName` from its merged values (with the
        command line's overrides), else its file name."""
        from clustermgr.values import Overrides, cluster_values

        values = cluster_values(self, self.cluster(name), overrides or Overrides())
        found = values.data.get("clusterName", name)
        return found if isinstance(found, str) and found else name

    def clusters(self) -> dict[str, Cluster]:
        """Every cluster by name, in name order."""
        return {name: self._cluster(name) for name in self._discover()}

    def cluster(self, name: str) -> Cluster:
        """A cluster by its name (its values file), or by its kOps name."""
        index = self._discover()
        if name in index:
            return self._cluster(name)
        if "." in name:  # a kOps name: `render prod-eu1.k8s.example.com`
            owners = [n for n, kops in self.kops_names().items() if kops == name]
            if len(owners) == 1:
                return self._cluster(owners[0])
        close = _closest(name, index)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        known = "" if hint else f"; known clusters: {', '.join(index) or 'none'}"
        raise UsageError(f"unknown cluster {name!r}{hint}{known}")

    def _cluster(self, name: str) -> Cluster:
        folder, filename = self._discover()[name]
        file = Path(folder, filename)
        return Cluster(name, file, (*self._layers_of[folder], file))

    def _discover(self) -> dict[str, tuple[str, str]]:
        if self._index is not None:
            return self._index
        root = self.path(self.config.values_dir, "values.dir", must_exist=False)
        found: dict[str, tuple[str, str]] = {}
        is_layer = re.compile(fnmatch.translate(self.config.layer_pattern)).match

        def unreadable(error: OSError) -> None:
            if Path(error.filename or "") != root:  # no values folder at all: no clusters
                where = self.display(Path(error.filename or root))
                raise ConfigError(f"{where}: cannot read this folder of values ({error.strerror})")

        # One top-down walk: a folder's layers are its parent's plus its own, known before
        # any of its clusters. Paths stay strings until asked for (fleets have thousands).
        for folder, dirs, files in os.walk(root, onerror=unreadable):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            names = sorted(n for n in files if n.endswith(_VALUE_SUFFIXES) and n[0] != ".")
            for name in names:
                self._check_file(Path(folder, name))
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
                    first = self.display(Path(*found[cluster]))
                    again = self.display(Path(folder, name))
                    raise ConfigError(f"cluster {cluster!r} is defined twice: {first} and {again}")
                found[cluster] = (folder, name)
        self._index = dict(sorted(found.items()))
        return self._index

    def _check_file(self, path: Path) -> None:
        """A values file found by discovery: a name that is text, inside the project."""
        try:
            str(path).encode("utf-8")
        except UnicodeEncodeError:
            shown = os.fsencode(path.name).decode("utf-8", errors="backslashreplace")
            raise ConfigError(
                f"{self.display(path.parent)}/{shown}: a file name that is not UTF-8 text"
            ) from None
        if path.is_symlink():
            self.inside_or_refuse(path, "values.dir")

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
            if not config_file.resolve().is_relative_to(folder):
                raise ConfigError(f"{config_file} leads outside the project (a symlink?)")
            return Project(folder, load_config(config_file, folder), config_file)
    return Project(candidates[0], Config())


_KEYS = {"templates", "snippets", "schema", "channel", "kopsVersion", "kopsCrds"} | {
    "values",
    "diff",
    "ci",
    "limits",
    "unknownFields",
}
_VALUES_KEYS = {"dir", "layers"}
_CI_KEYS = {
    "environments",
    "environmentValue",
    "automatic",
    "image",
    "kopsImage",
    "install",
    "maxJobsPerEnvironment",
    "noteTokenVariable",
}
_DIFF_KEYS = {"ignore", "applied", "listKeys"}


def load_config(path: Path, root: Path) -> Config:
    """Read clustermgr.yaml, refusing unknown settings and wrong types with their location."""
    doc = load_mapping(path, path.relative_to(root).as_posix())
    data = doc.data
    config = Config()
    for key in data:
        if key not in _KEYS:
            close = _closest(key, _KEYS)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"unknown setting {key!r}{hint}", doc.location((key,)))
    if "templates" in data:
        config.templates = _str_list(doc, "templates")
    if "snippets" in data:
        config.snippets = _str_list(doc, "snippets")
    if "schema" in data:  # an explicit null turns schema validation off
        config.schema = _opt_str(doc, ("schema",), None)
        config.schema_explicit = config.schema is not None
    config.channel = _opt_str(doc, ("channel",), None)
    config.kops_version = _opt_str(doc, ("kopsVersion",), None)
    config.kops_crds = _opt_str(doc, ("kopsCrds",), None)
    _section(doc, "values", _VALUES_KEYS)
    diff = _section(doc, "diff", _DIFF_KEYS)
    ignore = diff.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(x, str) for x in ignore):
        raise ConfigError("diff.ignore: expected a list of rules", doc.location(("diff", "ignore")))
    config.diff_ignore = list(ignore)
    config.diff_applied = _opt_str(doc, ("diff", "applied"), None)
    list_keys = diff.get("listKeys", {})
    if not isinstance(list_keys, dict) or not all(isinstance(v, str) for v in list_keys.values()):
        raise ConfigError(
            "diff.listKeys: expected a mapping of list paths to key names",
            doc.location(("diff", "listKeys")),
        )
    config.diff_list_keys = dict(list_keys)
    ci = _section(doc, "ci", _CI_KEYS)
    for key, attr in (("environments", "ci_environments"), ("automatic", "ci_automatic")):
        items = ci.get(key, [])
        if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
            raise ConfigError(f"ci.{key}: expected a list of names", doc.location(("ci", key)))
        setattr(config, attr, list(items))
    config.ci_environment_value = _opt_str(doc, ("ci", "environmentValue"), "environment") or ""
    config.ci_image = _opt_str(doc, ("ci", "image"), config.ci_image) or config.ci_image
    config.ci_kops_image = _opt_str(doc, ("ci", "kopsImage"), None)
    config.ci_install = _opt_str(doc, ("ci", "install"), None)
    max_jobs = ci.get("maxJobsPerEnvironment", config.ci_max_jobs)
    if not isinstance(max_jobs, int) or isinstance(max_jobs, bool) or not 1 <= max_jobs <= 100:
        raise ConfigError(
            "ci.maxJobsPerEnvironment: expected a whole number from 1 to 100",
            doc.location(("ci", "maxJobsPerEnvironment")),
        )
    config.ci_max_jobs = max_jobs
    token = _opt_str(doc, ("ci", "noteTokenVariable"), config.ci_note_token) or ""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token):
        raise ConfigError(
            "ci.noteTokenVariable: expected a variable name",
            doc.location(("ci", "noteTokenVariable")),
        )
    config.ci_note_token = token
    config.limits = _limits(doc)
    unknown = _opt_str(doc, ("unknownFields",), "error")
    if unknown not in ("error", "warning"):
        raise ConfigError(
            "unknownFields: expected error or warning", doc.location(("unknownFields",))
        )
    config.unknown_fields = unknown
    config.values_dir = _opt_str(doc, ("values", "dir"), config.values_dir) or "values"
    config.layer_pattern = _opt_str(doc, ("values", "layers"), config.layer_pattern) or "_*.yaml"
    return config


def _limits(doc: Document) -> Limits:
    """`limits:`: positive numbers (seconds may be fractions)."""
    section = _section(doc, "limits", set(limits.SETTINGS))
    found: dict[str, float] = {}
    for key, value in section.items():
        attr = limits.SETTINGS[key]
        whole = isinstance(getattr(Limits(), attr), int)
        number = isinstance(value, int) or (isinstance(value, float) and not whole)
        if isinstance(value, bool) or not number or value <= 0:
            what = "a positive whole number" if whole else "a positive number"
            raise ConfigError(f"limits.{key}: expected {what}", doc.location(("limits", key)))
        found[attr] = value
    return Limits()._replace(**found)  # type: ignore[arg-type]  # checked above


def _closest(name: str, candidates: Iterable[str]) -> list[str]:
    import difflib  # error path only: keep it off start-up

    return difflib.get_close_matches(name, list(candidates), n=1)


def _section(doc: Document, name: str, allowed: set[str]) -> dict[str, Any]:
    """A mapping of settings (`values:`, `diff:`, `ci:`) with only known keys."""
    section = doc.data.get(name, {})
    if not isinstance(section, dict):
        raise ConfigError(f"{name}: expected a mapping", doc.location((name,)))
    for key in section:
        if key not in allowed:
            close = _closest(key, allowed)
            hint = f" (did you mean '{name}.{close[0]}'?)" if close else ""
            raise ConfigError(
                f"unknown setting '{name}.{key}'{hint}", doc.location((name, key), True)
            )
    return section


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
