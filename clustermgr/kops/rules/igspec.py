"""kOps' rules for an InstanceGroup's own spec: volumes, user data, load balancers, labels,
warm pools, Karpenter groups, and the AWS checks `kops update cluster` makes before it touches
the cloud ("(AWS, update)" in a rule's summary). Messages are kOps' own, in the form
k8s.io/apimachinery's field errors print them (`Invalid value: "x": detail`).

kOps: pkg/apis/kops/validation/instancegroup.go, ValidateInstanceGroup (`kops replace`) and
CrossValidateInstanceGroup; pkg/apis/kops/validation/aws.go, awsValidateInstanceGroup (only
with a cloud: `kops update cluster`, through legacy.go DeepValidate).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from clustermgr.kops.rules.registry import Doc, Hit, Manifest, as_dict, as_list, cloud, rule
from clustermgr.kops.rules.wording import (
    go_duration_seconds,
    go_duration_text,
    go_value,
    invalid,
    required,
    unsupported,
)
from clustermgr.problems import ERROR
from clustermgr.yamlio import YPath


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _role(ig: Doc) -> str:
    role = ig.spec().get("role")
    return role if isinstance(role, str) else ""


# kOps: pkg/apis/kops/instancegroup.go, SupportedFilesystems
_FILESYSTEMS = ("btfs", "ext4", "xfs")
# kOps: instancegroup.go, validUserDataTypes
_USER_DATA_TYPES = (
    "text/x-include-once-url",
    "text/x-include-url",
    "text/cloud-config-archive",
    "text/upstart-job",
    "text/cloud-config",
    "text/part-handler",
    "text/x-shellscript",
    "text/cloud-boothook",
)
_TENANCY = ("default", "dedicated", "host")  # aws-sdk-go-v2 ec2/types, Tenancy.Values
_INTERRUPTION = ("hibernate", "stop", "terminate")  # ec2/types InstanceInterruptionBehavior
_SPOT_DURATIONS = ("60", "120", "180", "240", "300", "360")  # aws.go, validSpotDurations
# kOps: pkg/apis/kops/instancegroup.go, SpotAllocationStrategies
_SPOT_STRATEGIES = (
    "lowest-price",
    "diversified",
    "capacity-optimized",
    "capacity-optimized-prioritized",
    "price-capacity-optimized",
)


@rule("ig-root-volume", ERROR)
def ig_root_volume(m: Manifest) -> Iterator[Hit]:
    """A root volume with negative IOPS or throughput."""
    # kOps: instancegroup.go, ValidateInstanceGroup (spec.rootVolume.iops and .throughput;
    # v1alpha2 spells them rootVolumeIops and rootVolumeThroughput)
    for ig in m.groups:
        for key, detail in (("rootVolumeIops", "IOPS"), ("rootVolumeThroughput", "Throughput")):
            value = _int(ig.spec().get(key))
            if value is not None and value < 0:
                yield Hit(
                    ig.position, ("spec", key), invalid(value, f"{detail} must be greater than 0")
                )


@rule("ig-volumes", ERROR)
def ig_volumes(m: Manifest) -> Iterator[Hit]:
    """An extra volume or volume mount without a device, size, filesystem or path."""
    # kOps: instancegroup.go, validateVolumeSpec, validateVolumeMountSpec; legacy.go,
    # DeepValidate (volumes only on AWS). The duplicate-device checks beside them never fire:
    # their map is made anew for each volume.
    for ig in m.groups:
        volumes = as_list(ig.spec().get("volumes"))
        if volumes and m.cluster is not None and cloud(m.cluster) != "aws":
            yield Hit(
                ig.position,
                ("spec", "volumes"),
                "Forbidden: instancegroup volumes are only available with aws at present",
            )
        for i, raw in enumerate(volumes):
            volume, path = as_dict(raw), ("spec", "volumes", i)
            if not volume.get("device"):
                yield Hit(ig.position, (*path, "device"), required("device name required"))
            size = volume.get("size")
            if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
                shown = size if isinstance(size, int) else 0
                yield Hit(ig.position, (*path, "size"), invalid(shown, "must be greater than zero"))
        for i, raw in enumerate(as_list(ig.spec().get("volumeMounts"))):
            mount, path = as_dict(raw), ("spec", "volumeMounts", i)
            for key, detail in (
                ("device", "device name required"),
                ("filesystem", "filesystem type required"),
                ("path", "mount path required"),
            ):
                if not mount.get(key):
                    yield Hit(ig.position, (*path, key), required(detail))
            filesystem = mount.get("filesystem") or ""
            if filesystem not in _FILESYSTEMS:
                yield Hit(ig.position, (*path, "filesystem"), unsupported(filesystem, _FILESYSTEMS))


@rule("ig-user-data", ERROR)
def ig_user_data(m: Manifest) -> Iterator[Hit]:
    """Additional user data without a name or content, or of an unknown type."""
    # kOps: instancegroup.go, validateExtraUserData
    for ig in m.groups:
        for i, raw in enumerate(as_list(ig.spec().get("additionalUserData"))):
            data, path = as_dict(raw), ("spec", "additionalUserData", i)
            for key in ("name", "content"):
                if not data.get(key):
                    yield Hit(ig.position, (*path, key), required("field must be set"))
            kind = data.get("type") or ""
            if kind not in _USER_DATA_TYPES:
                yield Hit(ig.position, (*path, "type"), unsupported(kind, _USER_DATA_TYPES))


_ARN = re.compile(r"arn:[^:]*:[^:]*:[^:]*:[^:]*:(.*)", re.DOTALL)  # aws-sdk-go-v2 arn.Parse


@rule("ig-instance-profile", ERROR)
def ig_instance_profile(m: Manifest) -> Iterator[Hit]:
    """An IAM instance profile that is not an instance-profile ARN."""
    # kOps: instancegroup.go, validateInstanceProfile
    for ig in m.groups:
        profile = as_dict(ig.spec().get("iam")).get("profile")
        if profile is None:
            continue
        found = _ARN.fullmatch(str(profile))
        if found is None or not found.group(1).startswith("instance-profile/"):
            yield Hit(
                ig.position,
                ("spec", "iam", "profile"),
                invalid(
                    str(profile),
                    "Instance Group IAM Instance Profile must be a valid aws arn such as "
                    "arn:aws:iam::123456789012:instance-profile/KopsExampleRole",
                ),
            )


@rule("ig-node-labels", ERROR)
def ig_node_labels(m: Manifest) -> Iterator[Hit]:
    """A node label key with more than one slash."""
    # kOps: instancegroup.go, validateNodeLabels
    for ig in m.groups:
        for key in as_dict(ig.spec().get("nodeLabels")):
            if str(key).count("/") > 1:
                yield Hit(
                    ig.position,
                    ("spec", "nodeLabels"),  # kOps' path: the map, the key in the message
                    invalid(str(key), "Node label may only contain a single slash"),
                )


@rule("ig-gvisor", ERROR)
def ig_gvisor(m: Manifest) -> Iterator[Hit]:
    """gVisor enabled on an InstanceGroup whose role is not Node."""
    # kOps: instancegroup.go, ValidateInstanceGroup
    for ig in m.groups:
        gvisor = as_dict(as_dict(ig.spec().get("containerd")).get("gvisor"))
        if gvisor.get("enabled") is True and _role(ig) != "Node":
            yield Hit(
                ig.position,
                ("spec", "containerd", "gvisor"),
                "Forbidden: gVisor can only be enabled on instance groups with role Node",
            )


@rule("ig-tenancy", ERROR)
def ig_tenancy(m: Manifest) -> Iterator[Hit]:
    """A tenancy EC2 does not know."""
    # kOps: instancegroup.go, ValidateInstanceGroup (IsValidValue with ec2 Tenancy values)
    for ig in m.groups:
        tenancy = ig.spec().get("tenancy")
        if tenancy and tenancy not in _TENANCY:
            yield Hit(ig.position, ("spec", "tenancy"), unsupported(tenancy, _TENANCY))


@rule("ig-external-lb", ERROR)
def ig_external_lb(m: Manifest) -> Iterator[Hit]:
    """An external load balancer with a name and a target group, or either of them wrong."""
    # kOps: instancegroup.go, validateExternalLoadBalancer
    for ig in m.groups:
        for i, raw in enumerate(as_list(ig.spec().get("externalLoadBalancers"))):
            lb, path = as_dict(raw), ("spec", "externalLoadBalancers", i)
            name, target = lb.get("loadBalancerName"), lb.get("targetGroupArn")
            if name is not None and target is not None:
                yield Hit(ig.position, path, "Too many: 2: must have at most 1 item")
            if name is not None and len(str(name)) > 32:
                yield Hit(
                    ig.position,
                    (*path, "loadBalancerName"),
                    invalid(str(name), "Load Balancer name must have at most 32 characters"),
                )
            if target is not None:
                yield from _target_group(ig, (*path, "targetGroupArn"), str(target))


def _target_group(ig: Doc, path: YPath, target: str) -> Iterator[Hit]:
    found = _ARN.fullmatch(target)
    if found is None:
        why = "not enough sections" if target.startswith("arn:") else "invalid prefix"
        detail = f"Target Group ARN must be a valid AWS ARN: arn: {why}"
        yield Hit(ig.position, path, invalid(target, detail))
        return
    resource = found.group(1).split("/")
    if len(resource) != 3:
        yield Hit(
            ig.position,
            path,
            invalid(
                target,
                "Target Group ARN resource must be a valid AWS ARN resource such as "
                '"targetgroup/tg-name/1234567890123456"',
            ),
        )
        return
    if resource[0] != "targetgroup":
        detail = 'Target Group ARN resource type must be "targetgroup"'
        yield Hit(ig.position, path, invalid(resource[0], detail))
    if len(resource[1]) > 32:
        detail = "Target Group ARN resource name must have at most 32 characters"
        yield Hit(ig.position, path, invalid(resource[1], detail))


@rule("ig-warm-pool", ERROR)
def ig_warm_pool(m: Manifest) -> Iterator[Hit]:
    """A warm pool on a group that cannot have one, with spot instances, or mis-sized.

    The group's warm pool is its own with the Cluster's default filled in."""
    # kOps: instancegroup.go, CrossValidateInstanceGroup; cluster.go, WarmPoolSpec.ResolveDefaults
    if m.cluster is None or cloud(m.cluster) != "aws":
        return
    default = m.cluster.spec().get("warmPool")
    for ig in m.groups:
        pool = _resolve_warm_pool(default, ig)
        if pool is None:
            continue
        size, least = _int(pool.get("maxSize")), _int(pool.get("minSize")) or 0
        if pool.get("maxSize") is None or size != 0:
            if _role(ig) not in ("Node", "APIServer"):
                yield Hit(
                    ig.position,
                    ("spec", "warmPool"),
                    "Forbidden: warm pool only allowed on instance groups with role Node or "
                    "APIServer",
                )
            if ig.spec().get("maxPrice") is not None:
                yield Hit(
                    ig.position,
                    ("spec", "warmPool"),
                    "Forbidden: warm pool cannot be used with spot instances",
                )
        if size is not None:
            if size < 0:
                detail = "warm pool maxSize cannot be negative"
                yield Hit(ig.position, ("spec", "warmPool", "maxSize"), invalid(size, detail))
            elif least > size:
                detail = "warm pool maxSize cannot be set to lower than minSize"
                yield Hit(ig.position, ("spec", "warmPool", "maxSize"), invalid(size, detail))
        if least < 0:
            detail = "warm pool minSize cannot be negative"
            yield Hit(ig.position, ("spec", "warmPool", "minSize"), invalid(least, detail))


def _resolve_warm_pool(default: Any, ig: Doc) -> dict[str, Any] | None:
    """The group's warm pool with the Cluster's default filled in; None: no warm pool."""
    own = ig.spec().get("warmPool")
    plain_group = _role(ig) not in ("ControlPlane", "Master", "Bastion")
    if not isinstance(own, dict):
        return as_dict(default) if isinstance(default, dict) and plain_group else None
    if not isinstance(default, dict) or not plain_group:
        return own
    merged = dict(own)
    if merged.get("maxSize") is None:
        merged["maxSize"] = default.get("maxSize")
    if not merged.get("minSize"):
        merged["minSize"] = default.get("minSize", 0)
    return merged


@rule("ig-karpenter", ERROR)
def ig_karpenter(m: Manifest) -> Iterator[Hit]:
    """A Karpenter InstanceGroup off AWS, not a Node, of size zero, or with a bad image.

    Also a static capacity (minSize) the Cluster's Karpenter feature gates do not allow."""
    # kOps: instancegroup.go, validateKarpenterInstanceGroup and the functions it calls
    if m.cluster is None:
        return
    for ig in m.groups:
        if ig.spec().get("manager") != "Karpenter":
            continue
        if cloud(m.cluster) != "aws":
            yield Hit(
                ig.position,
                ("spec", "manager"),
                "Forbidden: Karpenter InstanceGroups are only supported on AWS",
            )
        if _role(ig) != "Node":
            yield Hit(
                ig.position,
                ("spec", "role"),
                "Forbidden: Karpenter InstanceGroups must have role Node",
            )
        size = _int(ig.spec().get("maxSize"))
        if size is not None and size <= 0:
            yield Hit(ig.position, ("spec", "maxSize"), invalid(size, "must be greater than zero"))
        problem = _karpenter_image(str(ig.spec().get("image") or ""))
        if problem:
            yield Hit(ig.position, ("spec", "image"), problem)
        least = _int(ig.spec().get("minSize"))
        if least is not None and least <= 0:
            detail = "must be greater than zero for static capacity"
            yield Hit(ig.position, ("spec", "minSize"), invalid(least, detail))
        elif least is not None and not _static_capacity(m.cluster):
            yield Hit(
                ig.position,
                ("spec", "minSize"),
                "Forbidden: static capacity requires StaticCapacity=true in "
                "cluster.spec.karpenter.featureGates",
            )


