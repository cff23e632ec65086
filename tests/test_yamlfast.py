"""The YAML fast path (clustermgr/yamlio/fast.py) judged by the reference reader
(clustermgr/yamlio/compose.py, go-yaml v2's rules): on every stream it takes, it must read
exactly what compose reads; everything where YAML 1.1 and 1.2 could differ it must decline."""

from __future__ import annotations

import os
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clustermgr.errors import YAMLError
from clustermgr.problems import Location
from clustermgr.yamlio import fast, load_documents, load_each
from clustermgr.yamlio.compose import parse as reference
from tests.conftest import REPO, SHARED_KOPS

DEPTH = 100


def agrees(text: str) -> bool:
    """Whether the fast path took `text` (and then read what compose reads)."""
    found = fast.parse(text, DEPTH)
    if found is None:
        return False
    assert found == [data for data, _, _ in reference(text, "t.yaml")], text
    return True


def _yaml_files() -> list[Path]:
    mine = [
        p
        for p in REPO.rglob("*.yaml")
        if not {".venv", ".git", "node_modules"} & set(p.parts) and p.stat().st_size < 1_000_000
    ]
    theirs = sorted((SHARED_KOPS / "manifests").glob("*.yaml")) if SHARED_KOPS.is_dir() else []
    return sorted(mine) + theirs


def test_every_yaml_file_here_and_every_kops_manifest_reads_the_same() -> None:
    files = _yaml_files()
    taken = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        try:
            reference(text, path.name)
        except YAMLError:
            assert fast.parse(text, DEPTH) is None, path  # compose's error must stand
            continue
        taken += agrees(text)
    assert taken > len(files) // 2  # the path is taken, not only declined


@pytest.mark.parametrize(
    "text",
    [
        "a: yes\n", "a: on\n", "a: Off\n", "a: y\n", "a: N\n", "a: ~\n", "a: Null\n",
        "a: True\n", "a: FALSE\n", "a: 0777\n", "a: 1_000\n", "a: 0x1F\n", "a: 0b101\n",
        "a: +1\n", "a: .inf\n", "a: -.Inf\n", "a: .nan\n", "a: 1e3\n", "a: 1.5e-3\n",
        "a: 12345678901234567890\n", "a: 1.\n", "yes: 1\n", "1: a\n", "a: !!binary aGk=\n",
        "a: !!str 1\n", "a: &x 1\nb: *x\n", "a: {b: 1}\nc:\n  <<: {d: 2}\n", "a: 1\na: 2\n",
        "a:\n\tb: 1\n", "a: 1\r\nb: 2\r\n", "%YAML 1.1\n---\na: 1\n", "? a\n: 1\n",
        "a: 1\n...\n", "", "# only a comment\n", "a: 1:30\nb: '2'\nc: \"yes\"\n",
    ],
)  # fmt: skip
def test_what_yaml_11_reads_otherwise_is_declined_or_agrees(text: str) -> None:
    """Each of these is declined, or (where both readers agree) read as compose reads it."""
    found = fast.parse(text, DEPTH)
    if found is not None:
        assert found == [data for data, _, _ in reference(text, "t.yaml")]


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("a: 1\nb: -2\nc: 1.5\nd: true\ne: null\nf:\ng: text\n",
         [{"a": 1, "b": -2, "c": 1.5, "d": True, "e": None, "f": None, "g": "text"}]),
        ("a: v1.34.0\nb: 172.20.0.0/16\nc: '2025-01-01T00:00:00Z'\nd: 2025-01-01T00:00:00Z\n",
         [{"a": "v1.34.0", "b": "172.20.0.0/16", "c": "2025-01-01T00:00:00Z",
           "d": "2025-01-01T00:00:00Z"}]),
        ("a: |\n  one\n  two\nb: >-\n  folded\n  line\nc: 'it''s'\n",
         [{"a": "one\ntwo\n", "b": "folded line", "c": "it's"}]),
        ("---\na: 1\n---\n---\n- x\n", [{"a": 1}, None, ["x"]]),
        ("- a\n- b: [1, 2]\n", [["a", {"b": [1, 2]}]]),
    ],
)  # fmt: skip
def test_what_both_read_alike_is_taken(text: str, data: list[Any]) -> None:
    assert fast.parse(text, DEPTH) == data
    assert [d for d, _, _ in reference(text, "t.yaml")] == data


