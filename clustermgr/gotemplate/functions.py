"""Go's template built-ins and the Sprig text functions kOps templates use, with Go's
semantics: argument order (the piped value last), Sprig's "empty" rule, fmt's `%v`.

The same functions back the Jinja that `convert` writes (as `go.NAME(...)`), so a converted
template renders the bytes the Go template did. Functions that read the machine (env, time,
randomness, files) are refused on purpose: templates come from merge requests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import posixpath
import re
import urllib.parse
import zlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from clustermgr import limits
from clustermgr.errors import ClusterMgrError
from clustermgr.goregexp import RegexpError, compile_go
from clustermgr.gotemplate.govalues import (
    MISSING,
    GoFunctionError,
    _empty,
    _eq,
    _kind_name,
    _ordered,
    _printf,
    _range_pairs,
    _range_values,
    _sprint,
    go_float,
    go_print,
    go_value,
    truth,
    type_name,
)
from clustermgr.kops.channel import CHANNEL_FUNCTIONS, Channel
from clustermgr.versions import VersionError, parse_loose, semver_compare

if TYPE_CHECKING:
    from decimal import Decimal


def _and(*args: Any) -> Any:
    for arg in args:
        if not truth(arg):
            return arg
    return args[-1]


def _or(*args: Any) -> Any:
    for arg in args:
        if truth(arg):
            return arg
    return args[-1]


def _index(value: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(value, Mapping):
            value = value.get(key)
        elif isinstance(value, str):  # Go indexes a string's bytes
            data = value.encode()
            if not isinstance(key, int) or not 0 <= key < len(data):
                raise GoFunctionError(f"index out of range: {key}")
            value = data[key]
        elif isinstance(value, (list, tuple)):
            if not isinstance(key, int) or not 0 <= key < len(value):
                raise GoFunctionError(f"index out of range: {key}")
            value = value[key]
        else:
            raise GoFunctionError(f"can't index item of type {type(value).__name__}")
    return value


def _kops_indent(spaces: int, text: str) -> str:
    """kOps' own `indent` (pkg/util/templater/templater.go indentContent): the first line
    and empty lines are not indented."""
    lines = text.split("\n")
    _grows("indent", len(text) + spaces * len(lines))
    return "\n".join(
        line if i == 0 or not line else " " * spaces + line for i, line in enumerate(lines)
    )


def _sprig_indent(spaces: int, text: str) -> str:
    _grows("nindent", len(text) + spaces * (text.count("\n") + 1))
    pad = " " * spaces
    return pad + text.replace("\n", "\n" + pad)


def _to_string(value: Any) -> str:
    """Sprig's strval: fmt's `%v` (a nil is `<nil>`)."""
    if value is None:
        return "<nil>"
    return value if isinstance(value, str) else go_print(value)


def _html(text: str) -> str:
    """text/template's html: template.HTMLEscapeString."""
    for raw, escaped in (
        ("&", "&amp;"),
        ("'", "&#39;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ('"', "&#34;"),
    ):
        text = text.replace(raw, escaped)
    return text.replace("\0", "\ufffd")


_JS = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "<": "\\u003C",
    ">": "\\u003E",
    "&": "\\u0026",
    "=": "\\u003D",
}


def _js(text: str) -> str:
    """text/template's js: template.JSEscapeString (control characters as \\uXXXX)."""
    return "".join(_JS.get(c, f"\\u{ord(c):04X}" if ord(c) < 0x20 else c) for c in text)


def _len(value: Any) -> int:
    """Go's len: a string's length in bytes."""
    return len(value.encode()) if isinstance(value, str) else len(value)


def _slice(value: Any, *indexes: int) -> Any:
    """text/template's slice, as Sprig's functions table gives it to kOps: slices and arrays
    only (a string is refused with Sprig's words)."""
    if not isinstance(value, (list, tuple)):
        raise GoFunctionError(f"list should be type of slice or array but {_kind(value)}")
    return list(value[slice(*indexes)])


def _kind(value: Any) -> str:
    return "string" if isinstance(value, str) else type(value).__name__