def _karpenter_image(image: str) -> str:
    # kOps: instancegroup.go, validateKarpenterAMISelectorImage
    image = image.strip()
    shape = "must be ami-*, ssm:<parameter>, <name>, or <owner>/<name>"
    if not image:
        return ""
    if "://" in image:
        return invalid(image, shape)
    if image.startswith("ami-"):
        return ""
    if image.startswith("ssm:"):
        return "" if image[4:] else invalid(image, "ssm image parameter is required")
    owner, slash, name = image.partition("/")
    return invalid(image, shape) if slash and (not owner or not name) else ""


def _static_capacity(cluster: Doc) -> bool:
    # kOps: instancegroup.go, karpenterStaticCapacityEnabled
    gates = as_dict(cluster.spec().get("karpenter")).get("featureGates")
    if not isinstance(gates, str) or not gates:
        return True
    enabled = False
    for gate in gates.split(","):
        name, equals, value = gate.partition("=")
        if equals and name.strip() == "StaticCapacity":
            enabled = value.strip().lower() == "true"
    return enabled


# --- AWS, at `kops update cluster` (aws.go, awsValidateInstanceGroup) ------------------------


@rule("ig-security-groups", ERROR)
def ig_security_groups(m: Manifest) -> Iterator[Hit]:
    """An additional security group that is empty, repeated or not an sg- id (AWS, update)."""
    # kOps: aws.go, awsValidateAdditionalSecurityGroups
    if cloud(m.cluster) != "aws":
        return
    for ig in m.groups:
        seen: set[str] = set()
        for i, raw in enumerate(as_list(ig.spec().get("additionalSecurityGroups"))):
            group, path = str(raw), ("spec", "additionalSecurityGroups", i)
            if group in seen:
                yield Hit(ig.position, path, f"Duplicate value: {go_value(group)}")
            seen.add(group)
            if not group.strip():
                detail = "security group cannot be empty, if specified"
                yield Hit(ig.position, path, invalid(group, detail))
            elif not group.startswith("sg-"):
                detail = "security group does not match the expected AWS format"
                yield Hit(ig.position, path, invalid(group, detail))


