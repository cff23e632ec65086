"""The plan: the kOps commands a cluster's changes need, in order. Each expectation states the
kOps fact it rests on (kOps v1.37.0-alpha.1 source)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from clustermgr import diff, plan
from clustermgr.plan import steps

C = ("Cluster", "c.example.com")
NODES = ("InstanceGroup", "nodes")
CP = ("InstanceGroup", "control-plane-a")
BASTION = ("InstanceGroup", "bastions")


def cluster() -> diff.Resources:
    return {
        C: {
            "kind": "Cluster",
            "metadata": {"name": C[1]},
            "spec": {
                "kubernetesVersion": "1.33.4",
                "etcdClusters": [{"name": "main", "cpuRequest": "1"}],
            },
        },
        CP: {
            "kind": "InstanceGroup",
            "metadata": {"name": CP[1]},
            "spec": {"role": "ControlPlane", "machineType": "m"},
        },
        NODES: {
            "kind": "InstanceGroup",
            "metadata": {"name": "nodes"},
            "spec": {"role": "Node", "machineType": "a"},
        },
        BASTION: {
            "kind": "InstanceGroup",
            "metadata": {"name": "bastions"},
            "spec": {"role": "Bastion", "machineType": "t"},
        },
    }


def texts(old: diff.Resources, new: diff.Resources, kops: str | None = None) -> list[str]:
    return [s.text() for s in plan.build(diff.compare(old, new), plan.roles_of(new), kops).steps]


def edited(**edits: Any) -> diff.Resources:
    new = copy.deepcopy(cluster())
    for change in edits.values():
        change(new)
    return new


def test_nothing_changed_nothing_to_run() -> None:
    assert texts(cluster(), cluster()) == []


def test_a_state_store_only_change_needs_no_update() -> None:
    # spec.rollingUpdate is read by kops rolling-update itself (pkg/instancegroups/rollingupdate.go)
    new = edited(n=lambda r: r[NODES]["spec"].update(rollingUpdate={"maxSurge": 1}))
    assert texts(cluster(), new) == [
        "kops replace -f <render>",
        "kops replace -f <render with the apply's record>",
    ]


@pytest.mark.parametrize(
    ("kops", "middle"),
    [
        # reconcile first shipped in v1.31.0-beta.1 (cmd/kops/reconcile_cluster.go)
        (None, ["kops reconcile cluster --yes"]),
        ("1.31.0", ["kops reconcile cluster --yes"]),
        ("1.31.0-beta.1", ["kops reconcile cluster --yes"]),
        ("1.31.0-alpha.3", ["kops update cluster --yes"]),
        ("1.30.4", ["kops update cluster --yes"]),
    ],
)
def test_upgrades_go_through_reconcile_where_kops_has_it(
    kops: str | None, middle: list[str]
) -> None:
    new = edited(v=lambda r: r[C]["spec"].update(kubernetesVersion="1.34.1"))
    # The bastion has no nodeup config (pkg/model/bootstrapscript.go, ResourceNodeUp): the
    # others are named. Without reconcile, two passes: until the control plane runs the new
    # version, kops update cluster gives the nodes the kubelet it runs (cmd/kops/
    # update_cluster.go, checkControlPlaneRunningVersion; apply_cluster.go,
    # KubeletSupportedVersion), so the nodes are updated again after the control plane rolled.
    rolls = [
        "kops rolling-update cluster --instance-group control-plane-a --yes",
        "kops update cluster --yes",
        "kops rolling-update cluster --instance-group nodes --yes",
    ]
    rolls = [] if "reconcile" in middle[0] else rolls
    assert texts(cluster(), new, kops) == [
        "kops replace -f <render>",
        *middle,
        "kops replace -f <render with the apply's record>",
        *rolls,
    ]


def test_forced_control_plane_then_nodes_in_kops_role_order() -> None:
    # etcd-manager settings reach the control plane only through --force (the launch template
    # does not change); machineType changes the nodes' launch template. --force is one flag for
    # a whole rolling-update (cmd/kops/rolling-update_cluster.go), and kOps rolls bastions,
    # control plane, API servers, nodes (pkg/instancegroups/rollingupdate.go, RollingUpdate).
    new = edited(
        e=lambda r: r[C]["spec"]["etcdClusters"][0].update(cpuRequest="2"),
        n=lambda r: r[NODES]["spec"].update(machineType="b"),
    )
    result = plan.build(diff.compare(cluster(), new), plan.roles_of(new))
    assert [s.text() for s in result.roll_steps()] == [
        "kops rolling-update cluster --instance-group control-plane-a --force --yes",
        "kops rolling-update cluster --instance-group nodes --yes",
    ]
    assert result.roll == ("control-plane-a", "nodes")


def test_groups_alike_share_one_command_and_kops_orders_them() -> None:
    new = edited(
        b=lambda r: r[BASTION]["spec"].update(machineType="u"),
        n=lambda r: r[NODES]["spec"].update(machineType="b"),
        c=lambda r: r[CP]["spec"].update(machineType="n"),
    )
    assert texts(cluster(), new)[-1:] == [
        "kops rolling-update cluster --instance-group bastions,control-plane-a,nodes --yes"
    ]


def test_a_forced_change_picked_up_by_a_real_one_needs_no_force() -> None:
    new = edited(
        e=lambda r: r[C]["spec"]["etcdClusters"][0].update(cpuRequest="2"),
        c=lambda r: r[CP]["spec"].update(machineType="n"),
    )
    assert texts(cluster(), new)[-1:] == [
        "kops rolling-update cluster --instance-group control-plane-a --yes"
    ]


def test_a_refused_change_blocks_the_plan() -> None:
    # kOps: pkg/apis/kops/validation/cluster.go, ValidateClusterUpdate
    new = edited(e=lambda r: r[C]["spec"]["etcdClusters"][0].update(name="other"))
    result = plan.build(diff.compare(cluster(), new), plan.roles_of(new))
    assert result.blocked and result.steps == ()
    assert result.refusals == (
        "Cluster/c.example.com spec.etcdClusters[name=main]: EtcdClusters cannot be removed",
    )


def test_a_new_cluster_is_created_with_force_and_not_rolled() -> None:
    # kops replace creates what is missing only with --force (cmd/kops/replace.go)
    result = plan.build(diff.compare({}, cluster()), plan.roles_of(cluster()))
    assert result.creates
    assert [s.text() for s in result.steps] == [
        "kops replace -f <render> --force",
        "kops update cluster --yes",
        "kops replace -f <render with the apply's record>",
    ]


def test_removed_groups_are_kept_unless_pruned() -> None:
    new = cluster()
    del new[BASTION]
    changes = diff.compare(cluster(), new)
    kept = plan.build(changes, plan.roles_of(new))
    assert kept.removed_groups == ("bastions",)
    assert not any(s.kind == steps.DELETE for s in kept.steps)
    pruned = plan.build(changes, plan.roles_of(new), prune=True)
    assert [s.text() for s in pruned.steps] == [
        "kops replace -f <render>",
        "kops delete instancegroup bastions --yes",
        "kops update cluster --prune --yes",
        "kops replace -f <render with the apply's record>",
    ]


def test_commands_carry_the_cluster_state_and_manifest() -> None:
    roll = steps.Step(
        steps.ROLL, ("rolling-update", "cluster", "--instance-group", "a", "--yes"), ""
    )
    assert roll.command("c.example.com", "s3://x") == [
        "rolling-update",
        "cluster",
        "--name",
        "c.example.com",
        "--state",
        "s3://x",
        "--instance-group",
        "a",
        "--yes",
    ]
    delete = steps.Step(steps.DELETE, ("delete", "instancegroup", "b", "--yes"), "")
    assert delete.command("c.example.com", "s3://x") == [
        "delete",
        "instancegroup",
        "b",
        "--name",
        "c.example.com",
        "--state",
        "s3://x",
        "--yes",
    ]
    replace = steps.Step(steps.REPLACE, ("replace", "--force"), "")
    assert replace.command("c.example.com", "s3://x", "/tmp/m.yaml") == [
        "replace",
        "-f",
        "/tmp/m.yaml",
        "--state",
        "s3://x",
        "--force",
    ]


def test_the_plan_survives_plain_data() -> None:
    new = edited(n=lambda r: r[NODES]["spec"].update(machineType="b"))
    result = plan.build(diff.compare(cluster(), new), plan.roles_of(new))
    assert plan.Plan.from_data(result.to_data()) == result


def test_control_plane_config_rolls_control_plane_groups_only() -> None:
    """kube-controller-manager and kube-scheduler are ControlPlaneConfig, which only
    ControlPlane groups get; the apiserver's settings reach APIServer groups too (kOps:
    pkg/apis/nodeup/config.go, NewConfig)."""
    base = cluster()
    base[("InstanceGroup", "apiservers")] = {
        "kind": "InstanceGroup",
        "metadata": {"name": "apiservers"},
        "spec": {"role": "APIServer", "machineType": "m"},
    }
    manager = copy.deepcopy(base)
    manager[C]["spec"]["kubeControllerManager"] = {"logLevel": 4}
    assert texts(base, manager)[-1] == (
        "kops rolling-update cluster --instance-group control-plane-a --yes"
    )
    apiserver = copy.deepcopy(base)
    apiserver[C]["spec"]["kubeAPIServer"] = {"logLevel": 4}
    assert texts(base, apiserver)[-1] == (
        "kops rolling-update cluster --instance-group control-plane-a,apiservers --yes"
    )


@pytest.mark.parametrize(
    ("kops", "expected"),
    [
        (None, ["kops reconcile cluster --yes"]),
        (
            "1.30.4",
            [
                "kops update cluster --yes",
                "kops replace -f <render with the apply's record>",
                "kops rolling-update cluster --instance-group control-plane-a --yes",
                "kops update cluster --yes",
                "kops rolling-update cluster --instance-group nodes --yes",
            ],
        ),
    ],
)
def test_a_patch_upgrade_needs_two_passes_too(kops: str | None, expected: list[str]) -> None:
    """kOps holds the nodes at the kubelet the control plane runs for any version change,
    a patch release too (apply_cluster.go: KubeletSupportedVersion unless the running
    version is the spec's)."""
    base = cluster()
    base[C]["spec"]["kubernetesVersion"] = "1.34.1"
    new = edited(v=lambda r: r[C]["spec"].update(kubernetesVersion="1.34.3"))
    steps = texts(base, new, kops)
    assert steps[0] == "kops replace -f <render>"
    assert steps[1 : 1 + len(expected)] == expected
