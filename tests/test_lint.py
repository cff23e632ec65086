"""The manifest lint: real kOps manifests pass; seeded defects are found once, located."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustermgr.kops import NEWEST_KOPS
from clustermgr.kops.crds import builtin, load_crds
from clustermgr.problems import ERROR, Problem
from clustermgr.validation.lint import Linter
from tests.conftest import SHARED_KOPS, Run


@pytest.fixture(scope="module")
def crd_linter() -> Linter:

    if not SHARED_KOPS.is_dir():
        pytest.skip("../shared/kops is not available")
    return Linter(load_crds(SHARED_KOPS / "crds"))


def found(problems: list[Problem]) -> list[tuple[str, str, str]]:
    return [(p.level, p.rule, str(p.location)) for p in problems]


def test_every_real_manifest_passes(crd_linter: Linter, kops_data: Path) -> None:
    files = sorted((kops_data / "manifests").glob("*.yaml"))
    errors = [p for f in files for p in crd_linter.lint_file(f, f.name) if p.level == ERROR]
    assert errors == []
    builtin = Linter()
    assert [p for f in files for p in builtin.lint_file(f, f.name) if p.level == ERROR] == []


def seeded(kops_data: Path, old: str, new: str, name: str = "minimal-1.33.yaml") -> str:
    text = (kops_data / "manifests" / name).read_text()
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  kubernetesVersion: v1.33.0",
            "  kubernetesVersio: v1.33.0",
            [
                ("warning", "unknown-field", "m.yaml:37:3"),
                ("error", "kubernetes-version", "m.yaml:6:1"),
            ],
        ),
        (
            "  maxSize: 1\n  minSize: 1\n  nodeLabels:\n    kops.k8s.io/instancegroup: nodes",
            "  maxSize: one\n  minSize: 1\n  nodeLabels:\n    kops.k8s.io/instancegroup: nodes",
            [("error", "field-type", "m.yaml:93:12")],
        ),
        (
            '  - us-test-1a\n\n---\n\napiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  creationTimestamp: "2017-01-01T00:00:00Z"\n  labels:\n    kops.k8s.io/cluster: minimal.example.com\n  name: nodes',
            '  - us-test-1a\n\n---\n\napiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  creationTimestamp: "2017-01-01T00:00:00Z"\n  labels:\n    kops.k8s.io/cluster: other.example.com\n  name: nodes',
            [("error", "ig-cluster-label", "m.yaml:85:26")],
        ),
        (
            "  subnets:\n  - us-test-1a\n\n---\n\napiVersion",
            "  subnets:\n  - us-test-1z\n\n---\n\napiVersion",
            [("error", "ig-subnet-unknown", "m.yaml:76:5")],
        ),
        (
            "  topology:",
            "  - cidr: 172.20.48.0/20\n    name: us-test-1b\n    type: Public\n    zone: us-test-1b\n  topology:",
            [("error", "subnet-overlap", "m.yaml:51:11")],
        ),
        (
            "    - encryptedVolume: true\n      instanceGroup: master-us-test-1a\n      name: a\n    memoryRequest: 100Mi\n    name: main",
            "    - encryptedVolume: true\n      instanceGroup: master-us-test-1a\n      name: a\n    - instanceGroup: master-us-test-1a\n      name: b\n    memoryRequest: 100Mi\n    name: main",
            [("error", "etcd-members", "m.yaml:16:5")],
        ),
        (
            "  networkCIDR: 172.20.0.0/16",
            "  networkCIDR: 172.20.1.0/16",
            [("error", "cidr-invalid", "m.yaml:39:16")],
        ),
        (
            "  role: Node",
            "  role: Worker",
            [("error", "ig-role", "m.yaml:97:9")],  # kOps counts any other role as a node
        ),
        ("kind: Cluster", "kind: Keyset", [("error", "kind-unsupported", "m.yaml:2:7")]),
        (
            "  iam:\n    allowContainerRegistry: true",
            "  iam:\n    allowContainerRegistry: yes",
            [("warning", "yaml11", "m.yaml:30:29")],
        ),
    ],
)
def test_seeded_defects(
    crd_linter: Linter, kops_data: Path, old: str, new: str, expected: list[tuple[str, str, str]]
) -> None:
    problems = crd_linter.lint_text(seeded(kops_data, old, new), "m.yaml")
    assert sorted(found(problems)) == sorted(expected)


def test_messages_read_like_kops(crd_linter: Linter, kops_data: Path) -> None:
    text = seeded(kops_data, "  kubernetesVersion: v1.33.0", "  kubernetesVersio: v1.33.0")
    messages = {p.rule: p.message for p in crd_linter.lint_text(text, "m.yaml")}
    assert messages["unknown-field"] == (
        "kOps ignores unknown field `kubernetesVersio` — did you mean `kubernetesVersion`?"
    )
    text = seeded(kops_data, "  networkCIDR: 172.20.0.0/16", "  networkCIDR: 172.20.1.0/16")
    messages = {p.rule: p.message for p in crd_linter.lint_text(text, "m.yaml")}
    assert messages["cidr-invalid"] == (  # kOps: validation.go:515, parseCIDR
        'Invalid value: "172.20.1.0/16": Network contains bits outside prefix (did you mean '
        '"172.20.0.0/16")'
    )


def test_required_that_kops_defaults_is_not_an_error(crd_linter: Linter, kops_data: Path) -> None:
    text = seeded(kops_data, "    legacy: false\n", "")
    assert [p for p in crd_linter.lint_text(text, "m.yaml") if p.level == ERROR] == []


def test_int_or_string_takes_numbers(crd_linter: Linter, kops_data: Path) -> None:
    text = seeded(kops_data, "  - cpuRequest: 200m", "  - cpuRequest: 2")
    assert crd_linter.lint_text(text, "m.yaml") == []


def test_documents_kops_replace_refuses() -> None:
    text = "---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n---\n- a\n"
    assert found(Linter().lint_text(text, "m.yaml")) == [
        ("warning", "document-empty", "m.yaml:2:1"),
        ("error", "api-version", "m.yaml:3:13"),
        ("error", "document-not-mapping", "m.yaml:7:1"),
    ]


def test_broken_yaml_is_one_error() -> None:
    assert found(Linter().lint_text("a: [\n", "m.yaml")) == [("error", "yaml", "m.yaml:2:1")]


def test_the_builtin_catalogue_checks_structure_without_crds() -> None:
    text = (
        "apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata: {name: nodes}\n"
        "spec: {role: Node, minSize: two, rootVolumSize: 1}\n"
    )
    problems = Linter().lint_text(text, "m.yaml")
    assert found(problems) == [
        ("error", "field-type", "m.yaml:4:29"),
        ("warning", "unknown-field", "m.yaml:4:34"),
    ]
    assert (
        problems[1].message
        == "kOps ignores unknown field `rootVolumSize` — did you mean `rootVolumeSize`?"
    )
    strict = Linter(unknown_level=ERROR).lint_text(text, "m.yaml")
    assert [p.level for p in strict] == ["error", "error"]


def test_the_builtin_catalogue_is_the_crds_it_names(kops_data: Path) -> None:

    version, kinds = builtin()
    assert version == NEWEST_KOPS == "1.37.0-alpha.1"
    assert kinds == load_crds(kops_data / "crds")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  sshAccess:\n  - 0.0.0.0/0",
            "  sshAccess:\n  - 10.1.2.3",
            ("access-cidr", "spec.sshAccess[0]", 44),
        ),
        (
            "  iam:\n",
            "  additionalPolicies:\n    workers: '[]'\n  iam:\n",
            ("iam-policy-role", "spec.additionalPolicies", 29),
        ),
        (
            "  iam:\n",
            '  additionalPolicies:\n    node: \'[{"Action": "x"}]\'\n  iam:\n',
            ("iam-policy-json", "spec.additionalPolicies.node", 30),
        ),
        (
            "  iam:\n",
            "  externalPolicies:\n    node: [arn:aws:iam::1:role/x]\n  iam:\n",
            ("iam-policy-arn", "spec.externalPolicies.node", 30),
        ),
        (
            "  iam:\n",
            "  cloudLabels:\n    k8s.io/role/x: '1'\n  iam:\n",
            ("cloud-labels-reserved", 'spec.cloudLabels["k8s.io/role/x"]', 30),
        ),
        ("    cni: {}", "    weave: {}", ("removed-feature", "spec.networking.weave", 41)),
        ("    name: events", "    name: event", ("etcd-name", "spec.etcdClusters[1].name", 28)),
        (
            "  kubernetesVersion: v1.33.0",
            "  kubernetesVersion: v1.39.0",
            ("kops-version-support", "spec.kubernetesVersion", 37),
        ),
    ],
)
def test_seeded_kops_mistakes_are_found_once(
    kops_data: Path, old: str, new: str, expected: tuple[str, str, int]
) -> None:
    problems = Linter().lint_text(seeded(kops_data, old, new), "m.yaml")
    rule, path, line = expected
    hits = [p for p in problems if p.rule == rule]
    assert [(p.path, p.location.line if p.location else 0) for p in hits] == [(path, line)]


def test_the_project_kops_version_applies_to_its_own_files_only(
    run: Run, example: Path, tmp_path: Path
) -> None:
    # The example fleet runs kOps 1.34, which refuses Kubernetes 1.35; another fleet's
    # manifest is checked with the newest kOps' rules.
    rendered = run("-C", str(example), "render", "dev-eu1").out.replace(
        "kubernetesVersion: 1.33.13", "kubernetesVersion: 1.35.0"
    )
    inside, outside = example / "m.yaml", tmp_path / "other" / "m.yaml"
    outside.parent.mkdir()
    for path in (inside, outside):
        path.write_text(rendered)
    own = run("-C", str(example), "lint", str(inside), "-o", "parsable")
    assert own.code == 1
    assert "kops-version-support: This version of kubernetes is not yet supported by kOps 1.34" in (
        own.out
    )
    other = run("-C", str(example), "lint", str(outside), "-o", "parsable")
    assert (other.code, "kops-version-support" in other.out) == (0, False)
