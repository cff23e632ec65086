"""Reports for people (`text`) and for editors and grep (`parsable`)."""

from __future__ import annotations

from clustermgr.problems import ERROR, Group, Problem
from clustermgr.reporters import Options

_RED, _YELLOW, _DIM, _BOLD, _RESET = "\033[31m", "\033[33m", "\033[2m", "\033[1m", "\033[0m"


def describe(problem: Problem) -> str:
    """The message, prefixed with the document and field when the location cannot show them."""
    if problem.source and (problem.document or problem.path):
        where = " ".join(x for x in (problem.document, problem.path) if x)
        return f"{where}: {problem.message}"
    return problem.message


def parsable(groups: list[Group], options: Options) -> str:
    """One line per problem: `file:line:col: [level] rule: message`."""
    lines = []
    for group in groups:
        for p in sorted(group.problems, key=Problem.sort_key):
            where = str(p.location) if p.location else group.name
            lines.append(f"{where}: [{p.level}] {p.rule}: {describe(p)}")
    return "".join(line + "\n" for line in lines)


def text(groups: list[Group], options: Options) -> str:
    """Problems grouped by cluster or file, then a summary line."""

    def paint(code: str, value: str) -> str:
        return f"{code}{value}{_RESET}" if options.color else value

    out: list[str] = []
    for group in groups:
        if not group.problems:
            continue
        out.append(paint(_BOLD, group.name))
        rows = []
        for p in sorted(group.problems, key=Problem.sort_key):
            loc = p.location
            if loc is None:
                where = "-"
            elif loc.file == group.name:
                where = f"{loc.line}:{loc.col}" if loc.line else "-"
            else:
                where = str(loc)
            rows.append((where, p))
        width = max(len(where) for where, _ in rows)
        for where, p in rows:
            level = paint(_RED if p.level == ERROR else _YELLOW, f"{p.level:<7}")
            out.append(f"  {where:<{width}}  {level}  {describe(p)}  {paint(_DIM, f'({p.rule})')}")
        out.append("")
    errors = sum(g.errors() for g in groups)
    warnings = sum(g.warnings() for g in groups)
    failing = sum(1 for g in groups if g.errors() or (options.strict and g.warnings()))
    noun = "cluster" if options.command == "validate" else "file"
    summary = (
        f"{_count(len(groups), noun)} checked, {failing} failing: "
        f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
    )
    out.append(paint(_RED if failing else _BOLD, summary))
    return "\n".join(out) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
