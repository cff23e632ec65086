from __future__ import annotations

from typing import Any

import pytest

from clustermgr.errors import ValuesError
from clustermgr.values.setexpr import mask, parse_into, typed_value


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("a.b.c=v", {"a": {"b": {"c": "v"}}}),
        ("a=1,b=2", {"a": 1, "b": 2}),
        (r"a=x\,y", {"a": "x,y"}),
        (r"a\.b=1", {"a.b": 1}),
        ("a={x,y,z}", {"a": ["x", "y", "z"]}),
        ("a={x,y},b=1", {"a": ["x", "y"], "b": 1}),
        ("a={1,true}", {"a": [1, True]}),
        ("name[2]=x", {"name": [None, None, "x"]}),
        ("a[0].b=1,a[0].c=2", {"a": [{"b": 1, "c": 2}]}),
        ("a[1][0]=x", {"a": [None, ["x"]]}),
        ("a=", {"a": ""}),
        ("a=1,", {"a": 1}),
        ("a=b=c", {"a": "b=c"}),
    ],
)
def test_grammar(expr: str, expected: dict[str, Any]) -> None:
    dest: dict[str, Any] = {}
    parse_into(expr, dest)
    assert dest == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("False", False),
        ("null", None),
        ("NULL", None),
        ("0", 0),
        ("42", 42),
        ("-5", -5),
        ("+5", 5),
        ("0123", "0123"),
        ("1.0", "1.0"),
        ("1e3", "1e3"),
        ("yes", "yes"),
        ("", ""),
        ("99999999999999999999", "99999999999999999999"),
        ("9223372036854775807", 9223372036854775807),
    ],
)
def test_set_converts_like_kops(text: str, expected: Any) -> None:
    assert typed_value(text) == expected
    assert type(typed_value(text)) is type(expected)


def test_set_string_never_converts() -> None:
    dest: dict[str, Any] = {}
    parse_into("a=true,b=0,c=null,d={1,2}", dest, as_string=True)
    assert dest == {"a": "true", "b": "0", "c": "null", "d": ["1", "2"]}


def test_assigned_paths_are_reported() -> None:
    assert parse_into("a.b=1,c[1]=2,d={x}", {}) == [("a", "b"), ("c", 1), ("d",)]


def test_index_merges_into_existing_list() -> None:
    dest: dict[str, Any] = {"a": ["x", "y", "z"]}
    parse_into("a[1]=new", dest)
    assert dest == {"a": ["x", "new", "z"]}


def test_nested_key_merges_into_existing_map() -> None:
    dest: dict[str, Any] = {"a": {"keep": 1}}
    parse_into("a.add=2", dest)
    assert dest == {"a": {"keep": 1, "add": 2}}


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("foo", "--set 'foo': key 'foo' has no value"),
        ("foo=v,bar", "--set 'foo=…,bar': key 'bar' has no value"),
        ("a,b=1", "--set 'a,b=…': key 'a' has no value (cannot end with ,)"),
        ("a.b", "--set 'a.b': key 'b' has no value"),
        ("list={a,b", "--set 'list=…': list must terminate with '}'"),
        ("a[x]=1", "--set 'a[x]=…': error parsing index: 'x' is not a number"),
        ("a[-1]=1", "--set 'a[-1]=…': negative -1 index not allowed"),
        ("a[0]x=1", "--set 'a[0]x=…': unexpected data at end of array index: 'x'"),
        (
            "a[99999999]=1",
            "--set 'a[99999999]=…': index of 99999999 is greater than the maximum of 1000 (limits.setIndex)",
        ),
    ],
)
def test_errors_quote_the_bad_part(expr: str, message: str) -> None:
    with pytest.raises(ValuesError) as info:
        parse_into(expr, {})
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("expr", "shown"),
    [
        ("password=hunter2", "password=…"),
        ("a.b=x,c={y,z},d=1", "a.b=…,c=…,d=…"),
        ("k\\=ey=v\\,w,z=1", "k\\=ey=…,z=…"),
        ("x=" + "9" * 300, "x=…"),
    ],
)
def test_messages_show_keys_never_values(expr: str, shown: str) -> None:
    assert mask(expr) == shown


def test_cannot_descend_into_a_scalar() -> None:
    with pytest.raises(ValuesError) as info:
        parse_into("a.b=1", {"a": "text"}, as_string=True)
    assert str(info.value) == "--set-string 'a.b=…': cannot set a key under 'a': not a map"
