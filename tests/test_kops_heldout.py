"""clustermgr measured on held-out sets (tests/kops_heldout/): edits of kOps' own test
manifests, each with what kOps does, read from kOps' source.

validation.yaml: at least 90% of the refusals must be found at the field kOps names, and
nothing kOps accepts may be refused. impact.yaml: at least 90% of the edits must roll the
groups kOps' rolling update replaces, and every refusal must be flagged in kOps' words."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from clustermgr import diff
from clustermgr.kops import impact
from clustermgr.kops.crds import load_crds
from clustermgr.validation.lint import Linter
from clustermgr.yamlio import dump_all, load_documents
from tests.conftest import REPO, SHARED_KOPS
from tests.fakekops.assignments import decode, perform_assignments

HELD_OUT = REPO / "tests" / "kops_heldout"
CASES: list[dict[str, Any]] = yaml.safe_load((HELD_OUT / "validation.yaml").read_text())
IMPACT: list[dict[str, Any]] = yaml.safe_load((HELD_OUT / "impact.yaml").read_text())
ANCHORS = {
    "cluster": "  channel: stable\n",
    "nodes": "  role: Node\n",
    "apiserver": "  role: APIServer\n",
    "master": "  role: Master\n",
    "bastion": "  role: Bastion\n",
}
DOCUMENTS = {
    "cluster": "Cluster/",
    "nodes": "InstanceGroup/nodes",
    "master": "InstanceGroup/master",
}


def original(case: dict[str, Any], default: str = "minimal-aws.yaml") -> str:
    return (SHARED_KOPS / "manifests" / case.get("manifest", default)).read_text()


def edited(case: dict[str, Any], default: str = "minimal-aws.yaml") -> str:
    text = original(case, default)
    if "old" in case:
        assert text.count(case["old"]) == 1, case
        return text.replace(case["old"], case["new"])
    where = [k for k in ANCHORS if k in case]
    if not where:
        return text
    assert len(where) == 1 and text.count(ANCHORS[where[0]]) == 1, case
    return text.replace(ANCHORS[where[0]], ANCHORS[where[0]] + case[where[0]] + "\n")


def _dotted(path: str) -> str:
    """kOps writes a map key as `.key` even with dots in it; clustermgr as `["key"]`."""
    return re.sub(r'\["([^"]*)"\]', r".\1", path)


def errors(linter: Linter, text: str) -> set[tuple[str, str, str]]:
    return {
        (p.document, _dotted(p.path), p.message)
        for p in linter.lint_text(text, "m.yaml")
        if p.level == "error"
    }


def judged(linter: Linter, case: dict[str, Any]) -> tuple[bool, list[str]]:
    """(whether clustermgr agrees with kOps, the errors the edit adds)."""
    added = errors(linter, edited(case)) - errors(linter, original(case))
    shown = sorted(f"{d} {p}: {m}" for d, p, m in added)
    if case["kops"] == "accepted":
        return not added, shown
    document = next((DOCUMENTS[k] for k in DOCUMENTS if k in case), "")
    return any(p == case["path"] and d.startswith(document) for d, p, _ in added), shown


@pytest.fixture(scope="module")
def linter() -> Linter:
    if not SHARED_KOPS.is_dir():
        pytest.skip("../shared/kops is not available")
    return Linter(load_crds(SHARED_KOPS / "crds"), for_replace=True)


def test_the_set_is_a_real_measure() -> None:
    refused = [c for c in CASES if c["kops"] == "refused"]
    assert len(refused) >= 150 and len(CASES) - len(refused) >= 25
    assert all(c.get("cite") and (c["kops"] == "accepted" or c.get("path")) for c in CASES)


def test_refusals_are_found_where_kops_points(linter: Linter) -> None:
    refused = [c for c in CASES if c["kops"] == "refused"]
    missed = []
    for case in refused:
        ok, shown = judged(linter, case)
        if not ok:
            missed.append(f"{case['cite']}: {case['path']} (found: {shown})")
    caught = 1 - len(missed) / len(refused)
    assert caught >= 0.90, f"{caught:.0%} caught; missed:\n" + "\n".join(missed)


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["kops"] == "accepted"], ids=lambda c: c["cite"]
)
def test_nothing_kops_accepts_is_refused(linter: Linter, case: dict[str, Any]) -> None:
    ok, shown = judged(linter, case)
    assert ok, shown


def applied(case: dict[str, Any]) -> diff.Resources:
    """The manifest as kOps stored it: as written, or (`applied: assigned`) with what
    `kops create` assigns (tests/fakekops/assignments.py, from kOps' PerformAssignments)."""
    docs = [d.data for d in load_documents(original(case, IMPACT_BASE), "applied", cache=False)]
    if case.get("applied") == "assigned":
        docs = [perform_assignments(decode(d)) if d["kind"] == "Cluster" else d for d in docs]
    return diff.resources(load_documents(dump_all(docs), "applied", cache=False))


def impact_of(case: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(the groups clustermgr says roll, the refusals it flags, in its words)."""
    render = load_documents(edited(case, IMPACT_BASE), "render", cache=False)
    resources = diff.resources(render)
    changes = diff.compare(applied(case), resources)
    rolled = {g for c in changes if c.impact in ROLLS for g in _groups(c, resources)}
    refused = [c.why for c in changes if impact.REFUSED in c.flags]
    return sorted(rolled), refused


def _groups(change: diff.Change, resources: diff.Resources) -> set[str]:
    """The groups a change rolls: those it names; else, as the plan reads it, every group
    for "roll all", the control plane for "roll control plane", its own for "roll IG"."""
    if change.groups:
        return set(change.groups)
    if change.impact == impact.ROLL_ALL:
        return {name for kind, name in resources if kind == "InstanceGroup"}
    if change.impact == impact.ROLL_CONTROL_PLANE:
        return {
            name
            for (kind, name), doc in resources.items()
            if kind == "InstanceGroup" and doc["spec"].get("role") in ("Master", "ControlPlane")
        }
    kind, _, name = change.resource.partition("/")
    return {name} if kind == "InstanceGroup" else set()


IMPACT_BASE = "apiservernodes.yaml"
ROLLS = (impact.ROLL_IG, impact.ROLL_CONTROL_PLANE, impact.ROLL_ALL)


def test_the_impact_set_is_a_real_measure() -> None:
    assert len(IMPACT) >= 60
    assert all(c.get("cite") and ("rolls" in c) != ("refused" in c) for c in IMPACT)
    assert sum("refused" in c for c in IMPACT) >= 8


def test_impact_is_kops_own(kops_data: Path) -> None:
    wrong = []
    for case in IMPACT:
        rolled, refused = impact_of(case)
        if "refused" in case:
            if case["refused"] not in refused:
                wrong.append(f"{case['cite']}: not refused in kOps' words (flagged: {refused})")
        elif rolled != sorted(case["rolls"]) or refused:
            wrong.append(f"{case['cite']}: rolls {rolled}, kOps {case['rolls']}; {refused}")
    right = 1 - len(wrong) / len(IMPACT)
    assert right >= 0.90, f"{right:.0%} right; wrong:\n" + "\n".join(wrong)


def test_every_refusal_is_in_kops_words(kops_data: Path) -> None:
    for case in IMPACT:
        if "refused" in case:
            assert case["refused"] in impact_of(case)[1], case["cite"]
