"""How a template fails: located errors with kOps-like wording, and the wall-clock bound on
rendering."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jinja2 import (
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.exceptions import SecurityError

from clustermgr.errors import ClusterMgrError, TemplateError
from clustermgr.problems import Location
from clustermgr.render import helpers as funcs


class RenderTimeout(Exception):
    """Raised inside the render by the alarm."""


def check_text(text: str, display: str) -> None:
    """Output that cannot be written as UTF-8 (a lone surrogate from a `\\ud800` escape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise TemplateError(
            f"the output holds a character that is not text (U+{ord(text[exc.start]):04X})",
            Location(display),
        ) from None


def _expire(_signum: int, _frame: Any) -> None:
    raise RenderTimeout


def keep_alarm_handler() -> None:
    """For a process that does nothing but check clusters (a worker): the alarm's handler is
    installed once, and each render only arms and disarms the timer."""
    signal.signal(signal.SIGALRM, _expire)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """SIGALRM after `seconds`; no limit where signals cannot be used (not the main thread,
    or no setitimer on this platform). The handler is installed for the duration, and the
    one it replaced put back, unless it is installed for the process already."""
    if seconds <= 0:
        yield
        return
    installed = signal.getsignal(signal.SIGALRM) is _expire  # Python's own table: no syscall
    previous: Any = None
    if not installed:
        try:
            previous = signal.signal(signal.SIGALRM, _expire)
        except (ValueError, AttributeError):  # not the main thread / no SIGALRM
            yield
            return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if not installed:  # None: a handler set outside Python, which the default stands for
            signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)


def describe(exc: BaseException) -> str:
    if isinstance(exc, RenderTimeout):
        return "the render took too long (a template that loops for ever?)"
    if isinstance(exc, UndefinedError):
        return exc.message or "undefined value"
    if isinstance(exc, SecurityError):
        return f"not allowed in the template sandbox: {exc}"
    if isinstance(exc, funcs.TemplateFunctionError):
        return str(exc)
    if isinstance(exc, ClusterMgrError):
        return exc.message
    if isinstance(exc, RecursionError):
        return "recursion too deep (a macro or include that calls itself?)"
    if isinstance(exc, MemoryError):
        return "the template used too much memory"
    return f"{type(exc).__name__}: {exc}"


def column_of(line: str, exc: BaseException) -> int:
    """Best effort: the column of the undefined name on the template line (1-based)."""
    if isinstance(exc, UndefinedError) and exc.message and "'" in exc.message:
        name = exc.message.split("'")[1]
        starts = [i for i in (line.find("{{"), line.find("{%")) if i >= 0]
        begin = min(starts) if starts else 0  # the name inside an expression, not a YAML key
        for needle in (name, name.rsplit(".", 1)[-1]):
            at = line.find(needle, begin)
            if needle and at >= 0:
                return at + 1
    return 0


def syntax_error(exc: TemplateSyntaxError) -> TemplateError:
    location = Location(exc.filename or exc.name or "<template>", exc.lineno or 0)
    return TemplateError(f"template syntax error: {exc.message}", location)
