"""What a template may build: no string, list or output larger than `limits.renderBytes`.

Growth is checked before it happens, from the arguments (a width, a count, the parts of a
join), so that `"%0500000000d" % 1` or `x | center(500000000)` is refused without first
allocating half a gigabyte. Concatenation with `~` goes through `join_capped` (the code
generator below routes it there), and the output is gathered by `concat_capped`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import islice
from typing import Any

from jinja2 import pass_eval_context
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.exceptions import SecurityError
from jinja2.nodes import Concat, EvalContext

from clustermgr import limits

_NUMBERS = re.compile(r"\d+")
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})


def cap() -> int:
    return limits.current().render_bytes


def refuse(what: str, size: int) -> SecurityError:
    return SecurityError(
        f"{what} would build {size:,} characters, more than limits.renderBytes ({cap():,})"
    )


def check_size(what: str, size: int) -> None:
    if size > cap():
        raise refuse(what, size)


def check_format(what: str, fmt: Any, base: int) -> None:
    """A `%` or format() string: any width or precision larger than the cap is refused."""
    if isinstance(fmt, str):
        widest = max((int(n) for n in _NUMBERS.findall(fmt) if len(n) < 12), default=0)
        longest = max((len(n) for n in _NUMBERS.findall(fmt)), default=0)
        if longest >= 12 or widest > cap():
            raise refuse(what, max(widest, cap() + 1))
        check_size(what, base + widest)


def check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "*":
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(count, int):
                check_size("'*'", len(seq) * count)
    elif operator == "**" and isinstance(right, int) and abs(right) > 1000:
        raise SecurityError("'**' exponent larger than 1000")
    elif operator == "%" and isinstance(left, str):
        check_format("'%'", left, len(left) + _size_of(right))
    elif operator == "+" and isinstance(left, (str, list)) and isinstance(right, (str, list)):
        check_size("'+'", len(left) + len(right))


def check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Bound methods of strings that grow them, called from a template."""
    target = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(target, str):
        return
    if name in _WIDTH_METHODS and args and isinstance(args[0], int):
        check_size(f"str.{name}", args[0])
    elif name == "expandtabs":
        size = args[0] if args and isinstance(args[0], int) else 8
        check_size("str.expandtabs", len(target) * max(size, 1))
    elif name == "replace" and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        count = target.count(old) if old else len(target) + 1
        check_size("str.replace", len(target) + count * max(0, len(new) - len(old)))
    elif name == "join" and args:
        check_join("str.join", target, args[0])
    elif name in ("format", "format_map"):
        check_format(f"str.{name}", target, len(target) + sum(_size_of(a) for a in args))


def check_join(what: str, separator: str, items: Any) -> None:
    if isinstance(items, (list, tuple)):
        check_size(what, sum(_size_of(i) for i in items) + len(separator) * len(items))


def join_capped(parts: Iterable[Any]) -> str:
    """`a ~ b ~ c`: the concatenation, refused before it grows past the cap."""
    texts = [str(p) for p in parts]
    check_size("'~'", sum(len(t) for t in texts))
    return "".join(texts)


def concat_capped(pieces: Iterable[Any]) -> str:
    """A template's output, gathered in batches (joined in C) and stopped at the cap."""

    out: list[str] = []
    size = 0
    limit = cap()
    source = iter(pieces)
    while True:
        chunk = "".join(islice(source, 256))  # the pieces are str already (Jinja's own output)
        if not chunk:
            return "".join(out)
        size += len(chunk)
        if size > limit:
            raise SecurityError(
                f"the output would be larger than limits.renderBytes ({limit:,} characters)"
            )
        out.append(chunk)


def _size_of(value: Any) -> int:
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) if isinstance(value, str) else sum(_size_of(v) for v in value)
    return 24  # a number or other scalar's text


class CappedCodeGenerator(CodeGenerator):
    """Jinja's code generator with `~` routed through the environment's `join_capped`."""

    @optimizeconst
    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        self.write("environment.join_capped((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def guarded_filters(builtin: dict[str, Any]) -> dict[str, Any]:
    """Jinja's own filters that grow strings, with the same checks in front."""

    center, fmt, join, replace = (builtin[n] for n in ("center", "format", "join", "replace"))

    def do_center(value: Any, width: int = 80) -> Any:
        if isinstance(width, int):
            check_size("center", width)
        return center(value, width)

    def do_format(value: Any, *args: Any, **kwargs: Any) -> Any:
        check_format("format", value, len(str(value)) + sum(_size_of(a) for a in args))
        return fmt(value, *args, **kwargs)

    @pass_eval_context
    def do_join(ctx: EvalContext, value: Any, d: str = "", attribute: Any = None) -> Any:
        items = list(value)
        check_join("join", str(d), items)
        return join(ctx, items, d, attribute)

    @pass_eval_context
    def do_replace(ctx: EvalContext, s: Any, old: Any, new: Any, count: Any = None) -> Any:
        text, old_text, new_text = str(s), str(old), str(new)
        found = text.count(old_text) if old_text else len(text) + 1
        check_size("replace", len(text) + found * max(0, len(new_text) - len(old_text)))
        return replace(ctx, s, old, new, count)

    return {"center": do_center, "format": do_format, "join": do_join, "replace": do_replace}