def test_deep_nesting_is_left_to_compose_and_its_limit() -> None:
    text = "".join(" " * i + f"k{i}:\n" for i in range(8)) + " " * 8 + "v: 1\n"
    assert fast.parse(text, 5) is None
    assert fast.parse(text, DEPTH) is not None
    # nesting indentation does not show
    assert fast.parse("a: " + "[" * 50 + "]" * 50 + "\n", DEPTH) is None
    assert fast.parse("a:\n- - - - x\n", DEPTH) is None
    assert fast.parse("a: [1, 2]\nb: {c: d}\n- x\n".replace("- x\n", ""), DEPTH) is not None


def test_positions_are_parsed_only_when_asked_for_and_are_composes() -> None:
    text = "apiVersion: v1\nkind: Cluster\nspec:\n  subnets:\n  - name: a\n    cidr: 10.0.0.0/16\n"
    (doc,) = load_documents(text, "m.yaml", cache=False)
    later = doc.positions.later  # type: ignore[attr-defined]
    assert later.parsed is None  # the fast path read it
    path = ("spec", "subnets", 0, "cidr")
    assert str(doc.location(path)) == "m.yaml:6:11"
    assert later.parsed is not None
    (slow,) = [d for d in load_documents(text, "m.yaml", cache=True)]
    assert doc.location(path) == slow.location(path)
    assert doc.location(("spec", "subnets"), key=True) == slow.location(("spec", "subnets"), True)


def test_a_broken_stream_gets_composes_located_error() -> None:
    with pytest.raises(YAMLError) as raised:
        load_documents("a: 1\nb: [2\n", "m.yaml", cache=False)
    assert str(raised.value.location).startswith("m.yaml:")
    with pytest.raises(YAMLError, match="duplicate key 'a'"):
        load_documents("a: 1\na: 2\n", "m.yaml", cache=False)


# Plain scalars of every kind the two readers might read differently, and safe ones.
_TOKENS = [
    "yes", "no", "on", "off", "y", "n", "Y", "N", "true", "false", "True", "null", "Null", "~",
    "0", "-0", "007", "0777", "0x1F", "0o17", "0b11", "1_000", "+1", "-1", "1.5", ".5", "1.",
    "1e3", "1E-2", ".inf", "-.inf", ".nan", "12345678901234567890", "1:30", "2025-01-01",
    "v1.34.0", "10.0.0.0/8", "a b", "m5.large", "-", "--x", "x-y", "1.34.1", "e3", "0.0.0.0/0",
]  # fmt: skip
_scalar = st.one_of(
    st.sampled_from(_TOKENS),
    st.text(alphabet=string.ascii_letters + string.digits + "._-/", min_size=1, max_size=8),
)


def _render(value: Any, quote: bool) -> str:
    return f"'{value}'" if quote else value


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=4),
            _scalar,
            st.booleans(),
            st.booleans(),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_random_documents_are_declined_or_read_as_compose_reads_them(
    entries: list[tuple[str, str, bool, bool]],
) -> None:
    lines = []
    for key, value, quoted, listed in entries:
        if value.startswith(("-", "?", ":", "'")) and not quoted:
            quoted = True  # a plain scalar cannot start with these here
        shown = _render(value, quoted)
        lines.append(f"{key}:\n- {shown}\n" if listed else f"{key}: {shown}\n")
    text = "".join(lines)
    found = fast.parse(text, DEPTH)
    try:
        expected = [data for data, _, _ in reference(text, "t.yaml")]
    except YAMLError:
        assert found is None, text  # what compose refuses, only compose answers
        return
    assert found is None or found == expected, text