def _title(text: Any) -> str:
    """strings.Title: the first letter of each word upper-cased, the rest left as it is."""
    return re.sub(r"(^|[^\w'])(\w)", lambda m: m.group(1) + m.group(2).upper(), _to_string(text))


def _to_json(value: Any, indent: int | None = None) -> str:
    """encoding/json's Marshal (MarshalIndent with `indent`): keys sorted, <, > and &
    escaped as \\u003c, \\u003e, \\u0026, a float64 in Go's shortest form (1 not 1.0)."""
    return _json(value, indent, 0)


def _json(value: Any, indent: int | None, depth: int) -> str:
    if isinstance(value, Mapping):
        items = [
            (_json(str(k), None, 0), _json(value[k], indent, depth + 1)) for k in sorted(value)
        ]
        pairs = [f"{k}:{' ' if indent is not None else ''}{v}" for k, v in items]
        return _joined("{", pairs, "}", indent, depth)
    if isinstance(value, (list, tuple)):
        return _joined("[", [_json(v, indent, depth + 1) for v in value], "]", indent, depth)
    if isinstance(value, float) and not isinstance(value, bool):
        return _json_float(value)
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _joined(open_: str, parts: list[str], close: str, indent: int | None, depth: int) -> str:
    if not parts:
        return open_ + close
    if indent is None:
        return open_ + ",".join(parts) + close
    inner = "\n" + " " * indent * (depth + 1)
    return open_ + inner + ("," + inner).join(parts) + "\n" + " " * indent * depth + close


def _json_float(value: float) -> str:
    """encoding/json's float64: strconv 'f' with the shortest digits, 'e' below 1e-6 or from
    1e21 on (with `e-07` written `e-7`)."""
    if value != value or value in (float("inf"), float("-inf")):
        raise GoFunctionError("json: unsupported value: " + go_print(value))
    size = abs(value)
    if size != 0 and (size < 1e-6 or size >= 1e21):
        text = go_float(value)  # %v already writes the shortest 'e' form here
        return re.sub(r"e-0(\d)$", r"e-\1", text)
    from decimal import Decimal  # noqa: PLC0415  # floats only: 2 ms of every start-up

    digits = format(Decimal(repr(value)), "f")
    return digits.rstrip("0").rstrip(".") if "." in digits else digits


def _default(default: Any, *given: Any) -> Any:
    if not given or _empty(given[0]):
        return default
    return given[0]


def _coalesce(*args: Any) -> Any:
    return next((a for a in args if not _empty(a)), None)


def _quote(*args: Any) -> str:
    return " ".join(json.dumps(_to_string(a), ensure_ascii=False) for a in args if a is not None)


def _squote(*args: Any) -> str:
    return " ".join(f"'{_to_string(a)}'" for a in args if a is not None)


def _join(sep: str, items: Any) -> str:
    """Sprig's join of strslice: a nil is no items, a string one item."""
    if items is None or items is MISSING:
        return ""
    if isinstance(items, str):
        return items
    return sep.join(_to_string(i) for i in items)


MAX_ITEMS = 1_000_000  # items (or characters) one function call builds


def _grows(what: str, size: int) -> None:
    """A text a function builds stays within the render's own limit (limits.renderBytes)."""
    if size > limits.current().render_bytes:
        raise GoFunctionError(
            f"the result would be {size:,} characters, more than limits.renderBytes"
        )


def _items(size: int, value: int) -> int:
    """`value` when what it builds has at most MAX_ITEMS items or characters; else an error
    (Go would try to allocate it all: `until 1000000000` is gigabytes)."""
    if size > MAX_ITEMS:
        raise GoFunctionError(f"builds {size:,} items, more than clustermgr allows ({MAX_ITEMS:,})")
    return value


def _path_base(p: str) -> str:
    """Go's path.Base: the last element, trailing slashes dropped; "." for "", "/" for "/"."""
    if not p:
        return "."
    p = p.rstrip("/")
    return p[p.rfind("/") + 1 :] if p else "/"


def _path_clean(p: str) -> str:
    """Go's path.Clean (POSIX's normpath, but one leading slash where POSIX keeps two)."""
    cleaned = posixpath.normpath(p) if p else "."
    return cleaned[1:] if cleaned.startswith("//") else cleaned


