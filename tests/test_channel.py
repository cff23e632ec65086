from __future__ import annotations

from pathlib import Path

import pytest

from clustermgr.errors import ChannelError
from clustermgr.kops.channel import load_channel

STABLE_UBUNTU = "099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-{}-server-20260714"


@pytest.fixture
def stable(kops_data: Path):  # type: ignore[no-untyped-def]
    return load_channel(kops_data / "channels" / "stable", "stable", kops_version="1.34.1")


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.33.0", "1.33.13"),
        ("v1.33.0", "1.33.13"),  # newer: returned without the v
        ("1.33", "1.33.13"),
        ("1.33.20", "1.33.20"),  # already newer: unchanged (kOps fails here)
        ("v1.10.3", "1.11.10"),  # the last entry, "<1.11.0"
    ],
)
def test_recommended_upgrade(stable, version: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert stable.recommended_kubernetes_upgrade(version) == expected


def test_recommended_kops_kubernetes_version(stable) -> None:  # type: ignore[no-untyped-def]
    assert stable.recommended_kops_kubernetes_version() == "1.34.10"


def test_recommended_image(stable) -> None:  # type: ignore[no-untyped-def]
    assert stable.recommended_image("aws", "1.33.0", "amd64") == STABLE_UBUNTU.format("amd64")
    assert stable.recommended_image("aws", "v1.33.0", "arm64") == STABLE_UBUNTU.format("arm64")
    assert stable.recommended_image("gce", "1.20.0", "amd64") == (
        "ubuntu-os-cloud/ubuntu-2004-focal-v20240607"
    )
    with pytest.raises(ChannelError, match="no image for cloud 'nope'"):
        stable.recommended_image("nope", "1.33.0", "amd64")


def test_fallback_to_the_channel_cluster_version(tmp_path: Path) -> None:
    (tmp_path / "c").write_text("spec:\n  cluster:\n    kubernetesVersion: v1.5.8\n")
    assert load_channel(tmp_path / "c", "c").recommended_kops_kubernetes_version() == "1.5.8"


def test_bad_range_is_located(tmp_path: Path) -> None:
    (tmp_path / "c").write_text("spec:\n  kubernetesVersions:\n  - range: '>=1.3'\n")
    with pytest.raises(ChannelError) as info:
        load_channel(tmp_path / "c", "c").recommended_kubernetes_upgrade("1.3.0")
    assert str(info.value) == "c:3:12: invalid version '1.3'"


def test_not_a_channel(tmp_path: Path) -> None:
    (tmp_path / "c").write_text("kind: Cluster\n")
    with pytest.raises(ChannelError, match="not a kOps channel"):
        load_channel(tmp_path / "c", "c")
