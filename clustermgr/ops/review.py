"""`clustermgr diff`: what was asked, each cluster's diff and its plan, and the exit code.

A plan kOps refuses (blocked) fails the command whether or not `--exit-code` was given:
nothing could apply it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from clustermgr.diff import Against, ClusterDiff, DiffOptions, diff_clusters, diff_files
from clustermgr.errors import ClusterMgrError, DiffError, UsageError
from clustermgr.plan import Reviewed, review
from clustermgr.problems import EXIT_OK, EXIT_PROBLEMS
from clustermgr.project import Project
from clustermgr.values import Overrides, cluster_names


class DiffRequest(NamedTuple):
    """What `clustermgr diff` was asked: clusters against one source, or two files."""

    clusters: Sequence[str] = ()
    all_clusters: bool = False
    against: Against = Against()
    files: tuple[Path | None, Path | None] | None = None  # --from, --to
    overrides: Overrides = Overrides()
    options: DiffOptions = DiffOptions()


def run(request: DiffRequest, find_project: Callable[[], Project]) -> list[Reviewed]:
    """`clustermgr diff`; any failure is a DiffError (exit 2: differences exit 1)."""
    try:
        return [review(result) for result in _run(request, find_project)]
    except DiffError:
        raise
    except ClusterMgrError as exc:
        raise DiffError(exc.message, exc.location) from None


def _run(request: DiffRequest, find_project: Callable[[], Project]) -> list[ClusterDiff]:
    if request.files is not None:
        old, new = request.files
        if old is None or new is None or request.clusters or request.all_clusters:
            raise UsageError("--from and --to go together, without clusters")
        for path in (old, new):
            if not path.is_file():
                raise UsageError(f"no such file: {path}")
        return [diff_files(old, new, request.options)]
    against = request.against
    if sum(x is not None for x in against) > 1:
        raise UsageError("use one of --against, --state and --against-ref")
    if against.file is not None and not against.file.is_file():
        raise UsageError(f"no such file: {against.file}")
    project = find_project()
    if request.all_clusters == bool(request.clusters):
        raise UsageError("name the clusters to diff, or pass --all (not both)")
    if request.all_clusters:
        names = list(project.clusters())
    else:
        names = cluster_names(project, request.clusters)
    if against.file is not None and len(names) > 1:
        raise UsageError("--against FILE holds one cluster: name one cluster")
    return diff_clusters(project, names, against, request.overrides, request.options)


def exit_code(results: list[Reviewed], differences: bool) -> int:
    """1 for a blocked plan, or with `differences` (`--exit-code`) for any change that is not
    ignored; else 0."""
    if any(plan.blocked for _, plan in results):
        return EXIT_PROBLEMS
    if differences and any(plan.changes for _, plan in results):
        return EXIT_PROBLEMS
    return EXIT_OK
