"""clustermgr's kOps checks measured on a held-out set (tests/kops_heldout/validation.yaml):
edits of kOps' own test manifests, each with what kOps does, read from kOps' source. At
least 90% of the refusals must be found at the field kOps names, and nothing kOps accepts
may be refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from clustermgr.kops.crds import load_crds
from clustermgr.validation.lint import Linter
from tests.conftest import REPO, SHARED_KOPS

CASES: list[dict[str, Any]] = yaml.safe_load(
    (REPO / "tests" / "kops_heldout" / "validation.yaml").read_text(encoding="utf-8")
)
ANCHORS = {
    "cluster": "  channel: stable\n",
    "nodes": "  role: Node\n",
    "master": "  role: Master\n",
}
DOCUMENTS = {
    "cluster": "Cluster/",
    "nodes": "InstanceGroup/nodes",
    "master": "InstanceGroup/master",
}


def edited(case: dict[str, Any]) -> str:
    text = (SHARED_KOPS / "manifests" / case.get("manifest", "minimal-aws.yaml")).read_text()
    if "old" in case:
        assert text.count(case["old"]) == 1, case
        return text.replace(case["old"], case["new"])
    (where,) = (k for k in ANCHORS if k in case)
    assert text.count(ANCHORS[where]) == 1, case
    return text.replace(ANCHORS[where], ANCHORS[where] + case[where] + "\n")


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
    base = SHARED_KOPS / "manifests" / case.get("manifest", "minimal-aws.yaml")
    added = errors(linter, edited(case)) - errors(linter, base.read_text())
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
