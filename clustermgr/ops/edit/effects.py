"""What an edit does, before it is written: the edit as a diff, each affected cluster's render
diff with its plan, their validation (on a staged copy of the project: nothing is written);
then the write, refused when kOps would refuse what it changes. Also what an edit is for:
its clusters, and what `promote` copies."""

from __future__ import annotations

import difflib
import shutil
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

from clustermgr.diff import ClusterDiff, compare, resources
from clustermgr.diff.cluster import hidden
from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.fleet import select
from clustermgr.ops.edit import write as writing
from clustermgr.ops.edit.plan import EditError, Plan
from clustermgr.ops.edit.request import Change, parse_path
from clustermgr.ops.edit.resolve import exists, locate, value_at
from clustermgr.plan import refusal_problems, review
from clustermgr.project import Project, find_project
from clustermgr.render import RenderSettings
from clustermgr.render.project import project_renderer, render_documents
from clustermgr.validation import Validator, make_linter, validate_clusters
from clustermgr.values import (
    Overrides,
    cluster_secrets,
    cluster_values,
    clusters_in,
    promotion_order,
)
from clustermgr.values.environments import environment_of


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
            # Not another edit's half-written file (files.atomic_write): it may vanish mid-copy.
            shutil.copytree(
                source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*.tmp")
            )
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for file, (_, after) in changed.items():
        target = folder / file.resolve().relative_to(project.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(after, encoding="utf-8")
    return find_project(folder)


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
    return writing.write(project, plan)


def promotion(
    project: Project, keys: list[str], source: str, target: str, skip_stages: bool = False
) -> list[Change]:
    """The effective values of `keys` in the clusters of environment `source`, which must
    agree, as changes for the next environment `target` (one stage at a time, in the
    project's promotion order, unless `skip_stages`)."""
    sources = clusters_in(project, source)
    clusters_in(project, target)  # an environment without clusters: a usage error first
    _check_order(project, source, target, skip_stages)
    clusters = project.clusters()
    found: list[Change] = []
    for key in keys:
        path = parse_path(key)
        seen: dict[str, list[str]] = {}
        value: Any = None
        for name in sources:
            merged = cluster_values(project, clusters[name], Overrides()).data
            concrete = locate(merged, path, name)
            if not exists(merged, concrete):
                raise UsageError(f"{name} has no value {key}: nothing to promote")
            value = value_at(merged, concrete)
            seen.setdefault(repr(value), []).append(name)
        if len(seen) > 1:
            shown = "; ".join(f"{', '.join(names)}: {v}" for v, names in seen.items())
            raise UsageError(f"the clusters to promote from disagree on {key} ({shown})")
        found.append(Change(path, value))
    return found


def _check_order(project: Project, source: str, target: str, skip_stages: bool) -> None:
    present = {source, target}
    for cluster in project.clusters().values():
        try:
            env = environment_of(project, cluster)
        except ClusterMgrError:
            continue  # broken values: its own validation says so
        if isinstance(env, str):
            present.add(env)
    order = promotion_order(project, sorted(present))
    if order.index(target) <= order.index(source):
        raise UsageError(
            f"{target} comes before {source} in the promotion order ({' -> '.join(order)}): "
            "promote goes forward"
        )
    skipped = order[order.index(source) + 1 : order.index(target)]
    if skipped and not skip_stages:
        raise UsageError(
            f"promoting from {source} to {target} skips {', '.join(skipped)} (the order is "
            f"{' -> '.join(order)}): promote to {skipped[0]} first, or pass --skip-stages"
        )
