"""The one Jinja2 environment: sandboxed, strict, with kOps' helpers and snippets.

Templates and snippets are given as files by the caller (project configuration or the command
line); the loader serves nothing else, so a template cannot read files or include arbitrary
paths. Output mirrors `kops toolbox template`: each template renders with the merged values as
its variables, the results are split into documents on `---` lines and empty documents dropped.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import (
    TemplateSyntaxError,
    Undefined,
    pass_context,
)
from jinja2.runtime import Context

from clustermgr import limits
from clustermgr.errors import ChannelError, ClusterMgrError, TemplateError
from clustermgr.files import walk_files
from clustermgr.kops.channel import CHANNEL_FUNCTIONS, Channel
from clustermgr.problems import Location
from clustermgr.render import bounds as capped
from clustermgr.render import helpers as funcs
from clustermgr.render.failures import (
    RenderTimeout,
    check_text,
    column_of,
    deadline,
    describe,
    syntax_error,
)
from clustermgr.render.manifest import RenderedDocument, split_documents
from clustermgr.render.sandbox import (
    SAME_AS_FILTER,
    Environment,
    Lenient,
    Strict,
    TemplateLoader,
    go_namespace,
    wrap,
)
from clustermgr.yamlio import read_text

MAX_INCLUDE_DEPTH = 50
_LOOP_CONTROL = re.compile(r"\{%[-+]?\s*(?:break|continue)\b")


_TEMPLATE_PREFIX = "\0template:"  # keeps template names apart from snippet names


class Source(NamedTuple):
    """A template or snippet file: where it is, and the name errors show."""

    path: Path
    display: str


class SandboxOptions(NamedTuple):
    fail_on_missing: bool = True
    channel: Channel | None = None
    # Seconds one cluster's render may take (a template from review can loop for ever:
    # `range` is capped, nested loops are not); None: limits.renderSeconds.
    timeout: float | None = None


class Renderer:
    """Compiles the templates and snippets once; renders them for any number of clusters."""

    def __init__(
        self, templates: list[Source], snippets: list[Source], options: SandboxOptions
    ) -> None:
        self.options = options
        self._sources: dict[str, tuple[str, str]] = {}  # loader name -> (text, display)
        self._snippets: dict[str, str] = {}  # snippet name -> display
        for snippet in snippets:
            name = snippet.path.name
            if name in self._snippets:
                first = self._snippets[name]
                raise TemplateError(
                    f"snippet {name!r} is defined twice: {first} and {snippet.display}"
                )
            self._snippets[name] = snippet.display
            self._sources[name] = (_bounded(snippet.path, snippet.display), snippet.display)
        self._templates: list[tuple[str, str]] = []
        for index, template in enumerate(templates):
            key = f"{_TEMPLATE_PREFIX}{index}"
            self._sources[key] = (_bounded(template.path, template.display), template.display)
            self._templates.append((key, template.display))
        self._displays = {display for _, display in self._sources.values()}
        self._stack: list[str] = []
        self.env = Environment(
            loader=TemplateLoader(self._sources),
            undefined=Strict if options.fail_on_missing else Lenient,
            keep_trailing_newline=True,  # as Go templates: a snippet keeps its final newline
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
            auto_reload=False,
            finalize=self._finalize,
        )
        if any(_LOOP_CONTROL.search(text) for text, _ in self._sources.values()):
            # {% break %} and {% continue %} (Go has them; convert writes them): the extension
            # costs start-up, so only templates that use them load it
            self.env.add_extension("jinja2.ext.loopcontrols")
        self._register()
        self._globals = dict(self.env.globals)
        self._spent = 0.0  # seconds of rendering so far in this run (limits.runSeconds)
        self._compiled = [self._compile(key) for key, _ in self._templates]

    def render(self, values: dict[str, Any]) -> list[RenderedDocument]:
        """Render every template with `values`; return the non-empty documents in order."""
        documents: list[RenderedDocument] = []
        for text, display in self.render_texts(values):
            documents.extend(split_documents(text, display))
        return documents

    def render_texts(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        """Each template's output exactly as it rendered, with the template's name."""

        bounds = limits.current()
        left = bounds.run_seconds - self._spent
        if left <= 0:
            raise TemplateError(
                f"the renders of this run took longer than limits.runSeconds "
                f"({bounds.run_seconds:g} s)"
            )
        seconds = self.options.timeout or bounds.render_seconds
        started = time.monotonic()
        try:
            with deadline(min(seconds, left)):
                return self._render(values)
        finally:
            self._spent += time.monotonic() - started

    def _render(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        texts: list[tuple[str, str]] = []
        for template, (_, display) in zip(self._compiled, self._templates, strict=True):
            self._stack = []
            # Wrapped afresh for each template: one cannot change what the next one sees.
            context = {key: wrap(value, (key,)) for key, value in values.items()}
            try:
                text = self._run(template, {**self._globals, **context})
            except ClusterMgrError as exc:
                if exc.location is not None:
                    raise
                raise self._render_error(exc, display) from None
            except Exception as exc:
                raise self._render_error(exc, display) from None
            if not text.isascii():
                check_text(text, display)
            texts.append((text, display))
        return texts

    def _run(self, template: Any, variables: dict[str, Any]) -> str:
        """Template.render without its copy of every global per call (`variables` already
        holds them): snippets are rendered this way once per include."""
        # Template.new_context, without the set of every global's name it builds per call
        # (for `{% import %}` to spot globals a template lacks: every template here has them all)
        context = self.env.context_class(self.env, variables, template.name, template.blocks)
        try:
            return capped.concat_capped(template.root_render_func(context))
        except Exception:
            self.env.handle_exception()
            raise  # handle_exception always raises; this keeps type checkers informed

    def _finalize(self, value: Any) -> Any:
        """Every `{{ }}` output, printed as YAML needs it (docs/templates.md, "How values
        print"): a null is refused (it would print `None` where kOps needs a value, e.g.
        `name: None`), or prints nothing with --no-fail-on-missing; booleans print
        `true`/`false`; a whole number read as a float prints without `.0`; lists and
        mappings print as JSON flow, which YAML reads back (never Python's `['a']`)."""
        if value is None:
            if self.options.fail_on_missing:
                raise funcs.TemplateFunctionError(
                    "renders null into the output (None): the value is missing or null"
                )
            return ""
        if value is True or value is False:
            return "true" if value else "false"
        if type(value) is float and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        if isinstance(value, (list, dict, tuple)):
            return funcs.flow(value)
        return value

    # -- helpers ------------------------------------------------------------------------------

    def _register(self) -> None:
        filters: dict[str, Callable[..., Any]] = {
            **{name: funcs.sprig_filter(name) for name in funcs.SPRIG_FILTERS},
            "toYaml": funcs.to_yaml,
            "fromYaml": funcs.from_yaml,
            "required": funcs.required,
            "split": funcs.split_list,
        }
        self.env.filters.update(capped.guarded_filters(self.env.filters))
        self.env.filters.update(filters)
        # Function forms take Sprig's argument order (the piped value last), for ported templates.
        self.env.globals.update(
            {
                "include": self._include,
                **{name: funcs.sprig_function(name) for name in funcs.SPRIG_FUNCTIONS},
                "required": lambda message, value: funcs.required(value, message),
                "split": lambda sep, text: funcs.split_list(text, sep),
                # converted Go templates (clustermgr convert): Go's functions and its root dot
                "go": go_namespace(),
                "go_root": self._go_root,
                "list": lambda *items: list(items),
                **{name: self._channel_call(name) for name in CHANNEL_FUNCTIONS},
                **{name: self.env.filters[name] for name in SAME_AS_FILTER},
            }
        )

    @pass_context
    def _go_root(self, context: Context) -> dict[str, Any]:
        """Go's `$` and root `.`: the values the template was given, without the helpers."""
        globals_ = self._globals
        return {
            k: v for k, v in context.parent.items() if k not in globals_ or globals_[k] is not v
        }

    def _channel_call(self, function: str) -> Callable[..., str]:
        def call(*args: Any) -> str:
            channel = self.options.channel
            if channel is None:
                raise ChannelError(
                    "no channel file: set `channel:` in clustermgr.yaml or pass --channel"
                )
            return channel.lookup(function, *(str(a) for a in args))

        return call

    @pass_context
    def _include(self, context: Context, name: str, ctx: Any = Undefined) -> str:
        """`include("name")` renders a snippet with the caller's variables;
        `include("name", mapping)` with that mapping's keys (and `ctx`) as variables."""
        if name not in self._snippets:
            known = ", ".join(sorted(self._snippets)) or "none"
            raise funcs.TemplateFunctionError(f"unknown snippet {name!r} (snippets: {known})")
        if name in self._stack:
            cycle = " -> ".join([*self._stack[self._stack.index(name) :], name])
            raise funcs.TemplateFunctionError(f"include cycle: {cycle}")
        if len(self._stack) >= MAX_INCLUDE_DEPTH:
            raise funcs.TemplateFunctionError(f"includes nest deeper than {MAX_INCLUDE_DEPTH}")
        if ctx is Undefined:
            variables = context.get_all()
        elif isinstance(ctx, dict):
            variables = {**self._globals, "ctx": ctx, **ctx}
        else:
            variables = {**self._globals, "ctx": ctx}
        self._stack.append(name)
        try:
            return self._run(self.env.get_template(name), variables)
        finally:
            self._stack.pop()

    def _compile(self, key: str) -> Any:
        seconds = limits.current().render_seconds
        try:
            with deadline(seconds):  # compiling is bounded like rendering
                return self.env.get_template(key)
        except TemplateSyntaxError as exc:
            raise syntax_error(exc) from None
        except RenderTimeout:
            raise TemplateError(
                f"the template took longer than limits.renderSeconds ({seconds:g} s) to compile",
                Location(self._sources[key][1]),
            ) from None
        except (RecursionError, MemoryError):  # an expression too long to compile
            display = self._sources[key][1]
            raise TemplateError(
                "the template's expressions are too deeply nested or too long to compile",
                Location(display),
            ) from None

    def _render_error(self, exc: BaseException, display: str | None = None) -> TemplateError:
        if isinstance(exc, TemplateSyntaxError):  # a snippet compiled on first include
            return syntax_error(exc)
        import traceback  # noqa: PLC0415  # the error path only

        frames = [
            (frame.filename, frame.lineno or 0)
            for frame in traceback.extract_tb(exc.__traceback__)
            if frame.filename in self._displays
        ]
        message = describe(exc)
        if not frames:  # raised outside the template's code: the template as a whole
            return TemplateError(message, Location(display) if display else None)
        file, line = frames[-1]
        col = column_of(self._line(file, line), exc)
        location = Location(file, line, col)
        outer = [f"{f}:{n}" for f, n in reversed(frames[:-1]) if (f, n) != (file, line)]
        if outer:
            message += " (included from " + ", ".join(dict.fromkeys(outer)) + ")"
        return TemplateError(message, location)

    def line_of_key(self, display: str, key: str) -> int:
        """The line of template `display` that writes mapping key `key`, if exactly one does."""
        pattern = re.compile(rf"^\s*(?:-\s+)?{re.escape(key)}\s*:")
        for text, name in self._sources.values():
            if name == display:
                found = [i for i, line in enumerate(text.splitlines(), 1) if pattern.match(line)]
                return found[0] if len(found) == 1 else 0
        return 0

    def _line(self, display: str, line: int) -> str:
        for text, name in self._sources.values():
            if name == display:
                lines = text.splitlines()
                return lines[line - 1] if 0 < line <= len(lines) else ""
        return ""


def iter_template_files(paths: list[Path], exclude: list[Path]) -> Iterator[Path]:
    """Files of the given template paths: files as given, directories walked lexically."""
    excluded = [p.resolve() for p in exclude]
    for path in paths:
        if path.is_dir():
            for file in walk_files(path):
                resolved = file.resolve()
                if not any(resolved.is_relative_to(e) for e in excluded):
                    yield file
        else:
            yield path


def _bounded(path: Path, display: str) -> str:
    text = read_text(path, display)
    limits.check_template(text, display)
    return text
