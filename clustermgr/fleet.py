"""Many clusters at once: which ones a change affects, shards, worker processes, result cache.

`check` = validate + diff for each selected cluster. Workers are forked once and each loads the
shared inputs (templates, schema, CRDs) once; results come back in cluster-name order whatever
the scheduling. A result is cached under a hash of every input of that cluster's check, so a
re-run with nothing changed reads results instead of recomputing them.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from clustermgr import __version__
from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.fsutil import cache_dir, walk_files
from clustermgr.pipeline import Overrides
from clustermgr.problems import ERROR, WARNING, Group, Location, Problem
from clustermgr.project import Project
from clustermgr.review import Against
from clustermgr.values import expand_values_paths

CACHE_FORMAT = "clustermgr-check-1"


class Request(NamedTuple):
    """Everything besides the project that decides a check's result."""

    overrides: Overrides = Overrides()
    against: Against = Against()
    ignore: tuple[str, ...] = ()
    kops_crds: str | None = None
    show_secrets: bool = False


class Result(NamedTuple):
    name: str
    problems: list[Problem]
    changes: list[dict[str, Any]] | None  # diff change records; None without a source
    diff_summary: dict[str, Any] | None
    cached: bool = False

    def group(self) -> Group:
        from clustermgr.validate import CHECKS

        return Group(self.name, self.problems, CHECKS)

    def valid(self) -> bool:
        return not any(p.level == ERROR for p in self.problems)


class Selection(NamedTuple):
    names: list[str]
    reasons: dict[str, list[str]]  # cluster -> why it was selected
    removed: list[str]  # clusters whose values file the change deleted


# -- selection -----------------------------------------------------------------------------------


def select_changed(project: Project, ref: str) -> Selection:
    """The clusters a change since git `ref` can affect (committed, staged or not, untracked)."""
    root = project.root
    listed = _git(root, "diff", "--name-status", "--no-renames", ref, "--", ".")
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "--", ".")
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip()).resolve()
    changed: dict[Path, str] = {}
    for line in listed.splitlines():
        status, _, name = line.partition("\t")
        changed[(top / name).resolve()] = status[:1]
    for name in untracked.splitlines():
        changed[(root / name).resolve()] = "A"
    clusters = project.clusters()
    reasons: dict[str, list[str]] = {}
    shared = _shared_inputs(project)
    removed = []
    values_root = (root / project.config.values_dir).resolve()
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


def _shared_inputs(project: Project) -> list[Path]:
    """Inputs of every cluster: settings, templates, snippets, schema, channel, CRDs."""
    config = project.config
    found = [project.root / "clustermgr.yaml"]
    found += [project.root / p for p in config.templates]
    found += [project.root / p for p in (config.snippets or ["template/snippets"])]
    found += [project.root / p for p in (config.schema, config.channel, config.kops_crds) if p]
    return [p.resolve() for p in found]


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise UsageError("--changed-since needs git on PATH") from None
    if done.returncode != 0:
        raise UsageError(f"--changed-since: {done.stderr.strip() or 'git failed'}")
    return done.stdout


# -- shards --------------------------------------------------------------------------------------


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """`I/N` (1-based, as GitLab's CI_NODE_INDEX/CI_NODE_TOTAL)."""
    if text is None:
        node, nodes = os.environ.get("CI_NODE_INDEX"), os.environ.get("CI_NODE_TOTAL")
        if not (node and nodes):
            return None
        text = f"{node}/{nodes}"
    first, _, second = text.partition("/")
    try:
        index, total = int(first), int(second)
    except ValueError:
        raise UsageError(f"--shard {text!r}: expected I/N, e.g. 2/4") from None
    if not 1 <= index <= total:
        raise UsageError(f"--shard {text!r}: I must be between 1 and N")
    return index, total


def shard(project: Project, names: list[str], index: int, total: int) -> list[str]:
    """This shard's clusters: a deterministic split that balances the estimated work (values
    bytes), largest first onto the least-loaded shard; every cluster in exactly one shard."""
    clusters = project.clusters()

    def cost(name: str) -> int:
        return sum(p.stat().st_size for p in clusters[name].layers if p.exists())

    loads = [0] * total
    mine = []
    for name in sorted(names, key=lambda n: (-cost(n), n)):
        target = min(range(total), key=lambda i: (loads[i], i))
        loads[target] += cost(name) + 1
        if target == index - 1:
            mine.append(name)
    return sorted(mine)


# -- cache keys ----------------------------------------------------------------------------------


