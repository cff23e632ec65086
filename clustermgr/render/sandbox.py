"""The sandbox templates run in: a loader that serves only the files given, an environment that
refuses what a template must not reach, values that say which path an undefined name was
looked up at, and `go.*` for templates converted from Go."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import (
    BaseLoader,
    ChainableUndefined,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.lexer import Token, TokenStream
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import missing

from clustermgr.render import bounds as capped
from clustermgr.yamlio import YPath, format_path

_DICT_METHODS = frozenset({"items", "keys", "values", "get"})


# Helpers whose function form takes the same arguments as the filter.
SAME_AS_FILTER = [
    # clustermgr's dialect (Sprig's functions have their Go-order forms: render/helpers.py)
    "toYaml",
    "fromYaml",
    # Jinja's own filter, called as a function
    "length",
]


class TemplateLoader(BaseLoader):
    def __init__(self, sources: dict[str, tuple[str, str]]) -> None:
        self.sources = sources

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        if template not in self.sources:
            raise TemplateNotFound(template)
        text, display = self.sources[template]
        return text, display, lambda: True


MAX_NESTING = 50  # brackets inside one expression: deep enough for any real template


class Environment(SandboxedEnvironment):
    """The sandbox, with two changes: mapping keys win over dict methods (as `.key` does in Go
    templates), and whatever grows a string or a list is bounded (render/bounds.py)."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = capped.CappedCodeGenerator
    join_capped = staticmethod(capped.join_capped)

    def _tokenize(
        self, source: str, name: str | None, filename: str | None = None, state: str | None = None
    ) -> TokenStream:
        """Brackets nested deeper than MAX_NESTING are refused at their line as the parser
        reads them, before Jinja's recursive parser and Python's compiler go that deep (they
        would run out of stack). One pass of the lexer: the parser's own."""
        stream = super()._tokenize(source, name, filename, state)
        return TokenStream(_nesting_capped(stream, name, filename), name, filename)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if _chains(obj):
            return type(obj)(name=f"{obj._undefined_name}.{attribute}")
        if isinstance(obj, dict):
            if attribute in obj:
                return obj[attribute]
            if attribute not in _DICT_METHODS:
                return self.undefined(name=_child_name(obj, attribute))
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if _chains(obj):
            return type(obj)(name=f"{obj._undefined_name}[{argument!r}]")
        if isinstance(obj, dict):
            try:
                return obj[argument]
            except (KeyError, TypeError):
                return self.undefined(name=_child_name(obj, argument))
        return super().getitem(obj, argument)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        capped.check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(
        __self,  # as SandboxedEnvironment.call: keeps `self` free for kwargs
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        capped.check_call(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


class _Mapping(dict):  # type: ignore[type-arg]
    """A values mapping that knows its path, so an undefined key is named in full."""

    __slots__ = ("path",)
    path: YPath


class _LazyGo:
    """`go.NAME(...)` in converted Go templates: Go's functions, imported on first use so
    that templates that do not use them never pay for it."""

    _loaded: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if _LazyGo._loaded is None:
            from clustermgr.gotemplate.functions import GoNamespace  # noqa: PLC0415  # only templates converted from Go call go.*

            _LazyGo._loaded = GoNamespace()
        return getattr(_LazyGo._loaded, name)


def go_namespace() -> Any:
    return _LazyGo()


def wrap(value: Any, path: YPath) -> Any:
    if isinstance(value, dict):
        mapping = _Mapping({k: wrap(v, (*path, k)) for k, v in value.items()})
        mapping.path = path
        return mapping
    if isinstance(value, list):
        return [wrap(v, (*path, i)) for i, v in enumerate(value)]
    return value


def _child_name(obj: Any, key: Any) -> Any:
    return _Name(getattr(obj, "path", ()), key)


class _Name:
    """The dotted name of a value a template asked for and did not find, written out only
    when a message needs it (`x.y | default(z)` asks for many that never fail)."""

    __slots__ = ("key", "path")

    def __init__(self, path: YPath, key: Any) -> None:
        self.path, self.key = path, key

    def __str__(self) -> str:
        key = self.key
        return format_path((*self.path, key if isinstance(key, (str, int)) else str(key)))

    def __repr__(self) -> str:
        return repr(str(self))


_OPENING = frozenset({"lparen", "lbracket", "lbrace"})
_CLOSING = frozenset({"rparen", "rbracket", "rbrace"})


def _nesting_capped(tokens: TokenStream, name: str | None, filename: str | None) -> Iterator[Token]:
    depth = 0
    for token in tokens:
        if token.type in _OPENING:
            depth += 1
            if depth > MAX_NESTING:
                raise TemplateSyntaxError(
                    f"brackets nest deeper than {MAX_NESTING}", token.lineno, name, filename
                )
        elif token.type in _CLOSING:
            depth -= 1
        yield token


def _chains(obj: Any) -> bool:
    """`a.b.c` on a missing `a` stays undefined (so `| default(x)` works) instead of failing."""
    return isinstance(obj, Strict) and not obj._undefined_hint


class Strict(StrictUndefined):
    """Fails when used, but `a.b.c | default(x)` still works when `a` is missing."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint or self._undefined_obj is not missing:
            return super()._undefined_message  # sandbox refusals, attributes of non-mappings
        return f"undefined value '{self._undefined_name}'"


class Lenient(ChainableUndefined):
    """--no-fail-on-missing: a missing value renders as nothing."""

    __slots__ = ()
