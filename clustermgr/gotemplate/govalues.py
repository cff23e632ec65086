"""Go's values as text/template sees them: truth, fmt's `%v` and `printf`, comparison, type
names, what `range` visits."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Undefined

MISSING = object()  # a map key that is not there (missingkey=default prints `<no value>`)


class GoFunctionError(Exception):
    """A function refused its arguments (the caller adds the location)."""


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
        return "[" + " ".join(_inner(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{_inner(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def _inner(value: Any) -> str:
    """fmt inside a list or map: a nil is `<nil>` (text/template's `<no value>` is only for
    what an action prints itself)."""
    return "<nil>" if value is None else go_print(value)


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
    from decimal import Decimal  # noqa: PLC0415  # floats only: 2 ms of every start-up

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
    """text/template's comparison: the same basic kind on both sides (an int and a float64
    are incompatible: text/template/funcs.go, basicKind)."""
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        if type(a) is not type(b):
            raise GoFunctionError("incompatible types for comparison")
        return int(a) - int(b)
    if isinstance(a, numbers) and isinstance(b, numbers):
        if type(a) is not type(b):
            raise GoFunctionError("incompatible types for comparison")
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


def _sprint(*args: Any) -> str:
    """fmt.Sprint: a space between operands when neither is a string."""
    out = ""
    for i, arg in enumerate(args):
        if i and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out += " "
        out += "<nil>" if arg is None else go_print(arg)
    return out


_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([vsdqtfxXgeobcT%])")
# The kinds each verb prints (fmt's documentation); any other is `%!verb(type=value)`.
_ACCEPTS = {
    "s": (str,),
    "q": (str, int),
    "d": (int,),
    "t": (bool,),
    "f": (float,),
    "e": (float,),
    "g": (float,),
    "x": (str, int, float),
    "X": (str, int, float),
    "o": (int,),
    "b": (int, float),
    "c": (int,),
}


def _fits(verb: str, value: Any) -> bool:
    kinds = _ACCEPTS.get(verb)
    if kinds is None:  # %v and %T print anything
        return True
    if isinstance(value, bool):
        return bool in kinds
    return isinstance(value, kinds)


def _printf(form: str, *args: Any) -> str:
    """fmt.Sprintf as Go prints it, with its words for what does not fit: `%!d(string=x)`,
    `%!s(MISSING)`, `%!(EXTRA string=b)`."""
    values = list(args)

    def one(found: re.Match[str]) -> str:
        flags, width, precision, verb = found.groups()
        if verb == "%":
            return "%"
        if not values:
            return f"%!{verb}(MISSING)"
        value = values.pop(0)
        if verb == "T":
            return "<nil>" if value is None else type_name(value)
        if not _fits(verb, value):
            shown = "<nil>" if value is None else f"{type_name(value)}={go_print(value)}"
            return f"%!{verb}({shown})"
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

    text = _VERB.sub(one, form)
    if values:
        extra = ", ".join("<nil>" if v is None else f"{type_name(v)}={go_print(v)}" for v in values)
        text += f"%!(EXTRA {extra})"
    return text


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


def go_value(value: Any) -> Any:
    """A value as it reaches a Go template in kOps: values are read YAML -> JSON
    (sigs.k8s.io/yaml), so every number is a float64 (`1000000` prints `1e+06`, `eq .n 3`
    compares a float64 with an int and fails). Lists and maps are copied with their numbers
    converted; everything else is itself."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, list):
        return [go_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: go_value(v) for k, v in value.items()}
    return value
