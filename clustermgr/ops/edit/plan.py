"""Where an edit is written, and its proof.

A value is written where it comes from now (its origin), or in the layer `--layer` names. Before
anything is written, every cluster that merges an edited file has its effective values computed
again from the edited texts, and DeepDiff, an independent judge, compares them with what was
asked: a named cluster must get exactly the requested change, any other cluster no change at
all. When the change would reach clusters that were not named, the layer the named clusters
share alone is tried instead; otherwise the edit is refused, naming those clusters and the
paths that would change (never their values: they may be secrets).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, NamedTuple

from deepdiff import DeepDiff

from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.ops.edit.request import Change
from clustermgr.ops.edit.resolve import Concrete, changed, exists, locate
from clustermgr.ops.edit.text import edit_text
from clustermgr.project import Cluster, Project
from clustermgr.values import LayerCache, Overrides, Values, cluster_values
from clustermgr.yamlio import format_path, mapping_from_text

LAYERS = ("cluster", "env", "defaults")


class EditError(ClusterMgrError):
    """An edit that must not be written; the message says why."""


class Edit(NamedTuple):
    file: Path
    change: Change


class Plan(NamedTuple):
    edits: list[Edit]
    changed: dict[Path, tuple[str, str]]  # file -> (text before, text after)
    clusters: list[str]  # every cluster whose merged values the edit changes
    digests: dict[Path, str]  # file -> sha256 of the bytes read (checked before writing)


def plan(project: Project, changes: list[Change], targets: list[str], layer: str | None) -> Plan:
    """Where each change is written for the `targets` clusters, the new texts, proved."""
    work = _Work(project)
    chosen = {(t, i): work.target_file(t, change, layer) for t in targets for i, change in
              enumerate(changes)}  # fmt: skip
    result = work.attempt(changes, targets, chosen)
    if result.reached and layer is None and not any(c.unset for c in changes):
        # a value from a wider layer goes to the layer the named clusters share alone
        exact = _exact_layer(work.clusters, targets)
        if exact is not None:
            moved = {k: (exact if f in result.shared_files else f) for k, f in chosen.items()}
            retry = work.attempt(changes, targets, moved)
            if not retry.reached:
                result = retry
    if result.reached:
        raise UsageError(_reached_words(project, result))
    if result.surprises:
        raise EditError(
            "the edit would not give what was asked, so nothing was written: "
            + "; ".join(result.surprises)
        )
    return result.plan


class _Attempt(NamedTuple):
    plan: Plan
    reached: dict[str, list[str]]  # a cluster not named -> the paths it would change
    shared_files: set[Path]  # edited files that clusters not named merge
    surprises: list[str]


class _Work:
    """One edit's lookups: each cluster's values before, each file's text, computed once."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.clusters = project.clusters()
        self.cache = LayerCache(persist=False)
        self._values: dict[str, Values] = {}
        self._texts: dict[Path, tuple[str, str]] = {}

    def values(self, name: str) -> Values:
        if name not in self._values:
            self._values[name] = cluster_values(
                self.project, self.clusters[name], Overrides(), self.cache
            )
        return self._values[name]

    def text(self, file: Path) -> tuple[str, str]:
        """The file's text and the digest of its bytes ("" and no digest when it is new)."""
        if file not in self._texts:
            try:
                raw = file.read_bytes()
            except FileNotFoundError:
                raw = b""
            except OSError as exc:
                shown = self.project.display(file)
                raise EditError(f"{shown}: cannot read ({exc.strerror})") from None
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise EditError(f"{self.project.display(file)}: not UTF-8 text") from None
            self._texts[file] = (text, hashlib.sha256(raw).hexdigest() if raw else "")
        return self._texts[file]

    def target_file(self, name: str, change: Change, layer: str | None) -> Path:
        cluster = self.clusters[name]
        values = self.values(name)
        concrete = locate(values.data, change.path, name)
        if change.unset and not exists(values.data, concrete):
            raise UsageError(f"{name} has no value {format_path(concrete)} to unset")
        file = _layer_file(self.project, cluster.layers, values, concrete, layer)
        if change.unset:
            self._refuse_set_elsewhere(name, cluster, file, concrete)
        return file

    def _refuse_set_elsewhere(
        self, name: str, cluster: Cluster, file: Path, concrete: Concrete
    ) -> None:
        others = [
            self.project.display(other)
            for other in cluster.layers
            if other != file
            and exists(self.cache.load(other, self.project.display(other)).data, concrete)
        ]
        if others:
            raise UsageError(
                f"{format_path(concrete)} is also set in {', '.join(others)} for {name}: "
                "unset it there too, or set a value instead"
            )

    def attempt(
        self, changes: list[Change], targets: list[str], files: dict[tuple[str, int], Path]
    ) -> _Attempt:
        by_file: dict[Path, list[Change]] = {}
        for (_, i), file in files.items():
            if changes[i] not in by_file.setdefault(file, []):
                by_file[file].append(changes[i])
        schema = self.project.schema_data()
        new: dict[Path, tuple[str, str]] = {}
        for file, mine in sorted(by_file.items()):
            before, _ = self.text(file)
            after, _ = edit_text(before, mine, self.project.display(file), schema)
            if after != before:
                new[file] = (before, after)
        texts = {f: after for f, (_, after) in new.items()}
        named = set(targets)
        reached: dict[str, list[str]] = {}
        surprises: list[str] = []
        shared: set[Path] = set()
        touched = []
        for name, cluster in self.clusters.items():
            if not any(f in cluster.layers for f in texts):
                continue
            before_data = self.values(name).data
            after_data = self._merged(cluster, texts)
            if name in named:
                expected = before_data
                for change in changes:
                    concrete = locate(expected, change.path, name)
                    expected = changed(expected, concrete, change.value, change.unset)
                paths = _differences(expected, after_data)
                if paths:
                    surprises.append(f"{name} would also change at {', '.join(paths)}")
            else:
                paths = _differences(before_data, after_data)
                if paths:
                    reached[name] = paths
                    shared.update(f for f in texts if f in cluster.layers)
            if after_data != before_data:
                touched.append(name)
        edits = [Edit(files[(t, i)], c) for t in targets for i, c in enumerate(changes)]
        digests = {f: self.text(f)[1] for f in new}
        return _Attempt(Plan(edits, new, sorted(touched), digests), reached, shared, surprises)

    def _merged(self, cluster: Cluster, texts: dict[Path, str]) -> dict[str, Any]:
        """A cluster's values as the edited files give them (read back by clustermgr's own
        loader, not by the writer: what kOps' templates will see)."""
        values = Values()
        for path in cluster.layers:
            display = self.project.display(path)
            if path in texts:
                values.merge_document(mapping_from_text(texts[path], display, cache=False))
            else:
                values.merge_document(self.cache.load(path, display))
        values.default("clusterName", cluster.name, f"cluster name {cluster.name!r}")
        return values.data


