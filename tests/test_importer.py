"""`import` on real kOps manifests: exact round trips, readable templates, lean values."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustermgr.errors import ClusterMgrError
from clustermgr.ops import importer
from clustermgr.yamlio import load_documents
from clustermgr.yamlio.emit import dump
from tests.conftest import Run

MINIMAL = ["minimal-1.32", "minimal-1.33", "minimal-1.34", "minimal-1.35", "minimal-1.36"]


def manifests(kops_data: Path, names: list[str]) -> list[Path]:
    return [kops_data / "manifests" / f"{name}.yaml" for name in names]


def test_a_family_becomes_one_template_and_one_value_each(kops_data: Path) -> None:
    result = importer.run(manifests(kops_data, MINIMAL), "file")
    assert result.rounds == 1
    files = result.files
    assert files["values/minimal-1.33.yaml"] == (
        f"# Imported from {kops_data}/manifests/minimal-1.33.yaml\n"
        "clusterName: minimal.example.com\n"
        "kubernetesVersion: v1.33.0\n"
    )
    cluster = files["template/10-cluster.yaml.j2"]
    assert "  masterPublicName: api.{{ clusterName }}\n" in cluster
    assert "  configBase: memfs://tests/{{ clusterName }}\n" in cluster
    assert "  kubernetesVersion: {{ kubernetesVersion }}\n" in cluster
    control_plane = files["template/20-control-plane.yaml.j2"]
    assert control_plane.startswith("{% for ig in controlPlane | default([]) %}\n---\n")
    assert "    kops.k8s.io/cluster: {{ clusterName }}\n" in control_plane
    assert "    kops.k8s.io/instancegroup: {{ ig.name }}\n" in control_plane
    assert "  machineType: {{ ig.machineType }}\n" in control_plane
    nodes = files["template/30-nodes.yaml.j2"]
    assert "    kops.k8s.io/instancegroup: nodes-{{ ig.subnets[0] }}\n" in nodes
    assert result.source_bytes / result.template_bytes > 4


@pytest.mark.parametrize("family", ["private", ""])
def test_families_and_everything_round_trip(kops_data: Path, family: str) -> None:
    paths = sorted((kops_data / "manifests").glob(f"{family}*.yaml"))
    result = importer.run(paths, "file")
    assert result.rounds == 1
    assert len(result.clusters) == len(paths)
    assert result.source_bytes / result.template_bytes > 4


def test_one_source_still_extracts_the_per_cluster_fields(kops_data: Path) -> None:
    result = importer.run(manifests(kops_data, ["ha"]), "file")
    values = result.files["values/ha.yaml"].splitlines()
    assert values[1:6] == [
        "clusterName: ha.example.com",
        "kubernetesVersion: v1.32.0",
        "networkCIDR: 172.20.0.0/16",
        "nonMasqueradeCIDR: 100.64.0.0/10",
        "subnets:",
    ]
    assert values[values.index("nodes:") :] == [
        "nodes:",
        "- name: nodes",
        "  machineType: t2.medium",
        "  maxSize: 2",
        "  minSize: 2",
        "  subnets:",
        "  - us-test-1a",
        "  - us-test-1b",
        "  - us-test-1c",
    ]


def test_the_project_validates_and_renders_back(run: Run, kops_data: Path, tmp_path: Path) -> None:
    paths = [str(p) for p in manifests(kops_data, [*MINIMAL, "ha", "privatecilium"])]
    result = run("import", *paths, "--out", str(tmp_path / "fleet"))
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == (
        "imported 7 clusters: minimal-1.32, minimal-1.33, minimal-1.34, minimal-1.35, "
        "minimal-1.36, ha, privatecilium"
    )
    assert result.out.splitlines()[-1] == f"wrote 18 files under {tmp_path / 'fleet'}"
    checked = run("-C", str(tmp_path / "fleet"), "validate", "--all", "-o", "parsable")
    # kOps' test manifests minimal-1.32 ... 1.36 all name minimal.example.com: one real
    # cluster could not be all five, and validate says so; nothing else is wrong
    rules = {line.split("] ")[1].split(":")[0] for line in checked.out.splitlines()}
    assert rules == {"kops-name-duplicate"}, checked.out
    again = run("import", *paths, "--out", str(tmp_path / "fleet"))
    assert again.code == 2 and "pass --force" in again.err
    assert run("import", *paths, "--out", str(tmp_path / "fleet"), "--force").code == 0


def test_state_store_folders(run: Run, kops_data: Path, tmp_path: Path) -> None:

    source = kops_data / "manifests" / "ha.yaml"
    folder = tmp_path / "state" / "ha.example.com"
    (folder / "instancegroup").mkdir(parents=True)
    for doc in load_documents(source.read_text(), "ha"):
        if doc.data["kind"] == "Cluster":
            (folder / "config").write_text(dump(doc.data))
        else:
            (folder / "instancegroup" / doc.data["metadata"]["name"]).write_text(dump(doc.data))
    result = importer.run([folder], "file")
    assert result.clusters == ["ha.example.com"]


def test_nothing_is_written_when_the_round_trip_fails(
    kops_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    monkeypatch.setattr(importer.project, "_round_trip", lambda *_: {("Cluster", ("spec", "x"))})
    result = run("import", str(kops_data / "manifests" / "ha.yaml"), "--out", str(tmp_path / "o"))
    assert result.code == 1
    assert result.err == (
        "error: the imported project does not reproduce its sources (Cluster: spec.x)\n"
    )
    assert not (tmp_path / "o").exists()


def test_duplicate_names_are_refused(kops_data: Path, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    copy = tmp_path / "a" / "ha.yaml"
    copy.write_text((kops_data / "manifests" / "ha.yaml").read_text())
    with pytest.raises(ClusterMgrError, match="would both be cluster 'ha'"):
        importer.run([kops_data / "manifests" / "ha.yaml", copy], "file")


def test_the_environment_is_each_clusters_own_and_always_allowed(
    run: Run, kops_data: Path, tmp_path: Path
) -> None:
    sources = [str(kops_data / "manifests" / n) for n in ("ha.yaml", "minimal-1.32.yaml")]
    same = tmp_path / "same"
    assert run("import", *sources, "--environment", "prod", "--out-dir", str(same)).code == 0
    assert "environment" not in (same / "values" / "_defaults.yaml").read_text()
    assert all(
        "environment: prod" in p.read_text()
        for p in (same / "values").rglob("*.yaml")
        if not p.name.startswith("_")
    )
    # without one, the advice is to add `environment`: the schema import wrote allows it
    bare = tmp_path / "bare"
    assert run("import", *sources, "--out-dir", str(bare)).code == 0
    own = next(p for p in (bare / "values").rglob("*.yaml") if not p.name.startswith("_"))
    own.write_text(own.read_text() + "environment: dev\n")
    result = run("-C", str(bare), "validate", own.stem)
    assert result.code == 0, result.out + result.err
