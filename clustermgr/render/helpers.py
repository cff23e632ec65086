"""Template helpers of the Jinja2 environment.

Sprig's functions are defined once, with Go's semantics, in gotemplate/functions.py (the
table the Go evaluator and converted templates use). Jinja2 reaches them through the adapters
below: as filters, the piped value first (`x | b64enc`, `s | trimSuffix(".")`), and as
functions in Sprig's own argument order (`trimSuffix(".", s)`), for ported templates. The Go
table is imported on a template's first call, so a template that calls none never pays for
it. What is defined here is clustermgr's own dialect, Helm's rather than Sprig's: `toYaml`,
`fromYaml`, `required`, and `split` giving a list.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from jinja2 import StrictUndefined, Undefined

from clustermgr import yamlio
from clustermgr.errors import ClusterMgrError


class TemplateFunctionError(Exception):
    """A helper refused its input; the message is shown to the user as is."""


# -- Sprig, from the Go table ------------------------------------------------------------------

# How a filter's arguments reach the Go function: the piped value last (Sprig's rule for
# pipelines), first (the subject: `m | hasKey("k")`, `a | coalesce(b)`), or in between
# (`s | regexReplaceAll(pattern, replacement)` is Go's `regexReplaceAll pattern s replacement`).
LAST, FIRST, SECOND = "last", "first", "second"
SPRIG_FILTERS = {
    "indent": LAST, "nindent": LAST, "toJson": LAST, "toPrettyJson": LAST, "fromJson": LAST,
    "b64enc": LAST, "b64dec": LAST, "sha256sum": LAST, "sha1sum": LAST, "quote": FIRST,
    "squote": FIRST, "splitList": LAST, "regexReplaceAll": SECOND, "regexMatch": LAST,
    "semverCompare": LAST, "trimSuffix": LAST, "trimPrefix": LAST, "hasPrefix": LAST,
    "hasSuffix": LAST, "contains": LAST, "repeat": LAST, "ternary": LAST, "empty": LAST,
    "hasKey": FIRST, "keys": FIRST, "uniq": LAST, "compact": LAST, "toString": LAST,
    "atoi": LAST, "coalesce": FIRST,
}  # fmt: skip
# Called as functions only (their filter forms are Jinja's own: `x | upper`).
SPRIG_FUNCTIONS = (*SPRIG_FILTERS, "upper", "lower", "title", "trim")
# Sprig's functions that ask whether a value is there: a missing value is Go's nil to them,
# where any other function fails on it (unless the render is lenient: --no-fail-on-missing).
PRESENCE = {"empty", "coalesce", "ternary", "hasKey"}


def sprig_filter(name: str) -> Callable[..., Any]:
    order = SPRIG_FILTERS[name]

    def call(value: Any, *args: Any) -> Any:
        if order == LAST:
            return _call(name, (*args, value))
        if order == SECOND:
            return _call(name, (args[0], value, *args[1:]) if args else (value,))
        return _call(name, (value, *args))

    call.__name__ = name
    return call


def sprig_function(name: str) -> Callable[..., Any]:
    """Go's argument order, as `{{ name a b }}` calls it."""

    def call(*args: Any) -> Any:
        return _call(name, args)

    call.__name__ = name
    return call


_SIMPLE = {str, int, float, bool, type(None)}  # passed as they are (the common case)


def _call(name: str, args: tuple[Any, ...]) -> Any:
    go = _go()
    plain = [arg if type(arg) in _SIMPLE else _go_arg(arg, name in PRESENCE) for arg in args]
    try:
        return go.FUNCTIONS[name](*plain)
    except go.GoFunctionError as exc:
        raise TemplateFunctionError(f"{name}: {exc}") from None
    except ClusterMgrError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        # a Go function's panic, or a wrong-type argument Go would refuse
        raise TemplateFunctionError(f"error calling {name}: {exc}") from None


def _go_arg(value: Any, presence: bool) -> Any:
    """A Jinja value as the Go function takes it: a missing value is nil where the function
    asks whether it is there (or the render is lenient), and fails as missing elsewhere."""
    if isinstance(value, Undefined):
        if isinstance(value, StrictUndefined) and not presence:
            str(value)  # raises: `x.y` is undefined, with its name
        return None
    return _plain(value)


def _go() -> Any:
    # the Go function table loads only for templates that call a Sprig function
    if not _LOADED:
        from clustermgr.gotemplate import functions  # noqa: PLC0415

        _LOADED.append(functions)
    return _LOADED[0]


_LOADED: list[Any] = []


# -- clustermgr's dialect (Helm's, not Sprig's) ------------------------------------------------


def to_yaml(value: Any) -> str:
    """Helm's `toYaml`: block YAML with sorted keys, no trailing newline."""

    return yamlio.dump(_plain(value)).rstrip("\n")


def flow(value: Any) -> str:
    """A list or mapping as one line of JSON, which every YAML parser reads as flow style
    (`["a", "b"]`, `{"k": 1}`), keys in their order."""
    return json.dumps(_plain(value), separators=(", ", ": "), ensure_ascii=False)


def from_yaml(text: Any) -> Any:
    """Helm's `fromYaml`: the first document's data."""
    docs = yamlio.load_documents(str(text), "<fromYaml>")
    return docs[0].data if docs else None


def required(value: Any, message: str = "a required value is missing") -> Any:
    """Helm's `required`: fail with `message` when the value is missing, null or empty."""
    if isinstance(value, Undefined) or value is None or value == "":
        raise TemplateFunctionError(str(message))
    return value


def split_list(text: Any, separator: str) -> list[str]:
    """`s | split(",")`: a list (Sprig's `splitList`; Sprig's `split` returns a map)."""
    return str(text).split(separator)


def _plain(value: Any) -> Any:
    """Undefined values become null so toYaml/toJson never print Jinja internals."""
    if isinstance(value, Undefined):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
