"""A fast path for the YAML clustermgr parses on every run without caching it (rendered
manifests, applied snapshots): rapidyaml, a compiled parser, turns the stream into JSON, which
Python's json reads.

rapidyaml reads YAML 1.2 and kOps reads YAML 1.1 (go-yaml v2), so the fast path answers only
where the two cannot differ, and says None otherwise; the caller then parses with compose,
the reference. It declines a stream that holds, anywhere: a string the YAML 1.1 rules could
have read as something else (`yes`, `on`, `~`, `0777`, `1_000`, `0x1F`, `.inf`, a sign),
a number Go would not read as JSON does (19 digits and more, an exponent), a tag, an anchor
or alias, a merge key, a directive, a complex key, a tab or a carriage return, deep
indentation, a duplicate key, or anything rapidyaml or json refuses. What is left are plain
strings, decimal integers and floats, true, false and null, on which both agree; such a
stream has no YAML 1.1 traps either. Positions are not computed here: a Document from the
fast path finds them by parsing with compose the first time one is asked for (only when a
problem must be located).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from typing import Any

import re2  # RE2's automaton scans a manifest ~20x faster than re for these patterns

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_UNANCHORED = re2._re2.RE2.Anchor.UNANCHORED


def _scanner(pattern: str) -> Any:
    """`pattern` compiled by RE2 itself, for bytes: the Python wrapper's per-call cost (it
    re-encodes text and maps offsets back) would exceed the scan of a small document."""
    compiled = re2._re2.RE2(pattern.encode(), _OPTIONS)
    return lambda data: compiled.Match(_UNANCHORED, data, 0, len(data))[0] != (-1, -1)


# As written in the stream: tags, directives and the reserved indicators (`!%@` and the
# backtick, anywhere: a plain `Hello!` is left to compose too), anchors and aliases (`&`, `*`
# where a node may start: after an indicator or at a line's start; `_*.yaml` and `?a=1&b=2`
# inside a scalar are text to both parsers), merge keys,
# complex keys, document end markers, a line starting with `:,]}`, a flow collection left
# open on its line or with an empty key; tabs, carriage returns, control characters and the
# line breaks YAML 1.1 knows (NEL, U+2028, U+2029).
# libyaml refuses some of these where rapidyaml takes them (a Hypothesis search found such).
# Nesting that indentation does not show (flow in flow, `- - x`) is left to compose's depth
# limit, and so is indentation deeper than it.
_STREAM = (
    r"(?m)[\t\r!%@`]|<<|^\? |^\.\.\.|^[ ]*(?:-[ ]+)*[:,\]}?]"
    r"|(?:^|[-:,?\[{])[ ]*[&*]"  # an anchor or alias: where a node may start
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x{7f}-\x{9f}\x{2028}\x{2029}]"  # controls, breaks
    r"|[\[{][^\]}\n]*(?:[\[{]|$)|[\[{,][ ]*:|-[ ]+-(?:[ ]|$)"
    r"|(?::|-)[ ]+[\]},]"  # a value starting with a flow indicator
    # a block scalar header that is more than `|` or `>` and a chomping sign (RE2 has no
    # lookahead: what may follow is spelled out)
    r"|(?::[ ]+|^[ ]*(?:-[ ]+)*)[|>][-+]?(?:[^-+ \n#]|[ ]+[^#\s])"
)
_STREAMS: dict[int, Any] = {}
# As rapidyaml writes it in JSON: a string go-yaml v2 might read as a boolean, null, a
# YAML 1.1 number or a float special; an integer of 19 digits or more; an exponent.
_suspect_json = _scanner(
    r'"(?:[yYnN~]|[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF|True|TRUE|False|FALSE|Null|NULL'
    r"|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)"
    r"|[-+]?(?:0[xXoObB][0-9a-fA-F_]+|\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)"
    r'(?:[eE][-+]?[0-9]+)?)"'
    r"|[0-9]{19}|[0-9][eE]"
)

try:  # a compiled wheel; without it every stream takes the reference path
    import ryml
except ImportError:  # pragma: no cover - the dependency is declared
    ryml = None


def _suspect_stream(depth: int) -> Any:
    found = _STREAMS.get(depth)
    if found is None:
        found = _STREAMS[depth] = _scanner(f"{_STREAM}|^ {{{depth + 1}}}")
    return found


class _Duplicate(Exception):
    pass


def _mapping(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Duplicate  # compose reports it, with both lines
    return out


# made once: json.loads builds a decoder per call when given a hook
_DECODER = json.JSONDecoder(object_pairs_hook=_mapping)

_NULL: list[int] = []  # an fd open on /dev/null, once per process
_KEPT: list[int] = []  # a copy of fd 2 kept for the process (keep_stderr)


def keep_stderr() -> None:
    """For a process whose fd 2 no one else moves (a check worker): the copy of stderr that
    `_quiet` puts back is made once, not per parse."""
    if not _KEPT:
        _KEPT.append(os.dup(2))


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """rapidyaml prints its own parse errors to the process's stderr before it raises; the
    user gets compose's located message instead, and nothing else."""
    if not _NULL:
        _NULL.append(os.open(os.devnull, os.O_WRONLY))
    saved = _KEPT[0] if _KEPT else os.dup(2)
    os.dup2(_NULL[0], 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        if not _KEPT:
            os.close(saved)


_BUFFER = bytearray(1 << 16)  # emit_json_malloc leaks its buffer: emit into ours instead


def _json(tree: Any) -> bytes:
    """The tree as JSON text, written into one reused buffer (grown when too small)."""
    global _BUFFER
    root = tree.root_id()
    failed, size = ryml.emit_json_to_substr(tree, root, _BUFFER)
    if failed:
        _BUFFER = bytearray(max(size, 2 * len(_BUFFER)))
        failed, size = ryml.emit_json_to_substr(tree, root, _BUFFER)
    return bytes(_BUFFER[:size])


def parse(text: str, depth: int) -> list[Any] | None:
    """The data of every document of `text`, or None where only compose may answer."""
    if ryml is None:
        return None
    data = text.encode()
    if not data or data.isspace() or _suspect_stream(depth)(data):
        return None
    try:
        with _quiet():
            tree = ryml.parse_in_arena(data)
        if tree.size() <= 1:
            return None
        encoded = _json(tree)
    except Exception:  # ryml's errors are compose's to locate and word
        return None
    if _suspect_json(encoded):
        return None
    try:
        found = _DECODER.decode(encoded.decode())
    except (ValueError, _Duplicate, RecursionError):
        return None
    return list(found) if tree.is_stream(tree.root_id()) else [found]
