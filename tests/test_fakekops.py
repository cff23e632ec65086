"""The fake kops itself, against kOps' source (v1.37.0-alpha.1): what `kops replace` stores
and refuses, so that the tests that run clustermgr against it test something."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
