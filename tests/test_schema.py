from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clustermgr.errors import ConfigError
from clustermgr.problems import Location
from clustermgr.project import find_project
from clustermgr.values.build import cluster_values
from clustermgr.values.layers import build_values
from clustermgr.values.schema import ValuesSchema, _compiled, _fast_valid


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


# The fast validator (jsonschema-rs) against the reference (jsonschema): whatever the fast one
# calls valid, the reference must call valid too, or an error would go unreported.

jsonschema = pytest.importorskip("jsonschema")
pytest.importorskip("jsonschema_rs")

REPO = Path(__file__).resolve().parent.parent


def fast_and_reference(schema: dict[str, object]) -> tuple[object, object]:
    fast = _compiled(schema)
    assert fast is not None, "the fast validator should read this schema"
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return fast, cls(schema, format_checker=cls.FORMAT_CHECKER)


EDGE_STRINGS = [
    "",
    "a",
    "a@b",
    "a@b.c",
    "ü@ü.de",
    '"a b"@c.d',
    "john@[1.2.3.4]",
    "1.2.3.4",
    "01.2.3.4",
    "256.1.1.1",
    "::1",
    "fe80::1%eth0",
    "2024-01-01",
    "20240101",
    "2024-02-30",
    "2024-01-01T00:00:00Z",
    "12:00:00Z",
    "P1D",
    "http://x",
    "/a/b",
    "a b",
    "[",
    "(a",
    "\\p{L}",
    "{a}",
    "http://a/{b}",
    "example.com",
    "-a.com",
    "é.com",
    "xn--e1afmkfd",
    "00000000-0000-0000-0000-000000000000",
    "abc\n",
    "١٢",
    "\ufeff",
    "éfoo",
    "a\rb",
]


@pytest.mark.parametrize("name", sorted(jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers))
def test_formats_are_the_references(name: str) -> None:
    fast, reference = fast_and_reference({"format": name})
    for text in EDGE_STRINGS:
        assert fast.is_valid(text) == reference.is_valid(text), (name, text)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "pattern", ["^[a-z]+$", "^\\d+$", "^\\s*$", "\\bfoo", "^a.b$", "^\\w+$", "(?i)^A$", "^$"]
)
def test_patterns_are_pythons(pattern: str) -> None:
    for schema in ({"pattern": pattern}, {"propertyNames": {"pattern": pattern}}):
        fast, reference = fast_and_reference(schema)
        for text in [*EDGE_STRINGS, "abc", "foo", "A", "a"]:
            data = text if "pattern" in schema else {text: 1}
            assert fast.is_valid(data) == reference.is_valid(data), (pattern, text)  # type: ignore[attr-defined]


def test_what_the_two_compute_differently_stays_with_the_reference() -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    # jsonschema-rs calls 0.07 a multiple of 0.01; the reference, dividing floats, does not.
    assert jsonschema_rs.validator_for({"multipleOf": 0.01}).is_valid(0.07)
    assert not jsonschema.Draft202012Validator({"multipleOf": 0.01}).is_valid(0.07)
    assert _compiled({"properties": {"price": {"multipleOf": 0.01}}}) is None
    assert _compiled({"patternProperties": {"^a$": {"type": "string"}}}) is None
    assert _compiled({"multipleOf": 2}) is not None
    # No network: a remote reference is refused, and the reference decides what it means.
    assert _compiled({"$ref": "https://schemas.example.com/values.json"}) is None


def test_an_invalid_value_is_reported_by_the_reference(write: Callable[..., Path]) -> None:
    root = write({"a.yaml": "price: 0.07\nname: x\n"})
    schema = {"properties": {"price": {"multipleOf": 0.01}, "name": {"pattern": "^\\d+$"}}}
    assert check(root, schema, "a.yaml") == [
        "a.yaml:1:8: price: 0.07 is not a multiple of 0.01",
        "a.yaml:2:7: name: 'x' does not match '^\\\\d+$'",
    ]