class _Keys:
    """Hashes of a cluster's inputs: the shared part once, then its own files."""

    def __init__(self, project: Project, request: Request) -> None:
        self.project = project
        self.request = request
        self._files: dict[Path, bytes] = {}  # shared layers are read once per run, not per cluster
        digest = hashlib.sha256()
        digest.update(f"{CACHE_FORMAT}\0{__version__}\0{json.dumps(request, default=str)}".encode())
        for path in self._shared_files():
            digest.update(self._file(path))
        self.shared = digest.digest()
        self._commit = None
        if request.against.ref is not None:
            self._commit = _git(project.root, "rev-parse", f"{request.against.ref}^{{commit}}")

    def _shared_files(self) -> Iterable[Path]:
        project, config = self.project, self.project.config
        yield project.root / "clustermgr.yaml"
        for folder in (*config.templates, *(config.snippets or ["template/snippets"])):
            path = project.root / folder
            yield from (walk_files(path) if path.is_dir() else [path])
        for item in (config.schema, config.channel):
            if item:
                yield project.root / item
        crds = self.request.kops_crds or config.kops_crds
        if crds:
            yield from walk_files(project.root / crds) if (project.root / crds).is_dir() else []
        yield from expand_values_paths(self.request.overrides.values_files)

    def key(self, name: str, cluster_name: str) -> str:
        digest = hashlib.sha256(self.shared)
        digest.update(name.encode())
        for layer in self.project.cluster(name).layers:
            digest.update(self._file(layer))
        for path in self._source_files(name, cluster_name):
            digest.update(self._file(path))
        if self._commit:
            digest.update(self._commit.encode())
        return digest.hexdigest()

    def _source_files(self, name: str, cluster_name: str) -> Iterable[Path]:
        against, config = self.request.against, self.project.config
        if against.file is not None:
            yield Path(against.file)
        elif against.state is not None:
            folder = Path(against.state.removeprefix("file://")) / cluster_name
            yield folder / "config"
            if (folder / "instancegroup").is_dir():
                yield from sorted((folder / "instancegroup").iterdir())
        elif config.diff_applied:
            yield self.project.root / config.diff_applied / f"{name}.yaml"

    def _file(self, path: Path) -> bytes:
        """The path and a digest of its content (or of its absence)."""
        found = self._files.get(path)
        if found is None:
            try:
                content = hashlib.sha256(path.read_bytes()).digest()
            except OSError:
                content = b"<absent>"
            found = self._files[path] = str(path).encode() + b"\0" + content
        return found


# -- running -------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}  # per process: the project, request and loaded shared inputs


