"""Clusters by the name a person types: the values file's name, or the kOps name its merged
values give it (`clusterName`), which needs the layers merged."""

from __future__ import annotations

from collections.abc import Iterable

from clustermgr.errors import ClusterMgrError
from clustermgr.problems import ERROR, Location, Problem
from clustermgr.project import Cluster, Project
from clustermgr.values.build import Overrides, cluster_values
from clustermgr.values.layers import LayerCache

_MEMO = "kops-names"


def kops_names(project: Project) -> dict[str, str]:
    """Every cluster's kOps name (clusterName from its merged layers, else its name)."""
    found: dict[str, str] | None = project.memo.get(_MEMO)
    if found is None:
        cache = LayerCache(persist=False)
        found = {name: plain_kops_name(project, c, cache) for name, c in project.clusters().items()}
        project.memo[_MEMO] = found
    return found


def plain_kops_name(project: Project, cluster: Cluster, cache: LayerCache | None = None) -> str:
    """One cluster's kOps name from its layers alone; its file name when they do not merge
    (its own validation reports the values)."""
    try:
        value = cluster_values(project, cluster, None, cache).data.get("clusterName")
    except ClusterMgrError:
        value = None
    return value if isinstance(value, str) and value else cluster.name


def kops_name(project: Project, name: str, overrides: Overrides | None = None) -> str:
    """The kOps cluster name of a cluster: `clusterName` from its merged values (with the
    command line's overrides), else its file name."""
    values = cluster_values(project, project.cluster(name), overrides or Overrides())
    found = values.data.get("clusterName", name)
    return found if isinstance(found, str) and found else name


def find_cluster(project: Project, name: str) -> Cluster:
    """A cluster by its values file's name, or by its kOps name (`prod-eu1.k8s.example.com`)."""
    if "." in name and name not in project.clusters():
        owners = [n for n, kops in kops_names(project).items() if kops == name]
        if len(owners) == 1:
            return project.cluster(owners[0])
    return project.cluster(name)  # the unknown-cluster error, with its hint


def cluster_names(project: Project, names: Iterable[str]) -> list[str]:
    """The clusters named on a command line, as values file names, each once, in order."""
    return list(dict.fromkeys(find_cluster(project, n).name for n in names))


# A rule over the whole fleet, which no single cluster's validation can see.
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