def _path_ext(p: str) -> str:
    """Go's path.Ext: from the last dot of the last element (`.bashrc` is its own)."""
    last = p[p.rfind("/") + 1 :]
    dot = last.rfind(".")
    return last[dot:] if dot >= 0 else ""


def regex(pattern: str) -> Any:
    """Go's regexp: RE2, with Go's error words."""
    try:
        return compile_go(pattern)
    except RegexpError as exc:
        raise GoFunctionError(str(exc)) from None


def repl(template: str) -> Callable[[Any], str]:
    """Go's Regexp.Expand: `$name` takes the longest run of letters, digits and `_` (so `$1x`
    is the group named `1x`, empty when there is none), `${name}` is explicit, `$$` is `$`."""
    parts = re.split(r"(\$\$|\$\{\w+\}|\$\w+)", template)

    def expand(match: Any) -> str:
        out = []
        for part in parts:
            if part == "$$":
                out.append("$")
            elif part.startswith("$"):
                name = part[1:].strip("{}")
                out.append(_group(match, name))
            else:
                out.append(part)
        return "".join(out)

    return expand


def _group(match: Any, name: str) -> str:
    try:
        value = match.group(int(name)) if name.isdigit() else match.group(name)
    except (IndexError, KeyError, ValueError, TypeError):
        return ""
    return value or ""


def _dict(*pairs: Any) -> dict[str, Any]:
    return {
        str(pairs[i]): pairs[i + 1] if i + 1 < len(pairs) else "" for i in range(0, len(pairs), 2)
    }


def _int(value: Any) -> int:
    """spf13/cast's ToInt64 (Sprig's int, int64): a string parses with base 0 (`0x1F`, `012`
    octal), anything unreadable is 0."""
    if isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"[-+]?0[0-7]+", text):  # Go's base 0: a leading 0 is octal
                return int(text, 8)
            return int(text, 0)
        except ValueError:
            return 0
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 0


def _atoi(value: Any) -> int:
    """strconv.Atoi: base 10 only; anything else is 0 (Sprig drops the error)."""
    try:
        return int(str(value), 10) if re.fullmatch(r"[-+]?\d+", str(value)) else 0
    except ValueError:
        return 0


FUNCTIONS: dict[str, Callable[..., Any]] = {
    # Go's built-ins
    "and": _and,
    "or": _or,
    "not": lambda v: not truth(v),
    "eq": _eq,
    "ne": lambda a, b: not _eq(a, b),
    "lt": _ordered(lambda c: c < 0),
    "le": _ordered(lambda c: c <= 0),
    "gt": _ordered(lambda c: c > 0),
    "ge": _ordered(lambda c: c >= 0),
    "len": _len,
    "index": _index,
    "slice": _slice,
    "print": _sprint,
    "html": lambda *a: _html(_sprint(*a)),
    "js": lambda *a: _js(_sprint(*a)),
    "urlquery": lambda *a: urllib.parse.quote_plus(_sprint(*a), safe="-_.~"),
    "printf": _printf,
    "println": lambda *a: " ".join(go_print(x) for x in a) + "\n",
    # kOps
    "indent": _kops_indent,
    # Sprig: strings
    "upper": lambda s: _to_string(s).upper(),
    "lower": lambda s: _to_string(s).lower(),
    "title": _title,
    "trim": lambda s: _to_string(s).strip(),
    "trimAll": lambda cut, s: _to_string(s).strip(cut),
    "trimPrefix": lambda p, s: _to_string(s).removeprefix(p),
    "trimSuffix": lambda p, s: _to_string(s).removesuffix(p),
    "hasPrefix": lambda p, s: _to_string(s).startswith(p),
    "hasSuffix": lambda p, s: _to_string(s).endswith(p),
    "contains": lambda part, s: part in _to_string(s),
    "replace": lambda old, new, s: _to_string(s).replace(old, new),
    "repeat": lambda n, s: _to_string(s) * _items(len(_to_string(s)) * n, n),
    "nindent": lambda n, s: "\n" + _sprig_indent(n, _to_string(s)),
    "quote": _quote,
    "squote": _squote,
    "join": _join,
    "splitList": lambda sep, s: _to_string(s).split(sep),
    "toString": _to_string,
    "regexMatch": lambda pattern, s: regex(pattern).search(s) is not None,
    "regexReplaceAll": lambda pattern, s, template: regex(pattern).sub(repl(template), s),
    "b64enc": lambda s: base64.b64encode(_to_string(s).encode()).decode(),
    "b64dec": lambda s: base64.b64decode(s).decode(),
    # Sprig: defaults, lists, dicts, numbers, encoding
    "default": _default,
    "empty": _empty,
    "coalesce": _coalesce,
    "ternary": lambda yes, no, cond: yes if truth(cond) else no,
    "list": lambda *a: list(a),
    "dict": _dict,
    "hasKey": lambda m, k: k in m,
    # Go ranges over a map in random order, so Sprig's keys has none: sorted here, so that a
    # render never depends on how a values file orders its keys
    "keys": lambda *ms: [k for m in ms for k in sorted(m)],
    "first": lambda v: v[0] if v else None,
    "last": lambda v: v[-1] if v else None,
    "until": lambda n: list(range(_items(n, n))),
    "add": lambda *n: sum(_int(x) for x in n),
    "sub": lambda a, b: _int(a) - _int(b),
    "mul": lambda *n: math.prod(_int(x) for x in n),
    "div": lambda a, b: _int(a) // _int(b),
    "int": _int,
    "toJson": _to_json,
    "toPrettyJson": lambda v: _to_json(v, 2),
}


