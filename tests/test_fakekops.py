"""The fake kops itself, against kOps' source (v1.37.0-alpha.1): what `kops replace` stores
and refuses, so that the tests that run clustermgr against it test something."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

CLUSTER = """\
apiVersion: kops.k8s.io/v1alpha2
kind: Cluster
metadata:
  name: c.example.com
spec:
  cloudProvider: aws
  kubernetesVersion: 1.34.1
  etcdClusters:
  - name: main
    etcdMembers:
    - name: a
      instanceGroup: control-plane-a
"""


def kops(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("FAKE_KOPS_FAIL", None)
    script = REPO / "tests" / "fakekops" / "kops.py"
    return subprocess.run(
        [sys.executable, str(script), *args, "--state", str(tmp_path / "store")],
        env=env, capture_output=True, text=True,
    )  # fmt: skip


def stored(tmp_path: Path) -> dict[str, object]:
    data = yaml.safe_load((tmp_path / "store" / "c.example.com" / "config").read_text())
    assert isinstance(data, dict)
    return data


def test_a_new_cluster_gets_kops_assignments(tmp_path: Path) -> None:
    """upup/pkg/fi/cloudup/defaults.go, PerformAssignments: 172.20.0.0/16 on AWS,
    100.64.0.0/10, api.<name> with public DNS, etcd backups kept 90 days; and the v1alpha2
    decoder's defaults (pkg/apis/kops/v1alpha2/defaults.go): RBAC, public DNS."""
    (tmp_path / "m.yaml").write_text(CLUSTER)
    refused = kops(tmp_path, "replace", "-f", str(tmp_path / "m.yaml"))
    assert (refused.returncode, refused.stderr) == (
        1,
        'Error: cluster "c.example.com" not found; try adding --force flag\n',
    )
    done = kops(tmp_path, "replace", "-f", str(tmp_path / "m.yaml"), "--force")
    assert done.returncode == 0, done.stderr
    spec = stored(tmp_path)["spec"]
    assert isinstance(spec, dict)
    assert (spec["networkCIDR"], spec["nonMasqueradeCIDR"], spec["masterPublicName"]) == (
        "172.20.0.0/16",
        "100.64.0.0/10",
        "api.c.example.com",
    )
    assert spec["etcdClusters"][0]["manager"] == {"backupRetentionDays": 90}
    assert (spec["authorization"], spec["topology"]) == ({"rbac": {}}, {"dns": {"type": "Public"}})


def test_an_existing_cluster_is_not_assigned_and_is_refused(tmp_path: Path) -> None:
    """cmd/kops/replace.go: a cluster that exists is updated without PerformAssignments, and
    ValidateCluster refuses what only the assignments would have filled in."""
    (tmp_path / "m.yaml").write_text(CLUSTER)
    assert kops(tmp_path, "replace", "-f", str(tmp_path / "m.yaml"), "--force").returncode == 0
    before = stored(tmp_path)
    again = kops(tmp_path, "replace", "-f", str(tmp_path / "m.yaml"))
    assert (again.returncode, again.stderr) == (
        1,
        "Error: error replacing cluster: [spec.networking.networkCIDR: Required value: Cluster "
        "does not have networkCIDR set, spec.networking.nonMasqueradeCIDR: Required value: "
        "Cluster does not have nonMasqueradeCIDR set]\n",
    )
    assert stored(tmp_path) == before  # nothing written
    complete = CLUSTER.replace(
        "  cloudProvider: aws\n",
        "  cloudProvider: aws\n  networkCIDR: 10.0.0.0/16\n  nonMasqueradeCIDR: 100.64.0.0/10\n",
    )
    (tmp_path / "m.yaml").write_text(complete)
    assert kops(tmp_path, "replace", "-f", str(tmp_path / "m.yaml")).returncode == 0
    spec = stored(tmp_path)["spec"]
    assert isinstance(spec, dict)
    assert "masterPublicName" not in spec  # no assignments on an update
    assert spec["etcdClusters"][0].get("manager") is None


def group(name: str, role: str, machine: str = "m6i.large") -> str:
    return (
        "---\napiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\n"
        f"metadata:\n  name: {name}\n  labels:\n    kops.k8s.io/cluster: c.example.com\n"
        f"spec:\n  role: {role}\n  machineType: {machine}\n  minSize: 1\n  maxSize: 1\n"
    )


FLEET = (
    CLUSTER.replace(
        "  cloudProvider: aws\n",
        "  cloudProvider: aws\n  networkCIDR: 10.0.0.0/16\n  nonMasqueradeCIDR: 100.64.0.0/10\n",
    )
    + group("nodes-b", "Node")
    + group("nodes-a", "Node")
    + group("control-plane-b", "ControlPlane")
    + group("control-plane-a", "ControlPlane")
    + group("apiserver-a", "APIServer")
    + group("bastions", "Bastion")
)


