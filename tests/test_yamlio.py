from __future__ import annotations

from pathlib import Path

import pytest

from clustermgr import yamlio
from clustermgr.errors import YAMLError
from clustermgr.yamlio import compose as yamlparse
from clustermgr.yamlio import load_documents


def load(text: str) -> yamlio.Document:
    return yamlio.load_documents(text, "f.yaml")[0]


def error_of(text: str) -> str:
    with pytest.raises(YAMLError) as info:
        yamlio.load_documents(text, "f.yaml")
    return str(info.value)


def test_positions_of_scalars_and_collections() -> None:
    doc = load("a: 1\nb:\n  c: [x, y]\n")
    assert doc.positions[("a",)] == (1, 4, 1, 1)  # value, then key
    assert doc.positions[("b",)] == (2, 1, 2, 1)  # a collection points at its key
    assert doc.positions[("b", "c", 1)] == (3, 10)
    assert str(doc.location(("b", "c", 1))) == "f.yaml:3:10"
    assert str(doc.location(("b", "missing"))) == "f.yaml:2:1"


def test_duplicate_keys_are_errors() -> None:
    assert error_of("a: 1\nb:\n  c: 2\n  c: 3\n") == (
        "f.yaml:4:3: duplicate key 'c' (first set at line 3)"
    )


def test_syntax_error_location() -> None:
    assert error_of("a: [1, 2\n") == (
        "f.yaml:2:1: did not find expected ',' or ']' (while parsing a flow sequence at line 1)"
    )


def test_values_resolve_as_kops_go_yaml() -> None:
    data = load("a: yes\nb: off\nc: 2017-01-01T00:00:00Z\nd: 0o17\ne: 012\nf: 1.5\ng: ~\n").data
    assert data == {
        "a": True,
        "b": False,
        "c": "2017-01-01T00:00:00Z",
        "d": 15,
        "e": 10,
        "f": 1.5,
        "g": None,
    }


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("y", True),
        ("N", False),
        ("on", True),
        ("OFF", False),
        ("1:30", "1:30"),
        ("190:20:30", "190:20:30"),
        ("1e3", 1000.0),
        ("1.5e3", 1500.0),
        ("-1E-2", -0.01),
        ("0777", 511),
        ("1_000", 1000),
        ("0b101", 5),
        ("-0x10", -16),
        ("9" * 30, 1e30),
        ("9" * 400, "9" * 400),
        ("18446744073709551615", 2**64 - 1),
        (".5", 0.5),
        ("2024-1-2", "2024-1-2"),
        ("v1.34.1", "v1.34.1"),
        ("0x", "0x"),
        ("+", "+"),
    ],
)
def test_plain_scalars_read_as_go_yaml_v2(text: str, value: object) -> None:
    got = load(f"k: {text}\n").data["k"]
    assert (type(got), got) == (type(value), value)


def test_keys_read_as_sigs_k8s_yaml_writes_them() -> None:
    data = load("y: 1\n0x10: 3\nname: 4\n'n': 5\n").data
    assert data == {"true": 1, "16": 3, "name": 4, "n": 5}


def test_merge_keys() -> None:
    data = load("base: &b {x: 1, w: 2}\nthis:\n  <<: *b\n  w: 3\n").data
    assert data["this"] == {"x": 1, "w": 3}


def test_alias_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlparse, "MAX_NODES", 1000)
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdef":
        prev = chr(ord(level) - 1)
        text += f"{level}: &{level} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    assert "expands to more than 1000 nodes" in error_of(text)


def test_unknown_tag() -> None:
    assert error_of("a: !Ref thing\n") == "f.yaml:1:4: unknown tag '!Ref'"


def test_load_mapping_rules(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("# nothing\n")
    assert yamlio.load_mapping(tmp_path / "empty.yaml").data == {}
    (tmp_path / "list.yaml").write_text("- 1\n")
    with pytest.raises(YAMLError, match="the top level must be a mapping, not a list"):
        yamlio.load_mapping(tmp_path / "list.yaml", "list.yaml")
    (tmp_path / "two.yaml").write_text("a: 1\n---\nb: 2\n")
    with pytest.raises(YAMLError, match="holds several YAML documents"):
        yamlio.load_mapping(tmp_path / "two.yaml")
    (tmp_path / "bin.yaml").write_bytes(b"a: \xff\n")
    with pytest.raises(YAMLError, match=r"not UTF-8 text \(byte 3\)"):
        yamlio.load_mapping(tmp_path / "bin.yaml")
    with pytest.raises(YAMLError, match="no such file"):
        yamlio.load_mapping(tmp_path / "nope.yaml")


def test_real_manifests_round_trip(kops_data: Path) -> None:
    files = sorted((kops_data / "manifests").glob("*.yaml"))
    assert len(files) == 79
    for file in files:
        docs = [d.data for d in yamlio.load_documents(file.read_text(), file.name)]
        again = [d.data for d in yamlio.load_documents(yamlio.dump_all(docs), "again")]
        assert again == docs, file.name


def test_format_path() -> None:
    assert yamlio.format_path(("a", "b", 0, "kops.k8s.io/cluster")) == (
        'a.b[0]["kops.k8s.io/cluster"]'
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # go-yaml v2 resolves a tagged scalar by the implicit rules, then checks the type
        # (kOps: vendor/gopkg.in/yaml.v2/resolve.go, resolve)
        ("x: !!bool yes", True),
        ("x: !!bool off", False),
        ("x: !!int 0x1F", 31),
        ("x: !!float 3", 3.0),
        ("x: !!null ~", None),
        # !!binary is base64 decoded into text (vendor/gopkg.in/yaml.v2/decode.go, scalar)
        ("x: !!binary aGVsbG8=", "hello"),
        ("x: !!binary |\n  aGVs\n  bG8=\n", "hello"),
    ],
)
def test_tagged_scalars_as_go_yaml_reads_them(text: str, value: object) -> None:
    assert load_documents(text, "t.yaml", cache=False)[0].data == {"x": value}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x: !!bool maybe", "cannot decode !!str `maybe` as a !!bool"),
        ("x: !!int 1.5", "cannot decode !!float `1.5` as a !!int"),
        ("x: !!binary '!!'", "!!binary value contains invalid base64 data"),
    ],
)
def test_a_tagged_scalar_of_another_type_is_go_yamls_error(text: str, message: str) -> None:
    with pytest.raises(YAMLError) as error:
        load_documents(text, "t.yaml", cache=False)
    assert (str(error.value.location), error.value.message) == ("t.yaml:1:4", message)


def test_a_cached_parse_locates_as_compose_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Text the fast path reads is cached without positions; located from the cache, a
    document finds them in its text, as compose gives them. A damaged entry is a miss."""
    monkeypatch.setenv("CLUSTERMGR_CACHE_DIR", str(tmp_path))
    text = "a: 1\nb:\n  c: [x, y]\n"
    expected = yamlparse.parse(text, "f.yaml")[0]
    for _ in range(2):  # parsed, then from the cache
        (doc,) = load_documents(text, "f.yaml")
        assert doc.data == expected[0]
        assert dict(doc.positions) == expected[1]
        assert str(doc.location(("b", "c", 1))) == "f.yaml:3:10"
    assert list((tmp_path / "yaml").iterdir())
    for entry in (tmp_path / "yaml").rglob("*"):
        if entry.is_file():
            entry.write_bytes(entry.read_bytes()[:-3])
    (doc,) = load_documents(text, "f.yaml")
    assert str(doc.location(("b", "c", 1))) == "f.yaml:3:10"
