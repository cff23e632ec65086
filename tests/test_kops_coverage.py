"""The map of kOps' validation stays complete and true: every error site Go's parser found in
kOps' `pkg/apis/kops/validation` has clustermgr's answer, every rule it names exists, and the
docs show the current map."""

from __future__ import annotations

import json
from collections import Counter

from clustermgr.diff.weigh import UPDATE_REFUSALS
from clustermgr.kops import impact
from clustermgr.kops.rules import registry
from tests.kops_coverage import COVERAGE, SITES, STATES, TABLE, load, render_table, site_ids


def test_every_site_has_an_answer_and_nothing_else_does() -> None:
    data = json.loads(SITES.read_text())
    ids = site_ids(data["sites"])
    coverage = json.loads(COVERAGE.read_text())
    assert sorted(coverage) == sorted(ids)
    assert len(ids) == len(set(ids))


def test_the_reference_is_one_named_release() -> None:
    data = json.loads(SITES.read_text())
    assert (data["release"], data["package"]) == ("v1.37.0-alpha.1", "pkg/apis/kops/validation")
    assert len(data["commit"]) == 40
    kinds = Counter(s["kind"] for s in data["sites"])
    # grep -c of kOps' sources at that release, comments left out (Go's parser sees no
    # commented-out call): 128 Invalid, 176 Forbidden, 52 Required, 8 Duplicate, ...; and 45
    # calls of kOps' IsValidValue helper (its one NotSupported site is helpers.go's)
    assert kinds == {
        "Forbidden": 176, "Invalid": 128, "Required": 52, "Duplicate": 8, "NotFound": 2,
        "NotSupported": 2, "TooMany": 1, "InternalError": 1, "IsValidValue": 45,
    }  # fmt: skip


def test_every_answer_is_a_known_rule_a_reason_or_missing() -> None:
    _, rows = load()
    for site_id, _, answer in rows:
        kind, _, detail = answer.partition(":")
        assert kind in STATES, (site_id, answer)
        if kind == "rule":
            assert detail in registry.RULES, (site_id, answer)
        elif kind == "refusal" and detail in UPDATE_REFUSALS:  # refused under a condition
            assert site_id.startswith("cluster.go:"), (site_id, answer)
        elif kind == "refusal":
            entry = impact.CLUSTER.get(detail) or impact.INSTANCE_GROUP.get(detail)
            assert entry is not None and impact.REFUSED in entry.flags, (site_id, answer)
            assert entry.source.startswith(f"pkg/apis/kops/validation/{site_id.split(':')[0]}")
        elif kind == "excluded":
            assert detail.strip(), (site_id, "an exclusion says why")
        else:
            assert detail == "", (site_id, answer)


def test_the_docs_table_is_current() -> None:
    assert TABLE.read_text() == render_table(), "run tools/kops-validation/refresh.py"
