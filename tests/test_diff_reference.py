"""The diff engine against DeepDiff, an independent reference: the same mutations of real
manifests, the same set of changed leaves (list items named by their identity key)."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
from deepdiff import DeepDiff

from clustermgr.diff import compare, resources
from clustermgr.diff.engine import Match
from clustermgr.project import find_project
from clustermgr.render import RenderSettings
from clustermgr.render.project import project_renderer, render_documents
from clustermgr.values import cluster_values
from clustermgr.yamlio import load_documents
from tests.conftest import REPO

Key = tuple[str, tuple[Any, ...]]


def ours(old: dict[Any, Any], new: dict[Any, Any]) -> set[Key]:
    found = set()
    for change in compare(old, new):
        path = tuple((p.key, p.value) if isinstance(p, Match) else p for p in change.path)
        found.add((change.resource, path))
    return found


def reference(old: dict[Any, Any], new: dict[Any, Any]) -> set[Key]:
    found: set[Key] = set()
    for kind, name in set(old) | set(new):
        resource = f"{kind}/{name}"
        if (kind, name) not in old or (kind, name) not in new:
            found.add((resource, ()))
            continue
        diff = DeepDiff(old[(kind, name)], new[(kind, name)], ignore_order=True)
        for report, items in diff.tree.items():
            for item in items:
                side = old[(kind, name)] if "removed" in report else new[(kind, name)]
                found.add((resource, _identified(side, item.path(output_format="list"))))
    return found


def _identified(doc: Any, path: list[Any]) -> tuple[Any, ...]:
    """DeepDiff's path with list items named as the engine names them: `(name, value)` for an
    item with a name, the list itself for a list of scalars."""
    out: list[Any] = []
    node = doc
    for part in path:
        if isinstance(node, list):
            item = node[part] if isinstance(part, int) and part < len(node) else None
            if isinstance(item, dict) and "name" in item:
                out.append(("name", item["name"]))
                node = item
                continue
            break  # a scalar list: the change is the list's
        out.append(part)
        node = node.get(part) if isinstance(node, dict) else None
    return tuple(out)


def mutate(docs: dict[Any, Any], rng: random.Random) -> dict[Any, Any]:
    new = copy.deepcopy(docs)
    cluster = next(k for k in new if k[0] == "Cluster")
    spec = new[cluster]["spec"]
    spec["kubernetesVersion"] = "1.34.99"
    subnets = spec.get("subnets") or []
    if len(subnets) > 1:
        rng.shuffle(subnets)  # reordered: no change
        subnets.pop(rng.randrange(len(subnets)))  # removed: one change
    if isinstance(spec.get("sshAccess"), list):
        spec["sshAccess"].append("192.0.2.0/24")
    groups = [k for k in new if k[0] == "InstanceGroup"]
    if groups:
        ig = new[rng.choice(groups)]["spec"]
        ig["maxSize"] = int(ig.get("maxSize", 1)) + 7
        del new[groups[0]]
    new[("InstanceGroup", "added-by-test")] = {
        "apiVersion": "kops.k8s.io/v1alpha2",
        "kind": "InstanceGroup",
        "metadata": {"name": "added-by-test"},
        "spec": {"role": "Node", "minSize": 1, "maxSize": 1},
    }
    return new


def example_renders() -> list[dict[Any, Any]]:

    project = find_project(REPO)
    renderer = project_renderer(project, RenderSettings())
    return [
        resources(render_documents(renderer, cluster_values(project, c)))
        for c in project.clusters().values()
    ]


@pytest.mark.parametrize("seed", range(4))
def test_the_engine_agrees_with_deepdiff_on_the_example(seed: int) -> None:
    for old in example_renders():
        new = mutate(old, random.Random(seed))
        assert ours(old, new) == reference(old, new)


def test_the_engine_agrees_with_deepdiff_on_real_manifests(kops_data: Path) -> None:
    checked = 0
    for path in sorted((kops_data / "manifests").glob("*.yaml")):
        docs = load_documents(path.read_text(), str(path))
        old = resources(docs)
        if not any(k[0] == "Cluster" for k in old):
            continue
        new = mutate(old, random.Random(path.name))
        assert ours(old, new) == reference(old, new), path.name
        checked += 1
    assert checked > 50