def _case_words(text: str) -> list[str]:
    return [w for w in re.split(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])", text) if w]


def _split_dict(sep: str, text: str, limit: int = -1) -> dict[str, str]:
    parts = text.split(sep) if limit < 0 else text.split(sep, max(limit - 1, 0))
    return {f"_{i}": part for i, part in enumerate(parts)}


def _round(value: Any, precision: int, round_on: float = 0.5) -> float:

    scale: float = 10.0**precision
    number = float(value) * scale
    whole = math.floor(number)
    return (whole + (1 if number - whole >= round_on else 0)) / scale


def _merge(dest: dict[str, Any], *sources: dict[str, Any]) -> dict[str, Any]:
    for source in sources:
        for key, value in source.items():
            if key not in dest:
                dest[key] = value
            elif isinstance(dest[key], dict) and isinstance(value, dict):
                _merge(dest[key], value)
    return dest


def _merge_overwrite(dest: dict[str, Any], *sources: dict[str, Any]) -> dict[str, Any]:
    """Sprig's mergeOverwrite: later sources win, mappings merged key by key."""
    for source in sources:
        for key, value in source.items():
            if isinstance(dest.get(key), dict) and isinstance(value, dict):
                _merge_overwrite(dest[key], value)
            else:
                dest[key] = value
    return dest


def _float(value: Any) -> float:
    """spf13/cast's ToFloat64: numbers and numeric text; anything else is 0."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _decimal_op(op: Callable[[Decimal, Decimal], Decimal], *values: Any) -> float:
    """Sprig's addf, subf, mulf, divf: decimal arithmetic, a float64 result."""
    from decimal import Decimal  # noqa: PLC0415  # floats only: 2 ms of every start-up

    result = Decimal(repr(_float(values[0])))
    for value in values[1:]:
        result = op(result, Decimal(repr(_float(value))))
    return float(result)


def _seq(*args: Any) -> str:
    """Sprig's seq, as GNU seq: `seq 3`, `seq 1 3`, `seq 1 2 9`; the numbers joined by spaces."""
    numbers = [_int(a) for a in args]
    if len(numbers) == 1:
        start, step, end = 1, 1, numbers[0]
    elif len(numbers) == 2:
        start, end = numbers
        step = 1 if end >= start else -1
    elif len(numbers) == 3:
        start, step, end = numbers
    else:
        return ""
    if step == 0 or (end - start) * step < 0:
        return ""
    count = (end - start) // step + 1
    _items(count, 0)
    return " ".join(str(start + i * step) for i in range(count))


