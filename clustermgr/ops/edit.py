"""`set`: change values where they are set, keeping every comment, blank line, key order,
quoting style and indentation of the files people own (ruamel.yaml's round trip).

Without `--layer`, a value is written where it comes from now (its origin). An edit of a
shared layer that changes clusters the command did not name is refused, with their names:
the edit would reach further than asked. New keys go to each cluster's own file, or to the
layer named.
"""

from __future__ import annotations

import difflib
import itertools
import shutil
import tempfile
from io import StringIO
from pathlib import Path
from typing import Any, NamedTuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from clustermgr.diff import ClusterDiff, compare, resources
from clustermgr.diff.cluster import hidden
from clustermgr.errors import ClusterMgrError, ConfigError, UsageError
from clustermgr.files import atomic_write
from clustermgr.fleet import select
from clustermgr.plan import refusal_problems, review
from clustermgr.problems import Location
from clustermgr.project import Project, find_project
from clustermgr.render import RenderSettings
from clustermgr.render.project import project_renderer, render_documents
from clustermgr.validation import Validator, make_linter, validate_clusters
from clustermgr.values import Overrides, cluster_secrets, cluster_values, clusters_in
from clustermgr.values.setexpr import parse_into
from clustermgr.yamlio import YPath, format_path, iter_leaves, read_text
from clustermgr.yamlio.goresolve import resolve

LAYERS = ("cluster", "env", "defaults")


class Edit(NamedTuple):
    file: Path
    path: YPath
    value: Any


class Plan(NamedTuple):
    edits: list[Edit]
    changed: dict[Path, tuple[str, str]]  # file -> (text before, text after)
    clusters: list[str]  # every cluster whose merged values the edit changes


def assignments(exprs: list[str], as_string: bool) -> list[tuple[YPath, Any]]:
    """KEY=VALUE in the --set grammar (typed as --set types them, or all strings)."""
    found: dict[str, Any] = {}
    for expr in exprs:
        parse_into(expr, found, as_string)
    return [(path, value) for path, value in iter_leaves(found) if path]


def plan(
    project: Project,
    sets: list[tuple[YPath, Any]],
    targets: list[str],
    layer: str | None,
) -> Plan:
    """Where each value is written for the `targets` clusters, and the new file texts."""
    clusters = project.clusters()
    edits: dict[tuple[Path, YPath], Edit] = {}
    for name in targets:
        cluster = clusters[name]
        values = cluster_values(project, cluster, Overrides())
        for path, value in sets:
            file = _target_file(project, cluster.layers, values, path, layer)
            edits[(file, path)] = Edit(file, path, value)
    # A shared file reaches every cluster that merges it: all of them must be named. A value
    # from a wider layer goes to the layer the named clusters share alone, when there is one
    # (`--env prod`: values/prod/_env.yaml).
    named = set(targets)
    exact = _exact_layer(clusters, targets) if layer is None else None
    for key, item in list(edits.items()):
        if exact is not None and _sharing(clusters, item.file) - named:
            del edits[key]
            edits[(exact, item.path)] = Edit(exact, item.path, item.value)
    for file in {e.file for e in edits.values()}:
        others = sorted(_sharing(clusters, file) - named)
        if others:
            shown = project.display(file)
            raise UsageError(
                f"{shown} is shared by {', '.join(others)} too: name them as well, or pass "
                "--layer cluster to write the value in each named cluster's own file"
            )
    changed: dict[Path, tuple[str, str]] = {}
    for file in sorted({e.file for e in edits.values()}):
        before = read_text(file, project.display(file)) if file.exists() else ""
        mine = [e for e in edits.values() if e.file == file]
        after = edit_text(
            before, [(e.path, e.value) for e in mine], project.display(file), project.schema_data()
        )
        if after != before:
            changed[file] = (before, after)
    affected = sorted(n for n, c in clusters.items() if any(f in c.layers for f in changed))
    return Plan(list(edits.values()), changed, affected)


def promotion(project: Project, keys: list[str], sources: list[str]) -> list[tuple[YPath, Any]]:
    """The effective values of `keys` in the `sources` clusters, which must agree."""
    clusters = project.clusters()
    found: list[tuple[YPath, Any]] = []
    for key in keys:
        path: YPath = tuple(key.split("."))
        seen: dict[str, list[str]] = {}
        value: Any = None
        for name in sources:
            merged = cluster_values(project, clusters[name], Overrides())
            try:
                value = merged.get(path)
            except KeyError:
                raise UsageError(f"{name} has no value {key}") from None
            seen.setdefault(repr(value), []).append(name)
        if len(seen) > 1:
            shown = "; ".join(f"{', '.join(names)}: {v}" for v, names in seen.items())
            raise UsageError(f"the clusters to promote from disagree on {key} ({shown})")
        found.append((path, value))
    return found