@rule("ig-max-instance-lifetime", ERROR)
def ig_max_instance_lifetime(m: Manifest) -> Iterator[Hit]:
    """A maxInstanceLifetime under 24 hours that is not zero (AWS, update)."""
    # kOps: aws.go, awsValidateMaximumInstanceLifetime (86400 s, EC2 Auto Scaling's minimum)
    if cloud(m.cluster) != "aws":
        return
    for ig in m.groups:
        raw = ig.spec().get("maxInstanceLifetime")
        if not isinstance(raw, str):
            continue
        seconds = go_duration_seconds(raw)
        if seconds is not None and int(seconds) != 0 and int(seconds) < 86400:
            yield Hit(
                ig.position,
                ("spec", "maxInstanceLifetime"),
                invalid(  # metav1.Duration marshals as Go prints the duration
                    go_duration_text(seconds),
                    "max instance lifetime must be greater than 86400 or equal to 0",
                ),
            )


@rule("ig-instance-metadata", ERROR)
def ig_instance_metadata(m: Manifest) -> Iterator[Hit]:
    """instanceMetadata with unknown httpTokens or a hop limit outside 1-64 (AWS, update)."""
    # kOps: aws.go, awsValidateInstanceMetadata
    if cloud(m.cluster) != "aws":
        return
    for ig in m.groups:
        metadata = ig.spec().get("instanceMetadata")
        if not isinstance(metadata, dict):
            continue
        tokens = metadata.get("httpTokens")
        if tokens is not None and tokens not in ("optional", "required"):
            yield Hit(
                ig.position,
                ("spec", "instanceMetadata", "httpTokens"),
                unsupported(tokens, ("optional", "required")),
            )
        limit = _int(metadata.get("httpPutResponseHopLimit"))
        if limit is not None and not 1 <= limit <= 64:
            yield Hit(
                ig.position,
                ("spec", "instanceMetadata", "httpPutResponseHopLimit"),
                invalid(limit, "HTTPPutResponseLimit must be a value between 1 and 64"),
            )


