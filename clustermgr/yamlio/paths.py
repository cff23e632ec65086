"""Paths into loaded data, and the one way they are printed.

A path is a tuple of mapping keys, list indexes and, in diffs, list items found by identity
(`Match`). Every message, report and ignore rule prints paths with `format_path`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

YPath = tuple[str | int, ...]
"""A path into loaded data: mapping keys and list indexes from the document root."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class Match(NamedTuple):
    """A list item found by identity rather than position: `subnets[name=us-test-1a]`."""

    key: str
    value: Any

    def __str__(self) -> str:
        return f"[{self.key}={self.value}]"


Part = str | int | Match


def format_path(path: tuple[Part, ...]) -> str:
    """`a.b[0].c`; keys that are not simple names are bracketed: `labels["kops.k8s.io/x"]`."""
    out = ""
    for part in path:
        if isinstance(part, Match):
            out += str(part)
        elif isinstance(part, int):
            out += f"[{part}]"
        elif _NAME.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def iter_leaves(data: Any, path: YPath = ()) -> Iterator[tuple[YPath, Any]]:
    """Every leaf (scalar, or empty collection) with its path, in document order."""
    if isinstance(data, dict) and data:
        for key, value in data.items():
            yield from iter_leaves(value, (*path, key))
    elif isinstance(data, list) and data:
        for index, value in enumerate(data):
            yield from iter_leaves(value, (*path, index))
    else:
        yield path, data
