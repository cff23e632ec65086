"""Composition with libyaml (PyYAML's C parser) into plain data with positions.

Imported only when a file is not in the parse cache (see yamlio), so a warm run never pays
for importing PyYAML.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from clustermgr import limits
from clustermgr.errors import YAMLError
from clustermgr.problems import Location
from clustermgr.yamlio.goresolve import MERGE, key_text, resolve
from clustermgr.yamlio.paths import YPath

try:
    from yaml import CSafeLoader as _Base
except ImportError:  # PyYAML built without libyaml: slower, same results
    from yaml import SafeLoader as _Base  # type: ignore[assignment]

_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))
_PLAIN = "tag:clustermgr,plain"  # a plain scalar: resolved as kOps' Go library does


class _Loader(_Base):
    """PyYAML's composer with kOps' resolution: plain scalars are marked and resolved by
    goresolve (YAML 1.1 as go-yaml v2 reads it), not by PyYAML's resolvers; and without the
    path-resolver bookkeeping PyYAML does for every node (a third of the parse time)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return _SEQ if kind is SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


# (line, col) of each node; mapping entries add (line, col) of their key.
Positions = dict[YPath, tuple[int, ...]]
Trap = tuple[YPath, str, str]  # path, the plain scalar as written, what kOps reads it as

MAX_NODES = 1_000_000  # aliases can expand a small file exponentially ("billion laughs")

_TAG = "tag:yaml.org,2002:"
# whole tags, spelled once (compared for every node)
_MERGE_TAG, _STR_TAG, _TIME_TAG = _TAG + "merge", _TAG + "str", _TAG + "timestamp"
_BINARY_TAG, _VALUE_TAG = _TAG + "binary", _TAG + "value"


def parse(text: str, file: str) -> list[tuple[Any, Positions, list[Trap]]]:
    """Every document of a YAML stream as (data, positions, traps); `file` names errors.

    Traps are plain scalars that YAML 1.1 (kOps' reader) reads differently from YAML 1.2 and
    from what they seem to say: `on`, `no`, `y`, `0777`, `1_000`, `1:30`.
    """
    out: list[tuple[Any, Positions, list[Trap]]] = []
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            builder = _Builder(file, {(): _pos(node)})
            out.append((builder.build(node, (), 0), builder.positions, builder.traps))
    except yaml.MarkedYAMLError as exc:
        raise _located(exc, file) from None
    except yaml.YAMLError as exc:
        raise YAMLError(f"invalid YAML: {exc}", Location(file)) from None
    return out


def _located(exc: yaml.MarkedYAMLError, file: str) -> YAMLError:
    mark = exc.problem_mark or exc.context_mark
    message = exc.problem or "invalid YAML"
    if exc.context and exc.context_mark and mark is not exc.context_mark:
        message = f"{message} ({exc.context} at line {exc.context_mark.line + 1})"
    if mark is None:
        return YAMLError(message, Location(file))
    return YAMLError(message, Location(file, mark.line + 1, mark.column + 1))


