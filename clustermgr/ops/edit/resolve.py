"""Paths resolved against what is there: list elements by index or by a key of their own, keys
that may be new only at the end. The same functions read merged values and a file's data (a
ruamel.yaml mapping is a dict), and compute the values an edit is expected to give."""

from __future__ import annotations

import copy
from typing import Any

from clustermgr.errors import UsageError
from clustermgr.yamlio import Match, Part, YPath, format_path

Concrete = tuple[str | int, ...]  # list elements by position


def locate(data: Any, path: tuple[Part, ...], where: str) -> Concrete:
    """`path` with its selectors turned into positions in `data`. Mapping keys may be absent
    (they are created), but only where no list element follows them; an element must exist:
    an index past the end or a key no element has is an error naming what is there."""
    node: Any = data
    out: list[str | int] = []
    for part in path:
        shown = format_path(tuple(out)) or "the top level"
        if node is _ABSENT:
            if not isinstance(part, str):
                raise UsageError(
                    f"{where}: {format_path(tuple(out))} is not there: "
                    f"{format_path(path)} addresses an element of a list that does not exist "
                    "(an element is edited in the file that sets its list)"
                )
            out.append(part)
            continue
        if isinstance(part, str):
            if not isinstance(node, dict):
                raise UsageError(f"{where}: {shown} is {_kind(node)}, not a mapping")
            out.append(part)
            node = node.get(part, _ABSENT)
            continue
        if not isinstance(node, list):
            raise UsageError(f"{where}: {shown} is {_kind(node)}, not a list")
        if isinstance(part, int):
            if part >= len(node):
                raise UsageError(
                    f"{where}: {shown} has {len(node)} item{'s' if len(node) != 1 else ''}; "
                    f"[{part}] is past its end"
                )
            out.append(part)
            node = node[part]
            continue
        found = [j for j, item in enumerate(node) if _matches(item, part)]
        if len(found) != 1:
            have = sorted({str(item.get(part.key)) for item in node if isinstance(item, dict)})
            what = "no element" if not found else f"{len(found)} elements"
            raise UsageError(
                f"{where}: {what} of {shown} has {part.key}={part.value}"
                + (f" (there: {', '.join(have)})" if have else "")
            )
        out.append(found[0])
        node = node[found[0]]
    return tuple(out)


def exists(data: Any, path: Concrete) -> bool:
    node = data
    for part in path:
        in_map = isinstance(node, dict) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if not (in_map or in_list):
            return False
        node = node[part]
    return True


def value_at(data: Any, path: YPath) -> Any:
    node = data
    for part in path:
        node = node[part]
    return node


def changed(data: dict[str, Any], path: Concrete, value: Any, unset: bool) -> dict[str, Any]:
    """A copy of `data` with `path` set to `value` (or removed): what an edit must give."""
    result = copy.deepcopy(data)
    node: Any = result
    for part in path[:-1]:
        if isinstance(part, str) and part not in node:
            node[part] = {}
        node = node[part]
    last = path[-1]
    if unset:
        del node[last]
    else:
        node[last] = copy.deepcopy(value)
    return result


def _matches(item: Any, match: Match) -> bool:
    return isinstance(item, dict) and match.key in item and str(item[match.key]) == match.value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "text" if isinstance(value, str) else f"a {type(value).__name__}"


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


_ABSENT: Any = _Absent()
