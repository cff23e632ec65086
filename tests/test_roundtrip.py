"""Property: what clustermgr emits, clustermgr reads back as the same data (every scalar kind:
large and small floats, inf and nan, and strings that look like numbers, booleans, nulls or
dates in YAML 1.1 or 1.2)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clustermgr.yamlio import dump, load_documents

# Strings a YAML reader is tempted to read as something else.
_TRICKY = st.sampled_from(
    [
        "yes",
        "No",
        "on",
        "OFF",
        "y",
        "n",
        "~",
        "null",
        "NULL",
        "true",
        "1e3",
        "1.5e3",
        "0x1F",
        "0o17",
        "0b101",
        "012",
        "1_000",
        "1:30",
        "190:20:30",
        ".5",
        "-.inf",
        ".NaN",
        "2024-01-02",
        "2024-1-2 10:00:00",
        "+1",
        "-0",
        "1.",
        "=",
        "<<",
        "- x",
        "? y",
        ": z",
        "#c",
        "a #b",
        "a: b",
        "",
        " lead",
        "trail ",
        "multi\nline",
        "tab\there",
        "'quoted'",
        '"dq"',
        "[x]",
        "{y}",
        "@a",
        "`b",
        "%c",
        "!tag",
        "&anchor",
        "*alias",
        "|",
        ">",
        "10.0.0.0/8",
        "v1.34.1",
        "1e+20",
    ]
)
_FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [1e20, 1e-7, -2.5e300, 5e-324, 0.1, 100.0, -0.0, 1e16]
)
# Integers kOps can read as integers (go-yaml v2: int64, then uint64); beyond, it reads floats.
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | _FLOATS
    | _TRICKY
    | st.text(max_size=20)
)
_KEYS = _TRICKY | st.text(min_size=1, max_size=12)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@settings(max_examples=400, deadline=None)
@given(_DATA)
def test_emit_then_parse_gives_the_same_data(data: Any) -> None:
    text = dump(data, sort_keys=False)
    again = load_documents(text, "roundtrip.yaml", cache=False)
    assert len(again) == 1
    assert same(again[0].data, data), text
