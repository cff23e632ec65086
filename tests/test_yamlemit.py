from __future__ import annotations

import pytest

from clustermgr import yamlemit, yamlio


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
    assert yamlemit.scalar(value) == text


def test_dump_layout_and_literal_blocks() -> None:
    data = {"b": [{"y": 1, "x": [1, 2]}, []], "a": {"s": "line1\nline2\n", "t": "x\n\n", "e": {}}}
    assert yamlemit.dump(data) == (
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
    assert load(yamlemit.dump(data)) == data
