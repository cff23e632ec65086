"""Diffs: a cluster's render against what is applied, weighed by what kOps would do.

- engine: normalise, match, compare, weigh (`compare`, `Change`);
- applied: where the applied side comes from (file, state store, git ref, snapshots);
- cluster: one cluster's diff end to end (`diff_clusters`, `compare_cluster`);
- redact: secrets shown as digests.
"""

from clustermgr.diff.applied import Against, AppliedSource
from clustermgr.diff.cluster import (
    ClusterDiff,
    DiffOptions,
    compare_cluster,
    diff_clusters,
    diff_files,
)
from clustermgr.diff.engine import (
    ADDED,
    CHANGED,
    DOC_ADDED,
    DOC_REMOVED,
    REMOVED,
    Change,
    Resources,
    canonical,
    compare,
    normalise,
    resources,
)
from clustermgr.diff.redact import redact, redact_resources

__all__ = [
    "ADDED",
    "CHANGED",
    "DOC_ADDED",
    "DOC_REMOVED",
    "REMOVED",
    "Against",
    "AppliedSource",
    "Change",
    "ClusterDiff",
    "DiffOptions",
    "Resources",
    "canonical",
    "compare",
    "compare_cluster",
    "diff_clusters",
    "diff_files",
    "normalise",
    "redact",
    "redact_resources",
    "resources",
]
