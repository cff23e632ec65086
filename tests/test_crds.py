from __future__ import annotations

from pathlib import Path

import pytest

from clustermgr.errors import UsageError
from clustermgr.kops import crds


def test_reduced_dialect(kops_data: Path) -> None:
    schemas = crds.load_crds(kops_data / "crds")
    assert sorted(schemas) == ["Cluster", "InstanceGroup", "Keyset", "SSHCredential"]
    spec = schemas["Cluster"]["properties"]["spec"]["properties"]
    assert "legacy" not in spec["iam"].get("required", [])  # kOps fills it
    etcd = spec["etcdClusters"]["items"]["properties"]
    assert etcd["cpuRequest"] == {"type": "int-or-string"}
    assert "description" not in spec["kubernetesVersion"]


def test_converted_once_and_cached(
    kops_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLUSTERMGR_CACHE_DIR", str(tmp_path))
    first = crds.load_crds(kops_data / "crds")
    assert len(list((tmp_path / "crds").iterdir())) == 4

    def refuse(*args: object) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr(crds, "_convert", refuse)
    assert crds.load_crds(kops_data / "crds") == first


def test_changed_crd_file_is_converted_again(
    kops_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLUSTERMGR_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "crds"
    folder.mkdir()
    source = (kops_data / "crds" / "kops.k8s.io_sshcredentials.yaml").read_text()
    (folder / "ssh.yaml").write_text(source)
    assert (
        "publicKey" in crds.load_crds(folder)["SSHCredential"]["properties"]["spec"]["properties"]
    )
    (folder / "ssh.yaml").write_text(source.replace("publicKey:", "publicKeyData:"))
    spec = crds.load_crds(folder)["SSHCredential"]["properties"]["spec"]["properties"]
    assert "publicKeyData" in spec and "publicKey" not in spec


def test_no_crds(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no kOps CRD files"):
        crds.load_crds(tmp_path)
