"""Checking many clusters at once: cached results first, then worker processes for the rest.

`check` = validate + diff for each selected cluster. Workers are forked once and inherit the
shared inputs (templates, schema, CRDs) loaded before the fork; results come back in
cluster-name order whatever the scheduling.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable
from typing import Any

from clustermgr import limits
from clustermgr.cache import cache_dir
from clustermgr.diff import AppliedSource, DiffOptions, compare_cluster
from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.fleet.results import INTERNAL_ERROR, CheckRequest, ClusterResult
from clustermgr.fleet.store import CacheKeys, ResultStore
from clustermgr.plan import of as plan_of
from clustermgr.plan import refusal_problems
from clustermgr.problems import ERROR, Problem
from clustermgr.project import Project
from clustermgr.values import duplicate_names  # never cached: about the fleet

_WORKER: dict[str, Any] = {}  # per process: the project, request and loaded shared inputs


def run(
    project: Project,
    names: list[str],
    request: CheckRequest,
    jobs: int,
    use_cache: bool,
    progress: Callable[[int, int], None] | None = None,
) -> list[ClusterResult]:
    """Check every named cluster; results in name order."""
    most = limits.current().jobs
    if jobs > most:
        raise UsageError(f"--jobs {jobs}: at most {most} (limits.jobs in clustermgr.yaml)")
    store = ResultStore(cache_dir("check") if use_cache else None)
    keys = CacheKeys(project, request, store) if use_cache else None
    _WORKER.clear()
    _WORKER.update(project=project, request=request)
    workers = None
    if jobs > 1 and len(names) > 1 and _likely_cold(store, keys, names):
        # Forked now, the workers load templates, schema and CRDs while this process hashes
        # every cluster's files for the keys (on two cores, one would otherwise idle).
        workers = _start(min(jobs, len(names)), warm=True)
    try:
        wanted: dict[str, str | None] = keys.keys(store, names) if keys else dict.fromkeys(names)
        hits = store.read([k for k in wanted.values() if k])
        results: dict[str, ClusterResult] = {}
        for name, key in wanted.items():
            if key in hits:
                results[name] = hits[key]._replace(name=name, cached=True)
        todo = [name for name in names if name not in results]

        def tick() -> None:
            if progress:
                progress(len(results), len(names))

        tick()
        if len(todo) > 1 and workers is None and jobs > 1:
            _prepare()  # before forking: workers inherit the loaded templates, schema and CRDs
            workers = _start(min(jobs, len(todo)), warm=False)
        if len(todo) > 1 and workers is not None:
            # some 32 tasks a worker: the last ones even out, and each costs the parent a
            # round of its pool threads (a millisecond: 625 tasks of 16 took 0.9 s of its
            # CPU in a 10,000-cluster run, 156 of 64 took 0.3 s)
            chunk = max(1, min(64, len(todo) // (jobs * 32)))
            for result in workers.imap_unordered(_check_one, todo, chunk):
                if result is None:  # the shared inputs did not load in a worker: say why here
                    _prepare()
                    raise AssertionError("the shared inputs loaded here but not in a worker")
                results[result.name] = result
                tick()
        elif todo:
            _prepare()  # here, where what does not load is an error of the run
            for name in todo:
                results[name] = _checked(name)
                tick()
    finally:
        if workers is not None:
            workers.terminate()
    store.write([(key, results[name]) for name in todo if (key := wanted[name])])

    fleet = duplicate_names(project, _fleet_names(project, request, results, keys, store))
    if keys is not None:
        store.write_files(keys.hashed)
    return [
        results[name]._replace(problems=[*results[name].problems, *fleet.get(name, [])])
        for name in sorted(results)
    ]


def _fleet_names(
    project: Project,
    request: CheckRequest,
    results: dict[str, ClusterResult],
    keys: CacheKeys | None,
    store: ResultStore,
) -> dict[str, str] | None:
    """Every cluster's kOps name from its layers, for the duplicate-name rule: from the
    results where they were built from the layers alone (no `--set`), the others from the
    store (merged again only when their layers changed). None: merge them all."""
    found: dict[str, str] = {}
    if not any(request.overrides):
        found = {name: r.kops_name for name, r in results.items() if r.kops_name}
        if keys is not None:
            fresh = {name: r.kops_name for name, r in results.items() if not r.cached}
            keys.remember_names(store, {name: kops for name, kops in fresh.items() if kops})
    rest = [name for name in project.clusters() if name not in found]
    if rest and keys is None:
        return None
    if rest and keys is not None:
        found.update(keys.kops_names(store, rest, with_overrides=False))
    return found


def _likely_cold(store: ResultStore, keys: CacheKeys | None, names: list[str]) -> bool:
    """Whether the results of the first, middle and last clusters are all not stored: then
    most are not (a first run, or a change to what every cluster shares), and workers will be
    wanted. One edited cluster is one miss at most, and forks nothing."""
    if keys is None:
        return True
    probes = list(dict.fromkeys([names[0], names[len(names) // 2], names[-1]]))
    found = keys.keys(store, probes)  # their file digests are kept for the other keys
    return not store.read([key for key in found.values() if key])


def _start(processes: int, warm: bool) -> Any:
    """A pool of forked workers; `warm`: each loads the shared inputs first."""
    import multiprocessing  # noqa: PLC0415  # 9 ms, only with --jobs above 1

    # The workers share what is loaded copy-on-write; a collection in a worker would visit
    # (and so copy) every inherited object: frozen, the collector leaves them be.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        return context.Pool(processes, initializer=_worker, initargs=(warm,))
    finally:
        gc.unfreeze()


def _worker(warm: bool) -> None:
    """A worker's start: its render alarm and the copy of its stderr made for good; with
    `warm`, the shared inputs loaded (a failure is met again, and reported, by the first
    check)."""
    from clustermgr.render.failures import keep_alarm_handler  # noqa: PLC0415  # Jinja2
    from clustermgr.yamlio.fast import keep_stderr  # noqa: PLC0415  # rapidyaml

    keep_alarm_handler()
    keep_stderr()
    if warm:
        with contextlib.suppress(Exception):
            _prepare()


def _prepare() -> None:
    """Load what every cluster's check shares, once per process."""
    if "validator" in _WORKER:
        return

    # Templates, lint and CRDs: only when a cluster is checked (a warm run reads the cache).
    from clustermgr.render import RenderSettings  # noqa: PLC0415  # Jinja2, see above
    from clustermgr.validation import Validator, make_linter  # noqa: PLC0415  # see above

    project: Project = _WORKER["project"]
    request: CheckRequest = _WORKER["request"]
    linter = make_linter(project, request.kops_crds, for_replace=True)
    validator = Validator(project, request.overrides, RenderSettings(), linter)
    validator.renderer()  # compile the templates now, not in every worker
    _WORKER["validator"] = validator
    source = AppliedSource(project, request.against).__enter__()
    _WORKER["source"] = source if source.configured() else None


