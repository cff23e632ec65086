"""The result cache of `check`: keys from every input of a cluster's check, results in SQLite.

A key hashes clustermgr's own code (`cache.code_files`), the project's shared inputs
(`Project.shared_inputs`), the cluster's layers, the files the applied side is read from
(`diff.applied.source_files`), the commit of a compared ref and the request itself. An
entry that does not decode is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from clustermgr import git
from clustermgr.cache import code_files
from clustermgr.diff.applied import REF, STATE, effective_source, source_files
from clustermgr.diff.engine import Change
from clustermgr.errors import ClusterMgrError
from clustermgr.files import read_bytes, walk_files
from clustermgr.fleet.results import CheckRequest, ClusterResult
from clustermgr.plan import Plan
from clustermgr.problems import Location, Problem
from clustermgr.project import Project
from clustermgr.values import LayerCache, expand_values_paths, kops_name, plain_kops_name
from clustermgr.yamlio import Match, Part

CACHE_FORMAT = "clustermgr-check-5"
# A file's content digest is reused while its identity (size, times, inode) is unchanged, as
# git's index does; a file changed within this window of its last write is hashed again
# (a write in the same clock tick would keep its times: "racy" in git's words).
RACY_NS = 2_000_000_000
# A DNS name, or a values file's stem: never a path a state store lookup could climb out by.
PLAUSIBLE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}")


class CacheKeys:
    """Hashes of a cluster's inputs: the shared part once, then its own files."""

    def __init__(
        self, project: Project, request: CheckRequest, store: ResultStore | None = None
    ) -> None:
        self.project = project
        self.request = request
        # by path (a string: thousands of lookups): shared layers are read once per run
        self._files: dict[str, bytes] = {}
        # digests by identity from earlier runs; the ones this run hashed, to store
        self._known = store.read_files() if store is not None else {}
        self.hashed: list[tuple[str, str, bytes]] = []
        digest = hashlib.sha256()
        for name, code in code_files():  # the code itself, not its version string
            digest.update(name.encode() + b"\0" + self._digest(code))  # by identity, as below
        digest.update(f"{CACHE_FORMAT}\0{json.dumps(request, default=str)}".encode())
        for path in self._shared_files():
            digest.update(self._file(path))
        self.source = kind, where = effective_source(project, request.against)
        digest.update(f"{kind}\0{where}".encode())
        if kind == REF:
            digest.update(git.commit(project.root, where, "--against-ref").encode())
        self.shared = digest.digest()

    def _shared_files(self) -> Iterable[Path]:
        for path in self.project.shared_inputs(self.request.kops_crds):
            yield from (walk_files(path) if path.is_dir() else [path])
        yield from expand_values_paths(self.request.overrides.values_files)

    def keys(self, store: ResultStore, names: list[str]) -> dict[str, str | None]:
        """Each named cluster's key. Only a state store needs the kOps name (it names the
        folder the applied side is read from); any other key is made from files alone."""
        if self.source[0] != STATE:
            return {name: self.key(name) for name in names}
        named = self.kops_names(store, names, with_overrides=any(self.request.overrides))
        return {name: self.key(name, named[name]) for name in names}

    def kops_names(
        self, store: ResultStore, names: Iterable[str], with_overrides: bool
    ) -> dict[str, str]:
        """Each cluster's kOps name (with the request's overrides, or from its layers alone),
        from the store while its layers are unchanged: a warm check merges no values."""
        wanted = {name: self._name_key(name, with_overrides) for name in names}
        known = store.read_names(list(wanted.values()))
        layers = LayerCache(persist=False)
        found: dict[str, str] = {}
        fresh: list[tuple[str, str]] = []
        for name, key in wanted.items():
            value = known.get(key)
            if value is None:
                cluster = self.project.cluster(name)
                if with_overrides:
                    value = self._kops_name(name)
                else:
                    value = plain_kops_name(self.project, cluster, layers)
                fresh.append((key, value))
            found[name] = value
        store.write_names(fresh)
        return found

    def remember_names(self, store: ResultStore, names: dict[str, str]) -> None:
        """Store kOps names found from the layers alone (by a check), for the runs that
        select fewer clusters and need the others' names."""
        store.write_names([(self._name_key(name, False), kops) for name, kops in names.items()])

    def _name_key(self, name: str, with_overrides: bool) -> str:
        digest = hashlib.sha256(self.shared + (b"\0overrides" if with_overrides else b"\0plain"))
        for layer in self.project.cluster(name).layers:
            digest.update(self._file(layer))
        return digest.hexdigest()

    def _kops_name(self, name: str) -> str:
        try:
            return kops_name(self.project, name, self.request.overrides)
        except ClusterMgrError:
            return name  # the check itself reports the broken values

    def key(self, name: str, cluster_name: str = "") -> str:
        """The key of one cluster; `cluster_name` (its kOps name) where a state store is
        read."""
        digest = hashlib.sha256(self.shared)
        digest.update(f"{name}\0{cluster_name}".encode())
        for layer in self.project.cluster(name).layers:
            digest.update(self._file(layer))
        against = self.request.against
        for path in source_files(self.project, against, name, cluster_name, self.source):
            digest.update(self._file(path))
        return digest.hexdigest()

    def _file(self, path: str | Path) -> bytes:
        """The path and a digest of its content (or of its absence)."""
        name = os.fspath(path)
        found = self._files.get(name)
        if found is None:
            try:
                content = self._digest(name)
            except ClusterMgrError as exc:  # absent or unreadable: the check itself says so
                content = exc.message.encode()
            found = self._files[name] = name.encode() + b"\0" + content
        return found

    def _digest(self, path: str) -> bytes:
        """The SHA-256 of a file: remembered while its identity is unchanged (a warm run
        reads no file whose identity it knows), else read and hashed."""
        try:
            info = os.stat(path)
        except OSError:
            info = None
        if info is None or not stat.S_ISREG(info.st_mode):
            return hashlib.sha256(read_bytes(path)).digest()  # raises with the reason
        identity = (
            f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}:{info.st_dev}"
        )
        name = os.path.abspath(path)
        known = self._known.get(name)
        if known is not None and known[0] == identity:
            return known[1]
        content = hashlib.sha256(read_bytes(path)).digest()
        if time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) > RACY_NS:
            self.hashed.append((name, identity, content))
        return content


