"""Go template -> Jinja2 that renders the same bytes under clustermgr's environment.

Whitespace: Go's trim markers are applied when parsing, so text is emitted as it prints, and
every block tag is written `{%+ ... +%}`, which turns off the environment's lstrip_blocks and
trim_blocks for that tag: Go keeps the newline after `{{ end }}`, and so does the result.
Functions become `go.NAME(...)` (clustermgr/gotemplate/functions.py, Go's argument order
and semantics); `include` and the channel functions keep their names. A variable the template
assigns to (`$x = ...`) lives in a Jinja `namespace`, the one kind of value an assignment in
a loop or block reaches outside it, as Go's does. What has no faithful equivalent is refused
at its `file:line:col`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from clustermgr.errors import TemplateError
from clustermgr.gotemplate.functions import FUNCTIONS
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
from clustermgr.gotemplate.sprig import refused
from clustermgr.kops.channel import CHANNEL_FUNCTIONS
from clustermgr.problems import Location

# Python/Jinja names a Go function cannot keep as an attribute of `go`.
RENAMED = {"and": "and_", "or": "or_", "not": "not_"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Jinja keywords and dict methods: such keys are written `x["key"]`, never `x.key`.
_NOT_ATTRIBUTES = {
    "and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "True", "False",
    "None", "for", "endfor", "items", "keys", "values", "get", "pop", "update", "copy",
    "clear", "setdefault", "popitem", "fromkeys", "loop", "go", "go_root", "include",
}  # fmt: skip


def convert(tree: Tree, snippets: dict[str, Tree] | None = None) -> str:
    """The Jinja text of one parsed Go template (its `define`s become macros; those of the
    `snippets` it is rendered with are imported, as kOps parses snippets into its set)."""
    emitter = _Emitter(tree.display)
    out = []
    for file, snippet in sorted((snippets or {}).items()):
        names = [_macro(n) for n in sorted(snippet.defines) if n not in tree.defines]
        if names:
            out.append(f'{{%+ from "{file}" import {", ".join(names)} +%}}')
    for name, body in sorted(tree.defines.items()):
        emitter.dot, emitter.root = "dot", "dot"
        emitter.boxed = _assigned(body)
        macro = f"{{%+ macro {_macro(name)}(dot) +%}}{emitter.nodes(body)}{{%+ endmacro +%}}"
        out.append(macro)
    emitter.dot, emitter.root = None, "go_root()"
    emitter.boxed = _assigned(tree.body)
    out.append(emitter.nodes(tree.body))
    return "".join(out)


def _assigned(nodes: list[Node]) -> set[str]:
    """The variables assigned to (`$x = ...`) anywhere in `nodes`."""
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, Action) and node.pipe.assign:
            found.update(node.pipe.decl)
        elif isinstance(node, Branch):
            found |= _assigned(node.body) | _assigned(node.orelse)
    return found


def _macro(name: str) -> str:
    return "template_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


class _Emitter:
    def __init__(self, display: str) -> None:
        self.display = display
        self.dot: str | None = None  # None: the root, whose keys are the template's names
        self.root = "go_root()"
        self.counter = 0
        self.boxed: set[str] = set()  # variables assigned to: each is a namespace's `v`

    def var(self, name: str) -> str:
        return f"{_var(name)}.v" if name in self.boxed else _var(name)

    def declare(self, name: str, value: str) -> str:
        """`{% set %}` of a newly declared variable (a fresh namespace when it is boxed)."""
        if name in self.boxed:
            return f"{{%+ set {_var(name)} = namespace(v={value}) +%}}"
        return f"{{%+ set {_var(name)} = {value} +%}}"

    def nodes(self, nodes: list[Node]) -> str:
        return "".join(self.node(n) for n in nodes)

    def node(self, node: Node) -> str:
        if isinstance(node, Text):
            # Jinja's own delimiters in text print as themselves; a carriage return is written
            # out, since Jinja reads every line ending in a template as "\n"
            text = re.sub(r"(\{[{%#])", lambda m: '{{ "' + m.group(1) + '" }}', node.text)
            return text.replace("\r", '{{ "\\r" }}')
        if isinstance(node, Action):
            expression = self.pipe(node.pipe, node.at)
            if node.pipe.assign:  # Go prints nothing; the namespace carries the value out
                return f"{{%+ set {self.var(node.pipe.decl[-1])} = {expression} +%}}"
            if node.pipe.decl:
                return self.declare(node.pipe.decl[-1], expression)
            if not _prints_text(node.pipe):
                expression = f"go.out({expression})"  # Go's %v: `[a b]`, `1e+06`, `<no value>`
            return f"{{{{ {expression} }}}}"
        if isinstance(node, Branch):
            return self.branch(node)
        if isinstance(node, Call):
            data = self.pipe(node.pipe, node.at) if node.pipe else "none"
            return f"{{{{ {_macro(node.name)}({data}) }}}}"
        assert isinstance(node, Loop)
        return f"{{%+ {node.kind} +%}}"  # Jinja's loopcontrols extension, which the sandbox has

    def branch(self, node: Branch) -> str:
        saved = self.dot
        if node.kind == "if":
            head = f"{{%+ if go.truth({self.pipe(node.pipe, node.at)}) +%}}"
            body = self.nodes(node.body)
            orelse = self.nodes(node.orelse)
            tail = f"{{%+ else +%}}{orelse}" if node.orelse else ""
            return f"{head}{body}{tail}{{%+ endif +%}}"
        self.counter += 1
        name = f"dot{self.counter}"
        value = self.pipe(Pipe(node.pipe.commands), node.at)
        if node.kind == "range":
            decl = node.pipe.decl
            if len(decl) == 2:
                key = f"key{self.counter}"
                head = f"{{%+ for {key}, {name} in go.pairs({value}) +%}}"
                head += self.declare(decl[0], key) + self.declare(decl[1], name)
            else:
                head = f"{{%+ for {name} in go.range({value}) +%}}"
                if decl:
                    head += self.declare(decl[0], name)
            self.dot = name
            body = self.nodes(node.body)
            self.dot = saved
            orelse = f"{{%+ else +%}}{self.nodes(node.orelse)}" if node.orelse else ""
            return f"{head}{body}{orelse}{{%+ endfor +%}}"
        # with: the value becomes the dot, when it is true
        declared = ""
        if node.pipe.decl:
            declared = self.declare(node.pipe.decl[-1], name)
        head = f"{{%+ with {name} = {value} +%}}{{%+ if go.truth({name}) +%}}{declared}"
        self.dot = name
        body = self.nodes(node.body)
        self.dot = saved
        orelse = f"{{%+ else +%}}{self.nodes(node.orelse)}" if node.orelse else ""
        return f"{head}{body}{orelse}{{%+ endif +%}}{{%+ endwith +%}}"

    # -- expressions ----------------------------------------------------------------------------

    def pipe(self, pipe: Pipe | None, at: Location) -> str:
        assert pipe is not None
        value: str | None = None
        for command in pipe.commands:
            value = self.command(command, at, value)
        assert value is not None
        return value

    def command(self, command: Command, at: Location, piped: str | None) -> str:
        first = command.args[0]
        if isinstance(first, Ident):
            args = [self.arg(a, at) for a in command.args[1:]]
            if piped is not None:
                args.append(piped)
            return self.call(first, args)
        if len(command.args) > 1 or piped is not None:
            raise TemplateError("only a function takes arguments", at)
        return self.arg(first, at)

    def call(self, ident: Ident, args: list[str]) -> str:
        name = ident.name
        joined = ", ".join(args)
        if name == "include":
            return f"include({joined})"
        if name in CHANNEL_FUNCTIONS:
            return f"{name}({joined})"
        why = refused(name)
        if why:
            raise TemplateError(f"{why}; pass the value in through --values or --set", ident.at)
        if name not in FUNCTIONS:
            raise TemplateError(
                f'function "{name}" has no equivalent in clustermgr (not converted); write '
                "it by hand in the Jinja, or pass its result in as a value",
                ident.at,
            )
        return f"go.{RENAMED.get(name, name)}({joined})"

    def arg(self, arg: Arg, at: Location) -> str:
        if isinstance(arg, Literal):
            return _literal(arg.value)
        if isinstance(arg, Dot):
            return self.dot or f"go.v({self.root})"
        if isinstance(arg, Var):
            return self.root if arg.name == "$" else self.var(arg.name)
        if isinstance(arg, Pipe):
            return f"({self.pipe(arg, at)})"
        if isinstance(arg, Ident):
            return self.call(arg, [])
        assert isinstance(arg, Field)
        names = list(arg.names)
        if arg.base is None:
            if self.dot is None:
                first = names.pop(0)
                base = first if _attribute_ok(first) else f'{self.root}["{first}"]'
            else:
                base = self.dot
        elif isinstance(arg.base, str):
            base = self.root if arg.base == "$" else self.var(arg.base)
        else:
            base = f"({self.pipe(arg.base, at)})"
        for name in names:
            base += f".{name}" if _attribute_ok(name) else f'["{name}"]'
        return f"go.v({base})"  # numbers read from the data are float64 in Go templates


# Functions whose result is already text, printed as it is.
_TEXT = {
    "upper", "lower", "title", "trim", "trimAll", "trimPrefix", "trimSuffix", "replace",
    "repeat", "nindent", "indent", "quote", "squote", "join", "toString", "printf", "print",
    "println", "b64enc", "b64dec", "toJson", "toPrettyJson", "include", *CHANNEL_FUNCTIONS,
}  # fmt: skip


def _prints_text(pipe: Pipe) -> bool:
    last = pipe.commands[-1].args[0]
    return (isinstance(last, Ident) and last.name in _TEXT) or (
        isinstance(last, Literal) and isinstance(last.value, str)
    )


def _attribute_ok(name: str) -> bool:
    return bool(_IDENT.fullmatch(name)) and name not in _NOT_ATTRIBUTES and not name.startswith("_")


def _var(name: str) -> str:
    return "v_" + name.lstrip("$") if name != "$" else "go_root()"


def _literal(value: Any) -> str:
    if value is None:
        return "none"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)
