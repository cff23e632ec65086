"""Layered values: load, deep-merge as kOps does, and remember where every value came from.

Merge rules (kOps' `mergeValues`, taken from Helm): a mapping merges into a mapping key by key;
anything else (scalar, list, null, or a mapping over a non-mapping) replaces what was there.
`--set` and `--set-string` are applied after every file, all `--set` before all `--set-string`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from clustermgr.errors import UsageError
from clustermgr.files import walk_files
from clustermgr.problems import Location
from clustermgr.yamlio import Document, YPath, load_mapping


class Origin(NamedTuple):
    """Where a value was set: a file location or a command-line argument."""

    source: str
    location: Location | None = None
    overrides: tuple[str, ...] = ()  # the sources it replaced, most recent first
    key_location: Location | None = None  # of its mapping key, where it has one


# One step of the merge, kept so that origins can be worked out only when asked for:
# a loaded file, a --set/--set-string argument, or a default for an unset top-level key.
_Step = tuple[str, Any, Any]


class Values:
    """The merged values of one cluster; `origins` tells where every node came from.

    Rendering never needs origins, so merging does not track them: the first use of
    `origins` replays the same steps with tracking (a few times the cost of the merge).
    """

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.layers: list[str] = []  # what was merged, in order: files and --set arguments
        self._steps: list[_Step] = []
        self._origins: dict[YPath, Origin] | None = None
        self._source: Values | None = None  # with_data: origins are the original's

    def with_data(self, data: dict[str, Any]) -> Values:
        """The same layers and origins over other data of the same shape (redacted)."""
        copy = Values()
        copy.data, copy.layers, copy._steps, copy._origins = data, self.layers, self._steps, None
        copy._source = self
        return copy

    @property
    def origins(self) -> dict[YPath, Origin]:
        """The origin of every node (mapping, list, scalar) by path."""
        if self._source is not None:
            return self._source.origins
        if self._origins is None:
            replay = Values()
            replay._origins = {}
            for kind, first, second in self._steps:
                replay._apply(kind, first, second)
            self._origins = replay._origins
        return self._origins

    def origin(self, path: YPath) -> Origin | None:
        """The origin of the node at `path`, or of the nearest ancestor that has one."""
        origins = self.origins
        while path:
            found = origins.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return None

    def get(self, path: YPath) -> Any:
        """The value at `path`; KeyError when it is absent."""
        node: Any = self.data
        for part in path:
            in_map = isinstance(node, dict) and isinstance(part, str) and part in node
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if not (in_map or in_list):
                raise KeyError(path)
            node = node[part]
        return node

    def merge_document(self, doc: Document) -> None:
        """Merge one loaded values file on top."""
        self.layers.append(doc.file)
        self._record_step("file", doc, None)

    def apply_set(self, expr: str, as_string: bool = False) -> None:
        """Apply one --set / --set-string argument (kOps grammar) on top."""
        from clustermgr.values.setexpr import mask  # noqa: PLC0415  # only with --set

        self.layers.append(f"{'--set-string' if as_string else '--set'} {mask(expr)}")
        self._record_step("set", expr, as_string)

    def default(self, key: str, value: Any, source: str) -> None:
        """Set a top-level key only when no layer set it (kOps' clusterName fallback)."""
        self._record_step("default", key, (value, source))

    def _record_step(self, kind: str, first: Any, second: Any) -> None:
        self._steps.append((kind, first, second))
        self._origins = None
        self._apply(kind, first, second)

    def _apply(self, kind: str, first: Any, second: Any) -> None:
        origins = self._origins
        if kind == "file":
            doc: Document = first

            def origin(path: YPath) -> Origin:
                location = doc.location(path)
                return Origin(str(location), location, (), doc.location(path, True))

            _merge(self.data, doc.data, (), origins, origin)
        elif kind == "set":
            from clustermgr.values import setexpr  # noqa: PLC0415  # only with --set

            source = f"{'--set-string' if second else '--set'} {setexpr.mask(first)}"
            assigned = setexpr.parse_into(first, self.data, second)
            if origins is not None:
                for path in assigned:
                    try:
                        value = self.get(path)
                    except KeyError:  # replaced by a later part of the same expression
                        continue
                    overridden = _forget(origins, path)
                    for depth in range(1, len(path)):
                        origins.setdefault(path[:depth], Origin(source))
                    _record(origins, value, path, lambda _p: Origin(source), overridden)
        elif first not in self.data:  # "default"
            value, source = second
            self.data[first] = value
            if origins is not None:
                origins[(first,)] = Origin(source)


def expand_values_paths(paths: Iterable[str]) -> list[Path]:
    """Files named on the command line; a directory stands for its files in lexical order."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(walk_files(path))
        elif path.exists():
            out.append(path)
        else:
            raise UsageError(f"values file not found: {raw}")
    return out


class LayerCache:
    """Loads each values file once, however many clusters share it. `persist=False` keeps
    parses out of the per-user cache: a fleet run caches whole results instead, and writing
    thousands of small files costs more than parsing them. The most recently used files are
    kept: shared layers stay, a cluster's own file (read by that cluster only) makes room,
    so a run's memory does not grow with the fleet."""

    KEEP = 256

    def __init__(self, persist: bool = True) -> None:
        self._docs: dict[tuple[Path, str], Document] = {}
        self._persist = persist

    def load(self, path: Path, display: str) -> Document:
        key = (path, display)
        doc = self._docs.pop(key, None)
        if doc is None:
            doc = load_mapping(path, display, self._persist)
            if len(self._docs) >= self.KEEP:
                del self._docs[next(iter(self._docs))]  # the least recently used
        self._docs[key] = doc  # (re)inserted last: dicts keep insertion order
        return doc


def build_values(
    files: Iterable[tuple[Path, str]],
    sets: Iterable[str] = (),
    set_strings: Iterable[str] = (),
    cache: LayerCache | None = None,
) -> Values:
    """Merge files (path, display name) in order, then every --set, then every --set-string."""
    cache = cache or LayerCache()
    values = Values()
    for path, display in files:
        values.merge_document(cache.load(path, display))
    for expr in sets:
        values.apply_set(expr)
    for expr in set_strings:
        values.apply_set(expr, as_string=True)
    return values


def _merge(
    dst: dict[str, Any],
    src: dict[str, Any],
    path: YPath,
    origins: dict[YPath, Origin] | None,
    origin: Callable[[YPath], Origin],
) -> None:
    for key, value in src.items():
        old = dst.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            _merge(old, value, (*path, key), origins, origin)
            continue
        if origins is not None:
            sub = (*path, key)
            _record(origins, value, sub, origin, _forget(origins, sub) if key in dst else ())
        dst[key] = _copy(value)


def _forget(origins: dict[YPath, Origin], path: YPath) -> tuple[str, ...]:
    """Drop the origins of `path` and everything below it; return the chain it overrode."""
    old = origins.pop(path, None)
    size = len(path)
    for stale in [p for p in origins if len(p) > size and p[:size] == path]:
        del origins[stale]
    return () if old is None else (old.source, *old.overrides)


def _record(
    origins: dict[YPath, Origin],
    value: Any,
    path: YPath,
    origin: Callable[[YPath], Origin],
    overridden: tuple[str, ...],
) -> None:
    top = origin(path)
    origins[path] = Origin(top.source, top.location, overridden) if overridden else top
    if isinstance(value, dict):
        for key, item in value.items():
            _record(origins, item, (*path, key), origin, ())
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _record(origins, item, (*path, index), origin, ())


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
