"""Editing the text of a values file people own: ruamel.yaml's round trip keeps comments, key
order, quoting and indentation; this module keeps the rest of the bytes (a byte-order mark, CRLF
line endings, a missing final newline) and refuses what a round trip cannot do safely (a value
an anchor shares with other places)."""

from __future__ import annotations

import itertools
from io import StringIO
from typing import Any, NamedTuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from clustermgr.errors import ConfigError, UsageError
from clustermgr.ops.edit.request import Change
from clustermgr.ops.edit.resolve import Concrete, locate
from clustermgr.problems import Location
from clustermgr.yamlio import YPath, format_path
from clustermgr.yamlio.goresolve import resolve

BOM = "\ufeff"


class Layout(NamedTuple):
    """What a round trip would lose of a file's bytes."""

    bom: bool
    crlf: bool
    final_newline: bool

    @classmethod
    def of(cls, text: str) -> Layout:
        return cls(text.startswith(BOM), "\r\n" in text, text.endswith("\n") or not text)

    def plain(self, text: str) -> str:
        """The text as ruamel.yaml reads it."""
        return text.removeprefix(BOM).replace("\r\n", "\n")

    def restore(self, text: str) -> str:
        if not self.final_newline:
            text = text.removesuffix("\n")
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return BOM + text if self.bom else text


def edit_text(
    text: str, changes: list[Change], display: str, schema: Any = None
) -> tuple[str, list[Concrete]]:
    """`text` with each change made, everything else as it was; a new key goes after the keys
    the schema lists before it (else at the end of its mapping). Also each change's path as
    positions in this file."""
    layout = Layout.of(text)
    plain = layout.plain(text)
    try:
        mapping, sequence, offset = _guess_indent(plain)
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        data = yaml.load(plain) if plain.strip() else None
    except YAMLError as exc:
        raise ConfigError(f"cannot edit: {exc}", Location(display)) from None
    if data is None:
        data = CommentedMap()
    if not isinstance(data, dict):
        raise ConfigError("cannot edit: the top level is not a mapping", Location(display))
    where: list[Concrete] = []
    for change in changes:
        concrete = locate(data, change.path, display)
        _refuse_shared(data, concrete, display)
        if change.unset:
            _unset(data, concrete, display)
        else:
            _assign(data, concrete, change.value, _order(schema, concrete[:-1]))
        where.append(concrete)
    out = StringIO()
    yaml.dump(data, out)
    return layout.restore(out.getvalue()), where


def _guess_indent(text: str) -> tuple[int, int, int]:
    """The file's own indentation (mapping, sequence, dash offset), so that the lines the edit
    does not touch come out as they were: `key:\\n  - item` is (2, 4, 2)."""
    lines = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    mapping = min(
        (len(line) - len(line.lstrip()) for line in lines if not line.lstrip().startswith("-")
         and len(line) > len(line.lstrip())),
        default=2,
    )  # fmt: skip
    offset = 0
    for before, line in itertools.pairwise(lines):
        if line.lstrip().startswith("- ") and before.rstrip().endswith(":"):
            offset = max(0, (len(line) - len(line.lstrip())) - (len(before) - len(before.lstrip())))
            break
    return mapping, offset + 2, offset


def _order(schema: Any, path: YPath) -> list[str]:
    """The property names the schema lists for the mapping at `path`, in its order."""
    node = schema
    for part in path:
        if not isinstance(node, dict):
            return []
        if isinstance(part, int):
            node = node.get("items")
            continue
        props = node.get("properties") or {}
        node = props.get(part) if part in props else node.get("additionalProperties")
    props = node.get("properties") if isinstance(node, dict) else None
    return list(props) if isinstance(props, dict) else []


def _refuse_shared(data: Any, path: Concrete, display: str) -> None:
    """An anchor's node edited through one of its places changes every alias of it: refused,
    with the other places named."""
    places: dict[int, list[YPath]] = {}
    _walk(data, (), places, set())
    node: Any = data
    for depth, part in enumerate(path[:-1]):
        if not _has(node, part):
            return  # new keys from here on: nothing shared
        node = node[part]
        others = [p for p in places.get(id(node), []) if p != path[: depth + 1]]
        if others and isinstance(node, (dict, list)):
            shown = ", ".join(format_path(p) for p in others)
            raise UsageError(
                f"{display}: {format_path(path[: depth + 1])} is shared through a YAML anchor "
                f"with {shown}: the edit would change them too; edit the anchor itself, or pass "
                "--layer to set the value in another file"
            )


def _walk(node: Any, path: YPath, places: dict[int, list[YPath]], seen: set[int]) -> None:
    if not isinstance(node, (dict, list)):
        return
    places.setdefault(id(node), []).append(path)
    if id(node) in seen:  # an alias: its insides are the anchor's
        return
    seen.add(id(node))
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        _walk(value, (*path, key), places, seen)


def _assign(data: Any, path: Concrete, value: Any, order: list[str]) -> None:
    node = data
    for part in path[:-1]:
        if isinstance(part, str) and part not in node:  # locate() allowed only these
            node[part] = CommentedMap()
        node = node[part]
    last = path[-1]
    old = node[last] if _has(node, last) else None
    if isinstance(value, str):
        if isinstance(old, SingleQuotedScalarString):
            value = SingleQuotedScalarString(value)
        elif isinstance(old, DoubleQuotedScalarString) or not isinstance(resolve(value), str):
            # kOps reads YAML 1.1: `on`, `y`, `1e3` unquoted would not be text
            value = DoubleQuotedScalarString(value)
    if isinstance(node, list) and isinstance(last, int):
        node[last] = value
        return
    if last not in node and last in order and hasattr(node, "insert"):
        before = order[: order.index(last)]
        position = max((i + 1 for i, k in enumerate(node) if k in before), default=0)
        if position < len(node):
            node.insert(position, last, value)
            return
    node[last] = value


def _unset(data: Any, path: Concrete, display: str) -> None:
    node = data
    for part in path:
        if not _has(node, part):
            raise UsageError(f"{display}: {format_path(path)} is not set here: nothing to unset")
        parent, node = node, node[part]
    del parent[path[-1]]


def _has(node: Any, key: str | int) -> bool:
    if isinstance(node, list):
        return isinstance(key, int) and key < len(node)
    return key in node