def test_a_renders_documents_are_read_in_one_pass_as_one_by_one() -> None:
    items = [
        ("apiVersion: v1\nkind: Cluster\nspec:\n  a: 1\n", "10-cluster.yaml.j2"),
        ("kind: InstanceGroup\nspec:\n  role: Node\n  maxSize: 3", "20-ig.yaml.j2"),
        ("- a\n- b\n", "30-list.yaml.j2"),
    ]
    together = load_each(items)
    assert together is not None
    alone = [load_documents(text, file, cache=False)[0] for text, file in items]
    assert [(d.data, d.file) for d in together] == [(d.data, d.file) for d in alone]
    # positions are each text's own, found when asked for
    path = ("spec", "maxSize")
    assert together[1].location(path) == alone[1].location(path) == Location("20-ig.yaml.j2", 4, 12)
    # what the fast path declines is left to the one-by-one reading
    assert load_each([("a: yes\n", "t")]) is None
    assert load_each([]) is None


def test_a_stream_larger_than_the_json_buffer_is_read_whole() -> None:
    """The JSON is written into one reused buffer (rapidyaml's own allocation leaks), which
    grows when a stream needs more."""
    text = "".join(f"k{i}: {'v' * 90}\n" for i in range(2_000))  # about 200 KB of JSON
    (found,) = fast.parse(text, DEPTH) or [None]
    assert found == {f"k{i}": "v" * 90 for i in range(2_000)}
    assert agrees("a: 1\n")  # and a small one after it, from the grown buffer


def test_rapidyamls_own_error_printing_never_reaches_the_user(tmp_path: Path) -> None:
    """rapidyaml writes its parse errors to the process's stderr before raising: only
    compose's located message may be seen (errors are one clear message)."""
    (tmp_path / "bad.yaml").write_text("kind: Cluster\nspec: a: b\n")
    (tmp_path / "good.yaml").write_text("kind: Cluster\n")
    done = subprocess.run(
        [sys.executable, "-m", "clustermgr", "diff", "--from", "bad.yaml", "--to", "good.yaml"],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == (
        "bad.yaml:2:8: error: mapping values are not allowed in this context\n"
    ), done.stderr


_LINE = st.tuples(
    st.integers(0, 6),
    st.sampled_from(["k", "- ", "- k", "", "k2", "'q'", '"d"', "- - "]),
    st.sampled_from([": ", ":", ": |", ": >-", ": |+", " ", ""]),
    st.text(alphabet="ab09 .-_/:#'\"\\xyY~+eE,[]{}|>!&*%@`", max_size=10),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINE, min_size=1, max_size=8))
def test_malformed_streams_are_never_taken(lines: list[tuple[int, str, str, str]]) -> None:
    """Streams libyaml refuses must reach compose and its located error: rapidyaml takes
    some of them (values starting with `}`, bad block headers, open flows, reserved
    indicators), which a search over YAML-like lines found and the fast path now declines."""
    text = "".join(" " * indent + lead + mark + tail + "\n" for indent, lead, mark, tail in lines)
    found = fast.parse(text, DEPTH)
    try:
        expected = [data for data, _, _ in reference(text, "t.yaml")]
    except YAMLError:
        assert found is None, text
        return
    assert found is None or found == expected, text


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028", "\u2029"])
def test_control_characters_and_yaml_11_line_breaks_are_left_to_compose(char: str) -> None:
    """libyaml refuses control characters and reads NEL, U+2028 and U+2029 as line breaks;
    rapidyaml takes some of them as text."""
    text = f"a: b{char}c\n"
    assert fast.parse(text, DEPTH) is None
    with pytest.raises(YAMLError):
        load_documents(text, "t.yaml", cache=False)


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        ('layers: "_*.yaml"\n', True),
        ("url: https://x.example/?a=1&b=2\n", True),
        ("a: x &y\n", True),
        ("a: x*y\n", True),
        ("a: *b\n", False),
        ("a: &x 1\nb: *x\n", False),
        ("- *a\n", False),
        ("a: [x, *b]\n", False),
        ("{a: &b c}\n", False),
        ("a:\n  &x\n  b: 1\n", False),
        ("--- &a x\n", False),
        ("? &a k\n: v\n", False),
    ],
)
def test_anchors_and_aliases_are_left_to_compose_and_the_same_characters_in_text_are_not(
    text: str, taken: bool
) -> None:
    """`&` and `*` make an anchor or an alias only where a node starts; inside a scalar they
    are text to both parsers (a values file with a URL or a glob stays on the fast path)."""
    found = fast.parse(text, DEPTH)
    assert (found is not None) == taken
    if found is not None:
        assert found == [data for data, _, _ in reference(text, "t.yaml")]
