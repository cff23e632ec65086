"""Reading YAML files into located documents.

Parsing (compose) builds plain Python data itself, so that every node keeps its line and
column, duplicate keys are errors, and values resolve as kOps' Go YAML library (YAML 1.1)
resolves them: `yes`/`on` are booleans, timestamps stay strings. Parsed documents are cached
by content hash, so an unchanged file is neither parsed again nor is PyYAML even imported.
Writing lives in emit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple, TypeGuard

from clustermgr import limits
from clustermgr.cache import ContentCache
from clustermgr.errors import YAMLError
from clustermgr.files import read_bytes
from clustermgr.problems import Location
from clustermgr.yamlio.paths import YPath

_CACHE_FORMAT = b"clustermgr-yaml-6\n"  # bump when parsing rules change
Parsed = list[tuple[Any, dict[YPath, tuple[int, ...]], list[tuple[YPath, str, str]]]]
# a cached parse: positions None where the fast path read it (read from the text when asked)
Cached = list[tuple[Any, dict[YPath, tuple[int, ...]] | None, list[tuple[YPath, str, str]]]]


class Document(NamedTuple):
    """One YAML document: its data and the 1-based (line, col) of every node in it."""

    data: Any
    file: str
    positions: Mapping[YPath, tuple[int, ...]]
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


class _Later:
    """The positions of a stream the fast path read: compose parses it the first time one
    is asked for (a problem to locate), once for all its documents."""

    def __init__(self, text: str, file: str) -> None:
        self.text, self.file = text, file
        self.parsed: Parsed | None = None

    def of(self, index: int) -> _Positions:
        return _Positions(self, index)

    def positions(self, index: int) -> dict[YPath, tuple[int, ...]]:
        if self.parsed is None:
            from clustermgr.yamlio.compose import parse  # noqa: PLC0415  # PyYAML, only now

            self.parsed = parse(self.text, self.file)
        return self.parsed[index][1] if index < len(self.parsed) else {}


class _Positions(Mapping[YPath, tuple[int, ...]]):
    """One document's positions, parsed when first read."""

    def __init__(self, later: _Later, index: int) -> None:
        self.later, self.index = later, index

    def _all(self) -> dict[YPath, tuple[int, ...]]:
        return self.later.positions(self.index)

    def __getitem__(self, path: YPath) -> tuple[int, ...]:
        return self._all()[path]

    def __contains__(self, path: object) -> bool:
        return path in self._all()

    def __iter__(self) -> Iterator[YPath]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def read_text(path: str | Path, display: str | None = None) -> str:
    """Read a UTF-8 text file (bounded, regular files only) into text, turning OS and
    encoding failures into located errors."""
    name = display or str(path)
    data = read_bytes(path, name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YAMLError(f"not UTF-8 text (byte {exc.start})", Location(name)) from None


def load_documents(text: str, file: str, cache: bool = True) -> list[Document]:
    """Parse every document of a YAML stream; empty documents load as None.

    `cache=False` for text that changes with every edit (rendered output, snapshots): caching
    it would only fill the cache folder. Text not in the cache takes the fast path where it
    can (see yamlio/fast.py), its positions parsed only when one is asked for; compose parses
    the rest (and a cached fast-path parse keeps no positions: they come from the text)."""
    store = ContentCache("yaml", _CACHE_FORMAT) if cache else None
    parsed: Cached | None = store.get(text.encode()) if store else None
    if not _well_formed(parsed):  # a cache file is never trusted: anything else is a miss
        from clustermgr.yamlio import fast  # noqa: PLC0415  # rapidyaml: only for text not in the cache

        found = fast.parse(text, limits.current().depth)
        if found is not None:
            parsed = [(data, None, []) for data in found]
        else:
            from clustermgr.yamlio.compose import parse  # noqa: PLC0415  # PyYAML: only where the fast path declines

            parsed = list(parse(text, file))  # raises located errors; failures are never cached
        if store:
            store.put(text.encode(), parsed)
    later = _Later(text, file)
    return [
        Document(data, file, later.of(i) if pos is None else pos, i, tuple(traps))
        for i, (data, pos, traps) in enumerate(parsed)
    ]


def _well_formed(parsed: Any) -> TypeGuard[Cached]:
    return isinstance(parsed, list) and all(
        isinstance(entry, tuple)
        and len(entry) == 3
        and (entry[1] is None or isinstance(entry[1], dict))
        and isinstance(entry[2], list)
        for entry in parsed
    )


def load_each(items: list[tuple[str, str]]) -> list[Document] | None:
    """One document from each (text, file), read together in one pass of the fast path (a
    render's documents: one call instead of one per template output); None where the fast
    path declines, and the caller loads them one by one."""
    from clustermgr.yamlio import fast  # noqa: PLC0415  # rapidyaml: only for uncached text

    joined = "---\n".join(t if t.endswith("\n") else t + "\n" for t, _ in items)
    found = fast.parse(joined, limits.current().depth) if items else None
    if found is None or len(found) != len(items):
        return None
    return [
        Document(data, file, _Later(text, file).of(0))
        for data, (text, file) in zip(found, items, strict=True)
    ]


def load_mapping(path: str | Path, display: str | None = None, cache: bool = True) -> Document:
    """Load a values-style file: one document whose top level is a mapping (empty means {})."""
    name = display or str(path)
    return mapping_from_text(read_text(path, name), name, cache)


def mapping_from_text(text: str, name: str, cache: bool = True) -> Document:
    """`load_mapping` of a text already read (an edit before it is written)."""
    docs = load_documents(text, name, cache)
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
