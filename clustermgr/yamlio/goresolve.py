"""How kOps' YAML library reads a plain scalar (go-yaml v2's `resolve`, which kOps decodes
with through sigs.k8s.io/yaml; kOps: vendor/go.yaml.in/yaml/v2/resolve.go).

- `y`, `Y`, `yes`, `on`, `true` (any of their spellings) are true; `n`, `no`, `off`, `false`
  false; `~`, `null`, the empty scalar null; `.inf`, `.nan` floats;
- a scalar starting with a digit or a sign is, in this order: a timestamp (kept as the text,
  as clustermgr always has), a Go integer (`_` removed, base from the prefix: `0x`, `0o`,
  `0b`, a leading `0` for octal; int64, then uint64), a float of the form
  `[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?` that does not overflow; else text.
  So `1e3` is a float, `1:30` text (no base 60), `0777` is 511 and a 5,000-digit number text;
- one starting with `.` is a float when Go's ParseFloat takes it; anything else is text.
"""

from __future__ import annotations

import math
import re
from typing import Any

_WORDS: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE"), True),
    **dict.fromkeys(("on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE"), False),
    **dict.fromkeys(("off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
MERGE = "<<"
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:[Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})?)?"
)
_DIGITS = {16: "0123456789abcdefABCDEF", 8: "01234567", 2: "01", 10: "0123456789"}
_INT64 = 2**63
_UINT64 = 2**64


_SEEN: dict[str, Any] = {}  # manifests repeat their scalars; the values are immutable


def resolve(text: str) -> Any:
    """The value kOps reads from the plain scalar `text`."""
    found = _SEEN.get(text, _SEEN)
    if found is not _SEEN:
        return found
    value = _resolve(text)
    if len(_SEEN) < 100_000 and len(text) < 200:
        _SEEN[text] = value
    return value


def _resolve(text: str) -> Any:
    if text in _WORDS:
        return _WORDS[text]
    first = text[:1]
    if first == ".":
        return _float(text, text)
    if not (first.isdigit() and first.isascii()) and first not in "+-":
        return text
    if _TIMESTAMP.fullmatch(text):
        return text  # Go reads a timestamp; kOps writes it back as text
    plain = text.replace("_", "")
    number = _int(plain)
    if number is not None:
        return number
    if _FLOAT.fullmatch(plain):
        return _float(plain, text)
    return text


def _int(plain: str) -> int | None:
    """Go's strconv.ParseInt(plain, 0, 64), then ParseUint: None where both fail."""
    sign, body = (-1, plain[1:]) if plain[:1] == "-" else (1, plain.lstrip("+")[:])
    if plain[:1] == "+":
        body = plain[1:]
    base = 10
    lower = body[:2].lower()
    if lower in ("0x", "0o", "0b"):
        base, body = {"0x": 16, "0o": 8, "0b": 2}[lower], body[2:]
    elif len(body) > 1 and body[0] == "0":
        base, body = 8, body[1:]
    if not body or len(body) > 70 or any(c not in _DIGITS[base] for c in body):
        return None
    value = sign * int(body, base)
    if -_INT64 <= value < _INT64 or (sign > 0 and value < _UINT64):
        return value
    return None


def _float(plain: str, text: str) -> Any:
    try:
        value = float(plain)
    except ValueError:
        return text
    return text if math.isinf(value) else value  # Go: out of range is an error, so text


def key_text(value: Any, text: str) -> str:
    """A mapping key as sigs.k8s.io/yaml turns it into JSON: `y`, `on` -> "true"."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null" if text else ""
    if isinstance(value, int):
        return str(value)
    return text