def _sharing(clusters: dict[str, Any], file: Path) -> set[str]:
    return {n for n, c in clusters.items() if file in c.layers}


def _exact_layer(clusters: dict[str, Any], targets: list[str]) -> Path | None:
    """The deepest shared layer every target merges and no other cluster does."""
    first: tuple[Path, ...] = clusters[targets[0]].layers
    common = [f for f in first if all(f in clusters[t].layers for t in targets)]
    own = {clusters[t].layers[-1] for t in targets}
    for file in reversed(common):
        if file not in own and _sharing(clusters, file) == set(targets):
            return file
    return None  # a cluster's own file is never a silent fallback: the caller refuses


def _target_file(
    project: Project, layers: tuple[Path, ...], values: Any, path: YPath, layer: str | None
) -> Path:
    if layer == "cluster":
        return layers[-1]
    if layer == "defaults":
        return layers[0]
    if layer == "env":
        if len(layers) < 3:
            raise UsageError("--layer env: this cluster has no environment layer")
        return layers[-2]
    if layer is not None:
        wanted = (project.root / layer).resolve()
        for file in layers:
            if file.resolve() == wanted:
                return file
        raise UsageError(f"--layer {layer}: not one of the cluster's layers")
    origin = values.origin(path)
    if origin is not None and origin.location is not None:
        for file in layers:
            if project.display(file) == origin.location.file:
                return file
    return layers[-1]  # a new key: the cluster's own file


def edit_text(text: str, edits: list[tuple[YPath, Any]], display: str, schema: Any = None) -> str:
    """`text` with each path set to its value, everything else as it was; a new key goes
    after the keys the schema lists before it (else at the end of its mapping)."""

    try:
        mapping, sequence, offset = _guess_indent(text)
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        data = yaml.load(text) if text.strip() else None
    except YAMLError as exc:
        raise ConfigError(f"cannot edit: {exc}", Location(display)) from None
    if data is None:
        data = CommentedMap()
    for path, value in edits:
        _assign(data, path, value, display, _order(schema, path[:-1]))
    out = StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _guess_indent(text: str) -> tuple[int, int, int]:
    """The file's own indentation (mapping, sequence, dash offset), so that the lines the edit
    does not touch come out as they were: `key:\n  - item` is (2, 4, 2)."""
    lines = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    mapping = min(
        (len(line) - len(line.lstrip()) for line in lines if not line.lstrip().startswith("-")
         and len(line) > len(line.lstrip())),
        default=2,
    )  # fmt: skip
    offset = 0
    for before, line in itertools.pairwise(lines):
        if line.lstrip().startswith("- ") and before.rstrip().endswith(":"):
            offset = max(0, (len(line) - len(line.lstrip())) - (len(before) - len(before.lstrip())))
            break
    return mapping, offset + 2, offset


def _order(schema: Any, path: YPath) -> list[str]:
    """The property names the schema lists for the mapping at `path`, in its order."""
    node = schema
    for part in path:
        if not isinstance(node, dict):
            return []
        if isinstance(part, int):
            node = node.get("items")
            continue
        props = node.get("properties") or {}
        node = props.get(part) if part in props else node.get("additionalProperties")
    props = node.get("properties") if isinstance(node, dict) else None
    return list(props) if isinstance(props, dict) else []


def _assign(data: Any, path: YPath, value: Any, display: str, order: list[str]) -> None:

    node = data
    for i, part in enumerate(path[:-1]):
        if isinstance(node, dict):
            if part not in node or not isinstance(node[part], (dict, list)):
                node[part] = CommentedMap()
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            where = format_path(path[: i + 1])
            raise UsageError(f"{display}: cannot set {format_path(path)}: {where} is not a mapping")
    last = path[-1]
    old = node.get(last) if isinstance(node, dict) else None
    if isinstance(value, str):
        if isinstance(old, SingleQuotedScalarString):
            value = SingleQuotedScalarString(value)
        elif isinstance(old, DoubleQuotedScalarString) or not isinstance(resolve(value), str):
            # kOps reads YAML 1.1: `on`, `y`, `1e3` unquoted would not be text
            value = DoubleQuotedScalarString(value)
    if isinstance(node, list) and isinstance(last, int) and last < len(node):
        node[last] = value
        return
    if not isinstance(node, dict):
        raise UsageError(f"{display}: cannot set {format_path(path)}")
    if last not in node and last in order and hasattr(node, "insert"):
        before = order[: order.index(last)]
        position = max((i + 1 for i, k in enumerate(node) if k in before), default=0)
        if position < len(node):
            node.insert(position, last, value)
            return
    node[last] = value


