"""`outdated`: each cluster's versions and images against the project's channel file.

Read from the render (what kOps would be given): the Cluster's kubernetesVersion and
cloudProvider, each InstanceGroup's image. The channel answers as kOps' channel functions
do (clustermgr/kops/channel.py; a required version as kOps' pkg/apis/kops/channel.go
IsUpgradeRequired decides it); whether the fleet's kOps supports a version is the rule
`kops-version-support` (kOps X.Y runs Kubernetes below X.(Y+1), and 1.37 at least 1.32). An
image's architecture is read from its name (`arm64`, else `amd64`), as kOps' channel images
are named.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from clustermgr.errors import ChannelError, ConfigError
from clustermgr.kops.channel import Channel, load_channel
from clustermgr.kops.rules.access import kops_supports
from clustermgr.problems import Location
from clustermgr.project import Project
from clustermgr.render.project import render_documents
from clustermgr.values import cluster_values
from clustermgr.versions import VersionError, parse_kubernetes


class Status(NamedTuple):
    name: str
    kubernetes: str
    recommended: str | None  # a newer recommendation, else None
    required: str | None  # the channel's required version, when the cluster is below it
    kops_supports: bool  # the fleet's kOps runs the recommended version
    images: list[tuple[str, str, str]]  # (InstanceGroup, image, the channel's) where they differ

    def outdated(self) -> bool:
        return bool(self.recommended or self.required or self.images)


def channel_of(project: Project, kops_version: str) -> Channel:
    if not project.config.channel:
        config = project.config_file
        raise ConfigError(
            "outdated compares with the channel file: set `channel:` in clustermgr.yaml",
            Location(project.display(config)) if config else None,
        )
    path = project.path(project.config.channel, "channel")
    return load_channel(path, project.display(path), kops_version)


def status(
    project: Project, renderer: Any, name: str, channel: Channel, kops: tuple[int, int]
) -> Status:

    docs = render_documents(renderer, cluster_values(project, project.cluster(name)))
    cluster = next(
        (d.data for d in docs if isinstance(d.data, dict) and d.data.get("kind") == "Cluster"), {}
    )
    spec: dict[str, Any] = cluster.get("spec") or {}
    version = str(spec.get("kubernetesVersion", ""))
    cloud = str(spec.get("cloudProvider", "aws"))
    try:
        current = parse_kubernetes(version)
    except VersionError:
        raise ConfigError(f"{name}: kubernetesVersion {version!r} is not a version") from None
    recommended = channel.recommended_kubernetes_upgrade(str(current))
    newer = recommended if parse_kubernetes(recommended) > current else None
    required = channel.required_kubernetes_version(str(current))
    below = required if required and current < parse_kubernetes(required) else None
    target = parse_kubernetes(newer or str(current))

    supports = kops_supports(kops, (target.major, target.minor))
    images = []
    for doc in docs:
        data = doc.data if isinstance(doc.data, dict) else {}
        if data.get("kind") != "InstanceGroup":
            continue
        image = str((data.get("spec") or {}).get("image", ""))
        arch = "arm64" if "arm64" in image else "amd64"
        try:
            wanted = channel.recommended_image(cloud, str(newer or current), arch)
        except ChannelError:
            continue
        if image and image != wanted:
            images.append((str((data.get("metadata") or {}).get("name", "")), image, wanted))
    return Status(name, str(current), newer, below, supports, images)


def kops_minor(version: str) -> tuple[int, int]:
    parsed = parse_kubernetes(version)
    return parsed.major, parsed.minor
