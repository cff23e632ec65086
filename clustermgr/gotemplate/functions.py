"""Go's template built-ins and the Sprig text functions kOps templates use, with Go's
semantics: argument order (the piped value last), Sprig's "empty" rule, fmt's `%v`.

The same functions back the Jinja that `convert` writes (as `go.NAME(...)`), so a converted
template renders the bytes the Go template did. Functions that read the machine (env, time,
randomness, files) are refused on purpose: templates come from merge requests.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Undefined


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
}


def truth(value: Any) -> bool:
    """Go's truth: false, 0, nil and empty strings, lists and maps are false."""
    from clustermgr.gotemplate.evaluate import MISSING

    if value is MISSING or value is None or isinstance(value, Undefined):
        return False
    if isinstance(value, (bool, int, float, str, list, tuple, dict, Mapping)):
        return bool(value)
    return True


def go_print(value: Any) -> str:
    """fmt's `%v`."""
    from clustermgr.gotemplate.evaluate import MISSING

    if value is MISSING or isinstance(value, Undefined):
        return "<no value>"
    if value is None:
        return "<nil>"
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
    from decimal import Decimal

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
        out += go_print(arg)
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
        self.truth = truth
        self.range = _range_values
        self.pairs = _range_pairs
