"""The one place YAML is read and written.

Reading composes nodes with libyaml (PyYAML's C parser) and builds plain Python data itself, so
that every node keeps its line and column, duplicate keys are errors, and values resolve as
kOps' Go YAML library (YAML 1.1) resolves them: `yes`/`on` are booleans, timestamps stay strings.
Writing is a small block-style emitter with sorted keys and kOps' list indentation, the layout
`kops get -o yaml` prints.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from clustermgr.errors import YAMLError
from clustermgr.problems import Location

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # PyYAML built without libyaml: slower, same results
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

YPath = tuple[str | int, ...]
"""A path into loaded data: mapping keys and list indexes from the document root."""

MAX_NODES = 1_000_000  # aliases can expand a small file exponentially ("billion laughs")
MAX_DEPTH = 100

_TAG = "tag:yaml.org,2002:"
_scalar_constructor = yaml.constructor.SafeConstructor()


@dataclass
class Document:
    """One YAML document: its data and the 1-based (line, col) of every node in it."""

    data: Any
    file: str
    positions: dict[YPath, tuple[int, int]] = field(default_factory=dict)
    index: int = 0

    def location(self, path: YPath) -> Location:
        """The location of the node at `path`, or of its nearest located ancestor."""
        while path not in self.positions and path:
            path = path[:-1]
        line, col = self.positions.get(path, (0, 0))
        return Location(self.file, line, col)


def read_text(path: str | Path, display: str | None = None) -> str:
    """Read a UTF-8 text file, turning OS and encoding failures into located errors."""
    name = display or str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise YAMLError("no such file", Location(name)) from None
    except IsADirectoryError:
        raise YAMLError("is a directory, not a file", Location(name)) from None
    except OSError as exc:
        raise YAMLError(f"cannot read: {exc.strerror}", Location(name)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YAMLError(f"not UTF-8 text (byte {exc.start})", Location(name)) from None


def load_documents(text: str, file: str) -> list[Document]:
    """Parse every document of a YAML stream; empty documents load as None."""
    docs: list[Document] = []
    try:
        for index, node in enumerate(yaml.compose_all(text, Loader=_Loader)):
            doc = Document(None, file, {(): _pos(node)}, index)
            doc.data = _Builder(doc).build(node, (), 0)
            docs.append(doc)
    except yaml.MarkedYAMLError as exc:
        raise _located(exc, file) from None
    except yaml.YAMLError as exc:
        raise YAMLError(f"invalid YAML: {exc}", Location(file)) from None
    return docs


def load_mapping(path: str | Path, display: str | None = None) -> Document:
    """Load a values-style file: one document whose top level is a mapping (empty means {})."""
    name = display or str(path)
    docs = load_documents(read_text(path, name), name)
    if len(docs) > 1:
        raise YAMLError(
            "holds several YAML documents; a values file holds one", Location(name, 1, 1)
        )
    if not docs or docs[0].data is None:
        return Document({}, name)
    doc = docs[0]
    if not isinstance(doc.data, dict):
        kind = _kind(doc.data)
        raise YAMLError(f"the top level must be a mapping, not {kind}", doc.location(()))
    return doc


def _located(exc: yaml.MarkedYAMLError, file: str) -> YAMLError:
    mark = exc.problem_mark or exc.context_mark
    message = exc.problem or "invalid YAML"
    if exc.context and exc.context_mark and mark is not exc.context_mark:
        message = f"{message} ({exc.context} at line {exc.context_mark.line + 1})"
    if mark is None:
        return YAMLError(message, Location(file))
    return YAMLError(message, Location(file, mark.line + 1, mark.column + 1))


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


class _Builder:
    """Builds plain data from composed nodes, recording positions and refusing duplicates."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.nodes = 0

    def build(self, node: Node, path: YPath, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self._error(node, f"expands to more than {MAX_NODES} nodes (alias bomb?)")
        if depth > MAX_DEPTH:
            raise self._error(node, f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if isinstance(node, SequenceNode):
            out: list[Any] = []
            for i, item in enumerate(node.value):
                sub = (*path, i)
                self.doc.positions[sub] = _pos(item)
                out.append(self.build(item, sub, depth + 1))
            return out
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        raise self._error(node, "unsupported YAML node")  # pragma: no cover

    def _mapping(self, node: MappingNode, path: YPath, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: dict[str, Node] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                raise self._error(key_node, "a mapping key must be a scalar")
            key = key_node.value
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise self._error(key_node, f"duplicate key {key!r} (first set at line {first})")
            seen[key] = key_node
            sub = (*path, key)
            # Collections point at their key (the line a person edits); scalars at the value.
            target = value_node if isinstance(value_node, ScalarNode) else key_node
            self.doc.positions[sub] = _pos(target)
            out[key] = self.build(value_node, sub, depth + 1)
        for merge in merges:  # YAML merge keys (<<): explicit keys win, earlier merges win
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for source in sources:
                if not isinstance(source, MappingNode):
                    raise self._error(source, "a merge key (<<) takes a mapping or a list of them")
                merged = self._mapping(source, path, depth)
                for key, value in merged.items():
                    out.setdefault(key, value)
        return out

    def _scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == _TAG + "str" or tag == _TAG + "timestamp":
            return node.value  # Go's YAML-to-JSON conversion keeps timestamps as text
        if tag == _TAG + "int":
            return _scalar_constructor.construct_yaml_int(node)
        if tag == _TAG + "bool":
            return _scalar_constructor.construct_yaml_bool(node)
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "float":
            return _scalar_constructor.construct_yaml_float(node)
        if tag in (_TAG + "binary", _TAG + "value"):
            return node.value
        raise self._error(node, f"unknown tag {tag!r}")

    def _error(self, node: Node, message: str) -> YAMLError:
        line, col = _pos(node)
        return YAMLError(message, Location(self.doc.file, line, col))


def _pos(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


# ---------------------------------------------------------------------------------------------
# Writing

# Scalars that some YAML reader (1.1 as kOps' Go library, or 1.2) would not read back as text.
_NOT_TEXT = re.compile(
    r"""^(?:
        ~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE
        |on|On|ON|off|Off|OFF|=|<<
        |[-+]?(?:0|[1-9][0-9_]*)|[-+]?0[0-7_]+|[-+]?0o[0-7_]+|[-+]?0x[0-9a-fA-F_]+|[-+]?0b[01_]+
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
        |[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+
        |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
        |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*
    )$""",
    re.X,
)
_PLAIN = re.compile(r"^(?:[^\s\-?:,\[\]{}#&*!|>'\"%@`]|[-?:][^\s,\[\]{}])[^\x00-\x1f\x7f]*$")


def dump(data: Any, sort_keys: bool = True) -> str:
    """Emit one document in block style, ending with a newline."""
    lines: list[str] = []
    _emit(data, 0, lines, sort_keys)
    return "\n".join(lines) + "\n"


def dump_all(documents: list[Any], sort_keys: bool = True) -> str:
    """Emit several documents separated by `---` lines."""
    return "---\n".join(dump(d, sort_keys) for d in documents)


def scalar(value: Any) -> str:
    """One scalar as YAML flow text (quoted where a plain scalar would change its meaning)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    text = str(value)
    if _plain_ok(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _plain_ok(text: str) -> bool:
    return (
        bool(_PLAIN.match(text))
        and not _NOT_TEXT.match(text)
        and text[-1] not in " :"
        and ": " not in text
        and " #" not in text
    )


def _emit(value: Any, indent: int, lines: list[str], sort_keys: bool) -> None:
    pad = " " * indent
    if isinstance(value, dict) and value:
        for key in sorted(value, key=str) if sort_keys else value:
            _emit_entry(f"{pad}{scalar(str(key))}:", value[key], indent, lines, sort_keys)
    elif isinstance(value, list) and value:
        for item in value:
            _emit_item(pad, item, indent, lines, sort_keys)
    else:
        lines.append(pad + _inline(value, indent))


def _emit_entry(head: str, value: Any, indent: int, lines: list[str], sort_keys: bool) -> None:
    if isinstance(value, dict) and value:
        lines.append(head)
        _emit(value, indent + 2, lines, sort_keys)
    elif isinstance(value, list) and value:
        lines.append(head)
        _emit(value, indent, lines, sort_keys)  # kOps style: list items at the key's indent
    else:
        lines.append(f"{head} {_inline(value, indent + 2)}")


def _emit_item(pad: str, item: Any, indent: int, lines: list[str], sort_keys: bool) -> None:
    if isinstance(item, (dict, list)) and item:
        sub: list[str] = []
        _emit(item, indent + 2, sub, sort_keys)
        lines.append(f"{pad}- {sub[0][indent + 2 :]}")
        lines.extend(sub[1:])
    else:
        lines.append(f"{pad}- {_inline(item, indent + 2)}")


def _inline(value: Any, indent: int) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    if isinstance(value, str) and "\n" in value and _literal_ok(value):
        return _literal(value, indent)
    return scalar(value)


def _literal_ok(text: str) -> bool:
    return (
        text.strip() != ""
        and not text.startswith((" ", "\t", "\n"))
        and all(c == "\n" or c == "\t" or c >= " " for c in text)
        and "\r" not in text
        and "\x7f" not in text
        and "\ufeff" not in text
    )


def _literal(text: str, indent: int) -> str:
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    chomp = "-" if trailing == 0 else ("" if trailing == 1 else "+")
    pad = " " * indent
    out = [f"|{chomp}"]
    out.extend(pad + line if line else "" for line in body.split("\n"))
    out.extend("" for _ in range(trailing - 1))
    return "\n".join(out)


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


def format_path(path: YPath) -> str:
    """`a.b[0].c`; keys that are not simple names are bracketed: `labels["kops.k8s.io/x"]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out