@rule("ig-spot", ERROR)
def ig_spot(m: Manifest) -> Iterator[Hit]:
    """A spot duration or interruption behaviour EC2 does not take (AWS, update)."""
    # kOps: aws.go, awsValidateSpotDurationInMinute, awsValidateInstanceInterruptionBehavior
    if cloud(m.cluster) != "aws":
        return
    for ig in m.groups:
        duration = _int(ig.spec().get("spotDurationInMinutes"))
        if duration is not None and str(duration) not in _SPOT_DURATIONS:
            yield Hit(
                ig.position,
                ("spec", "spotDurationInMinutes"),
                unsupported(str(duration), _SPOT_DURATIONS),
            )
        behaviour = ig.spec().get("instanceInterruptionBehavior")
        if behaviour is not None and behaviour not in _INTERRUPTION:
            yield Hit(
                ig.position,
                ("spec", "instanceInterruptionBehavior"),
                unsupported(behaviour, _INTERRUPTION),
            )


@rule("ig-mixed-instances", ERROR)
def ig_mixed_instances(m: Manifest) -> Iterator[Hit]:
    """A mixed instances policy with on-demand counts out of range (AWS, update).

    An on-demand base below zero or above maxSize, a share outside 0 to 100, or an unknown
    spot allocation strategy."""
    # kOps: aws.go, awsValidateMixedInstancesPolicy (after the machine types, which need the
    # cloud's API); the default maxSize is PopulateInstanceGroupSpec's (2 for nodes, 1 else)
    if cloud(m.cluster) != "aws":
        return
    for ig in m.groups:
        policy = ig.spec().get("mixedInstancesPolicy")
        if not isinstance(policy, dict):
            continue
        path: YPath = ("spec", "mixedInstancesPolicy")
        base = _int(policy.get("onDemandBase"))
        if base is not None:
            if base < 0:
                yield Hit(
                    ig.position, (*path, "onDemandBase"), invalid(base, "cannot be less than zero")
                )
            if base > _max_size(ig):
                detail = "cannot be greater than max size"
                yield Hit(ig.position, (*path, "onDemandBase"), invalid(base, detail))
        above = _int(policy.get("onDemandAboveBase"))
        if above is not None:
            if above < 0:
                detail = "cannot be less than 0"
                yield Hit(ig.position, (*path, "onDemandAboveBase"), invalid(above, detail))
            if above > 100:
                detail = "cannot be greater than 100"
                yield Hit(ig.position, (*path, "onDemandAboveBase"), invalid(above, detail))
        strategy = policy.get("spotAllocationStrategy")
        if strategy is not None and strategy not in _SPOT_STRATEGIES:
            yield Hit(
                ig.position,
                (*path, "spotAllocationStrategy"),
                unsupported(strategy, _SPOT_STRATEGIES),
            )


