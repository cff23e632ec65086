"""Fuzzing, bounded to seconds: generated input never makes clustermgr raise anything but
its own errors (which become one located message and exit 1 or 2)."""

from __future__ import annotations

import contextlib
import copy
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustermgr.errors import ClusterMgrError, TemplateError
from clustermgr.gotemplate.evaluate import Evaluator
from clustermgr.gotemplate.parse import parse
from clustermgr.validation.lint import Linter
from clustermgr.values.setexpr import parse_into
from clustermgr.yamlio import Document, load_documents
from tests.test_rules import BASE

FAST = settings(
    max_examples=int(os.environ.get("CLUSTERMGR_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

_SET_ALPHABET = st.sampled_from([*list("ab.[]0129=,{}\\-_ x"), "65537", "999", "true", "null"])


@FAST
@given(st.lists(_SET_ALPHABET, max_size=40).map("".join), st.booleans())
def test_set_expressions(expr: str, as_string: bool) -> None:
    with contextlib.suppress(ClusterMgrError):
        parse_into(expr, {}, as_string)


_YAML_TOKENS = st.sampled_from(
    [
        "a",
        ": ",
        "- ",
        "\n",
        "  ",
        "&x ",
        "*x",
        "<<: ",
        "{",
        "}",
        "[",
        "]",
        ", ",
        "'",
        '"',
        "|",
        ">",
        "#",
        "---\n",
        "!!str ",
        "!!int ",
        "0x",
        "0b_",
        "1e3",
        "9" * 30,
        "yes",
        "~",
        "\t",
        "? ",
        "%YAML 1.1\n",
        "\\",
        "é",
        "\x85",
        "...\n",
    ]
)


@FAST
@given(st.lists(_YAML_TOKENS, max_size=30).map("".join))
def test_yaml_loader(text: str) -> None:
    with contextlib.suppress(ClusterMgrError):
        load_documents(text, "fuzz.yaml", cache=False)


_ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.floats(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
_DOCS = [d.data for d in load_documents(BASE, "base.yaml", cache=False)]


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*path, index))
    return found


_TARGETS = [(i, p) for i, doc in enumerate(_DOCS) for p in _paths(doc)]


@FAST
@given(st.lists(st.tuples(st.sampled_from(_TARGETS), _ANY), min_size=1, max_size=4))
def test_lint_of_mutated_manifests(edits: list[tuple[tuple[int, tuple[Any, ...]], Any]]) -> None:
    docs = copy.deepcopy(_DOCS)
    for (index, path), value in edits:
        if not path:
            docs[index] = value
            continue
        parent: Any = docs[index]
        for part in path[:-1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                break
        else:
            with contextlib.suppress(KeyError, IndexError, TypeError):
                parent[path[-1]] = value

    documents = [Document(d, "m.yaml", {}, i) for i, d in enumerate(docs)]
    Linter().lint_documents(documents)


_GO_TOKENS = st.sampled_from(
    ["{{", "}}", " ", ".", "x", "$", "$v", ":=", "=", "|", "(", ")", '"a"', "'b'", "'ab'", "1",
     "0x1F", "1e3", "-", "if", "else", "end", "range", "with", "define", '"t"', "template",
     "block", "printf", '"%d"', "len", "index", "div", "0", "until", "regexMatch", '"(a+)+$"',
     "default", "toJson", "and", "or", "not", "eq", "/*", "*/", "\n", "nil", "true"]
)  # fmt: skip


@settings(max_examples=int(os.environ.get("FUZZ_GO", "400")), derandomize=True, deadline=None)
@given(st.lists(_GO_TOKENS, max_size=40).map("".join))
def test_go_templates(text: str) -> None:
    """Any text: a located template error or output, never another exception or a hang."""
    try:
        tree = parse(text, "t.tmpl")
        Evaluator({}).run(tree, {"x": [1, 2], "v": {"a": "b"}})
    except TemplateError as exc:
        assert exc.location is not None and exc.location.file == "t.tmpl"
