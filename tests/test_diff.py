"""The diff engine on real kOps manifests: what kOps adds or reorders is no change; each
mutation is reported once, at its path, with its impact and flags."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from clustermgr import diff, plan
from clustermgr.kops import impact
from clustermgr.kops.assignments import proxy_excludes
from clustermgr.yamlio import load_documents


def load(kops_data: Path, name: str) -> diff.Resources:
    file = kops_data / "manifests" / f"{name}.yaml"
    return diff.resources(load_documents(file.read_text(), file.name))


def as_kops_get(rendered: diff.Resources) -> diff.Resources:
    """What `kops get -o yaml` prints for a render: fields kOps adds, lists reordered."""
    out = copy.deepcopy(rendered)
    for (kind, _name), doc in out.items():
        meta = doc.setdefault("metadata", {})
        meta["creationTimestamp"] = "2025-05-05T10:00:00Z"
        meta["generation"] = 4
        spec = doc["spec"]
        if kind == "Cluster":
            spec["configBase"] = f"s3://state/{meta['name']}"
            spec.setdefault("topology", {}).setdefault("dns", {"type": "Public"})
            spec.setdefault("authorization", {"rbac": {}})
            spec.setdefault("api", {})
            spec["subnets"] = list(reversed(spec["subnets"]))
            spec["sshAccess"] = list(reversed(spec["sshAccess"]))
            for etcd in spec["etcdClusters"]:
                etcd["etcdMembers"] = list(reversed(etcd["etcdMembers"]))
            spec.setdefault("iam", {})["legacy"] = False
        else:
            if spec.get("role") == "ControlPlane":
                spec["role"] = "Master"
    return out


@pytest.mark.parametrize(
    "name", ["minimal-1.33", "ha", "complex", "privatecilium", "additionalobjects"]
)
def test_kops_additions_and_reorderings_are_no_change(kops_data: Path, name: str) -> None:
    rendered = load(kops_data, name)
    for doc in rendered.values():  # as a template would write it: without what kOps adds
        doc.get("metadata", {}).pop("creationTimestamp", None)
        doc.get("spec", {}).pop("configBase", None) if isinstance(doc.get("spec"), dict) else None
    applied = as_kops_get(
        {k: v for k, v in rendered.items() if k[0] in ("Cluster", "InstanceGroup")}
    )
    applied.update({k: v for k, v in rendered.items() if k[0] not in ("Cluster", "InstanceGroup")})
    assert diff.compare(applied, rendered) == []


def changes_of(old: diff.Resources, new: diff.Resources) -> list[tuple[Any, ...]]:
    def shown(value: Any, change: diff.Change) -> Any:
        whole = change.type in (diff.DOC_ADDED, diff.DOC_REMOVED) and value is not None
        return "<document>" if whole else value

    return [
        (c.resource, c.path_text(), c.type, shown(c.old, c), shown(c.new, c), c.impact, c.flags)
        for c in diff.compare(old, new)
    ]


def mutate(kops_data: Path, name: str, edit: Any) -> list[tuple[Any, ...]]:
    old = load(kops_data, name)
    new = copy.deepcopy(old)
    edit(new)
    return changes_of(old, new)


C, NODES = ("Cluster", "ha.example.com"), ("InstanceGroup", "nodes")


def spec(res: diff.Resources, key: tuple[str, str]) -> dict[str, Any]:
    return res[key]["spec"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda r: spec(r, NODES).update(maxSize=5),
            [("InstanceGroup/nodes", "spec.maxSize", "changed", 2, 5, impact.UPDATE, ())],
        ),
        (
            lambda r: spec(r, NODES).update(image="img-2"),
            [
                (
                    "InstanceGroup/nodes",
                    "spec.image",
                    "changed",
                    "ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-amd64-server-20220404",
                    "img-2",
                    impact.ROLL_IG,
                    (),
                )
            ],
        ),
        (
            lambda r: spec(r, C).update(kubernetesVersion="v1.33.1"),
            [
                (
                    "Cluster/ha.example.com",
                    "spec.kubernetesVersion",
                    "changed",
                    "v1.32.0",
                    "v1.33.1",
                    impact.ROLL_ALL,
                    (),
                )
            ],
        ),
        (
            lambda r: spec(r, C).update(kubernetesVersion="v1.31.0"),
            [
                (
                    "Cluster/ha.example.com",
                    "spec.kubernetesVersion",
                    "changed",
                    "v1.32.0",
                    "v1.31.0",
                    impact.ROLL_ALL,
                    (impact.DESTRUCTIVE,),
                )
            ],
        ),
        (
            lambda r: spec(r, C)["subnets"][1].update(cidr="172.20.128.0/19"),
            [
                (
                    "Cluster/ha.example.com",
                    "spec.subnets[name=us-test-1b].cidr",
                    "changed",
                    "172.20.64.0/19",
                    "172.20.128.0/19",
                    impact.UPDATE,
                    (impact.REFUSED,),
                )
            ],
        ),
        (
            lambda r: spec(r, C).update(networkCIDR="10.0.0.0/16"),
            [
                (
                    "Cluster/ha.example.com",
                    "spec.networkCIDR",
                    "changed",
                    "172.20.0.0/16",
                    "10.0.0.0/16",
                    impact.UPDATE,
                    (impact.REFUSED,),
                )
            ],
        ),
        (
            lambda r: spec(r, C).update(sshAccess=["10.0.0.0/8"]),
            [
                (
                    "Cluster/ha.example.com",
                    "spec.sshAccess",
                    "removed",
                    "0.0.0.0/0",
                    None,
                    impact.UPDATE,
                    (),
                ),
                (
                    "Cluster/ha.example.com",
                    "spec.sshAccess",
                    "added",
                    None,
                    "10.0.0.0/8",
                    impact.UPDATE,
                    (),
                ),
            ],
        ),
        (
            lambda r: spec(r, C)["etcdClusters"][0]["etcdMembers"][0].update(instanceGroup="x"),
            [
                (
                    "Cluster/ha.example.com",
                    "spec.etcdClusters[name=main].etcdMembers[name=a].instanceGroup",
                    "changed",
                    "master-us-test-1a",
                    "x",
                    impact.UPDATE,
                    (impact.REFUSED,),
                )
            ],
        ),
        (
            lambda r: (
                spec(r, C)["networking"].clear() or spec(r, C)["networking"].update(calico={})
            ),
            [
                (
                    "Cluster/ha.example.com",
                    "spec.networking.cni",
                    "removed",
                    {},
                    None,
                    impact.ROLL_ALL,
                    (impact.DESTRUCTIVE,),
                ),
                (
                    "Cluster/ha.example.com",
                    "spec.networking.calico",
                    "added",
                    None,
                    {},
                    impact.ROLL_ALL,
                    (impact.DESTRUCTIVE,),
                ),
            ],
        ),
        (
            lambda r: r.pop(("InstanceGroup", "master-us-test-1c")),
            [
                (
                    "InstanceGroup/master-us-test-1c",
                    "",
                    "document removed",
                    "<document>",
                    None,
                    impact.NONE,
                    (impact.DESTRUCTIVE,),
                )
            ],
        ),
    ],
)
def test_mutations(kops_data: Path, edit: Any, expected: list[tuple[Any, ...]]) -> None:
    assert mutate(kops_data, "ha", edit) == expected


def test_adding_a_networking_setting_is_not_a_cni_switch(kops_data: Path) -> None:
    old = load(kops_data, "ha")
    new = copy.deepcopy(old)
    spec(new, C)["networking"]["cni"] = {"something": True}
    assert [c.flags for c in diff.compare(old, new)] == [()]


def test_ignore_rules(kops_data: Path) -> None:
    old = load(kops_data, "ha")
    new = copy.deepcopy(old)
    for key in new:
        if key[0] == "InstanceGroup":
            spec(new, key)["image"] = "img-2"
    spec(new, C)["kubernetesVersion"] = "v1.33.0"
    changes = diff.compare(old, new, ["InstanceGroup/*:spec.image"])
    assert [(c.resource, c.ignored) for c in changes if c.ignored] == [
        ("InstanceGroup/master-us-test-1a", True),
        ("InstanceGroup/master-us-test-1b", True),
        ("InstanceGroup/master-us-test-1c", True),
        ("InstanceGroup/nodes", True),
    ]
    counted = plan.build(changes, plan.roles_of(new))
    assert (counted.changes, counted.ignored, counted.resources, counted.impact) == (
        1,
        4,
        1,
        impact.ROLL_ALL,
    )


def test_lists_without_identity_pair_equal_items_first() -> None:
    old = {("InstanceGroup", "x"): {"spec": {"hooks2": [{"a": 1}, {"b": 2}, {"c": 3}]}}}
    new = {("InstanceGroup", "x"): {"spec": {"hooks2": [{"c": 3}, {"a": 1}, {"b": 5}]}}}
    assert [(c.path_text(), c.old, c.new) for c in diff.compare(old, new)] == [
        ("spec.hooks2[2].b", 2, 5)
    ]


def test_normalise_leaves_inputs_alone() -> None:
    old = {"metadata": {"name": "x", "creationTimestamp": "t"}, "spec": {"iam": {"legacy": False}}}
    snapshot = copy.deepcopy(old)
    before, _after = diff.normalise(old, {"metadata": {"name": "x"}, "spec": {}})
    assert old == snapshot
    assert before == {"metadata": {"name": "x"}, "spec": {"iam": {}}}


@pytest.mark.parametrize(
    ("field", "words"),
    [
        # kOps: pkg/apis/kops/validation/legacy.go, ValidateCluster
        ("kubernetesVersion", "spec.kubernetesVersion: Required value"),
        # kOps: pkg/apis/kops/validation/validation.go, validateNetworking (AWS)
        (
            "networkCIDR",
            "spec.networking.networkCIDR: Required value: Cluster does not have networkCIDR set",
        ),
        (
            "nonMasqueradeCIDR",
            "spec.networking.nonMasqueradeCIDR: Required value: Cluster does not have "
            "nonMasqueradeCIDR set",
        ),
    ],
)
def test_leaving_out_what_kops_assigned_is_refused(kops_data: Path, field: str, words: str) -> None:
    """On a cluster that exists, kops replace assigns nothing (cmd/kops/replace.go): a render
    without a field kOps filled in at create is a change ValidateCluster refuses."""
    old = load(kops_data, "ha")
    new = copy.deepcopy(old)
    del spec(new, C)[field]
    (change,) = diff.compare(old, new)
    assert (change.path_text(), change.type, change.why) == (f"spec.{field}", "removed", words)
    assert impact.REFUSED in change.flags


def test_a_subnet_without_its_cidr_is_refused_at_update(kops_data: Path) -> None:
    """kOps: validation.go, validateSubnet (strict, as `kops update cluster` validates)."""
    old = load(kops_data, "ha")
    new = copy.deepcopy(old)
    del spec(new, C)["subnets"][1]["cidr"]
    (change,) = diff.compare(old, new)
    assert change.why == (
        "spec.networking.subnets[1].cidr: Required value: subnet does not have a cidr set"
    )
    assert impact.REFUSED in change.flags


# kOps' own expectations for assignProxy (upup/pkg/fi/cloudup/defaults_test.go,
# TestPopulateClusterSpec_Proxy): its minimal cluster testcluster.test.com, public DNS.
KOPS_PROXY_CASES = [
    (
        "google.com", "100.64.0.1/10", {"aws": {}},
        "google.com,127.0.0.1,localhost,api.testcluster.test.com,testcluster.test.com,"
        "100.64.0.2,100.64.0.1/10,169.254.169.254,192.168.0.0/20",
    ),
    (
        "", "100.64.0.0/10", {"aws": {}},
        "127.0.0.1,localhost,api.testcluster.test.com,testcluster.test.com,100.64.0.1,"
        "100.64.0.0/10,169.254.169.254,192.168.0.0/20",
    ),
    (
        "", "172.16.0.5/12", {"gce": {}},
        "127.0.0.1,localhost,api.testcluster.test.com,testcluster.test.com,172.16.0.6,"
        "172.16.0.5/12,192.168.0.0/20",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("given", "masquerade", "cloud", "expected"), KOPS_PROXY_CASES)
def test_proxy_excludes_as_kops_assigns_them(
    given: str, masquerade: str, cloud: dict[str, Any], expected: str
) -> None:
    cluster = {
        "masterPublicName": "api.testcluster.test.com",
        "nonMasqueradeCIDR": masquerade,
        "networkCIDR": "192.168.0.0/20",
        "cloudProvider": cloud,
    }
    assert proxy_excludes(given, cluster, "testcluster.test.com") == expected
    assert proxy_excludes(expected, cluster, "testcluster.test.com") == expected  # idempotent


def test_the_excludes_kops_adds_are_no_change(kops_data: Path) -> None:
    """The store keeps what assignProxy added at create; kOps adds it again in memory on
    every update, so a render with only its own excludes changes nothing; a different
    exclude is a change."""
    new = load(kops_data, "ha")
    spec(new, C)["egressProxy"] = {
        "httpProxy": {"host": "proxy", "port": 3128},
        "excludes": "a.com",
    }
    old = copy.deepcopy(new)
    stored = spec(old, C)
    stored["egressProxy"]["excludes"] = proxy_excludes("a.com", stored, "ha.example.com")
    assert stored["egressProxy"]["excludes"].startswith("a.com,127.0.0.1,localhost,")
    assert diff.compare(old, new) == []
    spec(new, C)["egressProxy"]["excludes"] = "b.com"
    (change,) = diff.compare(old, new)
    assert change.path_text() == "spec.egressProxy.excludes"
