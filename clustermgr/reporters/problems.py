"""Reports of problems: for people (`text`), for editors and grep (`parsable`), as data
(`json`) and for GitLab's merge-request widget (`codequality`)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from clustermgr.problems import ERROR, Group, Problem
from clustermgr.reporters import ReportOptions
from clustermgr.reporters.base import Palette, count, describe

JSON_VERSION = 1


def parsable(groups: list[Group], options: ReportOptions) -> str:
    """One line per problem: `file:line:col: [level] rule: message`."""
    lines = []
    for group in groups:
        for p in sorted(group.problems, key=Problem.sort_key):
            where = str(p.location) if p.location else group.name
            lines.append(f"{where}: [{p.level}] {p.rule}: {describe(p)}")
    return "".join(line + "\n" for line in lines)


def text(groups: list[Group], options: ReportOptions) -> str:
    """Problems grouped by cluster or file, then a summary line."""
    paint = Palette(options.color)
    out: list[str] = []
    for group in groups:
        if not group.problems:
            continue
        out.append(paint(paint.BOLD, group.name))
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
            level = paint(paint.RED if p.level == ERROR else paint.YELLOW, f"{p.level:<7}")
            rule = paint(paint.DIM, f"({p.rule})")
            out.append(f"  {where:<{width}}  {level}  {describe(p)}  {rule}")
        out.append("")
    errors = sum(g.errors() for g in groups)
    warnings = sum(g.warnings() for g in groups)
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
    }


def json_report(groups: list[Group], options: ReportOptions) -> str:
    """See README ("JSON report"): stable keys; `version` changes when they do."""
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
    """GitLab Code Quality: a JSON array of issues with a stable fingerprint each; a cluster's
    problems say which cluster they are about (files name themselves)."""
    issues = []
    seen: set[str] = set()
    for group in groups:
        for p in sorted(group.problems, key=Problem.sort_key):
            path = p.location.file if p.location else group.name
            line = p.location.line if p.location and p.location.line else 1
            # Stable across runs and unrelated edits: no line number in the fingerprint.
            key = "\0".join((group.name, path, p.rule, p.document, p.path, p.message))
            fingerprint = hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            description = describe(p)
            if options.noun == "cluster":
                description = f"[{group.name}] {description}"
            issues.append(
                {
                    "description": description,
                    "check_name": p.rule,
                    "fingerprint": fingerprint,
                    "severity": "major" if p.level == ERROR else "minor",
                    "location": {"path": path, "lines": {"begin": line}},
                }
            )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