def _dig(*args: Any) -> Any:
    *keys, default, data = args
    node = data
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return default
        node = node[key]
    return node


def _fail(message: str) -> Any:
    raise GoFunctionError(message)


class GoVersion:
    """Masterminds/semver's *Version, as Sprig's `semver` returns it (sprig: semver.go): its
    methods read as fields in a template (`(semver "1.2.3").Major`), and it prints as its
    String()."""

    def __init__(self, text: str) -> None:
        try:
            self.version = parse_loose(text)
        except VersionError:
            raise GoFunctionError("Invalid Semantic Version") from None
        self.original = text

    def go_field(self, name: str) -> Any:
        """A method of *Version called from a template; KeyError for anything else."""
        v = self.version
        return {
            "Major": v.major,
            "Minor": v.minor,
            "Patch": v.patch,
            "Prerelease": ".".join(v.pre),
            "Metadata": v.build,
            "Original": self.original,
            "String": str(self),
        }[name]

    def __getattr__(self, name: str) -> Any:
        """The same fields for a converted (Jinja2) template: `go.semver(v).Major`."""
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.go_field(name)
        except KeyError:
            raise AttributeError(name) from None

    def __str__(self) -> str:
        return str(self.version)


def _semver_compare(constraint: str, version: str) -> bool:
    try:
        return semver_compare(str(constraint), str(version))
    except VersionError as exc:
        raise GoFunctionError(f"semverCompare: {exc}") from None


