"""The impact model against kOps' own answers: each wrong case reviewers were shown before, on
kOps' `ha` manifest; create-time assignments; SSH keys; the next kOps steps."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clustermgr import diff
from clustermgr.kops import impact
from clustermgr.kops.impact import reviewer_table
from clustermgr.yamlio import dump, load_documents
from tests.conftest import REPO, Run
from tests.fakekops.assignments import decode, perform_assignments

C = ("Cluster", "ha.example.com")
NODES = ("InstanceGroup", "nodes")


def ha(kops_data: Path) -> diff.Resources:
    file = kops_data / "manifests" / "ha.yaml"
    return diff.resources(load_documents(file.read_text(), file.name))


def spec(resources: diff.Resources, key: tuple[str, str]) -> dict[str, Any]:
    return resources[key]["spec"]  # type: ignore[no-any-return]


def etcd(r: diff.Resources) -> dict[str, Any]:
    return spec(r, C)["etcdClusters"][0]  # type: ignore[no-any-return]


Edit = Callable[[diff.Resources], Any]
# The groups of kOps' ha manifest a change reaches (it has no bastion, no APIServer group).
MASTERS = ("master-us-test-1a", "master-us-test-1b", "master-us-test-1c")
EVERY_NODE = (*MASTERS, "nodes")

CASES: list[tuple[str, Edit, str, tuple[str, ...], tuple[str, ...]]] = [
    ("etcd version", lambda r: etcd(r).update(version="3.5.21"), impact.UPDATE, (), ()),
    (
        "etcd manager",
        lambda r: etcd(r).update(manager={"logLevel": 3}),
        impact.ROLL_CONTROL_PLANE,
        (impact.FORCE,),
        MASTERS,
    ),
    (
        "etcd resources",
        lambda r: etcd(r).update(cpuRequest="300m"),
        impact.ROLL_CONTROL_PLANE,
        (impact.FORCE,),
        MASTERS,
    ),
    (
        "subnet type",
        lambda r: spec(r, C)["subnets"][0].update(type="Private"),
        impact.ROLL_IG,
        (),
        ("master-us-test-1a", "nodes"),
    ),
    (
        "dns type",
        lambda r: spec(r, C).update(topology={"dns": {"type": "None"}}),
        impact.ROLL_ALL,
        (),
        EVERY_NODE,
    ),
    (
        "node port range",
        lambda r: spec(r, C).update(kubeAPIServer={"serviceNodePortRange": "30000-33000"}),
        impact.ROLL_ALL,
        (),
        EVERY_NODE,
    ),
    (
        "public name",
        lambda r: spec(r, C).update(masterPublicName="api.other.example.com"),
        impact.ROLL_CONTROL_PLANE,
        (),
        MASTERS,
    ),
    (
        "additional SANs",
        lambda r: spec(r, C).update(additionalSans=["k8s.example.com"]),
        impact.ROLL_CONTROL_PLANE,
        (),
        MASTERS,
    ),
    (
        "authentication",
        lambda r: spec(r, C).update(authentication={"aws": {}}),
        impact.ROLL_CONTROL_PLANE,
        (),
        MASTERS,
    ),
    (
        "cni secondary IPs",
        lambda r: spec(r, C)["networking"].update(cni={"usesSecondaryIP": True}),
        impact.ROLL_ALL,
        (),
        EVERY_NODE,
    ),
    (
        "cloud controller",
        lambda r: spec(r, C).update(cloudControllerManager={"logLevel": 4}),
        impact.UPDATE,
        (),
        (),
    ),
    (
        "problem detector",
        lambda r: spec(r, C).update(nodeProblemDetector={"enabled": True}),
        impact.UPDATE,
        (),
        (),
    ),
    (
        "dns provider",
        lambda r: spec(r, C).update(kubeDNS={"provider": "CoreDNS"}),
        impact.UPDATE,
        (),
        (),
    ),
    (
        "mixed instances",
        lambda r: spec(r, NODES).update(mixedInstancesPolicy={"onDemandBase": 1}),
        impact.UPDATE,
        (),
        (),
    ),
    (
        "suspend processes",
        lambda r: spec(r, NODES).update(suspendProcesses=["AZRebalance"]),
        impact.UPDATE,
        (),
        (),
    ),
    (
        "instance protection",
        lambda r: spec(r, NODES).update(instanceProtection=True),
        impact.UPDATE,
        (),
        (),
    ),
    (
        "external LBs",
        lambda r: spec(r, NODES).update(externalLoadBalancers=[{"targetGroupArn": "arn:x"}]),
        impact.UPDATE,
        (),
        (),
    ),
    (
        "rolling update",
        lambda r: spec(r, NODES).update(rollingUpdate={"maxSurge": 2}),
        impact.NONE,
        (),
        (),
    ),
    (
        "machine type",
        lambda r: spec(r, NODES).update(machineType="m6i.large"),
        impact.ROLL_IG,
        (),
        ("nodes",),
    ),
    (
        "kubelet",
        lambda r: spec(r, C).update(kubelet={"maxPods": 50}),
        impact.ROLL_ALL,
        (),
        EVERY_NODE,
    ),
    (
        "unknown field",
        lambda r: spec(r, C).update(brandNewThing=True),
        impact.ROLL_ALL,
        (impact.ASSUMED,),
        EVERY_NODE,
    ),
    # kOps v1.37.0-alpha.1: pkg/model/context.go, CloudTagsForInstanceGroup (queue mode tags
    # every group's instances with the managed tag: every launch template changes)
    (
        "termination handler queue mode",
        lambda r: spec(r, C).update(nodeTerminationHandler={"enabled": True}),
        impact.ROLL_ALL,
        (),
        (),
    ),
    # pkg/model/resources/nodeup.go, createProxyEnv: the proxy is in every node's user data
    (
        "egress proxy",
        lambda r: spec(r, C).update(egressProxy={"httpProxy": {"host": "proxy", "port": 3128}}),
        impact.ROLL_ALL,
        (),
        EVERY_NODE,
    ),
    # pkg/model/components/apiserver.go: metrics-server turns on aggregator routing
    (
        "metrics server",
        lambda r: spec(r, C).update(metricsServer={"enabled": True}),
        impact.ROLL_CONTROL_PLANE,
        (),
        MASTERS,
    ),
    # pkg/model/awsmodel/autoscalinggroup.go: NLB security groups join the apiserver groups'
    # launch templates
    (
        "NLB security groups",
        lambda r: spec(r, C)["api"].update(
            loadBalancer={"class": "Network", "additionalSecurityGroups": ["sg-1"]}
        ),
        impact.ROLL_CONTROL_PLANE,
        (),
        MASTERS,
    ),
    # pkg/nodemodel/nodeupconfigbuilder.go: a warm pool adds WarmPoolImages to the group's
    # nodeup config; its size is the Auto Scaling group's
    (
        "warm pool added",
        lambda r: spec(r, NODES).update(warmPool={"maxSize": 2}),
        impact.ROLL_IG,
        (),
        ("nodes",),
    ),
    (
        "capacity rebalance",
        lambda r: spec(r, NODES).update(capacityRebalance=True),
        impact.UPDATE,
        (),
        (),
    ),
    (
        "instance lifetime",
        lambda r: spec(r, NODES).update(maxInstanceLifetime="168h"),
        impact.UPDATE,
        (),
        (),
    ),
    # upup/pkg/fi/cloudup/template_functions.go: the priority expander's configuration
    (
        "autoscale priority",
        lambda r: spec(r, NODES).update(autoscalePriority=10),
        impact.UPDATE,
        (),
        (),
    ),
    (
        "EBS CSI driver version",
        lambda r: spec(r, C).update(cloudConfig={"awsEBSCSIDriver": {"version": "v1.38.1"}}),
        impact.UPDATE,
        (),
        (),
    ),
    (
        "OIDC provider",
        lambda r: spec(r, C).update(serviceAccountIssuerDiscovery={"enableAWSOIDCProvider": True}),
        impact.UPDATE,
        (),
        (),
    ),
    # pkg/apis/nodeup/config.go, filterHooks: a hook reaches only the roles it names
    (
        "hook for nodes",
        lambda r: spec(r, C).update(hooks=[{"name": "a.service", "roles": ["Node"]}]),
        impact.ROLL_ALL,
        (),
        ("nodes",),
    ),
    (
        "hook for the control plane",
        lambda r: spec(r, C).update(hooks=[{"name": "a.service", "roles": ["Master"]}]),
        impact.ROLL_ALL,
        (),
        MASTERS,
    ),
    (
        "etcd removed",
        lambda r: spec(r, C)["etcdClusters"].pop(1),
        impact.ROLL_CONTROL_PLANE,
        (impact.FORCE, impact.REFUSED),
        MASTERS,
    ),
]


@pytest.mark.parametrize(
    ("what", "edit", "expected", "flags", "groups"), CASES, ids=[c[0] for c in CASES]
)
def test_kops_answers_on_ha(
    kops_data: Path,
    what: str,
    edit: Edit,
    expected: str,
    flags: tuple[str, ...],
    groups: tuple[str, ...],
) -> None:
    old = ha(kops_data)
    new = copy.deepcopy(old)
    edit(new)
    changes = diff.compare(old, new)
    assert changes, what
    worst = max(changes, key=lambda c: impact.ORDER.index(c.impact))
    assert (worst.impact, worst.flags, worst.groups) == (expected, tuple(sorted(flags)), groups)
    assert worst.why and worst.source


def test_cni_options_are_addon_settings(kops_data: Path) -> None:
    file = kops_data / "manifests" / "privatecilium.yaml"
    old = diff.resources(load_documents(file.read_text(), file.name))
    new = copy.deepcopy(old)
    key = next(k for k in new if k[0] == "Cluster")
    new[key]["spec"]["networking"]["cilium"]["version"] = "v1.99.0"
    (change,) = diff.compare(old, new)
    assert (change.impact, change.flags) == (impact.UPDATE, ())


def test_refusals_use_kops_words(kops_data: Path) -> None:
    old = ha(kops_data)
    new = copy.deepcopy(old)
    spec(new, C)["etcdClusters"].pop(1)
    (removed,) = diff.compare(old, new)
    assert (removed.path_text(), removed.why) == (
        "spec.etcdClusters[name=events]",
        "EtcdClusters cannot be removed",
    )
    new = copy.deepcopy(old)
    etcd(old)["image"] = etcd(new)["image"] = "registry.k8s.io/etcd:3.5.0"
    etcd(new)["version"] = "3.5.21"
    (changed,) = [c for c in diff.compare(old, new) if c.path_text().endswith("version")]
    assert (changed.flags, changed.why) == (
        (impact.REFUSED,),
        "version cannot be changed when image is set",
    )
    new = copy.deepcopy(old)
    etcd(new)["etcdMembers"][0]["instanceGroup"] = "nodes"
    (moved,) = diff.compare(old, new)
    assert (moved.flags, moved.why) == ((impact.REFUSED,), "instanceGroup cannot be changed")


def test_every_entry_has_a_reason_and_a_kops_source() -> None:
    tables = [impact.CLUSTER, impact.INSTANCE_GROUP, impact.PRESENCE, impact.IG_PRESENCE]
    tables += [impact.DOCUMENT_ADDED, impact.DOCUMENT_REMOVED]
    for table in tables:
        for field, entry in table.items():
            assert entry.why and entry.where in impact.IMPACT_OF, field
            assert re.match(r"^(pkg|upup|cmd|nodeup|docs)/", entry.source), (field, entry.source)


def test_the_docs_table_is_generated_from_the_data() -> None:
    assert reviewer_table() in (REPO / "docs" / "reviewing.md").read_text()


def render(run: Run, root: Path, cluster: str) -> list[Any]:
    out = run("-C", str(root), "render", cluster)
    assert out.code == 0, out.err
    return [d.data for d in load_documents(out.out, "render", cache=False)]


def test_a_store_written_by_kops_replace_force_diffs_as_no_change(
    run: Run, example: Path, tmp_path: Path
) -> None:
    for cluster in ("dev-eu1", "prod-eu1"):
        docs = render(run, example, cluster)
        name = docs[0]["metadata"]["name"]
        # the template leaves out what kOps fills in on create
        docs[0]["spec"].pop("masterPublicName", None)
        for item in docs[0]["spec"]["etcdClusters"]:
            item.pop("manager", None)
        folder = tmp_path / "state" / name
        (folder / "instancegroup").mkdir(parents=True)

        (folder / "config").write_text(dump(perform_assignments(decode(docs[0]))))
        for doc in docs[1:]:
            (folder / "instancegroup" / doc["metadata"]["name"]).write_text(dump(doc))
    result = run(
        "-C", str(example), "diff", "dev-eu1", "prod-eu1", "--state", str(tmp_path / "state")
    )
    assert result.out == "dev-eu1: no changes\n\nprod-eu1: no changes\n", result.out


def test_ssh_credentials_are_compared_with_the_store_key(
    run: Run, example: Path, tmp_path: Path
) -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB5F admin@laptop"
    (example / "template" / "30-ssh.yaml.j2").write_text(
        "apiVersion: kops.k8s.io/v1alpha2\nkind: SSHCredential\nmetadata:\n  name: admin\n"
        "  labels:\n    kops.k8s.io/cluster: {{ clusterName }}\n"
        f'spec:\n  publicKey: "{key}"\n'
    )
    docs = render(run, example, "dev-eu1")
    folder = tmp_path / "state" / docs[0]["metadata"]["name"]
    (folder / "instancegroup").mkdir(parents=True)

    (folder / "config").write_text(dump(docs[0]))
    for doc in docs[1:]:
        if doc["kind"] == "InstanceGroup":
            (folder / "instancegroup" / doc["metadata"]["name"]).write_text(dump(doc))
    keys = folder / "pki" / "ssh" / "public" / "admin"
    keys.mkdir(parents=True)
    (keys / "a1b2c3").write_text("ssh-ed25519   AAAAC3NzaC1lZDI1NTE5AAAAIB5F  other-comment\n")
    result = run("-C", str(example), "diff", "dev-eu1", "--state", str(tmp_path / "state"))
    assert result.out == "dev-eu1: no changes\n"
    (keys / "a1b2c3").write_text("ssh-ed25519 AAAAdifferent\n")
    changed = run("-C", str(example), "diff", "dev-eu1", "--state", str(tmp_path / "state"))
    assert "SSHCredential/admin" in changed.out and "spec.publicKey" in changed.out


def test_a_spot_price_under_a_mixed_instances_policy_is_the_groups(kops_data: Path) -> None:
    """kOps: pkg/model/awsmodel/autoscalinggroup.go: the launch template's SpotPrice only
    without a mixed instances policy; with one, MixedSpotMaxPrice of the Auto Scaling group."""
    old = ha(kops_data)
    spec(old, NODES).update(mixedInstancesPolicy={"onDemandBase": 1})
    new = copy.deepcopy(old)
    spec(new, NODES).update(maxPrice="0.2")
    (change,) = diff.compare(old, new)
    assert (change.impact, change.groups) == (impact.UPDATE, ())
    plain = ha(kops_data)
    priced = copy.deepcopy(plain)
    spec(priced, NODES).update(maxPrice="0.2")
    (change,) = diff.compare(plain, priced)
    assert (change.impact, change.groups) == (impact.ROLL_IG, ("nodes",))


def test_what_the_cloud_refuses(kops_data: Path) -> None:
    """kOps' AWS tasks refuse to change some resources in place: a subnet's IPv6 range, and
    an EBS volume's encryption (kOps: upup/pkg/fi/cloudup/awstasks/subnet.go and
    ebsvolume.go, CheckChanges)."""
    old = ha(kops_data)
    spec(old, C)["subnets"][0]["ipv6CIDR"] = "/64#1"
    new = copy.deepcopy(old)
    spec(new, C)["subnets"][0]["ipv6CIDR"] = "/64#2"
    (changed,) = diff.compare(old, new)
    assert (changed.impact, changed.flags) == (impact.UPDATE, (impact.REFUSED,))
    fresh = ha(kops_data)
    first = copy.deepcopy(fresh)
    spec(first, C)["subnets"][0]["ipv6CIDR"] = "/64#1"
    (added,) = diff.compare(fresh, first)
    assert (added.flags, added.why) == ((), "set for the first time")
    spec(fresh, C)["subnets"][0]["id"] = spec(first, C)["subnets"][0]["id"] = "subnet-1"
    (shared,) = diff.compare(fresh, first)
    assert (shared.flags, shared.why) == ((impact.REFUSED,), "field cannot be set on shared subnet")
    for key, value in (("encryptedVolume", False), ("kmsKeyId", "arn:aws:kms:us-test-1:1:key/a")):
        new = copy.deepcopy(old)
        etcd(new)["etcdMembers"][0][key] = value
        (change,) = diff.compare(old, new)
        assert impact.REFUSED in change.flags, key
