"""Reading YAML files into located documents.

Parsing (yamlparse) builds plain Python data itself, so that every node keeps its line and
column, duplicate keys are errors, and values resolve as kOps' Go YAML library (YAML 1.1)
resolves them: `yes`/`on` are booleans, timestamps stay strings. Parsed documents are cached
by content hash, so an unchanged file is neither parsed again nor is PyYAML even imported.
Writing lives in yamlemit.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from clustermgr.errors import YAMLError
from clustermgr.fsutil import cache_dir
from clustermgr.problems import Location

YPath = tuple[str | int, ...]
"""A path into loaded data: mapping keys and list indexes from the document root."""

_CACHE_FORMAT = b"clustermgr-yaml-3\n"  # bump when parsing rules change
Parsed = list[tuple[Any, dict[YPath, tuple[int, ...]], list[tuple[YPath, str, str]]]]
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class Document(NamedTuple):
    """One YAML document: its data and the 1-based (line, col) of every node in it."""

    data: Any
    file: str
    positions: dict[YPath, tuple[int, ...]]
    number: int = 0  # position in the stream, from 0
    traps: tuple[tuple[YPath, str, str], ...] = ()  # YAML 1.1 surprises: path, text, meaning

    def location(self, path: YPath, key: bool = False) -> Location:
        """The location of the node at `path` (with `key`, of its mapping key), or of its
        nearest located ancestor."""
        while path not in self.positions and path:
            path = path[:-1]
            key = True  # the ancestor's key names the place where the missing node belongs
        found = self.positions.get(path, (0, 0))
        line, col = found[2:4] if key and len(found) == 4 else found[:2]
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


def load_documents(text: str, file: str, cache: bool = True) -> list[Document]:
    """Parse every document of a YAML stream; empty documents load as None.

    `cache=False` for text that changes with every edit (rendered output): caching it would
    only fill the cache folder."""
    parsed = _cached(text) if cache else None
    if parsed is None:
        from clustermgr.yamlparse import parse

        parsed = parse(text, file)  # raises located errors; failures are never cached
        if cache:
            _store(text, parsed)
    return [
        Document(data, file, pos, i, tuple(traps)) for i, (data, pos, traps) in enumerate(parsed)
    ]


def _cache_file(text: str) -> Path | None:
    folder = cache_dir("yaml")
    if folder is None:
        return None
    digest = hashlib.sha256(_CACHE_FORMAT + text.encode()).hexdigest()
    return folder / digest


def _cached(text: str) -> Parsed | None:
    path = _cache_file(text)
    if path is None:
        return None
    try:
        loaded = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return loaded if isinstance(loaded, list) else None


def _store(text: str, parsed: Parsed) -> None:
    path = _cache_file(text)
    if path is None:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:  # marshal: the data is plain dicts, lists and scalars, and loads ten times faster
        tmp.write_bytes(marshal.dumps(parsed))
        os.replace(tmp, path)
    except (OSError, ValueError):
        tmp.unlink(missing_ok=True)


def load_mapping(path: str | Path, display: str | None = None, cache: bool = True) -> Document:
    """Load a values-style file: one document whose top level is a mapping (empty means {})."""
    name = display or str(path)
    docs = load_documents(read_text(path, name), name, cache)
    if len(docs) > 1:
        raise YAMLError(
            "holds several YAML documents; a values file holds one", Location(name, 1, 1)
        )
    if not docs or docs[0].data is None:
        return Document({}, name, {})
    doc = docs[0]
    if not isinstance(doc.data, dict):
        kind = _kind(doc.data)
        raise YAMLError(f"the top level must be a mapping, not {kind}", doc.location(()))
    return doc


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


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
        elif _NAME.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out
