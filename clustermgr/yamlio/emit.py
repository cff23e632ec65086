"""Writing YAML: a small block-style emitter with sorted keys and kOps' list indentation, the
layout `kops get -o yaml` prints. Strings are quoted wherever a YAML 1.1 reader (kOps' Go
library) or a YAML 1.2 reader would otherwise read them as something else.
"""

from __future__ import annotations

import functools
import json
import math
import re
from typing import Any

# Plain scalars that a YAML 1.1 reader (kOps' Go library) or a 1.2 reader would not read back
# as text: these words, and anything number- or date-like (only tried when the first character
# is a digit, a sign or a dot).
_WORDS = frozenset(
    {"~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO"}
    | {"true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"}
    | {"=", "<<"}
)
_NUMBER_START = frozenset("0123456789+-.")
_NUMBER_CHARS = frozenset("0123456789+-._:eExXoObBabcdefABCDEFinfINFnaNA")
_NUMBER = (
    r"[-+]?(?:[0-9][0-9_]*(?::[0-5]?[0-9])*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?0[xob][0-9a-fA-F_]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[0-9]{4}-[0-9]{1,2}-.*"
)
_SPECIAL_START = frozenset("-?:,[]{}#&*!|>'\"%@` \t")


@functools.cache
def _number() -> re.Pattern[str]:
    """Compiled on first use: commands that only read YAML never pay for it."""
    return re.compile(_NUMBER)


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
        text = repr(value)
        # YAML 1.1 (kOps' reader, and ours) needs a dot in a float: `1e+20` would be text.
        return text if "." in text or "e" not in text else text.replace("e", ".0e", 1)
    if isinstance(value, (dict, list)):
        return _escape(json.dumps(value, ensure_ascii=False, separators=(", ", ": ")))
    text = str(value)
    if _plain_ok(text):
        return text
    return _escape(json.dumps(text, ensure_ascii=False))


# Characters a YAML reader refuses raw (controls, DEL, C1, surrogates, non-characters) or reads
# as a line break inside quotes (NEL, LS, PS): written as \u escapes in double quotes.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def _escape(quoted: str) -> str:
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def is_plain(text: str) -> bool:
    """Whether `text` can stand as a plain (unquoted) YAML scalar and read back as itself."""
    return _plain_ok(text)


def _plain_ok(text: str) -> bool:
    if not text or text in _WORDS:
        return False
    first = text[0]
    if first in _SPECIAL_START and not (
        first in "-?:" and len(text) > 1 and text[1] not in " \t,[]{}"
    ):
        return False
    if first in _NUMBER_START:
        # Only text made of number characters (or starting like a date) can read as one:
        # `10.0.0.0/8` cannot, and most such strings are decided without the regex.
        date_like = len(text) >= 8 and text[:4].isdigit() and text[4] == "-"
        if (date_like or _NUMBER_CHARS.issuperset(text)) and _number().fullmatch(text):
            return False
    return text.isprintable() and text[-1] not in " :" and ": " not in text and " #" not in text


def _emit(value: Any, indent: int, lines: list[str], sort_keys: bool) -> None:
    pad = " " * indent
    if isinstance(value, dict) and value:
        for key in sorted(value, key=str) if sort_keys else value:
            _emit_entry(f"{pad}{scalar(str(key))}:", value[key], indent, lines, sort_keys)
    elif isinstance(value, list) and value:
        for item in value:
            _emit_item(pad, item, indent, lines, sort_keys)
    else:  # a top-level scalar: a block scalar's lines still need an indent
        lines.append(pad + _inline(value, indent or 2))


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
        and "\ufeff" not in text
        and _UNSAFE.search(text) is None
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
