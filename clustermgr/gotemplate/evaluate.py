"""A Go-semantics evaluator of parsed Go templates: the reference `convert` proves its Jinja
output against. Printing follows Go's fmt `%v`, truth Go's "empty" rule, `range` over maps
goes in key order, missing keys fail (kOps' `missingkey=error`) or print `<no value>`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from clustermgr import limits
from clustermgr.errors import ClusterMgrError, TemplateError
from clustermgr.gotemplate.functions import FUNCTIONS
from clustermgr.gotemplate.govalues import (
    MISSING,
    GoFunctionError,
    go_print,
    go_value,
    truth,
    type_name,
)
from clustermgr.gotemplate.parse import (
    Action,
    Arg,
    Branch,
    Call,
    Command,
    Dot,
    Field,
    Ident,
    Literal,
    Loop,
    Node,
    Pipe,
    Text,
    Tree,
    Var,
)
from clustermgr.problems import Location

MAX_CALLS = 50  # {{ template }} and include inside each other (a loop otherwise never ends)


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


MAX_STEPS = 5_000_000  # nodes and calls in one execution: far above any real template


class _Budget:
    """Steps and seconds one execution (with its includes) may take: a template that calls
    itself twice per level, or loops for ever, ends with an error instead of a hung job."""

    def __init__(self) -> None:
        self.steps = 0
        self.ends = time.monotonic() + limits.current().render_seconds


class Evaluator:
    """Executes one template tree with snippets (`include`) and the channel functions."""

    def __init__(
        self,
        snippets: Mapping[str, Tree],
        fail_on_missing: bool = True,
        extra: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        self.snippets = snippets
        self.fail_on_missing = fail_on_missing
        self.functions: dict[str, Callable[..., Any]] = {**FUNCTIONS, **(extra or {})}
        self.functions["include"] = self._include
        self.defines: dict[str, list[Node]] = {}
        self.depth = 0
        # (output offset, the node that wrote it, whether it was template text)
        self.spans: list[tuple[int, Location, bool]] = []
        self._size = 0
        self.budget = _Budget()

    def run(self, tree: Tree, data: Any) -> str:
        """The template's output for `data` (its numbers become float64, as in kOps)."""
        data = go_value(data)
        # kOps parses the snippets into the template's own set after it: their defines count,
        # and a later definition wins (pkg/util/templater/templater.go, Render)
        self.defines = {**tree.defines}
        for snippet in self.snippets.values():
            self.defines.update(snippet.defines)
        out: list[str] = []
        self._nodes(tree.body, data, [{"$": data}], out)
        return "".join(out)

    def _step(self, at: Location | None) -> None:
        budget = self.budget
        budget.steps += 1
        if budget.steps > MAX_STEPS:
            raise TemplateError(f"the template runs more than {MAX_STEPS:,} steps", at)
        if budget.steps % 4096 == 0 and time.monotonic() > budget.ends:
            seconds = limits.current().render_seconds
            raise TemplateError(
                f"the template runs longer than limits.renderSeconds ({seconds:g} s)", at
            )

    def _include(self, name: str, data: Any) -> str:
        tree = self.snippets.get(name)
        if tree is None:
            raise GoFunctionError(f'no snippet named "{name}"')
        self.depth += 1
        try:
            if self.depth > MAX_CALLS:
                raise GoFunctionError("include nests too deep")
            inner = Evaluator(self.snippets, self.fail_on_missing)
            inner.functions = self.functions
            inner.budget = self.budget
            return inner.run(tree, data)
        finally:
            self.depth -= 1

    # -- nodes ----------------------------------------------------------------------------------

    def _nodes(
        self, nodes: list[Node], dot: Any, scope: list[dict[str, Any]], out: list[str]
    ) -> None:
        for node in nodes:
            self._step(node.at)
            if isinstance(node, Text):
                self._emit(out, node.text, node.at, True)
            elif isinstance(node, Action):
                value = self._pipe(node.pipe, dot, scope, node.at)
                if not node.pipe.decl:
                    self._emit(out, self._print(value, node.at), node.at, False)
            elif isinstance(node, Branch):
                self._branch(node, dot, scope, out)
            elif isinstance(node, Call):
                body = self.defines.get(node.name)
                if body is None:
                    raise TemplateError(f'no template "{node.name}"', node.at)
                value = self._pipe(node.pipe, dot, scope, node.at) if node.pipe else None
                self.depth += 1
                if self.depth > MAX_CALLS:
                    raise TemplateError(
                        f"templates call each other deeper than {MAX_CALLS}", node.at
                    )
                try:
                    self._nodes(body, value, [{"$": value}], out)
                finally:
                    self.depth -= 1
            elif isinstance(node, Loop):
                raise _Break() if node.kind == "break" else _Continue()

    def _emit(self, out: list[str], text: str, at: Location | None, is_text: bool) -> None:
        if at is not None:
            self.spans.append((self._size, at, is_text))
        self._size += len(text)
        out.append(text)

    def where(self, offset: int, output: str) -> Location | None:
        """The template line that wrote character `offset` of `output` (this run's)."""
        found = None
        for start, at, is_text in self.spans:
            if start > offset:
                break
            lines = output.count("\n", start, offset) if is_text else 0
            found = Location(at.file, at.line + lines, 0 if lines else at.col)
        return found

    def _branch(self, node: Branch, dot: Any, scope: list[dict[str, Any]], out: list[str]) -> None:
        inner = [*scope, {}]
        if node.kind == "range":
            value = self._pipe(node.pipe, dot, inner, node.at, declare=False)
            items = _range_items(value, node.at)
            if not items:
                self._nodes(node.orelse, dot, scope, out)
                return
            names = node.pipe.decl
            for key, item in items:
                frame = dict(inner[-1])
                if len(names) == 1:
                    frame[names[0]] = item
                elif len(names) == 2:
                    frame[names[0]], frame[names[1]] = key, item
                try:
                    self._nodes(node.body, item, [*scope, frame], out)
                except _Break:
                    break
                except _Continue:
                    continue
            return
        value = self._pipe(node.pipe, dot, inner, node.at)
        if truth(value):
            self._nodes(node.body, value if node.kind == "with" else dot, inner, out)
        else:
            self._nodes(node.orelse, dot, scope, out)

    # -- pipelines ------------------------------------------------------------------------------

    def _pipe(
        self,
        pipe: Pipe,
        dot: Any,
        scope: list[dict[str, Any]],
        at: Location,
        declare: bool = True,
    ) -> Any:
        value: Any = MISSING
        for command in pipe.commands:
            value = self._command(command, dot, scope, at, value)
        if pipe.decl and declare:
            if pipe.assign:
                for frame in reversed(scope):
                    if pipe.decl[0] in frame:
                        frame[pipe.decl[0]] = value
                        break
                else:
                    raise TemplateError(f"undefined variable: {pipe.decl[0]}", at)
            else:
                scope[-1][pipe.decl[-1]] = value
        return value

    def _command(
        self, command: Command, dot: Any, scope: list[dict[str, Any]], at: Location, piped: Any
    ) -> Any:
        first = command.args[0]
        if isinstance(first, Ident) and first.name in ("and", "or"):
            return self._logic(first, command.args[1:], dot, scope, at, piped)
        if isinstance(first, Ident):
            function = self.functions.get(first.name)
            if function is None:
                raise TemplateError(f'function "{first.name}" not defined', first.at)
            args = [self._arg(a, dot, scope, at) for a in command.args[1:]]
            if piped is not MISSING:
                args.append(piped)
            self._step(first.at)
            try:
                return function(*args)
            except GoFunctionError as exc:
                raise TemplateError(f"{first.name}: {exc}", first.at) from None
            except ClusterMgrError:
                raise
            except Exception as exc:  # a Go function's panic is text/template's error too
                raise TemplateError(f"error calling {first.name}: {exc}", first.at) from None
        if len(command.args) > 1 or piped is not MISSING:
            raise TemplateError("only a function takes arguments", at)
        return self._arg(first, dot, scope, at)

    def _logic(
        self,
        name: Ident,
        args: list[Arg],
        dot: Any,
        scope: list[dict[str, Any]],
        at: Location,
        piped: Any,
    ) -> Any:
        """`and` and `or` evaluate their arguments in order and stop at the one that decides
        (Go 1.18+: text/template/funcs.go), so `and false .missing.key` is false."""
        self._step(name.at)
        count = len(args) + (piped is not MISSING)
        if not count:
            raise TemplateError(
                f"wrong number of args for {name.name}: want at least 1 got 0", name.at
            )
        value: Any = None
        for arg in args:
            value = self._arg(arg, dot, scope, at)
            if truth(value) == (name.name == "or"):
                return value
        return piped if piped is not MISSING else value

    def _arg(self, arg: Arg, dot: Any, scope: list[dict[str, Any]], at: Location) -> Any:
        if isinstance(arg, Literal):
            return arg.value
        if isinstance(arg, Dot):
            return dot
        if isinstance(arg, Var):
            return self._var(arg.name, scope, at)
        if isinstance(arg, Pipe):
            return self._pipe(arg, dot, [*scope, {}], at)
        if isinstance(arg, Ident):
            function = self.functions.get(arg.name)
            if function is None:
                raise TemplateError(f'function "{arg.name}" not defined', arg.at)
            self._step(arg.at)
            try:
                return function()
            except GoFunctionError as exc:
                raise TemplateError(f"{arg.name}: {exc}", arg.at) from None
            except ClusterMgrError:
                raise
            except Exception as exc:
                raise TemplateError(f"error calling {arg.name}: {exc}", arg.at) from None
        assert isinstance(arg, Field)
        if arg.base is None:
            value = dot
        elif isinstance(arg.base, str):
            value = self._var(arg.base, scope, at)
        else:
            value = self._pipe(arg.base, dot, [*scope, {}], at)
        for name in arg.names:
            value = self._field(value, name, at)
        return value

    def _var(self, name: str, scope: list[dict[str, Any]], at: Location) -> Any:
        for frame in reversed(scope):
            if name in frame:
                return frame[name]
        raise TemplateError(f"undefined variable: {name}", at)

    def _field(self, value: Any, name: str, at: Location) -> Any:
        if isinstance(value, Mapping):
            if name in value:
                return value[name]
            if self.fail_on_missing:
                raise TemplateError(f'map has no entry for key "{name}"', at)
            return MISSING
        if value is MISSING or value is None:
            if self.fail_on_missing:
                raise TemplateError(f"nil pointer evaluating .{name}", at)
            return MISSING
        method = getattr(value, "go_field", None)  # a Go value with methods (Sprig's semver)
        if method is not None:
            try:
                return method(name)
            except KeyError:
                pass
        raise TemplateError(f"can't evaluate field {name} in type {type_name(value)}", at)

    def _print(self, value: Any, at: Location) -> str:
        if value is MISSING:
            return "<no value>"
        return go_print(value)


def _range_items(value: Any, at: Location) -> list[tuple[Any, Any]]:
    if value is MISSING or value is None:
        return []
    if isinstance(value, Mapping):
        return [(k, value[k]) for k in sorted(value)]
    if isinstance(value, (list, tuple)):
        return list(enumerate(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return [(i, i) for i in range(value)]
    raise TemplateError(f"range can't iterate over {go_print(value)}", at)
