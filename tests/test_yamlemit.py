from __future__ import annotations

import pytest

from clustermgr import yamlio


def load(text: str) -> object:
    return yamlio.load_documents(text, "f.yaml")[0].data


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", "plain"),
        ("::/0", "::/0"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("yes", '"yes"'),
        ("1.0", '"1.0"'),
        ("0123", '"0123"'),
        ("", '""'),
        ("a: b", '"a: b"'),
        ("- x", '"- x"'),
        ("x #y", '"x #y"'),
        ("2017-01-01T00:00:00Z", '"2017-01-01T00:00:00Z"'),
        (True, "true"),
        (None, "null"),
        (7, "7"),
    ],
)
def test_scalar_quoting(value: object, text: str) -> None:
    assert yamlio.scalar(value) == text


def test_dump_layout_and_literal_blocks() -> None:
    data = {"b": [{"y": 1, "x": [1, 2]}, []], "a": {"s": "line1\nline2\n", "t": "x\n\n", "e": {}}}
    assert yamlio.dump(data) == (
        "a:\n"
        "  e: {}\n"
        "  s: |\n"
        "    line1\n"
        "    line2\n"
        "  t: |+\n"
        "    x\n"
        "\n"
        "b:\n"
        "- x:\n"
        "  - 1\n"
        "  - 2\n"
        '  "y": 1\n'  # y is a boolean to YAML 1.1 readers such as kOps'
        "- []\n"
    )
    assert load(yamlio.dump(data)) == data


TRICKY = [
    "0x1F",
    "0o17",
    "0b101",
    "1_000",
    "1:20",
    ".5",
    "1.",
    "-1e3",
    "+12",
    "-",
    "--",
    "- x",
    "~",
    "<<",
    "=",
    "a\tb",
    "tab\t",
    " lead",
    "trail ",
    "a: b",
    "a #b",
    "a#b",
    "#c",
    "@x",
    "`x",
    "!x",
    "&x",
    "*x",
    "|x",
    ">x",
    "%x",
    "'q'",
    '"q"',
    "[a]",
    "{a}",
    "a,b",
    "?x",
    "? x",
    ":x",
    "::/0",
    "-x",
    "2017-01-01",
    "2017-1-1T00:00",
    "NO",
    "Off",
    "y",
    "Y",
    ".inf",
    "-.Inf",
    ".NaN",
    "ünïcode",
    "a\u00a0b",
    "line\nbreak",
    "crlf\r\n",
    "x\n\n",
    "\nlead",
    "null",
    "Null",
    "~x",
    "1.2.3",
    "v1.33",
    "100m",
    "1Gi",
    "0.0.0.0/0",
    "s3://bucket/path",
    "key=value:NoSchedule",
    "a b",
    "",
]


@pytest.mark.parametrize("text", TRICKY)
def test_strings_read_back_as_the_same_text(text: str) -> None:
    data = {"k": text, "l": [text], text or "empty": 1}
    assert load(yamlio.dump(data)) == data
