"""kOps' InstanceGroup checks (clustermgr/kops/rules/igspec.py) on a real manifest: each
seeded defect gives kOps' own message, as `kops replace` or `kops update cluster` prints it
(k8s.io/apimachinery field errors: `<path>: <type>: <value>: <detail>`). Each expected
message is quoted from the kOps file and line beside it (v1.37.0-alpha.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustermgr.validation.lint import Linter

NODES = "  role: Node\n  subnets:\n  - us-test-1a\n"  # the nodes group of minimal-1.33.yaml


def nodes_with(extra: str, kops_data: Path, replace: tuple[str, str] = ("", "")) -> str:
    """minimal-1.33.yaml with `extra` added to the nodes group's spec, and `replace` made in
    that group only."""
    text = (kops_data / "manifests" / "minimal-1.33.yaml").read_text()
    assert text.count(NODES) == 1
    head, nodes = text.split("  name: nodes\n")
    nodes = nodes.replace(NODES, NODES + extra)
    old, new = replace
    if old:
        assert old in nodes
        nodes = nodes.replace(old, new, 1)
    return head + "  name: nodes\n" + nodes


CASES = [
    # instancegroup.go:114
    ("  rootVolumeIops: -1\n", "ig-root-volume", "spec.rootVolumeIops",
     "Invalid value: -1: IOPS must be greater than 0"),
    # instancegroup.go:118
    ("  rootVolumeThroughput: -5\n", "ig-root-volume", "spec.rootVolumeThroughput",
     "Invalid value: -5: Throughput must be greater than 0"),
    # instancegroup.go:224, :227
    ("  volumes:\n  - size: 10\n", "ig-volumes", "spec.volumes[0].device",
     "Required value: device name required"),
    ("  volumes:\n  - device: /dev/xvdd\n", "ig-volumes", "spec.volumes[0].size",
     "Invalid value: 0: must be greater than zero"),
    # instancegroup.go:241 and helpers.go:51 (IsValidValue, SupportedFilesystems)
    ("  volumeMounts:\n  - device: /dev/xvdd\n    path: /data\n    filesystem: ntfs\n",
     "ig-volumes", "spec.volumeMounts[0].filesystem",
     'Unsupported value: "ntfs": supported values: "btfs", "ext4", "xfs"'),
    # instancegroup.go:437 (kOps names the field `additionalUserData.name`)
    ("  additionalUserData:\n  - type: text/x-shellscript\n    content: echo\n", "ig-user-data",
     "spec.additionalUserData[0].name", "Required value: field must be set"),
    # instancegroup.go:457
    ("  iam:\n    profile: arn:aws:iam::123456789012:role/Nodes\n", "ig-instance-profile",
     "spec.iam.profile",
     'Invalid value: "arn:aws:iam::123456789012:role/Nodes": Instance Group IAM Instance '
     "Profile must be a valid aws arn such as "
     "arn:aws:iam::123456789012:instance-profile/KopsExampleRole"),
    # instancegroup.go:86 (IsValidValue with ec2 Tenancy values)
    ("  tenancy: shared\n", "ig-tenancy", "spec.tenancy",
     'Unsupported value: "shared": supported values: "default", "dedicated", "host"'),
    # instancegroup.go:500
    ("  externalLoadBalancers:\n  - loadBalancerName: a\n    targetGroupArn: "
     "arn:aws:elasticloadbalancing:us-test-1:1:targetgroup/a/1\n",
     "ig-external-lb", "spec.externalLoadBalancers[0]", "Too many: 2: must have at most 1 item"),
    # instancegroup.go:516 (aws-sdk-go-v2 arn.Parse: "arn: invalid prefix")
    ("  externalLoadBalancers:\n  - targetGroupArn: tg-1\n", "ig-external-lb",
     "spec.externalLoadBalancers[0].targetGroupArn",
     'Invalid value: "tg-1": Target Group ARN must be a valid AWS ARN: arn: invalid prefix'),
    # instancegroup.go:530
    ("  externalLoadBalancers:\n  - targetGroupArn: "
     "arn:aws:elasticloadbalancing:us-test-1:1:loadbalancer/a/1\n", "ig-external-lb",
     "spec.externalLoadBalancers[0].targetGroupArn",
     'Invalid value: "loadbalancer": Target Group ARN resource type must be "targetgroup"'),
    # instancegroup.go:300
    ("  maxPrice: \"0.1\"\n  warmPool:\n    maxSize: 2\n", "ig-warm-pool", "spec.warmPool",
     "Forbidden: warm pool cannot be used with spot instances"),
    # instancegroup.go:307
    ("  warmPool:\n    minSize: 3\n    maxSize: 2\n", "ig-warm-pool", "spec.warmPool.maxSize",
     "Invalid value: 2: warm pool maxSize cannot be set to lower than minSize"),
    # aws.go:154
    ("  additionalSecurityGroups:\n  - sg-1\n  - sg-1\n", "ig-security-groups",
     "spec.additionalSecurityGroups[1]", 'Duplicate value: "sg-1"'),
    # aws.go:162
    ("  additionalSecurityGroups:\n  - default\n", "ig-security-groups",
     "spec.additionalSecurityGroups[0]",
     'Invalid value: "default": security group does not match the expected AWS format'),
    # aws.go:124 (metav1.Duration marshals as Duration.String)
    ("  maxInstanceLifetime: 12h\n", "ig-max-instance-lifetime", "spec.maxInstanceLifetime",
     'Invalid value: "12h0m0s": max instance lifetime must be greater than 86400 or equal to 0'),
    # aws.go:237 (IsValidValue, validSpotDurations)
    ("  spotDurationInMinutes: 90\n", "ig-spot", "spec.spotDurationInMinutes",
     'Unsupported value: "90": supported values: "60", "120", "180", "240", "300", "360"'),
    # aws.go:246 (ec2 InstanceInterruptionBehavior values)
    ("  instanceInterruptionBehavior: pause\n", "ig-spot", "spec.instanceInterruptionBehavior",
     'Unsupported value: "pause": supported values: "hibernate", "stop", "terminate"'),
    # aws.go:286 (maxSize is 1 in this group)
    ("  mixedInstancesPolicy:\n    onDemandBase: 2\n", "ig-mixed-instances",
     "spec.mixedInstancesPolicy.onDemandBase", "Invalid value: 2: cannot be greater than max size"),
    # aws.go:295
    ("  mixedInstancesPolicy:\n    onDemandAboveBase: 150\n", "ig-mixed-instances",
     "spec.mixedInstancesPolicy.onDemandAboveBase", "Invalid value: 150: cannot be greater than 100"),
    # aws.go:388
    ("  cpuCredits: burst\n", "ig-cpu-credits", "spec.cpuCredits",
     'Unsupported value: "burst": supported values: "standard", "unlimited"'),
]  # fmt: skip


@pytest.mark.parametrize(("extra", "rule", "path", "message"), CASES, ids=[c[1] for c in CASES])
def test_kops_message(
    linter: Linter, kops_data: Path, extra: str, rule: str, path: str, message: str
) -> None:
    problems = linter.lint_text(nodes_with(extra, kops_data), "m.yaml")
    assert [(p.path, p.message) for p in problems if p.rule == rule] == [(path, message)]


IMAGE = "  image: ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-amd64-server-20220404"
LABEL = "    kops.k8s.io/instancegroup: nodes-us-test-1a"


@pytest.mark.parametrize(
    ("extra", "old", "new", "rule", "path", "message"),
    [
        # instancegroup.go:467
        ("", LABEL, LABEL + "\n    a/b/c: x", "ig-node-labels", "spec.nodeLabels",
         'Invalid value: "a/b/c": Node label may only contain a single slash'),
        # instancegroup.go:396 (`<owner>/<name>` with no owner)
        ("  manager: Karpenter\n", IMAGE, "  image: /ubuntu", "ig-karpenter", "spec.image",
         'Invalid value: "/ubuntu": must be ami-*, ssm:<parameter>, <name>, or <owner>/<name>'),
        # instancegroup.go:334
        ("  manager: Karpenter\n", "  role: Node", "  role: Bastion", "ig-karpenter", "spec.role",
         "Forbidden: Karpenter InstanceGroups must have role Node"),
    ],
)  # fmt: skip
def test_kops_message_in_place(
    linter: Linter, kops_data: Path, extra: str, old: str, new: str, rule: str, path: str,
    message: str,
) -> None:  # fmt: skip
    text = nodes_with(extra, kops_data, (old, new))
    problems = linter.lint_text(text, "m.yaml")
    assert [(p.path, p.message) for p in problems if p.rule == rule] == [(path, message)]


def test_instance_metadata(linter: Linter, kops_data: Path) -> None:
    """aws.go:134 (httpTokens) and aws.go:140 (the hop limit), on the nodes group."""
    text = nodes_with("", kops_data, ("    httpPutResponseHopLimit: 1\n    httpTokens: required",
                                       "    httpPutResponseHopLimit: 65\n    httpTokens: always"))  # fmt: skip
    problems = [p for p in linter.lint_text(text, "m.yaml") if p.rule == "ig-instance-metadata"]
    assert sorted((p.path, p.message) for p in problems) == [
        ("spec.instanceMetadata.httpPutResponseHopLimit",
         "Invalid value: 65: HTTPPutResponseLimit must be a value between 1 and 64"),
        ("spec.instanceMetadata.httpTokens",
         'Unsupported value: "always": supported values: "optional", "required"'),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "extra",
    [
        "  rootVolumeIops: 3000\n  rootVolumeThroughput: 125\n",
        "  volumes:\n  - device: /dev/xvdd\n    size: 20\n",
        "  volumeMounts:\n  - device: /dev/xvdd\n    filesystem: xfs\n    path: /data\n",
        "  iam:\n    profile: arn:aws:iam::123456789012:instance-profile/Nodes\n",
        "  externalLoadBalancers:\n  - targetGroupArn: "
        "arn:aws:elasticloadbalancing:us-test-1:1:targetgroup/a/1\n",
        "  warmPool:\n    minSize: 1\n    maxSize: 2\n",
        '  warmPool:\n    maxSize: 0\n  maxPrice: "0.1"\n',  # maxSize 0: no warm pool
        "  manager: Karpenter\n",  # an image of <owner>/<name>
        "  maxInstanceLifetime: 0s\n  spotDurationInMinutes: 120\n  cpuCredits: unlimited\n",
        "  maxInstanceLifetime: 168h0m0s\n",
        "  mixedInstancesPolicy:\n    onDemandBase: 1\n    onDemandAboveBase: 100\n"
        "    spotAllocationStrategy: price-capacity-optimized\n",
    ],
)
def test_what_kops_accepts(linter: Linter, kops_data: Path, extra: str) -> None:
    problems = linter.lint_text(nodes_with(extra, kops_data), "m.yaml")
    assert [(p.rule, p.message) for p in problems if p.level == "error"] == []


def test_apiserver_groups_need_dns(linter: Linter, kops_data: Path) -> None:
    """instancegroup.go:267, CrossValidateInstanceGroup: on AWS, not with DNS type None."""
    text = nodes_with("", kops_data, ("  role: Node", "  role: APIServer"))
    assert [p for p in linter.lint_text(text, "m.yaml") if p.rule == "ig-apiserver-role"] == []
    none = text.replace("    dns:\n      type: Public", "    dns:\n      type: None", 1)
    problems = [p for p in linter.lint_text(none, "m.yaml") if p.rule == "ig-apiserver-role"]
    assert [(p.path, p.message) for p in problems] == [
        ("spec.role", "Forbidden: APIServer cannot be used with topology.dns.type=None")
    ]
