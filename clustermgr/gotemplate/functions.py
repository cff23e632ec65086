"""Go's template built-ins and the Sprig text functions kOps templates use, with Go's
semantics: argument order (the piped value last), Sprig's "empty" rule, fmt's `%v`.

The same functions back the Jinja that `convert` writes (as `go.NAME(...)`), so a converted
template renders the bytes the Go template did. Functions that read the machine (env, time,
randomness, files) are refused on purpose: templates come from merge requests.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from jinja2 import Undefined

from clustermgr.versions import VersionError, semver_compare

MISSING = object()  # a map key that is not there (missingkey=default prints `<no value>`)


class GoFunctionError(Exception):
    """A function refused its arguments (the caller adds the location)."""


# Read the machine, the clock or randomness: never in a render (README "Security model").
REFUSED = {
    "env": "reads the environment of the machine rendering",
    "expandenv": "reads the environment of the machine rendering",
    "now": "depends on the clock",
    "date": "depends on the clock",
    "dateInZone": "depends on the clock",
    "htmlDate": "depends on the clock",
    "unixEpoch": "depends on the clock",
    "ago": "depends on the clock",
    "randAlpha": "is random",
    "randAlphaNum": "is random",
    "randNumeric": "is random",
    "randAscii": "is random",
    "randInt": "is random",
    "uuidv4": "is random",
    "shuffle": "is random",
    "genPrivateKey": "is random",
    "genCA": "is random",
    "genSelfSignedCert": "is random",
    "genSignedCert": "is random",
    "getHostByName": "reads the network",
    "randBytes": "is random",
    "genCAWithKey": "makes key material",
    "genSelfSignedCertWithKey": "makes key material",
    "genSignedCertWithKey": "makes key material",
    "buildCustomCert": "makes key material",
    "bcrypt": "is random",
    "htpasswd": "is random",
    "derivePassword": "makes secrets",
    "encryptAES": "makes secrets",
    "decryptAES": "reads secrets",
    "osBase": "depends on the operating system",
    "osClean": "depends on the operating system",
    "osDir": "depends on the operating system",
    "osExt": "depends on the operating system",
    "osIsAbs": "depends on the operating system",
}


def truth(value: Any) -> bool:
    """Go's truth: false, 0, nil and empty strings, lists and maps are false."""

    if value is MISSING or value is None or isinstance(value, Undefined):
        return False
    if isinstance(value, (bool, int, float, str, list, tuple, dict, Mapping)):
        return bool(value)
    return True


