"""A fleet at once: which clusters a change affects, shards, worker processes, result cache.

- selection: clusters by name, all of them, or those a change since a git ref affects;
- shards: a balanced split between parallel CI jobs;
- pool: checking clusters in worker processes, cached results first;
- store: cache keys from every input, and the SQLite result store;
- results: what a check returns, its counts, whether it fails.
"""

from clustermgr.fleet.pool import run
from clustermgr.fleet.results import (
    FAIL_ON,
    INTERNAL_ERROR,
    CheckRequest,
    ClusterResult,
    FleetCounts,
    counts,
    exit_code,
    failed,
)
from clustermgr.fleet.selection import Selection, select, select_changed
from clustermgr.fleet.shards import parse_shard, shard

__all__ = [
    "FAIL_ON",
    "INTERNAL_ERROR",
    "CheckRequest",
    "ClusterResult",
    "FleetCounts",
    "Selection",
    "counts",
    "exit_code",
    "failed",
    "parse_shard",
    "run",
    "select",
    "select_changed",
    "shard",
]
