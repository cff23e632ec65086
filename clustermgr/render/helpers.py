"""Template helpers with the behaviour of the Sprig functions kOps templates use.

Each takes the piped value first, as a Jinja filter does (`x | b64enc`). render.py registers
them, and Go-order function forms where Sprig's argument order differs.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from jinja2 import Undefined

from clustermgr import yamlio
from clustermgr.render.bounds import cap
from clustermgr.versions import VersionError, semver_compare


class TemplateFunctionError(Exception):
    """A helper refused its input; the message is shown to the user as is."""


def indent(text: Any, width: int = 4) -> str:
    """kOps' `indent`: every line but the first gets `width` spaces; empty lines stay empty."""
    lines = str(text).split("\n")
    _check_growth("indent", len(str(text)) + int(width) * len(lines))
    pad = " " * int(width)
    return "\n".join([lines[0], *(pad + line if line else line for line in lines[1:])])


def nindent(text: Any, width: int = 4) -> str:
    """Sprig's `nindent`: a newline, then every line (empty ones too) indented."""
    body = str(text)
    _check_growth("nindent", len(body) + int(width) * (body.count("\n") + 1))
    pad = " " * int(width)
    return "\n" + pad + body.replace("\n", "\n" + pad)


def to_yaml(value: Any) -> str:
    """Sprig's `toYaml`: block YAML with sorted keys, no trailing newline."""

    return yamlio.dump(_plain(value)).rstrip("\n")


def to_json(value: Any) -> str:
    """Sprig's `toJson`: compact JSON with sorted keys."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def flow(value: Any) -> str:
    """A list or mapping as one line of JSON, which every YAML parser reads as flow style
    (`["a", "b"]`, `{"k": 1}`), keys in their order."""
    return json.dumps(_plain(value), separators=(", ", ": "), ensure_ascii=False)


def to_pretty_json(value: Any) -> str:
    return json.dumps(_plain(value), sort_keys=True, indent=2, ensure_ascii=False)


def from_yaml(text: Any) -> Any:
    docs = yamlio.load_documents(str(text), "<fromYaml>")
    return docs[0].data if docs else None


def from_json(text: Any) -> Any:
    try:
        return json.loads(str(text))
    except json.JSONDecodeError as exc:
        raise TemplateFunctionError(f"fromJson: {exc}") from None


def required(value: Any, message: str = "a required value is missing") -> Any:
    """Sprig's `required`: fail with `message` when the value is missing, null or empty."""
    if isinstance(value, Undefined) or value is None or value == "":
        raise TemplateFunctionError(str(message))
    return value


def b64enc(value: Any) -> str:
    return base64.b64encode(str(value).encode()).decode()


def b64dec(value: Any) -> str:
    try:
        return base64.b64decode(str(value), validate=True).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise TemplateFunctionError(f"b64dec: not base64 text: {exc}") from None


def sha256sum(value: Any) -> str:
    return hashlib.sha256(str(value).encode()).hexdigest()


def sha1sum(value: Any) -> str:
    return hashlib.sha1(str(value).encode()).hexdigest()


def quote(*values: Any) -> str:
    """Sprig's `quote`: each value double-quoted with Go escapes, joined by spaces."""
    return " ".join(json.dumps(_text(v), ensure_ascii=False) for v in values if v is not None)


def squote(*values: Any) -> str:
    return " ".join(f"'{_text(v)}'" for v in values if v is not None)


def split_list(text: Any, separator: str) -> list[str]:
    """`s | split(",")`: a list (Sprig's `splitList`; its `split` returns a map instead)."""
    return str(text).split(separator)


def regex_replace_all(text: Any, pattern: str, replacement: str) -> str:
    """Sprig's `regexReplaceAll`, the Go templates' own function: RE2 patterns (Go's regexp;
    linear time), Go's `$1`/`${name}` expansion in the replacement."""
    return str(_go_regex("regexReplaceAll", pattern).sub(_go().repl(replacement), str(text)))


def regex_match(text: Any, pattern: str) -> bool:
    """Sprig's `regexMatch`, the Go templates' own function (RE2, as Go's regexp)."""
    return _go_regex("regexMatch", pattern).search(str(text)) is not None


def _go() -> Any:
    # the Go function table (and RE2) load only for templates that call a regex function
    from clustermgr.gotemplate import functions  # noqa: PLC0415

    return functions


def _go_regex(name: str, pattern: str) -> Any:
    go = _go()
    try:
        return go.regex(pattern)
    except go.GoFunctionError as exc:
        raise TemplateFunctionError(f"{name}: {exc}") from None


def semver_compare_filter(version: Any, constraint: str) -> bool:
    """`version | semverCompare(">=1.30")`."""

    try:
        return semver_compare(str(constraint), str(version))
    except VersionError as exc:
        raise TemplateFunctionError(f"semverCompare: {exc}") from None


def trim_suffix(text: Any, suffix: str) -> str:
    return str(text).removesuffix(suffix)


def trim_prefix(text: Any, prefix: str) -> str:
    return str(text).removeprefix(prefix)


def has_prefix(text: Any, prefix: str) -> bool:
    return str(text).startswith(prefix)


def has_suffix(text: Any, suffix: str) -> bool:
    return str(text).endswith(suffix)


def contains(text: Any, part: str) -> bool:
    return part in str(text)


def repeat(text: Any, count: int) -> str:
    _check_growth("repeat", len(str(text)) * int(count))
    return str(text) * int(count)


def _check_growth(what: str, size: int) -> None:

    if size > cap():
        raise TemplateFunctionError(
            f"{what}: the result would be {size:,} characters, more than limits.renderBytes"
        )


def ternary(condition: Any, if_true: Any, if_false: Any) -> Any:
    """`cond | ternary("a", "b")`."""
    return if_true if condition else if_false


def empty(value: Any) -> bool:
    return isinstance(value, Undefined) or not value


def coalesce(*values: Any) -> Any:
    return next((v for v in values if not empty(v)), None)


def has_key(mapping: Any, key: str) -> bool:
    return isinstance(mapping, dict) and key in mapping


def sorted_keys(mapping: Any) -> list[str]:
    return sorted(mapping) if isinstance(mapping, dict) else []


def uniq(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def compact(items: Any) -> list[Any]:
    return [item for item in items if not empty(item)]


def to_string(value: Any) -> str:
    return _text(value)


def to_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return 0  # Sprig's cast returns 0 for what it cannot convert


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _plain(value: Any) -> Any:
    """Undefined values become null so toYaml/toJson never print Jinja internals."""
    if isinstance(value, Undefined):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