def unified(project: Project, changed: dict[Path, tuple[str, str]]) -> str:
    """The edit as `git diff` would show it."""
    out: list[str] = []
    for file, (before, after) in changed.items():
        shown = project.display(file)
        out += difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            f"a/{shown}",
            f"b/{shown}",
        )
    return "".join(out)


def staged(project: Project, changed: dict[Path, tuple[str, str]], folder: Path) -> Project:
    """A copy of the project's inputs under `folder` with the edit applied: what the edit
    renders to, with nothing written in the project."""

    inputs = [*project.shared_inputs(), project.root / project.config.values_dir]
    for source in inputs:
        if not source.exists() or not source.resolve().is_relative_to(project.root):
            continue
        target = folder / source.resolve().relative_to(project.root)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for file, (_, after) in changed.items():
        target = folder / file.resolve().relative_to(project.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(after, encoding="utf-8")
    return find_project(folder)


def write(changed: dict[Path, tuple[str, str]]) -> None:

    for file, (_, after) in changed.items():
        atomic_write(file, after)


class Effect(NamedTuple):
    """What an edit does: the edit as a diff, each cluster's render diff, their validation.
    Secrets are hidden in all three, old and new alike."""

    unified: str
    diffs: list[Any]  # plan.Reviewed: each cluster's diff with its plan
    groups: list[Any]  # problem Group per cluster

    def blocked(self) -> list[str]:
        """The clusters whose plan kOps refuses."""
        return [r.diff.name for r in self.diffs if r.plan.blocked]


def effect(before: Project, after: Project, plan: Plan) -> Effect:
    """Render and validate every cluster the edit reaches, before and after it."""

    settings = RenderSettings()
    old_renderer = project_renderer(before, settings)
    new_renderer = project_renderer(after, settings)
    text = unified(before, plan.changed)
    diffs = []
    for name in plan.clusters:
        old_values = cluster_values(before, before.cluster(name), Overrides())
        new_values = cluster_values(after, after.cluster(name), Overrides())
        old = render_documents(old_renderer, old_values)
        new = render_documents(new_renderer, new_values)
        old_secrets = cluster_secrets(before, old_values, old)
        new_secrets = cluster_secrets(after, new_values, new)
        text = old_secrets.hide(new_secrets.hide(text))
        old_docs, new_docs = resources(old), resources(new)
        config = before.config
        changes = compare(old_docs, new_docs, config.diff_ignore, config.diff_list_keys)
        result = ClusterDiff(name, changes, old_docs, new_docs, config.kops_version)
        diffs.append(review(hidden(result, new_secrets)))
    validator = Validator(after, Overrides(), settings, make_linter(after, None, for_replace=True))
    groups = [
        group._replace(
            problems=[*group.problems, *refusal_problems(reviewed.diff.changes)],
            checks=(*group.checks, "diff"),
        )
        for group, reviewed in zip(validate_clusters(validator, plan.clusters), diffs, strict=True)
    ]
    return Effect(text, diffs, groups)


class EditError(ClusterMgrError):
    """An edit that must not be written; the message says why."""


def targets(project: Project, named: list[str], all_clusters: bool, env: str | None) -> list[str]:
    """The clusters an edit is for: named (by file or kOps name), --all, or --env ENV."""
    if sum((bool(named), all_clusters, env is not None)) != 1:
        raise UsageError("name the clusters, or pass --all or --env (one of them)")
    if env is not None:
        return clusters_in(project, env)
    return select(project, named, all_clusters).names


def preview(project: Project, plan: Plan) -> Effect:
    """What the edit does, computed on a staged copy of the project: nothing is written."""
    with tempfile.TemporaryDirectory(prefix="clustermgr-set-") as folder:
        return effect(project, staged(project, plan.changed, Path(folder)), plan)


def commit(project: Project, plan: Plan, done: Effect, dry_run: bool) -> list[str]:
    """Write the edit unless it is a dry run or kOps would refuse what it changes (a blocked
    plan: refused before the first byte is written). The files written, as shown."""
    blocked = done.blocked()
    if blocked:
        raise EditError(
            f"kOps refuses what this edit changes in {', '.join(blocked)} (blocked, above): "
            "nothing written"
        )
    if dry_run:
        return []
    write(plan.changed)
    return [project.display(f) for f in plan.changed]
