"""Go's text/template language, parsed (written from the language's documentation): text,
actions with `{{-`/`-}}` trim markers, comments, pipelines, variables, if/else if/else,
range (with index/key variables and else), with, define/template/block.

Every node keeps its `file:line:col`, so what cannot be converted is reported where it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union

from clustermgr.errors import TemplateError
from clustermgr.problems import Location

# -- the tree -------------------------------------------------------------------------------------


@dataclass
class Text:
    text: str
    at: Location | None = None  # where the text starts (to place a proof's difference)


@dataclass
class Field:
    """`.a.b` (base None: the dot), `$x.a` (base "$x"), `(pipe).a` (base a Pipe)."""

    names: list[str]
    base: Union[str, Pipe, None] = None  # noqa: UP007 (a forward reference)


@dataclass
class Var:
    name: str  # "$" or "$x"


@dataclass
class Dot:
    pass


@dataclass
class Ident:
    """A function name."""

    name: str
    at: Location


@dataclass
class Literal:
    value: object


Arg = Union[Field, Var, Dot, Ident, Literal, "Pipe"]


@dataclass
class Command:
    args: list[Arg]


@dataclass
class Pipe:
    commands: list[Command]
    decl: list[str] = field(default_factory=list)  # `$i, $v :=` or `$x :=`
    assign: bool = False  # `$x = ...`


@dataclass
class Action:
    pipe: Pipe
    at: Location


@dataclass
class Branch:
    """if, range and with: the pipe, the body, and the else part."""

    kind: str
    pipe: Pipe
    body: list[Node]
    orelse: list[Node]
    at: Location


@dataclass
class Call:
    """`{{ template "name" pipe }}`."""

    name: str
    pipe: Pipe | None
    at: Location


@dataclass
class Loop:
    """`{{ break }}` and `{{ continue }}`."""

    kind: str
    at: Location


Node = Union[Text, Action, Branch, Call, Loop]  # noqa: UP007


@dataclass
class Tree:
    """A parsed file: its body and the templates it defines."""

    body: list[Node]
    defines: dict[str, list[Node]]
    display: str


MAX_NESTING = 100  # parentheses, and blocks inside blocks: templates come from merge requests
MAX_PIPELINE = 40  # commands in one pipeline (each one nests a call in the Jinja convert writes)

# -- lexing actions ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\n]+)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\\n]|\\.)+')
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+
                    |(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))
  | (?P<declare>:=)
  | (?P<punct>[|(),=])
  | (?P<var>\$[A-Za-z0-9_]*)
  | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+)
  | (?P<dot>\.)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.X,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "0": "\0"}


class _Tokens:
    def __init__(self, text: str, at: Location) -> None:
        self.items: list[tuple[str, str, int]] = []
        self.at = at
        pos = 0
        while pos < len(text):
            found = _TOKEN.match(text, pos)
            if found is None:
                raise self.error(f"unexpected {text[pos]!r} in the action", pos)
            kind = found.lastgroup or ""
            value = found.group()
            # `.a` right after `)` or a field continues a chain: `(index .x 0).Name`
            if kind != "space":
                self.items.append((kind, value, pos))
            pos = found.end()
        self.pos = 0
        self.depth = 0

    def error(self, message: str, offset: int = 0) -> TemplateError:
        return TemplateError(message, Location(self.at.file, self.at.line, self.at.col + offset))

    def peek(self) -> tuple[str, str, int] | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def next(self) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise self.error("the action ends too early")
        self.pos += 1
        return token


def _unquote(raw: str, tokens: _Tokens, offset: int) -> str:
    if raw.startswith("`"):
        return raw[1:-1]
    out, i, body = [], 0, raw[1:-1]
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            code = body[i + 1]
            if code in _ESCAPES:
                out.append(_ESCAPES[code])
                i += 2
                continue
            if code in "xuU":
                size = {"x": 2, "u": 4, "U": 8}[code]
                out.append(chr(int(body[i + 2 : i + 2 + size], 16)))
                i += 2 + size
                continue
            raise tokens.error(f"unknown escape \\{code} in a string", offset)
        out.append(ch)
        i += 1
    return "".join(out)


def _number(raw: str) -> int | float:
    """Go's number literals as the template parser reads them (strconv, base 0): `0x1F`,
    `0o17`, `0b101`, and a leading 0 is octal (`017` is 15)."""
    text = raw.replace("_", "")
    if re.fullmatch(r"[+-]?0[xXoObB][0-9a-fA-F]+", text):
        return int(text, 0)
    if re.fullmatch(r"[+-]?0[0-7]+", text):
        return int(text, 8)
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    return float(text)


def _pipe(tokens: _Tokens, closing: str | None = None) -> Pipe:
    """A pipeline up to the end of the action (or `closing`)."""
    decl: list[str] = []
    assign = False
    # `$x :=`, `$i, $v :=`, `$x =`
    start = tokens.pos
    names = []
    while (token := tokens.peek()) is not None and token[0] == "var":
        names.append(tokens.next()[1])
        after = tokens.peek()
        if after is not None and after[1] == ",":
            tokens.next()
            continue
        break
    after = tokens.peek()
    if names and after is not None and after[0] == "declare":
        tokens.next()
        decl = names
    elif names and len(names) == 1 and after is not None and after[1] == "=":
        tokens.next()
        decl, assign = names, True
    else:
        tokens.pos = start
    commands = [Command([])]
    while (token := tokens.peek()) is not None:
        kind, value, offset = token
        if closing and value == closing:
            break
        tokens.next()
        if value == "|":
            if not commands[-1].args:
                raise tokens.error("missing command before |", offset)
            if len(commands) >= MAX_PIPELINE:
                raise tokens.error(f"a pipeline of more than {MAX_PIPELINE} commands", offset)
            commands.append(Command([]))
            continue
        commands[-1].args.append(_operand(tokens, kind, value, offset))
    if not commands[-1].args:
        raise tokens.error("missing value in the pipeline")
    return Pipe(commands, decl, assign)


def _operand(tokens: _Tokens, kind: str, value: str, offset: int) -> Arg:
    arg: Arg
    if kind in ("string", "raw"):
        arg = Literal(_unquote(value, tokens, offset))
    elif kind == "char":
        text = _unquote('"' + value[1:-1] + '"', tokens, offset)
        if len(text) != 1:  # Go's lexer: one character between the quotes
            raise tokens.error(f"malformed character constant: {value}")
        arg = Literal(ord(text))
    elif kind == "number":
        arg = Literal(_number(value))
    elif kind == "field":
        arg = Field(value[1:].split("."))
    elif kind == "dot":
        arg = Dot()
    elif kind == "var":
        arg = Var(value)
    elif kind == "ident":
        if value in ("true", "false"):
            arg = Literal(value == "true")
        elif value == "nil":
            arg = Literal(None)
        else:
            arg = Ident(value, Location(tokens.at.file, tokens.at.line, tokens.at.col + offset))
    elif value == "(":
        tokens.depth += 1
        if tokens.depth > MAX_NESTING:
            raise tokens.error(f"parentheses nest deeper than {MAX_NESTING}", offset)
        inner = _pipe(tokens, ")")
        tokens.depth -= 1
        closing = tokens.next()
        if closing[1] != ")":
            raise tokens.error("unclosed (", offset)
        following = tokens.peek()
        if following is not None and following[0] == "field" and following[2] == closing[2] + 1:
            tokens.next()
            return Field(following[1][1:].split("."), inner)
        arg = inner
    else:
        raise tokens.error(f"unexpected {value!r}", offset)
    # a field chain on a variable or a parenthesised pipeline: `$x.a`, `(pipe).a`
    following = tokens.peek()
    if following is not None and following[0] == "field" and following[2] == offset + len(value):
        if isinstance(arg, Var):
            tokens.next()
            return Field(following[1][1:].split("."), arg.name)
        if isinstance(arg, Pipe):
            tokens.next()
            return Field(following[1][1:].split("."), arg)
    return arg


# -- the template -----------------------------------------------------------------------------

# An action ends at the first `}}` outside a comment, a string or a character constant: Go's
# lexer reads `{{ "}}" }}` as one action (text/template/parse/lex.go, lexInsideAction).
_ACTION = re.compile(
    r"""\{\{(-[ \t\r\n])?
    ((?:/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|`[^`]*`|'(?:[^'\\\n]|\\.)*'|[^"`'/]|/(?!\*))*?)
    ([ \t\r\n]-)?\}\}""",
    re.S | re.X,
)
_COMMENT = re.compile(r"\s*/\*.*\*/\s*", re.S)


def parse(source: str, display: str) -> Tree:
    """The tree of one template file."""
    pieces: list[tuple[str, str | None, Location, int]] = []  # (text, action, where, text line)
    pos = 0
    for found in _ACTION.finditer(source):
        text_line = source.count("\n", 0, pos) + 1
        before = source[pos : found.start()]
        if found.group(1):
            before = before.rstrip(" \t\r\n")
        if pieces and pieces[-1][1] is not None and pieces[-1][1].endswith("\0trim"):
            before = before.lstrip(" \t\r\n")
        line = source.count("\n", 0, found.start()) + 1
        col = found.start() - (source.rfind("\n", 0, found.start()) + 1) + 1
        inner = found.group(2)
        action = inner + ("\0trim" if found.group(3) else "")
        pieces.append((before, action, Location(display, line, col + 2), text_line))
        pos = found.end()
    tail = source[pos:]
    if pieces and pieces[-1][1] is not None and pieces[-1][1].endswith("\0trim"):
        tail = tail.lstrip(" \t\r\n")
    if "{{" in tail:
        line = source.count("\n", 0, pos + tail.index("{{")) + 1
        raise TemplateError("unclosed action", Location(display, line))
    pieces.append((tail, None, Location(display), source.count("\n", 0, pos) + 1))
    parser = _Parser(pieces, display)
    body = parser.nodes(())
    return Tree(body, parser.defines, display)


class _Parser:
    def __init__(self, pieces: list[tuple[str, str | None, Location, int]], display: str) -> None:
        self.items: list[tuple[str, str | Location]] = []
        for text, action, at, text_line in pieces:
            if text:
                self.items.append(("text", text))
                self.items.append(("at", Location(display, text_line)))
            if action is not None:
                self.items.append(("action", action.removesuffix("\0trim")))
                self.items.append(("at", at))
        self.pos = 0
        self.display = display
        self.defines: dict[str, list[Node]] = {}
        self.depth = 0
        self.loops = 0  # ranges the parser is inside the body of

    def nodes(self, ends: tuple[str, ...]) -> list[Node]:
        out: list[Node] = []
        while self.pos < len(self.items):
            kind, value = self.items[self.pos]
            if kind == "text":
                text_at = self.items[self.pos + 1][1]
                self.pos += 2
                out.append(Text(str(value), text_at if isinstance(text_at, Location) else None))
                continue
            if kind == "at":
                self.pos += 1
                continue
            inner = str(value)
            at = self.items[self.pos + 1][1]
            assert isinstance(at, Location)
            if _COMMENT.fullmatch(inner):
                self.pos += 2
                continue
            tokens = _Tokens(inner, at)
            first = tokens.peek()
            word = first[1] if first is not None and first[0] == "ident" else ""
            if word:  # errors about a keyword point at it
                at = Location(at.file, at.line, at.col + (first[2] if first else 0))
            if word in ends:
                return out  # the caller consumes it
            self.pos += 2
            if word in ("if", "range", "with"):
                tokens.next()
                out.append(self.branch(word, _pipe(tokens), at))
            elif word in ("end", "else"):
                raise TemplateError(f"unexpected {{{{{word}}}}}", at)
            elif word in ("define", "block"):
                tokens.next()
                name_token = tokens.next()
                if name_token[0] not in ("string", "raw"):
                    raise tokens.error(f"{word} needs a quoted name")
                name = _unquote(name_token[1], tokens, name_token[2])
                pipe = _pipe(tokens) if tokens.peek() is not None else None
                body = self.nodes(("end",))
                self.expect_end(at)
                self.defines[name] = body
                if word == "block":
                    out.append(Call(name, pipe, at))
            elif word == "template":
                tokens.next()
                name_token = tokens.next()
                if name_token[0] not in ("string", "raw"):
                    raise tokens.error("template needs a quoted name")
                name = _unquote(name_token[1], tokens, name_token[2])
                pipe = _pipe(tokens) if tokens.peek() is not None else None
                out.append(Call(name, pipe, at))
            elif word in ("break", "continue"):
                if not self.loops:  # Go's parser: text/template/parse/parse.go
                    raise TemplateError(f"{{{{{word}}}}} outside {{{{range}}}}", at)
                out.append(Loop(word, at))
            else:
                out.append(Action(_pipe(tokens), at))
        return out  # at the end of the file: a caller that needs an {{end}} says so

    def expect_end(self, at: Location, what: str = "") -> None:
        if self.pos >= len(self.items):
            raise TemplateError(f"missing {{{{end}}}}{what}", at)
        self.pos += 2  # the `end` action and its location

    def branch(self, kind: str, pipe: Pipe, at: Location) -> Branch:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise TemplateError(f"blocks nest deeper than {MAX_NESTING}", at)
        try:
            return self._branch(kind, pipe, at)
        finally:
            self.depth -= 1

    def _branch(self, kind: str, pipe: Pipe, at: Location) -> Branch:
        self.loops += kind == "range"
        try:
            body = self.nodes(("end", "else"))
        finally:
            self.loops -= kind == "range"
        orelse: list[Node] = []
        if self.pos >= len(self.items):
            raise TemplateError(f"missing {{{{end}}}} for this {kind}", at)
        word = str(self.items[self.pos][1]).split()
        else_at = self.items[self.pos + 1][1]
        assert isinstance(else_at, Location)
        self.pos += 2
        if word[0] == "else":
            rest = str(self.items[self.pos - 2][1]).strip()[len("else") :].strip()
            if rest.startswith("if ") or rest.startswith("with "):
                # `else if` / `else with`: a nested branch that shares this one's end
                tokens = _Tokens(rest, else_at)
                inner_kind = tokens.next()[1]
                orelse = [self.branch(inner_kind, _pipe(tokens), else_at)]
                return Branch(kind, pipe, body, orelse, at)
            orelse = self.nodes(("end",))
            self.expect_end(at, f" for this {kind}")
        return Branch(kind, pipe, body, orelse, at)
