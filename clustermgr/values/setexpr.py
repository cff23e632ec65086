"""The `--set` / `--set-string` grammar, exactly as kOps reads it (its fork of Helm's strvals).

`a.b=v` sets a nested key, pairs are separated by commas, a backslash escapes the next character,
`{x,y}` is a list, `name[2]=x` sets an index (padding with null). With `--set`, `true`, `false`
and `null` (any case) become booleans and null, and a decimal integer that does not start with
`0` becomes an int; everything else stays a string. `--set-string` never converts.
"""

from __future__ import annotations

from typing import Any

from clustermgr import limits
from clustermgr.errors import ValuesError
from clustermgr.yamlio import YPath, format_path

_INT64 = 2**63


class _EOF(Exception):
    """The input ended (not an error by itself: the caller decides)."""


def parse_into(expr: str, dest: dict[str, Any], as_string: bool = False) -> list[YPath]:
    """Apply one --set (or --set-string) argument to `dest`; return the paths it assigned."""
    parser = _Parser(expr, dest, as_string)
    try:
        parser.parse()
    except ValuesError as exc:
        flag = "--set-string" if as_string else "--set"
        raise ValuesError(f"{flag} {mask(expr)!r}: {exc.message}") from None
    return parser.assigned


def mask(expr: str, limit: int = 120) -> str:
    """The expression as messages show it: keys kept, every value replaced by `…` (a value
    may be a secret), cut to `limit` characters."""
    out: list[str] = []
    in_value = depth = 0
    escaped = False
    for char in expr:
        if escaped:
            escaped = False
            if not in_value:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if not in_value:
                out.append(char)
            continue
        if in_value:
            if char == "{":
                depth += 1
            elif char == "}":
                depth = max(0, depth - 1)
            elif char == "," and not depth:
                in_value = 0
                out.append(char)
            continue
        out.append(char)
        if char == "=":
            in_value = 1
            out.append("…")
    shown = "".join(out)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def typed_value(text: str, as_string: bool = False) -> Any:
    """The value a --set scalar becomes (Helm's typedVal)."""
    if as_string:
        return text
    lower = text.lower()
    if lower == "true":
        return True
    if lower == "false":
        return False
    if lower == "null":
        return None
    if text == "0":
        return 0
    if text and text[0] != "0":
        body = text[1:] if text[0] in "+-" else text
        if body.isascii() and body.isdigit() and len(body) <= 19:  # beyond: not an int64
            number = int(text)
            if -_INT64 <= number < _INT64:  # Go's ParseInt(…, 64); beyond it stays text
                return number
    return text


class _Parser:
    def __init__(self, text: str, dest: dict[str, Any], as_string: bool) -> None:
        self.text = text
        self.pos = 0
        self.dest = dest
        self.as_string = as_string
        self.assigned: list[YPath] = []

    # -- scanning ---------------------------------------------------------------------------

    def _read(self) -> str:
        if self.pos >= len(self.text):
            raise _EOF
        char = self.text[self.pos]
        self.pos += 1
        return char

    def _until(self, stops: str) -> tuple[str, str | None]:
        """Characters up to one of `stops` (consumed); the stop is None at the end of input."""
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char in stops:
                return "".join(out), char
            if char == "\\":
                if self.pos >= len(self.text):
                    return "".join(out), None
                char = self.text[self.pos]
                self.pos += 1
            out.append(char)
        return "".join(out), None

    # -- grammar ------------------------------------------------------------------------------

    def parse(self) -> None:
        while self.pos < len(self.text):
            self._key(self.dest, (), 0)

    def _key(self, data: dict[str, Any], path: YPath, level: int) -> None:
        key, stop = self._until("=[,.")
        if not key and stop is not None:
            # kOps would set a key named "" (its strvals fork): nothing reads one, so say so
            raise ValuesError(f"a key is missing before {stop!r}")
        if stop is None:
            if key:
                raise ValuesError(f"key {key!r} has no value")
            return
        if stop == "[":
            index = self._index()
            current = data.get(key, [])
            if not isinstance(current, list):
                raise ValuesError(f"cannot index {_show((*path, key))}: it is not a list")
            self._set(data, key, self._list_item(list(current), index, (*path, key), level))
        elif stop == "=":
            self._set(data, key, self._value((*path, key)))
        elif stop == ",":
            raise ValuesError(f"key {key!r} has no value (cannot end with ,)")
        else:  # "."
            level = self._deeper(level)
            inner = data.get(key, {})
            if not isinstance(inner, dict):
                raise ValuesError(f"cannot set a key under {_show((*path, key))}: not a map")
            inner = dict(inner)
            self._key(inner, (*path, key), level)
            if not inner:
                raise ValuesError(f"key map {key!r} has no value")
            self._set(data, key, inner)

    def _value(self, path: YPath) -> Any:
        """The value after `=`: a `{...}` list or a scalar up to the next comma."""
        if self.pos < len(self.text) and self.text[self.pos] == "{":
            self.pos += 1
            value: Any = self._list_body()
        else:
            text, _ = self._until(",")
            value = typed_value(text, self.as_string)
        self.assigned.append(path)
        return value

    def _list_body(self) -> list[Any]:
        items: list[Any] = []
        while True:
            text, stop = self._until(",}")
            if stop is None:
                raise ValuesError("list must terminate with '}'")
            items.append(typed_value(text, self.as_string))
            if stop == "}":
                if self.pos < len(self.text) and self.text[self.pos] == ",":
                    self.pos += 1
                return items

    def _index(self) -> int:
        text, stop = self._until("]")
        if stop is None:
            raise ValuesError(f"error parsing index: missing ']' after {text!r}")
        try:
            index = int(text)
        except ValueError:
            raise ValuesError(f"error parsing index: {text!r} is not a number") from None
        if index < 0:
            raise ValuesError(f"negative {index} index not allowed")
        cap = limits.current().set_index
        if index > cap:
            raise ValuesError(
                f"index of {index} is greater than the maximum of {cap} (limits.setIndex)"
            )
        return index

    @staticmethod
    def _deeper(level: int) -> int:
        depth = limits.current().depth
        if level + 1 > depth:
            raise ValuesError(f"keys and indexes nest deeper than {depth} levels (limits.depth)")
        return level + 1

    def _list_item(self, items: list[Any], index: int, path: YPath, level: int) -> list[Any]:
        rest, stop = self._until("[.=")
        if rest:
            raise ValuesError(f"unexpected data at end of array index: {rest!r}")
        if stop is None:
            raise ValuesError(f"{_show((*path, index))} has no value")
        if len(items) <= index:
            items.extend([None] * (index + 1 - len(items)))
        sub = (*path, index)
        if stop == "=":
            items[index] = self._value(sub)
        elif stop == "[":
            nested = self._index()
            current = items[index] if items[index] is not None else []
            if not isinstance(current, list):
                raise ValuesError(f"cannot index {_show(sub)}: it is not a list")
            items[index] = self._list_item(list(current), nested, sub, self._deeper(level))
        else:  # "."
            inner = items[index] if isinstance(items[index], dict) else {}
            inner = dict(inner)
            self._key(inner, sub, self._deeper(level))
            items[index] = inner
        return items

    @staticmethod
    def _set(data: dict[str, Any], key: str, value: Any) -> None:
        if key:  # Helm skips empty keys silently
            data[key] = value


def _show(path: YPath) -> str:
    return repr(format_path(path))
