"""Random edits on the example project and on real manifests imported: after every edit that
is not refused, each cluster's effective values differ from before by exactly the edit (read
back independently: PyYAML and a plain merge, judged by DeepDiff), and no file's bytes change
outside the lines of the edited value."""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any

import pytest
import yaml
from deepdiff import DeepDiff
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustermgr.errors import ClusterMgrError
from clustermgr.ops import edit
from clustermgr.ops.edit.resolve import locate
from clustermgr.project import Project, find_project
from clustermgr.yamlio import Document, YPath, iter_leaves, load_mapping
from tests.conftest import SHARED_KOPS, copy_example, run_cli

# Text that YAML 1.1 (kOps' reader) would read as something else unless quoted, and plain text.
TRICKY = ["on", "off", "yes", "no", "y", "n", "1e3", "0x1F", "012", "null", "~", "true", "1.5"]
TEXT = st.one_of(
    st.sampled_from(TRICKY),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789-./ ", min_size=1, max_size=12).map(str.strip),
).filter(bool)
SCALAR = st.one_of(st.integers(-(2**31), 2**31), st.booleans(), TEXT)
VALUE = st.one_of(SCALAR, st.lists(SCALAR, max_size=4))
FIELD = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)


def plain_values(root: Path, project: Project, name: str, texts: dict[Path, str]) -> Any:
    """A cluster's values as PyYAML reads its layers, merged plainly (mappings key by key,
    everything else replaced): the independent reading."""
    merged: dict[str, Any] = {}
    for layer in project.cluster(name).layers:
        text = texts.get(layer, layer.read_text(encoding="utf-8"))
        _merge(merged, yaml.safe_load(text.removeprefix("\ufeff")) or {})
    merged.setdefault("clusterName", name)
    return merged


def _merge(into: dict[str, Any], layer: dict[str, Any]) -> None:
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def _line(position: tuple[int, ...]) -> int:
    return position[2] if len(position) == 4 else position[0]


def allowed_lines(doc: Document, path: YPath, total: int) -> set[int]:
    """The lines of the value at `path` (from its key to the next node that is not inside
    it); for a new key, those of its nearest ancestor that is there."""
    while path and path not in doc.positions:
        path = path[:-1]
    if not path:
        return set(range(1, total + 1))
    start = _line(doc.positions[path])
    later = [
        _line(p) for k, p in doc.positions.items() if k[: len(path)] != path and _line(p) > start
    ]
    return set(range(start, (min(later) if later else total + 1)))


def removed_lines(before: str, after: str) -> set[int]:
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines())
    out: set[int] = set()
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            out.update(range(i1 + 1, i2 + 1))
    return out


class Fleet:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.project = find_project(root)
        self.names = list(self.project.clusters())
        self.leaves = {
            n: [p for p, _ in iter_leaves(self.before(n)) if p and p != ("clusterName",)]
            for n in self.names
        }

    def before(self, name: str) -> Any:
        return plain_values(self.root, self.project, name, {})


def check_edit(
    fleet: Fleet, name: str, path: tuple[Any, ...], value: Any, layer: str | None
) -> bool:
    """One edit planned (never written); False when it was refused (allowed: nothing lost)."""
    change = edit.Change(path, value)
    try:
        plan = edit.plan(fleet.project, [change], [name], layer)
    except ClusterMgrError:
        return False
    texts = {f: after for f, (_, after) in plan.changed.items()}
    for other in fleet.names:
        expected = fleet.before(other)
        if other == name:
            node = expected
            for part in path[:-1]:
                node = node.setdefault(part, {}) if isinstance(part, str) else node[part]
            node[path[-1]] = value
        actual = plain_values(fleet.root, fleet.project, other, texts)
        assert DeepDiff(expected, actual) == {}, (other, path, value, layer)
    for file, (before, after) in plan.changed.items():
        doc = load_mapping(file, str(file), cache=False)
        concrete = locate(doc.data, path, str(file))
        allowed = allowed_lines(doc, concrete, len(before.splitlines()))
        outside = removed_lines(before, after) - allowed
        assert not outside, (file.name, path, sorted(outside), before, after)
    return True


@pytest.fixture(scope="module")
def example_fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return Fleet(copy_example(tmp_path_factory.mktemp("fleet") / "project"))


@pytest.fixture(scope="module")
def imported_fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    if not SHARED_KOPS.is_dir():
        pytest.skip(f"real kOps manifests not found at {SHARED_KOPS}")
    root = tmp_path_factory.mktemp("imported") / "fleet"
    sources = sorted((SHARED_KOPS / "manifests").glob("*.yaml"))[:12]
    code, _, err = run_cli("import", *map(str, sources), "--out-dir", str(root))
    assert code == 0, err
    return Fleet(root)


def _edits(fleet: Fleet, data: st.DataObject) -> tuple[str, tuple[Any, ...], Any, str | None]:
    name = data.draw(st.sampled_from(fleet.names))
    leaf = data.draw(st.sampled_from(fleet.leaves[name]))
    if data.draw(st.booleans()):  # a new key beside the leaf, where its parent is a mapping
        parent = leaf[:-1]
        if not parent or isinstance(parent[-1], str):
            leaf = (*parent, f"new{data.draw(FIELD)}")
    return name, leaf, data.draw(VALUE), data.draw(st.sampled_from([None, "cluster"]))


@settings(max_examples=400, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(data=st.data())
def test_random_edits_on_the_example(example_fleet: Fleet, data: st.DataObject) -> None:
    check_edit(example_fleet, *_edits(example_fleet, data))


@settings(max_examples=150, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(data=st.data())
def test_random_edits_on_imported_real_manifests(
    imported_fleet: Fleet, data: st.DataObject
) -> None:
    check_edit(imported_fleet, *_edits(imported_fleet, data))


def test_edits_that_reach_only_the_named_cluster_land(example_fleet: Fleet) -> None:
    """The property is not met by refusing everything: every value outside a list, written in
    the named cluster's own file, lands."""
    landed = [
        check_edit(example_fleet, name, leaf, 7, "cluster")
        for name in example_fleet.names
        for leaf in example_fleet.leaves[name]
        if all(isinstance(part, str) for part in leaf)
    ]
    assert len(landed) > 40 and all(landed)