MORE: dict[str, Callable[..., Any]] = {
    "abbrev": lambda width, s: s if width < 4 else _abbreviate(s, 0, width),
    "trunc": lambda n, s: s[:n] if n >= 0 else s[n:],
    "untitle": lambda s: " ".join(w[:1].lower() + w[1:] for w in s.split(" ")),
    "substr": lambda start, end, s: s[start:end] if end >= 0 else s[start:],
    "nospace": lambda s: re.sub(r"\s+", "", s),
    "initials": lambda s: "".join(w[0] for w in s.split()),
    "swapcase": lambda s: s.swapcase(),
    "snakecase": lambda s: _case_to_lower(s, "_"),
    "camelcase": lambda s: "".join(w[:1].upper() + w[1:] for w in _case_words(s)),
    "kebabcase": lambda s: _case_to_lower(s, "-"),
    "cat": lambda *a: " ".join(_to_string(x) for x in a if x is not None),
    "plural": lambda one, many, n: one if n == 1 else many,
    "sha1sum": lambda s: hashlib.sha1(_to_string(s).encode()).hexdigest(),
    "sha256sum": lambda s: hashlib.sha256(_to_string(s).encode()).hexdigest(),
    "sha512sum": lambda s: hashlib.sha512(_to_string(s).encode()).hexdigest(),
    "adler32sum": lambda s: str(zlib.adler32(_to_string(s).encode())),
    "atoi": _atoi,
    "int64": _int,
    "float64": lambda v: float(v) if v not in (None, "") else 0.0,
    "toDecimal": lambda s: int(str(s), 8) if str(s).isdigit() else 0,
    "split": _split_dict,
    "splitn": lambda sep, n, s: _split_dict(sep, s, n),
    "toStrings": lambda items: [_to_string(i) for i in items],
    "untilStep": lambda start, stop, step: (
        list(range(start, stop, step))
        if len(range(start, stop, step)) <= MAX_ITEMS
        else _items(len(range(start, stop, step)), 0)
    ),
    "add1": lambda n: _int(n) + 1,
    "mod": lambda a, b: _int(a) % _int(b),
    "max": lambda *n: max(_int(x) for x in n),
    "min": lambda *n: min(_int(x) for x in n),
    "biggest": lambda *n: max(_int(x) for x in n),
    "ceil": lambda v: float(math.ceil(float(v))),
    "floor": lambda v: float(math.floor(float(v))),
    "round": _round,
    "sortAlpha": lambda items: sorted(_to_string(i) for i in items),
    "all": lambda *a: all(truth(x) for x in a),
    "any": lambda *a: any(truth(x) for x in a),
    "compact": lambda items: [i for i in items if truth(i)],
    "fromJson": lambda s: json.loads(s) if s else {},
    "toRawJson": lambda v: json.dumps(v, separators=(",", ":"), sort_keys=True, ensure_ascii=False),
    "deepCopy": lambda v: json.loads(json.dumps(v)),
    "deepEqual": lambda a, b: a == b,
    "base": lambda p: _path_base(p),
    "dir": lambda p: _path_clean(p[: p.rfind("/") + 1]),
    "clean": lambda p: _path_clean(p),
    "ext": lambda p: _path_ext(p),
    "isAbs": lambda p: p.startswith("/"),
    # Sprig's os* are path/filepath's: the same as path's where kOps runs (Linux, macOS)
    "osBase": lambda p: _path_base(p),
    "osDir": lambda p: _path_clean(p[: p.rfind("/") + 1]),
    "osClean": lambda p: _path_clean(p),
    "osExt": lambda p: _path_ext(p),
    "osIsAbs": lambda p: p.startswith("/"),
    "b32enc": lambda s: base64.b32encode(_to_string(s).encode()).decode(),
    "b32dec": lambda s: base64.b32decode(s).decode(),
    "tuple": lambda *a: list(a),
    "get": lambda d, k: d.get(k, ""),
    "set": lambda d, k, v: d.__setitem__(k, v) or d,
    "unset": lambda d, k: (d.pop(k, None) and d) or d,
    "pluck": lambda k, *ds: [d[k] for d in ds if k in d],
    "pick": lambda d, *ks: {k: d[k] for k in ks if k in d},
    "omit": lambda d, *ks: {k: v for k, v in d.items() if k not in ks},
    "merge": _merge,
    "mergeOverwrite": _merge_overwrite,
    "addf": lambda *n: _decimal_op(lambda a, b: a + b, *n),
    "subf": lambda *n: _decimal_op(lambda a, b: a - b, *n),
    "mulf": lambda *n: _decimal_op(lambda a, b: a * b, *n),
    "divf": lambda *n: _decimal_op(lambda a, b: a / b, *n),
    "maxf": lambda a, *n: max([_float(a), *(_float(x) for x in n)]),
    "minf": lambda a, *n: min([_float(a), *(_float(x) for x in n)]),
    "trimall": lambda cut, s: _to_string(s).strip(cut),
    "wrap": lambda width, s: _wrap_custom(_to_string(s), width, "", False),
    "wrapWith": lambda width, sep, s: _wrap_custom(_to_string(s), width, sep, True),
    "abbrevboth": lambda left, right, s: _abbrevboth(left, right, s),
    "seq": _seq,
    "values": lambda d: list(d.values()),
    "append": lambda items, v: [*items, v],
    "push": lambda items, v: [*items, v],
    "prepend": lambda items, v: [v, *items],
    "rest": lambda items: list(items[1:]),
    "initial": lambda items: list(items[:-1]),
    "reverse": lambda items: list(reversed(items)),
    "uniq": lambda items: list(dict.fromkeys(items)),
    "without": lambda items, *drop: [i for i in items if i not in drop],
    "has": lambda needle, items: needle in items,
    "concat": lambda *lists: [i for items in lists for i in items],
    "dig": _dig,
    "chunk": lambda size, items: [list(items[i : i + size]) for i in range(0, len(items), size)],
    "fail": _fail,
    "regexFind": lambda pattern, s: m.group() if (m := regex(pattern).search(s)) else "",
    "regexFindAll": lambda pattern, s, n: [m.group() for m in regex(pattern).finditer(s)][
        : n if n >= 0 else None
    ],
    "regexReplaceAllLiteral": lambda pattern, s, text: regex(pattern).sub(lambda _: text, s),
    "regexSplit": lambda pattern, s, n: (
        regex(pattern).split(s, maxsplit=max(n - 1, 0)) if n > 0 else regex(pattern).split(s)
    ),
    "regexQuoteMeta": lambda s: re.escape(s),
    "semverCompare": _semver_compare,
    "semver": lambda text: GoVersion(str(text)),
    "typeOf": lambda v: type_name(v),
    "kindOf": lambda v: _kind_name(v),
    "kindIs": lambda kind, v: _kind_name(v) == kind,
    "typeIs": lambda name, v: type_name(v) == name,
}


