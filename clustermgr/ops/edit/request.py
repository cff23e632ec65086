"""What `set` is asked to change: edits addressed at what is there.

`--set` (rendering) and `set` (editing a file) read paths differently, because they mean
different things:

| you write | `--set` (render, kOps' grammar) | `set` (edit a values file) |
| --- | --- | --- |
| `a.b=v` | sets a.b | sets a.b where it is set now |
| `list[1]=v` | a new list `[null, v]` | element 1 of the list there (past its end: an error) |
| `subnets[zone=eu-west-1b].cidr=v` | — | the element whose `zone` is `eu-west-1b` |
| `list={a,b}` | a list | the whole list replaced |
| `a=x,b=y` | two assignments | one assignment per argument: the value is `x,b=y` |
| `--set-file K=PATH` | — | K replaced by the YAML in PATH (a mapping or a list) |
| `--unset K` | — | K removed from the file that sets it |
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from clustermgr.errors import UsageError
from clustermgr.values.setexpr import parse_into
from clustermgr.yamlio import Match, Part, format_path, load_documents, read_text

MAX_PATH = 64  # parts of one path: values files are not deeper than that


class Change(NamedTuple):
    """One requested edit: a value for `path`, or its removal."""

    path: tuple[Part, ...]
    value: Any = None
    unset: bool = False

    def shown(self) -> str:
        return format_path(self.path)


def parse_path(text: str) -> tuple[Part, ...]:
    """`a.b[2].c`, `subnets[zone=eu-west-1b].cidr`; a backslash escapes the next character."""
    parts: list[Part] = []
    key, i, escaped = "", 0, False
    fresh = True  # at the start of a segment: a key is expected
    while i < len(text):
        char = text[i]
        if escaped:
            key, escaped = key + char, False
        elif char == "\\":
            escaped = True
        elif char == ".":
            if not key and fresh:
                raise UsageError(f"{text!r}: an empty key before '.'")
            if key:
                parts.append(key)
            key, fresh = "", True
        elif char == "[":
            if key:
                parts.append(key)
            elif fresh:
                raise UsageError(f"{text!r}: '[' must follow a key")
            end = text.find("]", i)
            if end < 0:
                raise UsageError(f"{text!r}: '[' without its ']'")
            parts.append(_selector(text, text[i + 1 : end]))
            key, fresh, i = "", False, end
        else:
            if not fresh:
                raise UsageError(f"{text!r}: '.' or '[' must follow ']'")
            key += char
        i += 1
    if escaped:
        raise UsageError(f"{text!r}: ends in a lone backslash")
    if key:
        parts.append(key)
    elif fresh:
        raise UsageError(f"{text!r}: the path ends without a key")
    if len(parts) > MAX_PATH:
        raise UsageError(f"{text[:80]!r}: a path of more than {MAX_PATH} parts")
    return tuple(parts)


def _selector(whole: str, inner: str) -> Part:
    if inner.isdigit() and len(inner) <= 6:
        return int(inner)
    key, eq, value = inner.partition("=")
    if not eq or not key or not value:
        raise UsageError(
            f"{whole!r}: [{inner}] is neither an index nor key=value (subnets[zone=eu-west-1a])"
        )
    return Match(key, value)


def parse_assignment(text: str, as_string: bool) -> Change:
    """KEY=VALUE: the value typed as `--set` types it (or a string), `{a,b}` a list."""
    key, eq, raw = _split(text)
    if not eq:
        raise UsageError(f"{text!r}: expected KEY=VALUE")
    found: dict[str, Any] = {}
    escaped = raw.replace("\\", "\\\\") if not raw.startswith("{") else raw
    if not raw.startswith("{"):
        escaped = escaped.replace(",", "\\,")  # one assignment per argument: commas are text
    parse_into(f"v={escaped}", found, as_string)
    if set(found) != {"v"}:
        raise UsageError(f"{text!r}: one KEY=VALUE per argument ({{a,b}} for a list)")
    return Change(parse_path(key), found["v"])


def parse_unset(text: str) -> Change:
    return Change(parse_path(text), unset=True)


def parse_file_assignment(text: str) -> Change:
    """KEY=PATH: the value is the YAML in PATH (one document: a mapping, a list or a scalar)."""
    key, eq, raw = _split(text)
    if not eq or not raw:
        raise UsageError(f"--set-file {text!r}: expected KEY=PATH")
    path = Path(raw)
    if not path.is_file():
        raise UsageError(f"--set-file {key}: no such file: {raw}")
    documents = load_documents(read_text(path, raw), raw, cache=False)
    if len(documents) != 1:
        raise UsageError(f"--set-file {key}: {raw} must hold one YAML document")
    return Change(parse_path(key), documents[0].data)


def _split(text: str) -> tuple[str, str, str]:
    """KEY, '=', VALUE at the first `=` outside a `[...]` selector."""
    depth = 0
    for i, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        elif char == "=" and not depth and (i == 0 or text[i - 1] != "\\"):
            return text[:i], "=", text[i + 1 :]
    return text, "", ""