class _Builder:
    """Builds plain data from composed nodes, recording positions and refusing duplicates."""

    def __init__(self, file: str, positions: Positions) -> None:
        self.file = file
        self.positions = positions
        self.traps: list[Trap] = []
        self.nodes = 0
        self.depth = limits.current().depth

    def build(self, node: Node, path: YPath, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self._error(node, f"expands to more than {MAX_NODES} nodes (alias bomb?)")
        if depth > self.depth:
            raise self._error(node, f"nested deeper than {self.depth} levels (limits.depth)")
        if isinstance(node, ScalarNode):
            value = self._scalar(node)
            if not node.style:  # plain (libyaml says "", the pure parser None)
                self._trap(node, value, path)
            return value
        if isinstance(node, SequenceNode):
            out: list[Any] = []
            for i, item in enumerate(node.value):
                sub = (*path, i)
                self.positions[sub] = _pos(item)
                out.append(self.build(item, sub, depth + 1))
            return out
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        raise self._error(node, "unsupported YAML node")  # pragma: no cover

    def _mapping(self, node: MappingNode, path: YPath, depth: int) -> dict[str, Any]:
        if depth > self.depth:  # reached through merge keys (`<<: *a` inside `a`)
            raise self._error(node, f"nested deeper than {self.depth} levels (limits.depth)")
        out: dict[str, Any] = {}
        seen: dict[str, Node] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            plain = key_node.tag == _PLAIN
            if key_node.tag == _MERGE_TAG or (plain and key_node.value == MERGE):
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                raise self._error(key_node, "a mapping key must be a scalar")
            key = key_text(self._scalar(key_node), key_node.value) if plain else key_node.value
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise self._error(key_node, f"duplicate key {key!r} (first set at line {first})")
            seen[key] = key_node
            sub = (*path, key)
            # Collections point at their key (the line a person edits); scalars at the value.
            target = value_node if isinstance(value_node, ScalarNode) else key_node
            self.positions[sub] = (*_pos(target), *_pos(key_node))
            out[key] = self.build(value_node, sub, depth + 1)
        for merge in merges:  # YAML merge keys (<<): explicit keys win, earlier merges win
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for source in sources:
                if not isinstance(source, MappingNode):
                    raise self._error(source, "a merge key (<<) takes a mapping or a list of them")
                merged = self._mapping(source, path, depth + 1)  # `<<: *self` ends at depth
                for key, value in merged.items():
                    out.setdefault(key, value)
        return out

    def _scalar(self, node: ScalarNode) -> Any:
        try:
            return self._construct(node)
        except (ValueError, IndexError):  # `0x_`, `0b_`, `!!int ""`, over 4300 digits
            shown = node.value if len(node.value) <= 40 else node.value[:40] + "..."
            raise self._error(node, f"not a number kOps can read: {shown}") from None

    def _construct(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == _PLAIN:
            return resolve(node.value)
        if tag in (_STR_TAG, _TIME_TAG):
            return node.value  # Go's YAML-to-JSON conversion keeps timestamps as text
        if tag in _TYPED:
            return self._typed(node, tag[len(_TAG) :])
        if tag == _BINARY_TAG:
            return self._binary(node)
        if tag == _VALUE_TAG:
            return node.value
        raise self._error(node, f"unknown tag {tag!r}")

    def _typed(self, node: ScalarNode, wanted: str) -> Any:
        """`!!bool x`, `!!int x`, `!!float x`, `!!null x` as go-yaml v2 reads them: the text
        resolved by the implicit rules must be of the tag's type (an int does for a float);
        else go-yaml's own error (kOps: vendor/gopkg.in/yaml.v2/resolve.go, resolve)."""
        value = resolve(node.value)
        found = _short_tag(value)
        if found == wanted:
            return value
        if wanted == "float" and found == "int":
            return float(value)
        raise self._error(node, f"cannot decode !!{found} `{node.value}` as a !!{wanted}")

    def _binary(self, node: ScalarNode) -> str:
        """`!!binary` is base64, decoded into the text kOps reads (Go's StdEncoding, which
        skips line breaks; bytes that are not UTF-8 become U+FFFD in kOps' JSON) (kOps:
        vendor/gopkg.in/yaml.v2/decode.go, decoder.scalar)."""
        compact = node.value.replace("\r", "").replace("\n", "")
        try:
            data = base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError):
            raise self._error(node, "!!binary value contains invalid base64 data") from None
        return data.decode("utf-8", errors="replace")

    def _trap(self, node: ScalarNode, value: Any, path: YPath) -> None:
        """What kOps reads differently from what the scalar seems to say (and from YAML 1.2):
        the same table as the reading itself, so the warning and the value never disagree."""
        raw = node.value
        if isinstance(value, bool) and raw.lower() not in ("true", "false"):
            self.traps.append((path, raw, f"the boolean {str(value).lower()}"))
        elif isinstance(value, int) and not isinstance(value, bool) and _yaml11_only_number(raw):
            self.traps.append((path, raw, f"the number {value}"))

    def _error(self, node: Node, message: str) -> YAMLError:
        line, col = _pos(node)
        return YAMLError(message, Location(self.file, line, col))


_TYPED = {_TAG + name for name in ("bool", "int", "float", "null")}


def _short_tag(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "str"


def _yaml11_only_number(raw: str) -> bool:
    """Integers kOps reads that YAML 1.2 reads otherwise: octal `0777`, `1_000`, `0b1`."""
    digits = raw.lstrip("+-")
    return (
        "_" in raw
        or digits[:2] in ("0b", "0B")
        or (len(digits) > 1 and digits[0] == "0" and digits[1].isdigit())
    )


def _pos(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1