def _check_one(name: str) -> ClusterResult | None:
    """A worker's task; None when the shared inputs do not load (the parent loads them
    again, to report why as an error of the run)."""
    try:
        _prepare()
    except Exception:  # reported by the parent
        return None
    return _checked(name)


def _checked(name: str) -> ClusterResult:
    """validate + diff for one cluster, in whichever process runs it. A bug met while
    checking one cluster is that cluster's `internal-error` problem: the other clusters and
    every report are still produced (and the run exits 3)."""
    try:
        return _check(name)
    except Exception as exc:  # reported as data, with its type
        message = f"clustermgr failed on this cluster: {type(exc).__name__}: {exc}"
        problem = Problem(ERROR, INTERNAL_ERROR, message[:500], check="internal")
        return ClusterResult(name, [problem], None, None)


def _check(name: str) -> ClusterResult:

    project: Project = _WORKER["project"]
    request: CheckRequest = _WORKER["request"]
    _prepare()
    checked = _WORKER["validator"].check(project.cluster(name))
    problems = list(checked.group.problems)
    source = _WORKER["source"]
    kops = name
    if checked.values is not None:
        found = checked.values.data.get("clusterName")
        kops = found if isinstance(found, str) and found else name
    if source is None or checked.documents is None or checked.values is None:
        return ClusterResult(name, problems, None, None, kops_name=kops)
    options = DiffOptions(request.ignore, request.show_secrets)
    try:
        result = compare_cluster(project, name, checked.values, checked.documents, source, options)
    except ClusterMgrError as exc:
        problems.append(Problem(ERROR, "diff-source", exc.message, exc.location, check="diff"))
        return ClusterResult(name, problems, None, None, kops_name=kops)
    problems += refusal_problems(result.changes)
    return ClusterResult(name, problems, result.changes, plan_of(result), kops_name=kops)
