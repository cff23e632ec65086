"""Environments: which environment a cluster is in (the values key `ci.environmentValue`
names, `environment` by default) and the order changes are promoted in (`ci.environments`,
else the usual words in their usual order). The one place `set --env`, `promote` and the
GitLab pipeline learn either."""

from __future__ import annotations

from clustermgr.errors import ClusterMgrError, ConfigError, UsageError
from clustermgr.project import Cluster, Project
from clustermgr.values.build import cluster_values

DEFAULT_ORDER = (
    "dev",
    "development",
    "test",
    "qa",
    "staging",
    "stage",
    "preprod",
    "prod",
    "production",
)


def environment_of(project: Project, cluster: Cluster) -> object:
    """The value a cluster's merged values give its environment key (None when unset)."""
    return cluster_values(project, cluster).data.get(project.config.ci_environment_value)


def clusters_in(project: Project, env: str) -> list[str]:
    """The clusters of one environment; a usage error when it has none."""
    found = []
    for name, cluster in project.clusters().items():
        try:
            if environment_of(project, cluster) == env:
                found.append(name)
        except ClusterMgrError:
            continue  # broken values: its own validation says so
    if not found:
        raise UsageError(f"no cluster has {project.config.ci_environment_value}: {env}")
    return found


def promotion_order(project: Project, present: list[str]) -> list[str]:
    """`present` environments in promotion order: ci.environments, else DEFAULT_ORDER (other
    names after, alphabetically); an environment ci.environments lacks is an error."""
    order = project.config.ci_environments or sorted(
        present, key=lambda e: (DEFAULT_ORDER.index(e) if e in DEFAULT_ORDER else 99, e)
    )
    unknown = sorted(set(present) - set(order))
    if unknown:
        raise ConfigError(f"environments {', '.join(unknown)} are not in ci.environments")
    return [env for env in order if env in present]
