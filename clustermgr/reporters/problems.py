"""Reports of problems: for people (`text`), for editors and grep (`parsable`), as data
(`json`) and for GitLab's merge-request widget (`codequality`)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from clustermgr.problems import ERROR, Group, Problem, fold, placed
from clustermgr.reporters import ReportOptions
from clustermgr.reporters.base import Palette, affected, count, describe

JSON_VERSION = 1


def parsable(groups: list[Group], options: ReportOptions) -> str:
    """One line per problem: `file:line:col: [level] rule: message`, at the values line behind
    a rendered value (the template line in the message); a problem several groups share is one
    line naming them."""
    own, shared = fold(groups)
    lines = []
    for group in own:
        for p in sorted(group.problems, key=Problem.sort_key):
            at = placed(p)
            where = str(at) if at else group.name
            lines.append(f"{where}: [{p.level}] {p.rule}: {describe(p, at_origin=True)}")
    for s in shared:
        p = s.problem
        lines.append(
            f"{placed(p)}: [{p.level}] {p.rule}: {describe(p, at_origin=True)} "
            f"(in {affected(s.groups)})"
        )
    return "".join(line + "\n" for line in lines)


def text(groups: list[Group], options: ReportOptions) -> str:
    """Problems grouped by cluster or file, those several share once under the list of them,
    then a summary line."""
    paint = Palette(options.color)
    own, shared = fold(groups)
    out: list[str] = []
    sections = [(g.name, g.problems) for g in own if g.problems]
    by_groups: dict[tuple[str, ...], list[Problem]] = {}
    for s in shared:
        by_groups.setdefault(s.groups, []).append(s.problem)
    sections += [(f"shared by {affected(names)}", found) for names, found in by_groups.items()]
    for title, found in sections:
        out.append(paint(paint.BOLD, title))
        rows = []
        for p in sorted(found, key=Problem.sort_key):
            loc = p.location
            if loc is None:
                where = "-"
            elif loc.file == title:
                where = f"{loc.line}:{loc.col}" if loc.line else "-"
            else:
                where = str(loc)
            rows.append((where, p))
        width = max(len(where) for where, _ in rows)
        for where, p in rows:
            level = paint(paint.RED if p.level == ERROR else paint.YELLOW, f"{p.level:<7}")
            rule = paint(paint.DIM, f"({p.rule})")
            out.append(f"  {where:<{width}}  {level}  {describe(p)}  {rule}")
        out.append("")
    reported = [p for g in own for p in g.problems] + [s.problem for s in shared]
    errors = sum(p.level == ERROR for p in reported)
    warnings = len(reported) - errors
    failing = sum(1 for g in groups if g.errors() or (options.strict and g.warnings()))
    summary = (
        f"{count(len(groups), options.noun)} checked, {failing} failing: "
        f"{count(errors, 'error')}, {count(warnings, 'warning')}"
    )
    out.append(paint(paint.RED if failing else paint.BOLD, summary))
    return "\n".join(out) + "\n"


def problem_record(p: Problem) -> dict[str, Any]:
    """One problem as plain data (the JSON reports' `problems` items)."""
    loc = p.location
    return {
        "level": p.level,
        "rule": p.rule,
        "check": p.check,
        "message": p.message,
        "file": loc.file if loc else None,
        "line": loc.line if loc and loc.line else None,
        "col": loc.col if loc and loc.col else None,
        "path": p.path or None,
        "document": p.document or None,
        "template": p.source or None,
        "origin": str(p.origin) if p.origin else None,
    }


def json_report(groups: list[Group], options: ReportOptions) -> str:
    """See docs/validation.md ("JSON report"): stable keys; `version` changes when they do."""
    data = {
        "version": JSON_VERSION,
        "command": options.command,
        "ok": not any(g.errors() or (options.strict and g.warnings()) for g in groups),
        "summary": {
            "groups": len(groups),
            "errors": sum(g.errors() for g in groups),
            "warnings": sum(g.warnings() for g in groups),
        },
        "groups": [
            {
                "name": g.name,
                "errors": g.errors(),
                "warnings": g.warnings(),
                "problems": [problem_record(p) for p in sorted(g.problems, key=Problem.sort_key)],
            }
            for g in groups
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def codequality(groups: list[Group], options: ReportOptions) -> str:
    """GitLab Code Quality: a JSON array of issues, each problem once (at the values line
    behind a rendered value), saying which clusters it is about (files name themselves)."""
    own, shared = fold(groups)
    found: list[tuple[Problem, tuple[str, ...]]]
    found = [(p, (g.name,)) for g in own for p in sorted(g.problems, key=Problem.sort_key)]
    found += [(s.problem, s.groups) for s in shared]
    issues = []
    seen: set[str] = set()
    for p, names in found:
        at = placed(p)
        path = at.file if at else names[0]
        # Equal for equal place, rule and words; stable across runs and unrelated edits (no
        # line number, no list of clusters, which grows with the fleet).
        key = "\0".join((path, p.rule, p.document, p.path, p.message))
        fingerprint = hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        description = describe(p, at_origin=True)
        if options.noun == "cluster":
            description = f"[{names[0] if len(names) == 1 else affected(names)}] {description}"
        issues.append(
            {
                "description": description,
                "check_name": p.rule,
                "fingerprint": fingerprint,
                "severity": "major" if p.level == ERROR else "minor",
                "location": {"path": path, "lines": {"begin": at.line if at and at.line else 1}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