class ResultStore:
    """Results by key in one SQLite file: one transaction per run instead of thousands of
    small files, and SQLite's locking makes concurrent runs on one cache folder safe."""

    def __init__(self, folder: Path | None) -> None:
        self.db: Any = None
        if folder is None:
            return
        import sqlite3  # noqa: PLC0415  # only when a result store is opened

        try:
            self.db = sqlite3.connect(folder / "results.sqlite", timeout=60)
            self.db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, data TEXT)")
            self.db.execute("CREATE TABLE IF NOT EXISTS names (key TEXT PRIMARY KEY, name TEXT)")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, id TEXT, digest BLOB)"
            )
        except sqlite3.Error:
            self.db = None

    def read(self, keys: list[str]) -> dict[str, ClusterResult]:
        found = {key: decode(data) for key, data in self._select("results", keys).items()}
        return {key: result for key, result in found.items() if result is not None}

    def read_files(self) -> dict[str, tuple[str, bytes]]:
        """Content digests by path and identity (CacheKeys._digest); a row of another shape
        is left out."""
        if self.db is None:
            return {}
        import sqlite3  # noqa: PLC0415  # only when a result store is opened

        try:
            rows = self.db.execute("SELECT path, id, digest FROM files").fetchall()
        except sqlite3.Error:
            return {}
        return {
            path: (identity, digest)
            for path, identity, digest in rows
            if isinstance(identity, str) and isinstance(digest, bytes) and len(digest) == 32
        }

    def write_files(self, rows: list[tuple[str, str, bytes]]) -> None:
        self._write("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", rows)

    def read_names(self, keys: list[str]) -> dict[str, str]:
        """Stored kOps names; one that could not be a cluster name (it picks the state store
        folder a diff reads) is a miss."""
        return {
            key: name
            for key, name in self._select("names", keys).items()
            if isinstance(name, str) and PLAUSIBLE_NAME.fullmatch(name)
        }

    def _select(self, table: str, keys: list[str]) -> dict[str, Any]:
        """The stored values of `keys` in `table` (a constant of this class)."""
        if self.db is None or not keys:
            return {}
        import sqlite3  # noqa: PLC0415  # only when a result store is opened

        found: dict[str, Any] = {}
        try:
            for start in range(0, len(keys), 500):  # SQLite's limit on query parameters
                batch = keys[start : start + 500]
                marks = ",".join("?" * len(batch))
                query = f"SELECT * FROM {table} WHERE key IN ({marks})"
                found.update(self.db.execute(query, batch))
        except sqlite3.Error:
            return {}  # a damaged cache is no cache
        return found

    def write_names(self, entries: list[tuple[str, str]]) -> None:
        self._write("INSERT OR REPLACE INTO names VALUES (?, ?)", entries)

    def write(self, entries: list[tuple[str, ClusterResult]]) -> None:
        if entries:  # encoded one by one as SQLite takes them: never all at once in memory
            rows = ((key, encode(result)) for key, result in entries)
            self._write("INSERT OR REPLACE INTO results VALUES (?, ?)", rows)

    def _write(self, statement: str, rows: Iterable[tuple[Any, ...]]) -> None:
        if self.db is None or rows == []:
            return
        import sqlite3  # noqa: PLC0415  # only when a result store is opened

        try:
            with self.db:
                self.db.executemany(statement, rows)
        except sqlite3.Error:
            pass  # a cache that cannot be written only costs time


