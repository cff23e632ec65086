from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from clustermgr.errors import ConfigError
from clustermgr.problems import Location
from clustermgr.values.layers import build_values
from clustermgr.values.schema import ValuesSchema


def check(
    root: Path, schema: dict[str, object], *files: str, sets: tuple[str, ...] = ()
) -> list[str]:
    (root / "s.json").write_text(json.dumps(schema))
    values = build_values([(root / f, f) for f in files], sets=sets)
    problems = ValuesSchema(root / "s.json", "s.json").check(values, Location(files[-1], 1, 1))
    return [f"{p.location}: {p.message}" if p.location else p.message for p in problems]


def test_required_points_at_the_enclosing_mapping(write: Callable[..., Path]) -> None:
    root = write({"a.yaml": "top: 1\nnodes:\n  min: 1\n", "b.yaml": "nodes:\n  extra: 2\n"})
    schema = {"properties": {"nodes": {"required": ["max"]}}, "required": ["name"]}
    assert sorted(check(root, schema, "a.yaml", "b.yaml")) == [
        "a.yaml:2:1: nodes: 'max' is a required property",
        "b.yaml:1:1: (top level): 'name' is a required property",
    ]


def test_draft7_is_honoured(write: Callable[..., Path]) -> None:
    root = write({"a.yaml": "a: 1\n"})
    draft7 = {"$schema": "http://json-schema.org/draft-07/schema#", "dependencies": {"a": ["b"]}}
    assert check(root, draft7, "a.yaml") == ["a.yaml:1:1: (top level): 'b' is a dependency of 'a'"]
    assert check(root, {"dependencies": {"a": ["b"]}}, "a.yaml") == []  # not a 2020-12 keyword


def test_every_unexpected_key_is_located(write: Callable[..., Path]) -> None:
    root = write({"a.yaml": "x: 1\nw: 2\nz: 3\n"})
    schema = {"properties": {"x": {}}, "additionalProperties": False}
    assert check(root, schema, "a.yaml") == [
        "a.yaml:2:1: (top level): unexpected key 'w'",
        "a.yaml:3:1: (top level): unexpected key 'z'",
    ]


def test_schema_file_errors(write: Callable[..., Path]) -> None:
    root = write({"bad.json": '{\n  "type": \n}\n', "wrong.json": '{"type": 12}'})
    with pytest.raises(ConfigError) as info:
        ValuesSchema(root / "bad.json", "bad.json")
    assert str(info.value) == "bad.json:3:1: invalid JSON: Expecting value"
    with pytest.raises(ConfigError) as info:
        ValuesSchema(root / "wrong.json", "wrong.json")
    assert str(info.value).startswith(
        "wrong.json: not a valid JSON Schema at type: 12 is not valid"
    )


def test_sensitive_values_are_not_printed(write: Callable[..., Path]) -> None:
    root = write({"a.yaml": "token: s3cr3t\n"})
    schema = {"properties": {"token": {"type": "integer", "writeOnly": True}}}
    assert check(root, schema, "a.yaml") == [
        "a.yaml:1:8: token: <redacted> is not of type 'integer'"
    ]