def test_without_the_fast_validator_the_answers_are_the_same(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write({"a.yaml": "x: 1\nw: 2\n", "b.yaml": "x: 1\n"})
    schema = {"properties": {"x": {"type": "integer"}}, "additionalProperties": False}
    with_fast = check(root, schema, "a.yaml"), check(root, schema, "b.yaml")
    monkeypatch.setitem(sys.modules, "jsonschema_rs", None)  # import fails
    assert _compiled(schema) is None
    assert (check(root, schema, "a.yaml"), check(root, schema, "b.yaml")) == with_fast
    assert with_fast == (["a.yaml:2:1: (top level): unexpected key 'w'"], [])


def _json_values() -> st.SearchStrategy[object]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True),
        st.text(max_size=12),
        st.sampled_from(["m5.large", "10.0.0.0/16", "eu-west-1a", "1.34.1", "dev", "", "0"]),
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=8,
    )


def _leaf_paths(data: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    if isinstance(data, dict):
        return [path] + [p for k, v in data.items() for p in _leaf_paths(v, (*path, k))]
    if isinstance(data, list):
        return [path] + [p for i, v in enumerate(data) for p in _leaf_paths(v, (*path, i))]
    return [path]


def _leaves(data: object) -> list[object]:
    if isinstance(data, dict):
        return [leaf for v in data.values() for leaf in _leaves(v)]
    if isinstance(data, list):
        return [leaf for v in data for leaf in _leaves(v)]
    return [data]


def _example_values() -> list[dict[str, object]]:
    project = find_project(REPO)
    return [cluster_values(project, c).data for c in project.clusters().values()]


def _near(value: object) -> st.SearchStrategy[object]:
    """Values close to `value`: where validators disagree, if anywhere (edges of numbers,
    strings with a trailing newline, Unicode digits or spaces, a byte-order mark)."""
    if isinstance(value, bool):
        return st.just(not value)
    if isinstance(value, int):
        return st.sampled_from([value - 1, value + 1, -value, float(value), value + 0.5, 0])
    if isinstance(value, str):
        tails = ["\n", " ", "\ufeff", "\u0661", "-", "A", "é", ".", "/"]
        return st.sampled_from([value + t for t in tails] + [t + value for t in tails] + [""])
    return st.nothing()


@settings(max_examples=800, deadline=None, derandomize=True)
@given(data=st.data())
def test_the_fast_validator_never_hides_an_error_of_the_example_schema(data: st.DataObject) -> None:
    """The example project's schema and its clusters' real values, one node replaced (by a
    value near it, a value found elsewhere in the fleet, or anything JSON holds), or a key
    added: whenever the fast validator says valid, the reference must agree."""
    values = copy.deepcopy(data.draw(st.sampled_from(EXAMPLE_VALUES)))
    path = data.draw(st.sampled_from(_leaf_paths(values)[1:]))
    parent: object = values
    for step in path[:-1]:
        parent = parent[step]  # type: ignore[index]
    old = parent[path[-1]]  # type: ignore[index]
    near = _near(old)  # twice as likely as the others: the boundary is near the valid
    new = data.draw(st.one_of(near, near, st.sampled_from(EXAMPLE_LEAVES), _json_values()))
    if isinstance(parent, dict) and data.draw(st.integers(0, 4)) == 0:
        parent[data.draw(st.text(max_size=8))] = new  # a key added beside it
    else:
        parent[path[-1]] = new  # type: ignore[index]
    if _fast_valid(EXAMPLE_FAST, values):
        VERDICTS.append(True)
        assert EXAMPLE_REFERENCE.is_valid(values), values  # type: ignore[attr-defined]


EXAMPLE_SCHEMA = json.loads((REPO / "schemas" / "values.schema.json").read_text())
EXAMPLE_FAST, EXAMPLE_REFERENCE = fast_and_reference(EXAMPLE_SCHEMA)
EXAMPLE_VALUES = _example_values()
EXAMPLE_LEAVES = sorted({repr(v): v for d in EXAMPLE_VALUES for v in _leaves(d)}.values(), key=repr)
VERDICTS: list[bool] = []


def test_the_property_test_saw_valid_values() -> None:
    """The implication above is only tested where the fast validator says valid: make sure
    that happened often enough to mean something (it runs first, in file order)."""
    assert len(VERDICTS) >= 30