def encode(result: ClusterResult) -> str:
    data = {
        "name": result.name,
        "problems": [
            {
                **p._asdict(),
                "location": list(p.location) if p.location else None,
                "origin": list(p.origin) if p.origin else None,
            }
            for p in result.problems
        ],
        "changes": None
        if result.changes is None
        else [{**c._asdict(), "path": [_part(p) for p in c.path]} for c in result.changes],
        "plan": None if result.plan is None else result.plan.to_data(),
        "kops_name": result.kops_name,
    }
    return json.dumps(data, default=str)


def decode(text: str) -> ClusterResult | None:
    """A stored result, or None for anything that is not one (old formats, damage)."""
    try:
        data = json.loads(text)
        problems = [
            Problem(
                str(p["level"]),
                str(p["rule"]),
                str(p["message"]),
                Location(*p["location"]) if p["location"] else None,
                str(p["path"]),
                str(p["document"]),
                str(p["source"]),
                str(p["check"]),
                Location(*p["origin"]) if p["origin"] else None,
            )
            for p in data["problems"]
        ]
        changes = None
        if data["changes"] is not None:
            changes = [
                Change(
                    **{
                        **c,
                        "path": tuple(_unpart(p) for p in c["path"]),
                        "flags": tuple(c["flags"]),
                    }
                )
                for c in data["changes"]
            ]
        plan = None if data["plan"] is None else Plan.from_data(data["plan"])
        kops = data["kops_name"]
        if not (isinstance(kops, str) and PLAUSIBLE_NAME.fullmatch(kops)):
            kops = None  # not a name: merged again (it decides the duplicate-name rule)
        return ClusterResult(str(data["name"]), problems, changes, plan, kops_name=kops)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _part(part: Part) -> Any:
    return {"key": part.key, "value": part.value} if isinstance(part, Match) else part


def _unpart(raw: Any) -> Part:
    if isinstance(raw, dict):
        return Match(str(raw["key"]), raw["value"])
    if isinstance(raw, (str, int)) and not isinstance(raw, bool):
        return raw
    raise TypeError("not a path part")
