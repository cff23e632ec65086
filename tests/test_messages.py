"""Every error clustermgr raises names the input it is about: a walk over the source finds
each `raise SomethingError(...)` of the package and checks its message. A message names its
input when it interpolates it (`f"... {path} ..."`), is given a location (file:line:col), names
the option or setting to change (`--state`, `` `channel:` ``, clustermgr.yaml) or is built
elsewhere from the input. The rest are listed below, each with where its context comes from;
an entry no raise matches any more fails, so the list stays true."""

from __future__ import annotations

import ast

from tests.conftest import REPO

PACKAGE = REPO / "clustermgr"
BUILTIN = {"ValueError", "TypeError", "KeyError", "AttributeError", "IndexError", "OSError"}
BUILTIN |= {"RuntimeError", "NotImplementedError", "AssertionError", "StopIteration"}

# (file, the message's start): where the input is named instead.
NAMED_BY_CALLER = {
    ("gotemplate/evaluate.py", "include nests too deep"): "Go's words; the evaluator adds the "
    "template's file:line:col (an error raised while a node runs)",
    ("gotemplate/functions.py", "Invalid Semantic Version"): "Masterminds/semver's words; "
    "the template's location is added by the evaluator",
    ("gotemplate/govalues.py", "incompatible types for comparison"): "text/template's words; "
    "the template's location is added by the evaluator",
    ("gotemplate/govalues.py", "missing argument for comparison"): "text/template's words; "
    "the template's location is added by the evaluator",
    ("gotemplate/govalues.py", "invalid type for comparison"): "text/template's words; the "
    "template's location is added by the evaluator",
    ("render/bounds.py", "'**' exponent larger than 1000"): "names the operator; the "
    "renderer adds the template's file:line",
    ("render/environment.py", "renders null into the output"): "the renderer adds the "
    "template's file:line of the `{{ }}` that printed it",
    ("values/setexpr.py", "list must terminate with '}'"): "Helm's words; the caller prefixes "
    "the --set expression (its value hidden)",
    ("ops/gitlabapi.py", "GitLab answered with a redirect"): "the input is GitLab's answer",
    ("ops/gitlabapi.py", "GitLab's answer is not the JSON"): "the input is GitLab's answer",
    ("ops/gitlabapi.py", "GitLab's answer does not have the shape"): "the input is GitLab's answer",
    ("kops/runner.py", "kops is not on PATH"): "the input is the PATH; it names the program",
    ("diff/applied.py", "kops is not on PATH"): "the input is the PATH; it names the program",
}


def _raises() -> list[tuple[str, int, str, ast.expr | None, bool]]:
    """(file, line, exception, message, located) of every raise of an error of ours."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in BUILTIN or not name.endswith(("Error", "Exception", "Unsent")):
                continue
            call = node.exc
            located = len(call.args) > 1 or any(k.arg == "location" for k in call.keywords)
            message = call.args[0] if call.args else None
            file = path.relative_to(PACKAGE).as_posix()
            found.append((file, node.lineno, name, message, located))
    return found


def _names_its_input(message: ast.expr | None) -> bool:
    if message is None:
        return False
    if isinstance(message, ast.JoinedStr):
        if any(isinstance(v, ast.FormattedValue) for v in message.values):
            return True
    elif not isinstance(message, ast.Constant | ast.BinOp):
        return True  # a name, a call, an attribute: built from the input elsewhere
    parts = [n for n in ast.walk(message) if not isinstance(n, ast.Constant | ast.JoinedStr)]
    if isinstance(message, ast.BinOp) and any(
        isinstance(n, ast.Name | ast.Call | ast.Attribute | ast.FormattedValue) for n in parts
    ):
        return True
    text = "".join(
        n.value
        for n in ast.walk(message)
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    )
    return any(mark in text for mark in ("--", "`", "clustermgr.yaml", "KOPS_STATE_STORE"))


def _text_of(message: ast.expr | None) -> str:
    if message is None:
        return ""
    return "".join(
        n.value
        for n in ast.walk(message)
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    )


def test_every_error_names_its_input() -> None:
    raises = _raises()
    assert len(raises) > 250  # the walk finds the package's errors
    unnamed = []
    used = set()
    for file, line, name, message, located in raises:
        if located or _names_its_input(message):
            continue
        text = _text_of(message)
        entry = next((k for k in NAMED_BY_CALLER if k[0] == file and text.startswith(k[1])), None)
        if entry is None:
            unnamed.append(f"clustermgr/{file}:{line}: {name}({text!r})")
        else:
            used.add(entry)
    assert unnamed == [], "errors that do not name their input:\n" + "\n".join(unnamed)
    assert sorted(set(NAMED_BY_CALLER) - used) == []  # no entry outlives its raise


def test_the_walk_tells_a_bare_message_from_a_named_one() -> None:
    """The rule itself, on messages written for it."""

    def first(source: str) -> ast.expr:
        call = ast.parse(source).body[0]
        assert isinstance(call, ast.Raise) and isinstance(call.exc, ast.Call)
        return call.exc.args[0]

    assert not _names_its_input(first("raise UsageError('something is wrong')"))
    assert not _names_its_input(first("raise UsageError('bad ' + 'value')"))
    assert _names_its_input(first("raise UsageError(f'{path}: not found')"))
    assert _names_its_input(first("raise UsageError('use --state or --against-ref')"))
    assert _names_its_input(first("raise UsageError('set `channel:` first')"))
    assert _names_its_input(first("raise UsageError('surprises: ' + ', '.join(found))"))
    assert _names_its_input(first("raise UsageError(message)"))
