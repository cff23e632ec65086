"""`validate` on the example example with defects seeded into its values and templates."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import REPO, Run


def edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def parsable(run: Run, root: Path, *args: str) -> tuple[int, list[str]]:
    result = run("-C", str(root), "validate", *args, "-o", "parsable")
    return result.code, result.out.splitlines()


def test_the_example_is_valid(run: Run) -> None:
    result = run("-C", str(REPO), "validate", "--all")
    assert (result.code, result.out) == (0, "4 clusters checked, 0 failing: 0 errors, 0 warnings\n")


def test_wrong_type_in_the_environment_layer(run: Run, example: Path) -> None:
    edit(example, "values/prod/_env.yaml", "  maxPods: 64", '  maxPods: "64"')
    code, lines = parsable(run, example, "--all")
    assert code == 1
    message = (
        "values/prod/_env.yaml:9:12: [error] schema: kubelet.maxPods: '64' is not of type "
        "'integer' (overrides values/_defaults.yaml:19:12)"
    )
    assert lines == [f"{message} (in 2 clusters: prod-eu1, prod-us1)"]  # once, for both


def test_misspelt_key_points_at_the_key(run: Run, example: Path) -> None:
    edit(example, "values/dev/dev-eu1.yaml", "region:", "regoin:")
    code, lines = parsable(run, example, "dev-eu1")
    assert code == 1
    assert lines == [
        "values/dev/dev-eu1.yaml:1:1: [error] schema: (top level): 'region' is a required property",
        "values/dev/dev-eu1.yaml:2:1: [error] schema: (top level): unexpected key 'regoin' "
        "(did you mean 'region'?)",
    ]


def test_bad_set_is_named(run: Run, example: Path) -> None:
    code, lines = parsable(run, example, "dev-eu1", "--set", "nodeGroups.nodes.maxSize=many")
    assert code == 1
    assert lines == [
        "dev-eu1: [error] schema: nodeGroups.nodes.maxSize: 'many' is not of type 'integer' "
        "(set by --set nodeGroups.nodes.maxSize=…) (overrides values/dev/_env.yaml:10:14, "
        "values/_defaults.yaml:27:14)"
    ]
    code, lines = parsable(run, example, "dev-eu1", "--set", "nodeGroups=x,y")
    assert lines == ["dev-eu1: [error] set: --set 'nodeGroups=…,y': key 'y' has no value"]


def test_manifest_rules_name_template_line_document_field_and_value(
    run: Run, example: Path
) -> None:
    edit(example, "values/staging/staging-eu1.yaml", "cidr: 10.20.64.0/19", "cidr: 10.20.32.0/20")
    edit(
        example,
        "values/prod/prod-us1.yaml",
        "zones: [us-east-1a, us-east-1b, us-east-1c]",
        "zones: [us-east-1a, us-east-1d]",
    )
    code, lines = parsable(run, example, "--all")
    assert code == 1
    assert lines == [
        "template/10-cluster.yaml.j2:19: [error] etcd-members: Cluster/prod-us1.k8s.example.com "
        "spec.etcdClusters[0].etcdMembers: Invalid value: 2: Should be an odd number of "
        "control-plane-zones for quorum. Use --zones and --control-plane-zones to declare node "
        "zones and control-plane zones separately",  # kOps: validation.go:1536
        "template/10-cluster.yaml.j2:19: [error] etcd-members: Cluster/prod-us1.k8s.example.com "
        "spec.etcdClusters[1].etcdMembers: Invalid value: 2: Should be an odd number of "
        "control-plane-zones for quorum. Use --zones and --control-plane-zones to declare node "
        "zones and control-plane zones separately",  # kOps: validation.go:1536
        "values/prod/prod-us1.yaml:17:23: [error] ig-subnet-unknown: "
        'InstanceGroup/control-plane-us-east-1d spec.subnets[0]: Not found: "us-east-1d" '
        "(written at template/20-instancegroups.yaml.j2)",  # kOps: instancegroup.go:284
        "values/staging/staging-eu1.yaml:9:11: [error] subnet-overlap: "
        "Cluster/staging-eu1.k8s.example.com spec.subnets[1].cidr: subnet '10.20.32.0/20' "
        "overlaps subnet '10.20.32.0/19' (spec.subnets[0]); AWS would refuse it "
        "(written at template/10-cluster.yaml.j2)",
    ]


def test_parse_errors_of_every_layer_and_render_errors(run: Run, example: Path) -> None:
    edit(example, "values/dev/_env.yaml", "environment: dev", "environment: dev\nenvironment: x")
    edit(example, "values/dev/dev-eu1.yaml", "region: eu-west-1", "region: [eu-west-1")
    code, lines = parsable(run, example, "dev-eu1")
    assert code == 1
    assert lines == [
        "values/dev/_env.yaml:3:1: [error] yaml: duplicate key 'environment' (first set at line 2)",
        "values/dev/dev-eu1.yaml:3:12: [error] yaml: did not find expected ',' or ']' "
        "(while parsing a flow sequence at line 2)",
    ]


def test_a_template_error_is_reported_once(run: Run, example: Path) -> None:
    edit(example, "template/10-cluster.yaml.j2", "  channel: stable", "  channel: {{ chanel }}")
    code, lines = parsable(run, example, "dev-eu1", "staging-eu1")
    assert code == 1
    assert lines == [
        "template/10-cluster.yaml.j2:13:15: [error] template: undefined value 'chanel' "
        "(in 2 clusters: dev-eu1, staging-eu1)"
    ]


def test_json_report(run: Run, example: Path) -> None:
    edit(example, "values/prod/_env.yaml", "  maxPods: 64", "  maxPods: 1000")
    result = run("-C", str(example), "validate", "prod-eu1", "-o", "json")
    report = json.loads(result.out)
    assert report["summary"] == {"groups": 1, "errors": 1, "warnings": 0}
    assert report["groups"][0]["problems"] == [
        {
            "level": "error",
            "rule": "schema",
            "check": "values",
            "message": "kubelet.maxPods: 1000 is greater than the maximum of 250 "
            "(overrides values/_defaults.yaml:19:12)",
            "file": "values/prod/_env.yaml",
            "line": 9,
            "col": 12,
            "path": "kubelet.maxPods",
            "document": None,
            "template": None,
            "origin": None,
        }
    ]


def test_a_configured_schema_must_exist(run: Run, example: Path) -> None:
    config = example / "clustermgr.yaml"
    config.write_text(
        config.read_text().replace(
            "schema: schemas/values.schema.json", "schema: schemas/nope.json"
        )
    )
    result = run("-C", str(example), "validate", "--all")
    assert (result.code, result.err) == (
        1,
        "clustermgr.yaml: error: schema: 'schemas/nope.json' does not exist\n",
    )


def test_a_misspelt_template_field_is_an_error(run: Run, example: Path) -> None:
    # no kopsCrds and no other setting: the built-in kOps catalogue checks every field
    template = example / "template" / "20-instancegroups.yaml.j2"
    template.write_text(
        template.read_text().replace("  rootVolumeSize: {{ group", "  rootVolumSize: {{ group", 1)
    )
    result = run("-C", str(example), "validate", "dev-eu1", "-o", "parsable")
    assert result.code == 1
    lines = [line for line in result.out.splitlines() if "unknown-field" in line]
    assert lines and all("[error]" in line for line in lines)
    assert "did you mean `rootVolumeSize`?" in lines[0]


def test_the_values_line_is_found_among_equal_values_by_its_key(run: Run, example: Path) -> None:
    # 10.0.0.0/8 is also the sshAccess and kubernetesApiAccess entry: the key name decides.
    edit(
        example,
        "values/_defaults.yaml",
        "nonMasqueradeCIDR: 100.64.0.0/10",
        "nonMasqueradeCIDR: 10.0.0.0/8",
    )
    code, lines = parsable(run, example, "dev-eu1")
    assert code == 1
    assert lines == [
        "values/_defaults.yaml:7:20: [error] non-masquerade-overlap: "
        "Cluster/dev-eu1.k8s.example.com spec.nonMasqueradeCIDR: Forbidden: nonMasqueradeCIDR "
        '"10.0.0.0/8" cannot overlap with networkCIDR "10.10.0.0/16" '
        "(written at template/10-cluster.yaml.j2:40)"
    ]
