"""One plan, three commands: for each kind of change, the steps `diff --format json` lists are
exactly the kOps commands `apply --yes` and then `roll --yes` run (recorded by the fake kops),
in order. Also the three places where they once disagreed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FakeKops, Run

DEV = "values/dev/_env.yaml"  # dev-eu1 is the one dev cluster
DEFAULTS = "values/_defaults.yaml"
# The per-call context the plan leaves to where a step runs: the cluster, the store, the file.
CONTEXT = ("--name", "--state", "-f")


def edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))


def planned(run: Run, root: Path, store: Path) -> list[list[str]]:
    result = run("-C", str(root), "diff", "dev-eu1", "--state", str(store), "-o", "json")
    return [s["args"] for s in json.loads(result.out)["clusters"][0]["plan"]["steps"]]


def ran(calls: list[str]) -> list[list[str]]:
    """The recorded calls without their context; reading the store and exporting the roll's
    kubeconfig are not steps of the plan (they change nothing)."""
    out = []
    for call in calls:
        words = call.split()
        if words[:2] == ["export", "kubecfg"] or words[:1] == ["get"]:
            continue
        kept, skip = [], False
        for word in words:
            if skip:
                skip = False
            elif word in CONTEXT:
                skip = True
            else:
                kept.append(word)
        out.append(kept)
    return out


def apply_and_roll(run: Run, root: Path, store: Path, fake: FakeKops) -> list[list[str]]:
    before = len(fake.calls())
    applied = run("-C", str(root), "apply", "dev-eu1", "--state", str(store), "--yes")
    assert applied.code == 0, applied.err
    rolled = run("-C", str(root), "roll", "dev-eu1", "--state", str(store), "--yes")
    assert rolled.code == 0, rolled.err
    return ran(fake.calls()[before:])


EDITS = {
    "update": [(DEV, "maxSize: 3", "maxSize: 4")],
    "roll IG": [(DEV, "machineType: t3.large", "machineType: t3.xlarge")],
    "roll control plane by force, then nodes": [
        (DEFAULTS, "memoryRequest: 100Mi", "memoryRequest: 200Mi"),
        (DEV, "machineType: t3.large", "machineType: t3.xlarge"),
    ],
    "roll all": [(DEFAULTS, "maxPods: 110", "maxPods: 100")],
    "minor upgrade": [(DEFAULTS, "kubernetesVersion: 1.33.13", "kubernetesVersion: 1.34.2")],
    "new group": [
        (
            DEV,
            "nodeGroups:\n",
            "nodeGroups:\n  extra:\n    machineType: t3.small\n    minSize: 0\n    maxSize: 1\n",
        )
    ],
}


@pytest.mark.parametrize("kind", list(EDITS))
def test_diff_lists_what_apply_and_roll_run(
    kind: str, run: Run, example: Path, fake_kops: FakeKops, tmp_path: Path
) -> None:
    store = tmp_path / "state"
    store.mkdir()
    assert run("-C", str(example), "apply", "dev-eu1", "--state", str(store), "--yes").code == 0
    for file, old, new in EDITS[kind]:
        edit(example, file, old, new)
    steps = planned(run, example, store)
    assert steps  # every kind above changes something
    assert apply_and_roll(run, example, store, fake_kops) == steps


def test_a_new_cluster_is_created_as_planned(
    run: Run, example: Path, fake_kops: FakeKops, tmp_path: Path
) -> None:
    store = tmp_path / "state"
    store.mkdir()
    steps = planned(run, example, store)
    assert steps == [
        ["replace", "--force"],
        ["update", "cluster", "--yes"],
        ["replace"],
    ]
    assert apply_and_roll(run, example, store, fake_kops) == steps
    (tmp_path / "empty").mkdir()
    diff = run("-C", str(example), "diff", "dev-eu1", "--state", str(tmp_path / "empty"))
    assert diff.out.startswith("creates cluster dev-eu1: ")


def test_roll_after_etcd_manager_and_machine_type_rolls_control_plane_then_nodes(
    run: Run, example: Path, fake_kops: FakeKops, tmp_path: Path
) -> None:
    store = tmp_path / "state"
    store.mkdir()
    assert run("-C", str(example), "apply", "dev-eu1", "--state", str(store), "--yes").code == 0
    for file, old, new in EDITS["roll control plane by force, then nodes"]:
        edit(example, file, old, new)
    rolls = [s for s in apply_and_roll(run, example, store, fake_kops) if s[0] == "rolling-update"]
    assert rolls == [
        [
            "rolling-update",
            "cluster",
            "--instance-group",
            "control-plane-eu-west-1a",
            "--force",
            "--yes",
        ],
        ["rolling-update", "cluster", "--instance-group", "nodes", "--yes"],
    ]


def test_set_plans_with_the_projects_kops_version(run: Run, example: Path) -> None:
    # kOps 1.30 has no `reconcile cluster` (first in v1.31.0-beta.1): an upgrade is update,
    # the control plane rolled, update again (the nodes' kubelet follows the control plane's
    # running version: update_cluster.go, checkControlPlaneRunningVersion), the nodes rolled.
    edit(example, "clustermgr.yaml", "kopsVersion: ", "kopsVersion: '1.30.4' #")
    result = run("-C", str(example), "set", "kubernetesVersion=1.34.2", "dev-eu1", "--dry-run")
    assert "reconcile" not in result.out
    assert "    2. kops update cluster --yes  # changes the cloud resources" in result.out
    steps = [line.split("  #")[0].strip() for line in result.out.splitlines()][14:17]
    assert steps == [
        "4. kops rolling-update cluster --instance-group control-plane-eu-west-1a --yes",
        "5. kops update cluster --yes",
        "6. kops rolling-update cluster --instance-group nodes --yes",
    ]


def test_a_refused_edit_is_blocked_fails_and_writes_nothing(run: Run, example: Path) -> None:
    before = (example / "values/prod/prod-eu1.yaml").read_text()
    result = run("-C", str(example), "set", "subnets[0].cidr=10.30.160.0/19", "prod-eu1")
    assert result.code == 1
    assert "next:" not in result.out and "kops update cluster" not in result.out
    assert (
        "  blocked: kOps refuses this change, so nothing can be applied:\n"
        "    Cluster/prod-eu1.k8s.example.com spec.subnets[name=eu-west-1a].cidr: "
        'Subnet.CIDR: Forbidden: field is immutable: old="10.30.32.0/19" new="10.30.160.0/19"\n'
        # kOps' words: upup/pkg/fi/errors.go, FieldIsImmutable (awstasks/subnet.go)
    ) in result.out
    assert "1 cluster checked, 1 failing: 1 error, 0 warnings" in result.out
    assert result.err.splitlines()[-1] == (
        "error: kOps refuses what this edit changes in prod-eu1 (blocked, above): nothing written"
    )
    assert (example / "values/prod/prod-eu1.yaml").read_text() == before


def test_apply_refuses_a_blocked_plan_before_any_kops_write(
    run: Run, example: Path, fake_kops: FakeKops, tmp_path: Path
) -> None:
    store = tmp_path / "state"
    store.mkdir()
    assert run("-C", str(example), "apply", "dev-eu1", "--state", str(store), "--yes").code == 0
    edit(example, "values/dev/dev-eu1.yaml", "cidr: 10.10.32.0/19", "cidr: 10.10.96.0/19")
    calls = len(fake_kops.calls())
    result = run("-C", str(example), "apply", "dev-eu1", "--state", str(store), "--yes")
    assert result.code == 1
    assert result.err.splitlines()[-1].startswith("error: dev-eu1 is blocked: kOps refuses ")
    assert fake_kops.calls()[calls:] == []
    diff = run("-C", str(example), "diff", "dev-eu1", "--state", str(store))
    assert diff.code == 1  # blocked fails the diff, --exit-code or not


def test_an_upgrade_without_reconcile_runs_in_two_passes(
    run: Run, example: Path, fake_kops: FakeKops, tmp_path: Path
) -> None:
    """kOps 1.30 has no reconcile: the apply updates, and the roll rolls the control plane,
    updates again (now the nodes get the new kubelet: update_cluster.go,
    checkControlPlaneRunningVersion) and rolls the nodes, as the diff said."""
    edit(example, "clustermgr.yaml", "kopsVersion: 1.34.1", "kopsVersion: 1.30.4")
    edit(example, DEFAULTS, "kubernetesVersion: 1.33.13", "kubernetesVersion: 1.30.2")
    store = tmp_path / "state"
    store.mkdir()
    assert run("-C", str(example), "apply", "dev-eu1", "--state", str(store), "--yes").code == 0
    edit(example, DEFAULTS, "kubernetesVersion: 1.30.2", "kubernetesVersion: 1.30.6")
    steps = planned(run, example, store)
    assert steps == [
        ["replace"],
        ["update", "cluster", "--yes"],
        ["replace"],
        ["rolling-update", "cluster", "--instance-group", "control-plane-eu-west-1a", "--yes"],
        ["update", "cluster", "--yes"],
        ["rolling-update", "cluster", "--instance-group", "nodes", "--yes"],
    ]
    assert apply_and_roll(run, example, store, fake_kops) == steps