def _differences(expected: Any, actual: Any) -> list[str]:
    """The paths where `actual` differs from `expected` (DeepDiff: types count, list order
    counts), as dotted paths; never the values."""
    found = DeepDiff(expected, actual)
    paths: list[str] = []
    for report in ("values_changed", "type_changes", "dictionary_item_added",
                   "dictionary_item_removed", "iterable_item_added", "iterable_item_removed",
                   "set_item_added", "set_item_removed"):  # fmt: skip
        for where in found.get(report, []):
            paths.append(_dotted(str(where)))
    return sorted(set(paths))


def _dotted(where: str) -> str:
    """DeepDiff's `root['a'][0]['b']` as `a[0].b`."""
    parts = re.findall(r"\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]", where)
    out = ""
    for key, index in parts:
        out += f"[{index}]" if index else (f".{key}" if out else key)
    return out or "(the whole values)"


def _reached_words(project: Project, attempt: _Attempt) -> str:
    files = ", ".join(sorted(project.display(f) for f in attempt.shared_files))
    who = "; ".join(f"{n}: {', '.join(p)}" for n, p in sorted(attempt.reached.items()))
    return (
        f"{files} is shared by clusters not named, and the edit would change their values "
        f"({who}): name them as well, or pass --layer cluster to write the value in each named "
        "cluster's own file"
    )


def _sharing(clusters: dict[str, Cluster], file: Path) -> set[str]:
    return {n for n, c in clusters.items() if file in c.layers}


def _exact_layer(clusters: dict[str, Cluster], targets: list[str]) -> Path | None:
    """The deepest shared layer every target merges and no other cluster does."""
    first = clusters[targets[0]].layers
    common = [f for f in first if all(f in clusters[t].layers for t in targets)]
    own = {clusters[t].layers[-1] for t in targets}
    for file in reversed(common):
        if file not in own and _sharing(clusters, file) == set(targets):
            return file
    return None  # a cluster's own file is never a silent fallback: the caller refuses


def _layer_file(
    project: Project, layers: tuple[Path, ...], values: Values, path: Concrete, layer: str | None
) -> Path:
    if layer == "cluster":
        return layers[-1]
    if layer == "defaults":
        return layers[0]
    if layer == "env":
        if len(layers) < 3:
            raise UsageError("--layer env: this cluster has no environment layer")
        return layers[-2]
    if layer is not None:
        wanted = (project.root / layer).resolve()
        for file in layers:
            if file.resolve() == wanted:
                return file
        raise UsageError(f"--layer {layer}: not one of the cluster's layers")
    # A list is set whole by one layer: an element, or a key inside one, goes where the list is.
    cut = next((i for i, p in enumerate(path) if isinstance(p, int)), len(path))
    anchor = path[:cut] if cut < len(path) else path
    origin = values.origin(anchor) if _present(values, anchor) else None
    if origin is not None and origin.location is not None:
        for file in layers:
            if project.display(file) == origin.location.file:
                return file
    return layers[-1]  # a new key: the cluster's own file


def _present(values: Values, path: Concrete) -> bool:
    try:
        values.get(path)
    except KeyError:
        return False
    return True
