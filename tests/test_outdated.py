"""`outdated`: the fleet against its channel file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import REPO, Run


def test_the_example_is_current(run: Run) -> None:

    result = run("-C", str(REPO), "outdated", "--all", "--exit-code")
    assert (result.code, result.out) == (
        0,
        "dev-eu1      1.33.13   current\n"
        "prod-eu1     1.33.13   current\n"
        "prod-us1     1.33.13   current\n"
        "staging-eu1  1.34.10   current\n"
        "4 clusters: 0 outdated\n",
    )


def test_behind_the_channel(run: Run, example: Path) -> None:
    dev = example / "values/dev/dev-eu1.yaml"
    dev.write_text(dev.read_text() + "kubernetesVersion: 1.33.2\n")
    channel = example / "channels/stable.yaml"
    channel.write_text(
        channel.read_text().replace("requiredVersion: 1.33.0", "requiredVersion: 1.33.5")
    )
    result = run("-C", str(example), "outdated", "dev-eu1", "prod-eu1", "--exit-code")
    assert (result.code, result.out) == (
        1,
        "dev-eu1   1.33.2    below the required 1.33.5; upgrade to 1.33.13\n"
        "prod-eu1  1.33.13   current\n"
        "2 clusters: 1 outdated\n",
    )
    data = json.loads(run("-C", str(example), "outdated", "dev-eu1", "-o", "json").out)
    assert data[0]["recommended"] == "1.33.13" and data[0]["kops_supports"] is True
    table = run("-C", str(example), "outdated", "dev-eu1", "-o", "markdown").out
    assert table.splitlines()[-1] == "| dev-eu1 | 1.33.2 | 1.33.13 | 1.33.5 | yes | 0 |"


def test_images_behind_and_a_version_kops_does_not_run(run: Run, example: Path) -> None:
    channel = example / "channels/stable.yaml"
    text = channel.read_text()
    channel.write_text(
        text.replace(
            "ubuntu-noble-24.04-amd64-server-20260714", "ubuntu-noble-24.04-amd64-server-20261101"
        ).replace("recommendedVersion: 1.34.10", "recommendedVersion: 1.35.1")
    )
    staging = example / "values/staging/staging-eu1.yaml"  # a pinned image
    pinned = "099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20260714"
    staging.write_text(staging.read_text() + f"image: {pinned}\n")
    result = run("-C", str(example), "outdated", "staging-eu1", "dev-eu1")
    lines = result.out.splitlines()
    assert lines[0] == (
        "staging-eu1  1.34.10   upgrade to 1.35.1 (not supported by the fleet's kOps); 2 images behind"
    )
    assert lines[1].startswith("    ") and lines[1].endswith("-amd64-server-20261101")


def test_outdated_needs_a_channel(run: Run, example: Path) -> None:
    config = example / "clustermgr.yaml"
    config.write_text(config.read_text().replace("channel: channels/stable.yaml\n", ""))
    result = run("-C", str(example), "outdated", "--all")
    assert (result.code, result.err) == (
        1,
        "clustermgr.yaml: error: outdated compares with the channel file: set `channel:` in "
        "clustermgr.yaml\n",
    )