# `must*` variants fail where the plain ones return a zero value; here both fail on bad input.
for _name in ("Compact", "FromJson", "ToJson", "ToPrettyJson", "ToRawJson", "DeepCopy", "Merge",
              "Append", "Prepend", "First", "Rest", "Last", "Initial", "Reverse", "Uniq",
              "Without", "Has", "Slice", "Chunk", "RegexMatch", "RegexFindAll", "RegexFind",
              "RegexReplaceAll", "RegexReplaceAllLiteral", "RegexSplit"):  # fmt: skip
    _plain = _name[0].lower() + _name[1:]
    MORE[f"must{_name}"] = MORE.get(_plain) or FUNCTIONS.get(_plain)  # type: ignore[assignment]


for _name, _function in MORE.items():
    FUNCTIONS.setdefault(_name, _function)


class GoNamespace:
    """`go.NAME(...)` in converted templates: Go's and Sprig's functions with Go semantics."""

    def __init__(self) -> None:
        for name, function in FUNCTIONS.items():
            setattr(self, {"and": "and_", "or": "or_", "not": "not_"}.get(name, name), function)
        self.out = go_print  # what an action prints (Go's `print` is go.print)
        self.v = go_value  # a value read from the data: its numbers are float64, as in kOps
        self.truth = truth
        self.range = _range_values
        self.pairs = _range_pairs


def channel_functions(channel: Channel | None) -> dict[str, Callable[..., Any]]:
    """kOps' channel functions for the Go side, answering from the same channel file."""
    if channel is None:
        return {}

    def function(name: str) -> Callable[..., Any]:
        def call(*args: Any) -> str:
            try:
                return channel.lookup(name, *(str(a) for a in args))
            except ClusterMgrError as exc:
                raise GoFunctionError(exc.message) from None

        return call

    return {name: function(name) for name in CHANNEL_FUNCTIONS}


# -- huandu/xstrings' ToSnakeCase and ToKebabCase (Sprig's snakecase, kebabcase), step by step
INVALID, NUMBER, UPPER, ALPHABET, CONNECTOR, PUNCT, OTHER = range(7)


def _is_connector(ch: str) -> bool:
    return ch in "-_" or ch.isspace()


def _is_alphabet(ch: str) -> bool:
    if not ch.isalpha() or ord(ch) < 0x3400:
        return ch.isalpha()
    import unicodedata  # noqa: PLC0415  # see _category

    return "CJK" not in unicodedata.name(ch, "")


def _is_punct(ch: str) -> bool:
    return _category(ch).startswith("P")


def _is_number(ch: str) -> bool:
    return _category(ch).startswith("N")


def _is_upper(ch: str) -> bool:
    return _category(ch) == "Lu"


def _category(ch: str) -> str:
    import unicodedata  # noqa: PLC0415  # the case functions only: 1.3 ms of every start-up

    return unicodedata.category(ch)


def _next_word(text: str) -> tuple[int, str, str]:
    """xstrings' nextWord: the type of the first word, the word, and what remains."""
    if not text:
        return INVALID, "", ""
    first = text[0]
    end = 1
    if _is_connector(first):
        kind = CONNECTOR
        while end < len(text) and _is_connector(text[end]):
            end += 1
    elif _is_punct(first):
        kind = PUNCT
        while end < len(text) and _is_punct(text[end]):
            end += 1
    elif _is_upper(first):
        kind = UPPER
        if end < len(text) and _is_upper(text[end]):
            while end < len(text) and _is_upper(text[end]):
                end += 1
            if end < len(text) and _is_alphabet(text[end]):
                end -= 1  # "HTTPStatus": the S starts the next word
        elif end < len(text) and _is_alphabet(text[end]):
            while end < len(text) and _is_alphabet(text[end]) and not _is_upper(text[end]):
                end += 1
    elif _is_alphabet(first):
        kind = ALPHABET
        while end < len(text) and _is_alphabet(text[end]) and not _is_upper(text[end]):
            end += 1
    elif _is_number(first):
        kind = NUMBER
        while end < len(text) and _is_number(text[end]):
            end += 1
    else:
        kind = OTHER
        while end < len(text) and not (
            _is_connector(text[end]) or _is_alphabet(text[end]) or _is_number(text[end])
            or _is_punct(text[end])
        ):  # fmt: skip
            end += 1
    return kind, text[:end], text[end:]


