"""Rules over the whole fleet, which no single cluster's validation can see."""

from __future__ import annotations

from clustermgr.problems import ERROR, Location, Problem
from clustermgr.project import Project
from clustermgr.values import kops_names

DUPLICATE = "kops-name-duplicate"


def duplicate_names(
    project: Project, names: dict[str, str] | None = None
) -> dict[str, list[Problem]]:
    """Clusters whose values give the same kOps cluster name: two sets of jobs and
    applies for one real cluster. Each of them gets the problem, at its values file.
    `names`: every cluster's kOps name when the caller has them (from a cache)."""
    by_name: dict[str, list[str]] = {}
    for cluster, kops_name in (kops_names(project) if names is None else names).items():
        by_name.setdefault(kops_name, []).append(cluster)
    found: dict[str, list[Problem]] = {}
    clusters = project.clusters()
    for kops_name, owners in by_name.items():
        if len(owners) < 2:
            continue
        for owner in owners:
            others = ", ".join(
                f"{o} ({project.display(clusters[o].file)})" for o in owners if o != owner
            )
            message = f"kOps cluster name {kops_name!r} is also the name of {others}"
            where = Location(project.display(clusters[owner].file), 1, 1)
            found.setdefault(owner, []).append(
                Problem(ERROR, DUPLICATE, message, where, check="values")
            )
    return found