def created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cluster created and applied; the log of the groups rolled."""
    (tmp_path / "m.yaml").write_text(FLEET)
    assert kops(tmp_path, "replace", "-f", str(tmp_path / "m.yaml"), "--force").returncode == 0
    first = kops(tmp_path, "update", "cluster", "--name", "c.example.com", "--yes")
    assert first.stdout == "\nCluster is starting.  It should be ready in a few minutes.\n\n"
    rolls = tmp_path / "rolls.log"
    monkeypatch.setenv("FAKE_KOPS_ROLL_LOG", str(rolls))
    return rolls


def test_rolling_update_rolls_in_kops_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pkg/instancegroups/rollingupdate.go, RollingUpdate: bastions, then the control plane
    one group after another, then API servers, then nodes; by name within a role, whatever
    order --instance-group names them in."""
    rolls = created(tmp_path, monkeypatch)
    preview = kops(tmp_path, "rolling-update", "cluster", "--name", "c.example.com")
    assert preview.stdout.splitlines()[-1] == "Must specify --yes to rolling-update."
    assert not rolls.exists()
    picked = "nodes-b,control-plane-b,bastions"
    done = kops(tmp_path, "rolling-update", "cluster", "--name", "c.example.com",
                "--instance-group", picked, "--instance-group", "apiserver-a", "--yes")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert rolls.read_text().split() == ["bastions", "control-plane-b", "apiserver-a", "nodes-b"]
    rest = kops(tmp_path, "rolling-update", "cluster", "--name", "c.example.com", "--yes")
    assert rolls.read_text().split()[4:] == ["control-plane-a", "nodes-a"]
    assert "No rolling-update required." not in rest.stdout
    again = kops(tmp_path, "rolling-update", "cluster", "--name", "c.example.com", "--yes")
    assert again.stdout.splitlines()[-1] == "No rolling-update required."
    forced = kops(tmp_path, "rolling-update", "cluster", "--name", "c.example.com",
                  "--instance-group-roles", "masters", "--force", "--yes")  # fmt: skip
    assert forced.returncode == 0, forced.stderr
    assert rolls.read_text().split()[6:] == ["control-plane-a", "control-plane-b"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # cmd/kops/rolling-update_cluster.go, RunRollingUpdateCluster
        (("--instance-group", "nodes-c"), 'Error: InstanceGroup "nodes-c" not found\n'),
        # pkg/apis/kops/parse.go, ParseInstanceGroupRole (lenient: plurals, "master")
        (("--instance-group-roles", "workers"), 'Error: invalid instance group role "workers"\n'),
    ],
)
def test_rolling_update_refuses_what_kops_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    rolls = created(tmp_path, monkeypatch)
    refused = kops(tmp_path, "rolling-update", "cluster", "--name", "c.example.com", *args, "--yes")
    assert (refused.returncode, refused.stderr) == (1, message)
    assert not rolls.exists()


def test_update_needs_yes_and_reconcile_rolls_control_plane_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cmd/kops/update_cluster.go (a dry run without --yes) and reconcile_cluster.go (update
    and roll the control plane, then update and roll the rest)."""
    rolls = created(tmp_path, monkeypatch)
    name = ("--name", "c.example.com")
    assert kops(tmp_path, "update", "cluster", *name).stdout == "No changes need to be applied\n"
    (tmp_path / "m.yaml").write_text(FLEET.replace("m6i.large", "m7i.large"))
    assert kops(tmp_path, "replace", "-f", str(tmp_path / "m.yaml")).returncode == 0
    dry = kops(tmp_path, "update", "cluster", *name)
    assert dry.stdout == "Must specify --yes to apply changes\n"
    done = kops(tmp_path, "reconcile", "cluster", *name, "--yes")
    assert done.returncode == 0, done.stderr
    said = [
        line for line in done.stdout.splitlines() if line and not line.startswith(("NAME", "\t"))
    ]
    steps = [s for s in said if s[0].isupper() and "\t" not in s]
    assert steps == [
        "Updating control plane configuration",
        "Cluster changes have been applied to the cloud.",
        "Waiting for the kubernetes API to be served",
        "Performing rolling-update for control plane",
        "Updating node configuration",
        "Cluster changes have been applied to the cloud.",
        "Performing rolling-update for nodes",
        "Pruning old resources that are no longer used",
    ]
    assert rolls.read_text().split() == [
        "control-plane-a", "control-plane-b", "apiserver-a", "bastions", "nodes-a", "nodes-b",
    ]  # fmt: skip
    missing = kops(tmp_path, "update", "cluster", "--name", "d.example.com", "--yes")
    assert (missing.returncode, missing.stderr) == (1, 'Error: cluster "d.example.com" not found\n')
