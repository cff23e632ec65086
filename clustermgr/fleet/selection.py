"""Which clusters a check covers: named ones, all, or those a change since a git ref affects."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from clustermgr import git
from clustermgr.errors import UsageError
from clustermgr.project import Project


class Selection(NamedTuple):
    names: list[str]
    reasons: dict[str, list[str]]  # cluster -> why it was selected
    removed: list[str]  # clusters whose values file the change deleted


def select(
    project: Project,
    named: Sequence[str] = (),
    all_clusters: bool = False,
    changed_since: str | None = None,
    kops_crds: str | Path | None = None,
) -> Selection:
    """Exactly one of: clusters by name, `--all`, or `--changed-since REF`."""
    if sum((bool(named), all_clusters, changed_since is not None)) != 1:
        raise UsageError("name the clusters to check, or pass --all or --changed-since")
    if changed_since is not None:
        return select_changed(project, changed_since, kops_crds)
    if all_clusters:
        names = list(project.clusters())
        return Selection(names, {n: ["--all"] for n in names}, [])
    for name in named:
        project.cluster(name)  # unknown names are usage errors, before any work
    names = list(dict.fromkeys(named))
    return Selection(names, {n: ["named on the command line"] for n in names}, [])


def select_changed(project: Project, ref: str, kops_crds: str | Path | None = None) -> Selection:
    """The clusters a change since git `ref` can affect (committed, staged or not, untracked)."""
    changed = git.changed_files(project.root, ref, "--changed-since")
    clusters = project.clusters()
    reasons: dict[str, list[str]] = {}
    shared = project.shared_inputs(kops_crds)
    removed = []
    values_root = (project.root / project.config.values_dir).resolve()
    for path, status in sorted(changed.items()):
        shown = project.display(path)
        if any(path == s or path.is_relative_to(s) for s in shared):
            for name in clusters:
                reasons.setdefault(name, []).append(f"{shown} is used by every cluster")
            continue
        for name, cluster in clusters.items():
            if path == cluster.file.resolve():
                reasons.setdefault(name, []).append(f"its values file {shown} changed")
            elif any(path == layer.resolve() for layer in cluster.layers):
                reasons.setdefault(name, []).append(f"its layer {shown} changed")
        in_values = path.is_relative_to(values_root) and path.suffix in (".yaml", ".yml")
        if status == "D" and in_values and path.stem not in clusters:
            removed.append(path.stem)
    names = sorted(reasons)
    return Selection(names, {n: reasons[n] for n in names}, sorted(removed))
