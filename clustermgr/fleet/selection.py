"""Which clusters a check covers: named ones, all, or those a change since a git ref affects."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from clustermgr import git
from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.project import Cluster, Project, require_clusters
from clustermgr.values import cluster_names, kops_names
from clustermgr.yamlio import load_documents


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
    given = [
        what
        for what, on in (
            ("cluster names", bool(named)),
            ("--all", all_clusters),
            ("--changed-since", changed_since is not None),
        )
        if on
    ]
    if not given:
        raise UsageError("name the clusters to check, or pass --all or --changed-since")
    if len(given) > 1:
        raise UsageError(f"{' and '.join(given)}: choose one way to select clusters")
    if changed_since is not None:
        return select_changed(project, changed_since, kops_crds)
    if all_clusters:
        require_clusters(project)
        names = list(project.clusters())
        return Selection(names, {n: ["--all"] for n in names}, [])
    # unknown names are usage errors, before any work; a kOps name finds its cluster
    names = cluster_names(project, named)
    return Selection(names, {n: ["named on the command line"] for n in names}, [])


def select_changed(project: Project, ref: str, kops_crds: str | Path | None = None) -> Selection:
    """The clusters a change since git `ref` can affect (committed, staged or not, untracked)."""
    changed = git.changed_files(project.root, ref, "--changed-since")
    clusters = project.clusters()
    reasons: dict[str, list[str]] = {}
    shared = project.shared_inputs(kops_crds)
    removed = []
    values_root = (project.root / project.config.values_dir).resolve()
    readers = _readers(clusters) if changed else {}
    for path, status in sorted(changed.items()):
        shown = project.display(path)
        if any(path == s or path.is_relative_to(s) for s in shared):
            for name in clusters:
                reasons.setdefault(name, []).append(f"{shown} is used by every cluster")
            continue
        for name, own in readers.get(path, ()):
            reason = f"its values file {shown} changed" if own else f"its layer {shown} changed"
            reasons.setdefault(name, []).append(reason)
        in_values = path.is_relative_to(values_root) and path.suffix in (".yaml", ".yml")
        if status == "D" and in_values and path.stem not in clusters:
            # identity is the kOps name: a values file renamed is a rename, not a removal
            kops_name = _old_kops_name(project, ref, path) or path.stem
            heirs = [n for n, k in kops_names(project).items() if k == kops_name]
            if heirs:
                reasons.setdefault(heirs[0], []).append(
                    f"renamed from {path.stem} ({shown}): the same kOps cluster {kops_name}"
                )
            else:
                removed.append(path.stem)
    names = sorted(reasons)
    return Selection(names, {n: reasons[n] for n in names}, sorted(removed))


def _readers(clusters: dict[str, Cluster]) -> dict[Path, list[tuple[str, bool]]]:
    """The clusters reading each values file, resolved (as git names changed files), and
    whether it is their own file: each file resolved once, not once per changed file and
    cluster (a change of many files in a large fleet took minutes)."""
    resolved: dict[Path, Path] = {}
    readers: dict[Path, list[tuple[str, bool]]] = {}
    for name, cluster in clusters.items():
        for layer in (cluster.file, *cluster.layers):
            if layer not in resolved:
                resolved[layer] = layer.resolve()
        own = resolved[cluster.file]
        readers.setdefault(own, []).append((name, True))
        for layer in cluster.layers:
            if resolved[layer] != own:
                readers.setdefault(resolved[layer], []).append((name, False))
    return readers


def _old_kops_name(project: Project, ref: str, path: Path) -> str | None:
    """The clusterName a deleted values file set at `ref` (None when it set none)."""

    top = git.toplevel(project.root, "--changed-since")
    commit = git.commit(project.root, ref, "--changed-since")
    try:
        text = git.run(
            top, "show", f"{commit}:{path.relative_to(top).as_posix()}", what="--changed-since"
        )
        data = load_documents(text, path.name, cache=False)[0].data
    except (ClusterMgrError, IndexError):
        return None
    name = data.get("clusterName") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None