def _max_size(ig: Doc) -> int:
    size = _int(ig.spec().get("maxSize"))
    if size is not None:
        return size
    if ig.spec().get("manager") == "Karpenter":
        return 0
    return 1 if _role(ig) in ("ControlPlane", "Master", "Bastion") else 2


@rule("ig-cpu-credits", ERROR)
def ig_cpu_credits(m: Manifest) -> Iterator[Hit]:
    """cpuCredits other than standard or unlimited (AWS, update)."""
    # kOps: aws.go, awsValidateCPUCredits
    if cloud(m.cluster) != "aws":
        return
    for ig in m.groups:
        credits = ig.spec().get("cpuCredits")
        if credits is not None and credits not in ("standard", "unlimited"):
            yield Hit(
                ig.position, ("spec", "cpuCredits"), unsupported(credits, ("standard", "unlimited"))
            )


@rule("ig-apiserver-role", ERROR)
def ig_apiserver_role(m: Manifest) -> Iterator[Hit]:
    """An APIServer group off AWS and GCE, or on AWS with topology.dns.type None."""
    # kOps: instancegroup.go, CrossValidateInstanceGroup
    if m.cluster is None:
        return
    provider = cloud(m.cluster)
    dns = as_dict(as_dict(m.cluster.spec().get("topology")).get("dns")).get("type")
    for ig in m.groups:
        if _role(ig) != "APIServer" or provider == "gce":
            continue
        if provider != "aws":
            detail = "Forbidden: APIServer role only supported on AWS and GCE"
        elif dns == "None":
            detail = "Forbidden: APIServer cannot be used with topology.dns.type=None"
        else:
            continue
        yield Hit(ig.position, ("spec", "role"), detail)
