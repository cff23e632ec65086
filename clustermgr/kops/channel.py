"""kOps channel files (read locally, never downloaded) and the Channel* template functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clustermgr.errors import ChannelError
from clustermgr.problems import Location
from clustermgr.versions import Version, VersionError, parse_range, parse_tolerant
from clustermgr.yamlio import Document, load_mapping


class Channel:
    """The parts of a channel's `spec` that the template functions read."""

    def __init__(self, doc: Document, kops_version: str | None = None) -> None:
        self.doc = doc
        self.kops_version = kops_version
        self._answers: dict[tuple[str, ...], str] = {}

    def lookup(self, function: str, *args: str) -> str:
        """Call a Channel* function by its template name; answers are remembered, since a
        fleet asks the same question for every InstanceGroup of every cluster."""
        key = (function, *args)
        if key not in self._answers:
            self._answers[key] = getattr(self, CHANNEL_FUNCTIONS[function])(*args)
        return self._answers[key]

    @property
    def file(self) -> str:
        return self.doc.file

    def _entries(self, key: str) -> list[tuple[int, dict[str, Any]]]:
        spec = self.doc.data.get("spec")
        entries = spec.get(key) if isinstance(spec, dict) else None
        if entries is None:
            return []
        if not isinstance(entries, list):
            raise ChannelError(f"spec.{key} must be a list", self.doc.location(("spec", key)))
        return [(i, e) for i, e in enumerate(entries) if isinstance(e, dict)]

    def _matches(
        self, key: str, index: int, entry: dict[str, Any], field: str, version: Version
    ) -> bool:
        text = entry.get(field)
        if not text:
            return True
        try:
            return parse_range(str(text))(version)
        except VersionError as exc:
            raise ChannelError(str(exc), self.doc.location(("spec", key, index, field))) from None

    def recommended_kubernetes_upgrade(self, version: str) -> str:
        """ChannelRecommendedKubernetesUpgradeVersion: the recommended version for `version`.

        The first `kubernetesVersions` entry (file order) whose range matches decides. Its
        `recommendedVersion` is returned (without `v`) when newer than `version`; otherwise
        `version` comes back unchanged, where kOps fails with a nil-pointer error.
        """
        parsed = _parse_k8s(version)
        for index, entry in self._entries("kubernetesVersions"):
            if not self._matches("kubernetesVersions", index, entry, "range", parsed):
                continue
            recommended = entry.get("recommendedVersion")
            if not recommended:
                return version
            target = _parse_k8s(str(recommended))
            return str(target) if target > parsed else version
        raise ChannelError(f"no kubernetesVersions entry matches {version}", Location(self.file))

    def required_kubernetes_version(self, version: str) -> str | None:
        """The `requiredVersion` of the kubernetesVersions entry `version` falls in, or None.
        Below it kOps refuses `update cluster` ("This version of kubernetes is no longer
        supported; upgrading is required": pkg/apis/kops/channel.go IsUpgradeRequired, called
        from upup/pkg/fi/cloudup/apply_cluster.go)."""
        parsed = _parse_k8s(version)
        for index, entry in self._entries("kubernetesVersions"):
            if self._matches("kubernetesVersions", index, entry, "range", parsed):
                required = entry.get("requiredVersion")
                return str(_parse_k8s(str(required))) if required else None
        return None

    def recommended_kops_kubernetes_version(self) -> str:
        """ChannelRecommendedKopsKubernetesVersion: the Kubernetes version for our kOps version."""
        if self.kops_version:
            kops = _parse_k8s(self.kops_version)
            for index, entry in self._entries("kopsVersions"):
                if self._matches("kopsVersions", index, entry, "range", kops) and entry.get(
                    "kubernetesVersion"
                ):
                    return str(_parse_k8s(str(entry["kubernetesVersion"])))
        cluster = self.doc.data.get("spec", {}).get("cluster") or {}
        if isinstance(cluster, dict) and cluster.get("kubernetesVersion"):
            return str(_parse_k8s(str(cluster["kubernetesVersion"])))
        hint = (
            "" if self.kops_version else " (set kopsVersion in clustermgr.yaml or --kops-version)"
        )
        raise ChannelError(f"no recommended Kubernetes version{hint}", Location(self.file))

    def recommended_image(self, cloud: str, version: str, architecture: str) -> str:
        """ChannelRecommendedImage: the first image for this cloud, architecture and version."""
        parsed = _parse_k8s(version)
        for index, entry in self._entries("images"):
            if entry.get("providerID") != cloud:
                continue
            arch = entry.get("architectureID")
            if arch and arch != architecture:
                continue
            if self._matches("images", index, entry, "kubernetesVersion", parsed):
                return str(entry.get("name", ""))
        raise ChannelError(
            f"no image for cloud {cloud!r}, Kubernetes {version}, architecture {architecture!r}",
            Location(self.file),
        )


CHANNEL_FUNCTIONS = {
    "ChannelRecommendedKubernetesUpgradeVersion": "recommended_kubernetes_upgrade",
    "ChannelRecommendedImage": "recommended_image",
    "ChannelRecommendedKopsKubernetesVersion": "recommended_kops_kubernetes_version",
}


def load_channel(path: Path, display: str, kops_version: str | None = None) -> Channel:
    doc = load_mapping(path, display)
    if not isinstance(doc.data.get("spec"), dict):
        raise ChannelError("not a kOps channel: no spec mapping", Location(display, 1, 1))
    return Channel(doc, kops_version)


def _parse_k8s(text: str) -> Version:
    try:
        return parse_tolerant(text)
    except VersionError as exc:
        raise ChannelError(f"invalid Kubernetes version: {exc}") from None