def go_print(value: Any) -> str:
    """fmt's `%v`."""

    if value is MISSING or value is None or isinstance(value, Undefined):
        return "<no value>"  # a nil from a map prints as a missing key does
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(go_print(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{go_print(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def go_float(value: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, 64), as `%v` prints a float64: the shortest digits
    that read back, in exponent form when the exponent is below -4 or at least 6 (so
    1000000.0 prints `1e+06`)."""

    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    point = len(digits) + exponent  # where the decimal point falls in `digits`
    exp10 = point - 1
    if exp10 < -4 or exp10 >= 6:
        rest = digits[1:]
        body = digits[0] + ("." + rest if rest else "")
        return f"{sign}{body}e{'+' if exp10 >= 0 else '-'}{abs(exp10):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _empty(value: Any) -> bool:
    return not truth(value)


def _eq(first: Any, *others: Any) -> bool:
    if not others:
        raise GoFunctionError("missing argument for comparison")
    return any(_compare(first, o) == 0 for o in others)


def _compare(a: Any, b: Any) -> int:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        if type(a) is not type(b):
            raise GoFunctionError("incompatible types for comparison")
        return int(a) - int(b)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return (a > b) - (a < b)
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    if a is None or b is None:
        return 0 if a is b else 1
    raise GoFunctionError("incompatible types for comparison")


def _ordered(op: Callable[[int], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
            raise GoFunctionError("invalid type for comparison")
        return op(_compare(a, b))

    return compare


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
        elif isinstance(value, (list, tuple, str)):
            if not isinstance(key, int) or not 0 <= key < len(value):
                raise GoFunctionError(f"index out of range: {key}")
            value = value[key]
        else:
            raise GoFunctionError(f"can't index item of type {type(value).__name__}")
    return value


def _sprint(*args: Any) -> str:
    """fmt.Sprint: a space between operands when neither is a string."""
    out = ""
    for i, arg in enumerate(args):
        if i and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out += " "
        out += "<nil>" if arg is None else go_print(arg)
    return out


_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([vsdqtfxXgeobc%])")


def _printf(form: str, *args: Any) -> str:
    values = list(args)

    def one(found: re.Match[str]) -> str:
        flags, width, precision, verb = found.groups()
        if verb == "%":
            return "%"
        if not values:
            return f"%!{verb}(MISSING)"
        value = values.pop(0)
        if verb in "vs":
            text = go_print(value)
        elif verb == "d":
            text = str(int(value))
        elif verb == "q":
            text = json.dumps(go_print(value), ensure_ascii=False)
        elif verb == "t":
            text = go_print(bool(value))
        elif verb in "feg":
            text = f"%{'.' + precision if precision else ''}{verb}" % float(value)
        elif verb in "xX":
            text = format(value, verb) if isinstance(value, int) else value.encode().hex()
        elif verb == "o":
            text = format(int(value), "o")
        elif verb == "b":
            text = format(int(value), "b")
        else:
            text = chr(int(value))
        if width:
            pad = int(width) - len(text)
            if pad > 0:
                text = (
                    text + " " * pad
                    if "-" in flags
                    else ("0" if "0" in flags else " ") * pad + text
                )
        return text

    return _VERB.sub(one, form)


def _kops_indent(spaces: int, text: str) -> str:
    """kOps' own `indent` (pkg/util/templater/templater.go indentContent): the first line
    and empty lines are not indented."""
    lines = text.split("\n")
    return "\n".join(
        line if i == 0 or not line else " " * spaces + line for i, line in enumerate(lines)
    )


def _sprig_indent(spaces: int, text: str) -> str:
    pad = " " * spaces
    return pad + text.replace("\n", "\n" + pad)


def _to_string(value: Any) -> str:
    return value if isinstance(value, str) else go_print(value)


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
    if isinstance(items, str):
        return items
    return sep.join(_to_string(i) for i in items)


def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\(\?P<", "(?P<", pattern))


def _repl(replacement: str) -> str:
    # Go's ${1} and $1 to Python's \g<1>
    return re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", replacement.replace("\\", "\\\\"))


def _dict(*pairs: Any) -> dict[str, Any]:
    return {
        str(pairs[i]): pairs[i + 1] if i + 1 < len(pairs) else "" for i in range(0, len(pairs), 2)
    }


def _int(value: Any) -> int:
    try:
        return int(float(value)) if isinstance(value, (str, float)) else int(value)
    except (TypeError, ValueError):
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
    "len": lambda v: len(v),
    "index": _index,
    "slice": lambda v, *i: v[slice(*i)],
    "print": _sprint,
    "printf": _printf,
    "println": lambda *a: " ".join(go_print(x) for x in a) + "\n",
    # kOps
    "indent": _kops_indent,
    # Sprig: strings
    "upper": lambda s: _to_string(s).upper(),
    "lower": lambda s: _to_string(s).lower(),
    "title": lambda s: _to_string(s).title(),
    "trim": lambda s: _to_string(s).strip(),
    "trimAll": lambda cut, s: _to_string(s).strip(cut),
    "trimPrefix": lambda p, s: _to_string(s).removeprefix(p),
    "trimSuffix": lambda p, s: _to_string(s).removesuffix(p),
    "hasPrefix": lambda p, s: _to_string(s).startswith(p),
    "hasSuffix": lambda p, s: _to_string(s).endswith(p),
    "contains": lambda part, s: part in _to_string(s),
    "replace": lambda old, new, s: _to_string(s).replace(old, new),
    "repeat": lambda n, s: _to_string(s) * n,
    "nindent": lambda n, s: "\n" + _sprig_indent(n, _to_string(s)),
    "quote": _quote,
    "squote": _squote,
    "join": _join,
    "splitList": lambda sep, s: _to_string(s).split(sep),
    "toString": _to_string,
    "regexMatch": lambda pattern, s: _regex(pattern).search(s) is not None,
    "regexReplaceAll": lambda pattern, s, repl: _regex(pattern).sub(_repl(repl), s),
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
    "keys": lambda *ms: [k for m in ms for k in m],
    "first": lambda v: v[0] if v else None,
    "last": lambda v: v[-1] if v else None,
    "until": lambda n: list(range(n)),
    "add": lambda *n: sum(_int(x) for x in n),
    "sub": lambda a, b: _int(a) - _int(b),
    "mul": lambda *n: __import__("math").prod(_int(x) for x in n),
    "div": lambda a, b: _int(a) // _int(b),
    "int": _int,
    "toJson": lambda v: json.dumps(v, separators=(",", ":"), sort_keys=True, ensure_ascii=False),
    "toPrettyJson": lambda v: json.dumps(v, indent=2, sort_keys=True, ensure_ascii=False),
}


# -- more of Sprig's text functions (names and argument order as Sprig's functions.go) ----------


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


def _semver_compare(constraint: str, version: str) -> bool:
    try:
        return semver_compare(str(constraint), str(version))
    except VersionError as exc:
        raise GoFunctionError(f"semverCompare: {exc}") from None


MORE: dict[str, Callable[..., Any]] = {
    "abbrev": lambda width, s: s if len(s) <= width else s[: max(width - 3, 0)] + "...",
    "trunc": lambda n, s: s[:n] if n >= 0 else s[n:],
    "untitle": lambda s: " ".join(w[:1].lower() + w[1:] for w in s.split(" ")),
    "substr": lambda start, end, s: s[start:end] if end >= 0 else s[start:],
    "nospace": lambda s: re.sub(r"\s+", "", s),
    "initials": lambda s: "".join(w[0] for w in s.split()),
    "swapcase": lambda s: s.swapcase(),
    "snakecase": lambda s: "_".join(w.lower() for w in _case_words(s)),
    "camelcase": lambda s: "".join(w[:1].upper() + w[1:] for w in _case_words(s)),
    "kebabcase": lambda s: "-".join(w.lower() for w in _case_words(s)),
    "cat": lambda *a: " ".join(_to_string(x) for x in a if x is not None),
    "plural": lambda one, many, n: one if n == 1 else many,
    "sha1sum": lambda s: __import__("hashlib").sha1(_to_string(s).encode()).hexdigest(),
    "sha256sum": lambda s: __import__("hashlib").sha256(_to_string(s).encode()).hexdigest(),
    "sha512sum": lambda s: __import__("hashlib").sha512(_to_string(s).encode()).hexdigest(),
    "adler32sum": lambda s: str(__import__("zlib").adler32(_to_string(s).encode())),
    "atoi": _int,
    "int64": _int,
    "float64": lambda v: float(v) if v not in (None, "") else 0.0,
    "toDecimal": lambda s: int(str(s), 8) if str(s).isdigit() else 0,
    "split": _split_dict,
    "splitn": lambda sep, n, s: _split_dict(sep, s, n),
    "toStrings": lambda items: [_to_string(i) for i in items],
    "untilStep": lambda start, stop, step: list(range(start, stop, step)),
    "add1": lambda n: _int(n) + 1,
    "mod": lambda a, b: _int(a) % _int(b),
    "max": lambda *n: max(_int(x) for x in n),
    "min": lambda *n: min(_int(x) for x in n),
    "biggest": lambda *n: max(_int(x) for x in n),
    "ceil": lambda v: float(__import__("math").ceil(float(v))),
    "floor": lambda v: float(__import__("math").floor(float(v))),
    "round": _round,
    "sortAlpha": lambda items: sorted(_to_string(i) for i in items),
    "all": lambda *a: all(truth(x) for x in a),
    "any": lambda *a: any(truth(x) for x in a),
    "compact": lambda items: [i for i in items if truth(i)],
    "fromJson": lambda s: json.loads(s) if s else {},
    "toRawJson": lambda v: json.dumps(v, separators=(",", ":"), sort_keys=True, ensure_ascii=False),
    "deepCopy": lambda v: json.loads(json.dumps(v)),
    "deepEqual": lambda a, b: a == b,
    "base": lambda p: __import__("posixpath").basename(p) or ".",
    "dir": lambda p: __import__("posixpath").dirname(p) or ".",
    "clean": lambda p: __import__("posixpath").normpath(p),
    "ext": lambda p: __import__("posixpath").splitext(p)[1],
    "isAbs": lambda p: p.startswith("/"),
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
    "regexFind": lambda pattern, s: m.group() if (m := _regex(pattern).search(s)) else "",
    "regexFindAll": lambda pattern, s, n: [m.group() for m in _regex(pattern).finditer(s)][
        : n if n >= 0 else None
    ],
    "regexReplaceAllLiteral": lambda pattern, s, repl: _regex(pattern).sub(lambda _: repl, s),
    "regexSplit": lambda pattern, s, n: (
        _regex(pattern).split(s, maxsplit=max(n - 1, 0)) if n > 0 else _regex(pattern).split(s)
    ),
    "regexQuoteMeta": lambda s: re.escape(s),
    "semverCompare": _semver_compare,
    "typeOf": lambda v: type_name(v),
    "kindOf": lambda v: _kind_name(v),
    "kindIs": lambda kind, v: _kind_name(v) == kind,
    "typeIs": lambda name, v: type_name(v) == name,
}


def _kind_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "slice"
    if isinstance(value, Mapping):
        return "map"
    return "invalid" if value is None else "ptr"


def type_name(value: Any) -> str:
    """Go's name of a value's type, as its errors and `typeOf` say it."""
    return {"slice": "[]interface {}", "map": "map[string]interface {}"}.get(
        _kind_name(value), _kind_name(value)
    )


# `must*` variants fail where the plain ones return a zero value; here both fail on bad input.
for _name in ("Compact", "FromJson", "ToJson", "ToPrettyJson", "ToRawJson", "DeepCopy", "Merge",
              "Append", "Prepend", "First", "Rest", "Last", "Initial", "Reverse", "Uniq",
              "Without", "Has", "Slice", "Chunk", "RegexMatch", "RegexFindAll", "RegexFind",
              "RegexReplaceAll", "RegexReplaceAllLiteral", "RegexSplit"):  # fmt: skip
    _plain = _name[0].lower() + _name[1:]
    MORE[f"must{_name}"] = MORE.get(_plain) or FUNCTIONS.get(_plain)  # type: ignore[assignment]
for _name, _function in MORE.items():
    FUNCTIONS.setdefault(_name, _function)


def refused(name: str) -> str | None:
    """Why a function is refused on purpose, or None."""
    reason = REFUSED.get(name)
    return f"{name} {reason}: a render must not depend on the machine" if reason else None


def _range_values(value: Any) -> list[Any]:
    """What `range` visits: list items, map values in key order, 0..n-1 for a number."""
    return [v for _, v in _range_pairs(value)]


def _range_pairs(value: Any) -> list[tuple[Any, Any]]:
    if isinstance(value, Mapping):
        return [(k, value[k]) for k in sorted(value)]
    if isinstance(value, int) and not isinstance(value, bool):
        return [(i, i) for i in range(value)]
    if not value:
        return []
    return list(enumerate(value))


class GoNamespace:
    """`go.NAME(...)` in converted templates: Go's and Sprig's functions with Go semantics."""

    def __init__(self) -> None:
        for name, function in FUNCTIONS.items():
            setattr(self, {"and": "and_", "or": "or_", "not": "not_"}.get(name, name), function)
        self.out = go_print  # what an action prints (Go's `print` is go.print)
        self.truth = truth
        self.range = _range_values
        self.pairs = _range_pairs


# Sprig's text functions, as kOps vendors them (vendor/github.com/Masterminds/sprig/v3/
# functions.go in the kOps repository; `hello` left out).
SPRIG = """ago date date_in_zone date_modify dateInZone dateModify duration durationRound htmlDate
htmlDateInZone must_date_modify mustDateModify mustToDate now toDate unixEpoch abbrev abbrevboth
trunc trim upper lower title untitle substr repeat trimall trimAll trimSuffix trimPrefix nospace
initials randAlphaNum randAlpha randAscii randNumeric swapcase shuffle snakecase camelcase
kebabcase wrap wrapWith contains hasPrefix hasSuffix quote squote cat indent nindent replace
plural sha1sum sha256sum sha512sum adler32sum toString atoi int64 int float64 seq toDecimal split
splitList splitn toStrings until untilStep add1 add sub div mod mul randInt add1f addf subf divf
mulf biggest max min maxf minf ceil floor round join sortAlpha default empty coalesce all any
compact mustCompact fromJson toJson toPrettyJson toRawJson mustFromJson mustToJson
mustToPrettyJson mustToRawJson ternary deepCopy mustDeepCopy typeOf typeIs typeIsLike kindOf
kindIs deepEqual env expandenv getHostByName base dir clean ext isAbs osBase osClean osDir osExt
osIsAbs b64enc b64dec b32enc b32dec tuple list dict get set unset hasKey pluck keys pick omit
merge mergeOverwrite mustMerge mustMergeOverwrite values append mustAppend prepend mustPrepend
first mustFirst rest mustRest last mustLast initial mustInitial reverse mustReverse uniq mustUniq
without mustWithout has mustHas slice mustSlice concat dig chunk mustChunk bcrypt htpasswd
genPrivateKey derivePassword buildCustomCert genCA genCAWithKey genSelfSignedCert
genSelfSignedCertWithKey genSignedCert genSignedCertWithKey encryptAES decryptAES randBytes uuidv4
semver semverCompare fail regexMatch mustRegexMatch regexFindAll mustRegexFindAll regexFind
mustRegexFind regexReplaceAll mustRegexReplaceAll regexReplaceAllLiteral
mustRegexReplaceAllLiteral regexSplit mustRegexSplit regexQuoteMeta urlParse urlJoin""".split()  # noqa: SIM905


def sprig_table() -> str:
    """The README's table: every Sprig function kOps offers, by what `convert` does with it."""
    same = [n for n in SPRIG if n in FUNCTIONS]
    refused_ = [n for n in SPRIG if n in REFUSED]
    missing = [n for n in SPRIG if n not in FUNCTIONS and n not in REFUSED]
    rows = [
        ("converted (Go's semantics, `go.NAME`)", same),
        ("refused on purpose: clock, randomness, environment, network, key material", refused_),
        ("not available: reported at its line; write it by hand", missing),
    ]
    lines = ["| status | Sprig functions |", "| --- | --- |"]
    lines += [f"| {title} ({len(names)}) | {', '.join(names)} |" for title, names in rows]
    return "\n".join(lines) + "\n"
