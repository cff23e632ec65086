"""Configuration: clustermgr.yaml read into `Config`, each setting's default written once (in
`Config`), unknown settings and wrong types refused at their line.

Layout (every setting optional):

    templates: [template]          # files or directories of Jinja2 templates
    snippets: [template/snippets]  # directories of snippets, addressed by file name
    schema: schemas/values.schema.json
    channel: channels/stable.yaml  # a local kOps channel file for the Channel* functions
    kopsVersion: 1.34.0            # for ChannelRecommendedKopsKubernetesVersion
    values:
      dir: values                  # every *.yaml below it is a cluster ...
      layers: "_*.yaml"            # ... except these shared layers
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from clustermgr import limits
from clustermgr.errors import ConfigError
from clustermgr.limits import Limits
from clustermgr.yamlio import Document, load_mapping

CONFIG_NAME = "clustermgr.yaml"
MAX_SOAK_MINUTES = 7 * 24 * 60  # GitLab's limit for a delayed job's start_in: one week


class Waves(NamedTuple):
    """`ci.waves`: how a deploy pipeline upgrades the fleet (fleet/waves.py plans them).

    ci:
      waves:
        canary: [dev-eu1]     # deployed first, alone, before every environment
        size: 10              # at most this many clusters per wave of an environment
        soak: 1h              # wait after each wave before the next (m, h, d; <= 1 week)
        validate: true        # `kops validate cluster` after each wave's rolls
        environments:         # size and soak of one environment
          prod: {size: 5, soak: 2h}
    """

    configured: bool = False
    canary: tuple[str, ...] = ()
    size: int | None = None  # None: one wave per environment
    soak: int = 0  # minutes
    validate: bool = True
    environments: tuple[tuple[str, int | None, int], ...] = ()  # (name, size, soak)

    def size_of(self, environment: str) -> int | None:
        return next((s for e, s, _ in self.environments if e == environment), self.size)

    def soak_of(self, environment: str) -> int:
        return next((m for e, _, m in self.environments if e == environment), self.soak)


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
        self.ci_waves = Waves()
        self.limits = Limits()
        self.unknown_fields = "error"  # in your own render (validate, check, apply); lint warns
        self.kops_version_explicit = False


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
    "waves",
}
_WAVES_KEYS = {"canary", "size", "soak", "validate", "environments"}
_DIFF_KEYS = {"ignore", "applied", "listKeys"}


def load_config(path: Path, root: Path) -> Config:
    """Read clustermgr.yaml, refusing unknown settings and wrong types with their location."""
    doc = load_mapping(path, path.relative_to(root).as_posix())
    data = doc.data
    config = Config()
    for key in data:
        if key not in _KEYS:
            close = closest(key, _KEYS)
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
    config.ci_environment_value = _text(
        doc, ("ci", "environmentValue"), config.ci_environment_value
    )
    config.ci_image = _text(doc, ("ci", "image"), config.ci_image)
    config.ci_kops_image = _opt_str(doc, ("ci", "kopsImage"), None)
    config.ci_install = _opt_str(doc, ("ci", "install"), None)
    max_jobs = ci.get("maxJobsPerEnvironment", config.ci_max_jobs)
    if not isinstance(max_jobs, int) or isinstance(max_jobs, bool) or not 1 <= max_jobs <= 100:
        raise ConfigError(
            "ci.maxJobsPerEnvironment: expected a whole number from 1 to 100",
            doc.location(("ci", "maxJobsPerEnvironment")),
        )
    config.ci_max_jobs = max_jobs
    token = _text(doc, ("ci", "noteTokenVariable"), config.ci_note_token)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token):
        raise ConfigError(
            "ci.noteTokenVariable: expected a variable name",
            doc.location(("ci", "noteTokenVariable")),
        )
    config.ci_note_token = token
    config.ci_waves = _waves(doc, ci)
    config.limits = _limits(doc)
    unknown = _text(doc, ("unknownFields",), config.unknown_fields)
    if unknown not in ("error", "warning"):
        raise ConfigError(
            "unknownFields: expected error or warning", doc.location(("unknownFields",))
        )
    config.unknown_fields = unknown
    config.values_dir = _text(doc, ("values", "dir"), config.values_dir)
    config.layer_pattern = _text(doc, ("values", "layers"), config.layer_pattern)
    return config


def _waves(doc: Document, ci: dict[str, Any]) -> Waves:
    """`ci.waves`, each setting checked at its line."""
    if "waves" not in ci:
        return Waves()
    where = ("ci", "waves")
    section = ci["waves"]
    if not isinstance(section, dict):
        raise ConfigError("ci.waves: expected a mapping", doc.location(where))
    for key in section:
        if key not in _WAVES_KEYS:
            close = closest(key, _WAVES_KEYS)
            hint = f" (did you mean 'ci.waves.{close[0]}'?)" if close else ""
            raise ConfigError(
                f"unknown setting 'ci.waves.{key}'{hint}", doc.location((*where, key), True)
            )
    canary = section.get("canary", [])
    if not isinstance(canary, list) or not all(isinstance(x, str) for x in canary):
        raise ConfigError(
            "ci.waves.canary: expected a list of clusters", doc.location((*where, "canary"))
        )
    validate = section.get("validate", True)
    if not isinstance(validate, bool):
        raise ConfigError(
            "ci.waves.validate: expected true or false", doc.location((*where, "validate"))
        )
    size, soak = _wave_size(doc, section, where, None), _soak(doc, section, where, 0)
    per_env: list[tuple[str, int | None, int]] = []
    envs = section.get("environments", {})
    if not isinstance(envs, dict):
        raise ConfigError(
            "ci.waves.environments: expected a mapping of environments",
            doc.location((*where, "environments")),
        )
    for env, settings in envs.items():
        place = (*where, "environments", env)
        if not isinstance(settings, dict) or set(settings) - {"size", "soak"}:
            raise ConfigError(
                f"ci.waves.environments.{env}: expected size and soak", doc.location(place)
            )
        env_size = _wave_size(doc, settings, place, size)
        per_env.append((str(env), env_size, _soak(doc, settings, place, soak)))
    return Waves(True, tuple(canary), size, soak, validate, tuple(per_env))


def _wave_size(
    doc: Document, section: dict[str, Any], where: tuple[str, ...], default: int | None
) -> int | None:
    value = section.get("size", default)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise ConfigError(
            f"{'.'.join(where)}.size: expected a whole number of clusters, at least 1",
            doc.location((*where, "size")),
        )
    return value


def _soak(doc: Document, section: dict[str, Any], where: tuple[str, ...], default: int) -> int:
    """A soak time in minutes, written `45m`, `2h`, `1h30m` or `1d`."""
    value = section.get("soak")
    if value is None:
        return default
    units = {"m": 1, "h": 60, "d": 24 * 60}
    parts = re.findall(r"(\d+)([mhd])", value) if isinstance(value, str) else []
    minutes = sum(int(n) * units[unit] for n, unit in parts)
    spelled = "".join(n + unit for n, unit in parts)
    if not parts or spelled != value or not 0 < minutes <= MAX_SOAK_MINUTES:
        raise ConfigError(
            f"{'.'.join(where)}.soak: expected a time such as 45m, 2h, 1h30m or 1d, at most "
            "a week (GitLab's longest delay)",
            doc.location((*where, "soak")),
        )
    return minutes


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


def closest(name: str, candidates: Iterable[str]) -> list[str]:
    """The known name closest to a mistyped one, for "did you mean"."""
    import difflib  # noqa: PLC0415  # the error path only

    return difflib.get_close_matches(name, list(candidates), n=1)


def _section(doc: Document, name: str, allowed: set[str]) -> dict[str, Any]:
    """A mapping of settings (`values:`, `diff:`, `ci:`) with only known keys."""
    section = doc.data.get(name, {})
    if not isinstance(section, dict):
        raise ConfigError(f"{name}: expected a mapping", doc.location((name,)))
    for key in section:
        if key not in allowed:
            close = closest(key, allowed)
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


def _text(doc: Document, path: tuple[str, ...], default: str) -> str:
    """A setting that always has a value: `default` (Config's) when absent, null or empty."""
    return _opt_str(doc, path, default) or default


def _str_list(doc: Document, key: str) -> list[str]:
    value = doc.data[key]
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key}: expected a path or a list of paths", doc.location((key,)))
    return list(value)
