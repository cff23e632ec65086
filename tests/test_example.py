"""The embedded example fleet stays valid against its own schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from clustermgr.project import find_project
from clustermgr.values import Overrides, cluster_values
from tests.conftest import REPO

PROJECT = find_project(REPO)
SCHEMA = json.loads((REPO / "schemas" / "values.schema.json").read_text())


def test_schema_describes_every_property() -> None:
    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                assert "description" in prop, f"{where}.{name}"
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    walk(SCHEMA, "schema")


@pytest.mark.parametrize("name", list(PROJECT.clusters()))
def test_example_values_are_valid(name: str) -> None:
    values = cluster_values(PROJECT, PROJECT.cluster(name), Overrides())
    errors = list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(values.data))
    assert [e.message for e in errors] == []


def test_schema_is_strict() -> None:
    values = cluster_values(
        PROJECT,
        PROJECT.cluster("dev-eu1"),
        Overrides(sets=["nodeGroups.nodes.minSise=1", "region=mars"]),
    )
    messages = sorted(
        e.message for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(values.data)
    )
    assert messages == [
        "'mars' does not match '^[a-z]{2}(-[a-z]+)+-[0-9]$'",
        "Additional properties are not allowed ('minSise' was unexpected)",
    ]


def test_prod_has_three_control_plane_zones() -> None:
    for name in ("prod-eu1", "prod-us1"):
        values = cluster_values(PROJECT, PROJECT.cluster(name), Overrides())
        assert len(values.data["controlPlane"]["zones"]) == 3