def _lower(out: list[str], kind: int, word: str, connector: str) -> None:
    if kind not in (UPPER, CONNECTOR):
        out.append(word)
        return
    out.extend(connector if _is_connector(c) else c.lower() if _is_upper(c) else c for c in word)


def _case_to_lower(text: str, connector: str) -> str:
    """xstrings' camelCaseToLowerCase ("HTTPServer" -> "http_server", "Bld4Floor" ->
    "bld4_floor", "HTTP2xx" -> "http_2xx")."""
    if not text:
        return ""
    out: list[str] = []
    kind, word, remaining = _next_word(text)
    while remaining:
        if kind != CONNECTOR:
            _lower(out, kind, word, connector)
        prev, last = kind, word
        kind, word, remaining = _next_word(remaining)
        if prev == NUMBER:
            while kind in (ALPHABET, NUMBER):
                _lower(out, kind, word, connector)
                kind, word, remaining = _next_word(remaining)
            if kind not in (INVALID, PUNCT, CONNECTOR):
                out.append(connector)
        elif prev == CONNECTOR:
            _lower(out, prev, last, connector)
        elif prev == PUNCT:
            pass
        else:
            if kind != NUMBER:
                if kind not in (CONNECTOR, PUNCT):
                    out.append(connector)
                continue
            if not remaining:
                continue
            last = word
            kind, word, remaining = _next_word(remaining)
            if kind != ALPHABET:
                _lower(out, NUMBER, last, connector)
                if kind not in (CONNECTOR, PUNCT):
                    out.append(connector)
                continue
            out.append(connector)
            _lower(out, NUMBER, last, connector)
            while kind in (ALPHABET, NUMBER):
                _lower(out, kind, word, connector)
                kind, word, remaining = _next_word(remaining)
            if kind not in (INVALID, CONNECTOR, PUNCT):
                out.append(connector)
    _lower(out, kind, word, connector)
    return "".join(out)


# -- Masterminds/goutils: Sprig's wrap, wrapWith, abbrev and abbrevboth ------------------------


def _wrap_custom(text: str, width: int, newline: str, long_words: bool) -> str:
    """goutils.WrapCustom: break at the last space within `width`; a longer word is cut
    (`long_words`) or left whole. Works on bytes' offsets as Go does (text here is ASCII-safe
    for the common case)."""
    if not text:
        return ""
    newline = newline or "\n"
    width = max(width, 1)
    out: list[str] = []
    offset = 0
    while len(text) - offset > width:
        if text[offset] == " ":
            offset += 1
            continue
        space = text.rfind(" ", offset, width + offset + 1)
        if space >= offset:
            out += [text[offset:space], newline]
            offset = space + 1
        elif long_words:
            out += [text[offset : offset + width], newline]
            offset += width
        else:
            index = text.find(" ", width + offset)
            if index == -1:
                out.append(text[offset:])
                offset = len(text)
            else:
                out += [text[offset:index], newline]
                offset = index + 1
    out.append(text[offset:])
    return "".join(out)


def _abbreviate(text: str, offset: int, width: int) -> str:
    """goutils.AbbreviateFull (an error there is the text unchanged in Sprig)."""
    if not text or width < 4 or len(text) <= width:
        return text
    offset = min(offset, len(text))
    if len(text) - offset < width - 3:
        offset = len(text) - (width - 3)
    if offset <= 4:
        return text[: width - 3] + "..."
    if width < 7:
        return text
    if offset + width - 3 < len(text):
        return "..." + _abbreviate(text[offset:], 0, width - 3)
    return "..." + text[len(text) - (width - 3) :]


def _abbrevboth(left: int, right: int, text: str) -> str:
    if right < 4 or (left > 0 and right < 7):
        return text
    return _abbreviate(text, left, right)