def run(
    project: Project,
    names: list[str],
    request: Request,
    jobs: int,
    use_cache: bool,
    progress: Callable[[int, int], None] | None = None,
) -> list[Result]:
    """Check every named cluster; results in name order."""
    keys = _Keys(project, request) if use_cache else None
    store = _Store(cache_dir("check") if use_cache else None)
    wanted: dict[str, str | None] = {}
    for name in names:
        needs_name = request.against.state is not None  # state stores are kept by kOps name
        cluster_name = _cluster_name(project, name) if keys and needs_name else name
        wanted[name] = keys.key(name, cluster_name) if keys else None
    hits = store.read([k for k in wanted.values() if k])
    results: dict[str, Result] = {}
    for name, key in wanted.items():
        if key in hits:
            results[name] = hits[key]._replace(name=name, cached=True)
    todo = [name for name in names if name not in results]
    done = len(results)
    if progress:
        progress(done, len(names))
    _WORKER.clear()
    _WORKER.update(project=project, request=request)
    if todo:
        _prepare()  # before forking: workers inherit the loaded templates, schema and CRDs
    if todo and jobs > 1 and len(todo) > 1:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        chunk = max(1, min(16, len(todo) // (jobs * 8)))
        with context.Pool(min(jobs, len(todo))) as pool:
            for result in pool.imap_unordered(_check_one, todo, chunk):
                results[result.name] = result
                done += 1
                if progress:
                    progress(done, len(names))
    else:
        for name in todo:
            results[name] = _check_one(name)
            done += 1
            if progress:
                progress(done, len(names))
    store.write([(key, results[name]) for name in todo if (key := wanted[name])])
    return [results[name] for name in sorted(results)]


def _cluster_name(project: Project, name: str) -> str:
    """The kOps cluster name (for state-store lookups), cheaply from the values layers."""
    from clustermgr.pipeline import cluster_values

    try:
        values = cluster_values(project, project.cluster(name), Overrides())
    except ClusterMgrError:
        return name
    return str(values.data.get("clusterName", name))


def _prepare() -> None:
    """Load what every cluster's check shares, once per process."""
    if "validator" in _WORKER:
        return
    from clustermgr.kops.crds import load_crds
    from clustermgr.lint import Linter
    from clustermgr.pipeline import RenderSettings
    from clustermgr.review import AppliedSource
    from clustermgr.validate import Validator

    project: Project = _WORKER["project"]
    request: Request = _WORKER["request"]
    crds = request.kops_crds or project.config.kops_crds
    linter = Linter(load_crds(project.root / crds) if crds else None)
    validator = Validator(project, request.overrides, RenderSettings(), linter)
    validator.renderer()  # compile the templates now, not in every worker
    _WORKER["validator"] = validator
    source = AppliedSource(project, request.against).__enter__()
    _WORKER["source"] = source if source.configured() else None


def _check_one(name: str) -> Result:
    """validate + diff for one cluster, in whichever process runs it."""
    from clustermgr.reporters.diffs import change_record
    from clustermgr.review import Options, compare_cluster

    project: Project = _WORKER["project"]
    request: Request = _WORKER["request"]
    _prepare()
    checked = _WORKER["validator"].check(project.cluster(name))
    problems = list(checked.group.problems)
    changes = summary = None
    source = _WORKER["source"]
    if source is not None and checked.documents is not None and checked.values is not None:
        from clustermgr.diff import summary as diff_summary

        options = Options(request.ignore, request.show_secrets)
        try:
            result = compare_cluster(
                project, name, checked.values, checked.documents, source, options
            )
        except ClusterMgrError as exc:
            problems.append(Problem(ERROR, "diff-source", exc.message, exc.location, check="diff"))
        else:
            changes = [change_record(c) for c in result.changes]
            summary = diff_summary(result.changes)
    return Result(name, problems, changes, summary)


class _Store:
    """Results by key in one SQLite file: one transaction per run instead of thousands of
    small files, and SQLite's locking makes concurrent runs on one cache folder safe."""

    def __init__(self, folder: Path | None) -> None:
        self.db: Any = None
        if folder is None:
            return
        import sqlite3

        try:
            self.db = sqlite3.connect(folder / "results.sqlite", timeout=60)
            self.db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, data TEXT)")
        except sqlite3.Error:
            self.db = None

    def read(self, keys: list[str]) -> dict[str, Result]:
        if self.db is None or not keys:
            return {}
        found: dict[str, Result] = {}
        for start in range(0, len(keys), 500):  # SQLite's limit on query parameters
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            query = f"SELECT key, data FROM results WHERE key IN ({marks})"
            for key, data in self.db.execute(query, batch):
                result = _decode(data)
                if result is not None:
                    found[key] = result
        return found

    def write(self, entries: list[tuple[str, Result]]) -> None:
        if self.db is None or not entries:
            return
        import sqlite3

        rows = [(key, _encode(result)) for key, result in entries]
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?)", rows)
        except sqlite3.Error:
            pass  # a cache that cannot be written only costs time


def _decode(text: str) -> Result | None:
    try:
        data = json.loads(text)
        problems = [
            Problem(
                p["level"],
                p["rule"],
                p["message"],
                Location(*p["location"]) if p["location"] else None,
                p["path"],
                p["document"],
                p["source"],
                p["check"],
            )
            for p in data["problems"]
        ]
        return Result(data["name"], problems, data["changes"], data["summary"])
    except (ValueError, KeyError, TypeError):
        return None


def _encode(result: Result) -> str:
    data = {
        "name": result.name,
        "problems": [
            {**p._asdict(), "location": list(p.location) if p.location else None}
            for p in result.problems
        ],
        "changes": result.changes,
        "summary": result.diff_summary,
    }
    return json.dumps(data, default=str)


def counts(results: list[Result]) -> dict[str, int]:
    """The headline numbers of a check."""
    return {
        "checked": len(results),
        "invalid": sum(not r.valid() for r in results),
        "warnings": sum(p.level == WARNING for r in results for p in r.problems),
        "changed": sum(bool(r.diff_summary and r.diff_summary["changes"]) for r in results),
        "to_roll": sum(
            bool(r.diff_summary and r.diff_summary["impact"] not in ("none", "update"))
            for r in results
        ),
        "risky": sum(bool(r.diff_summary and r.diff_summary["flags"]) for r in results),
        "cached": sum(r.cached for r in results),
    }
