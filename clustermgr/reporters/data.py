"""Machine-readable reports: clustermgr's JSON, and GitLab Code Quality."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from clustermgr.problems import ERROR, Group, Problem
from clustermgr.reporters import Options
from clustermgr.reporters.text import describe

JSON_VERSION = 1


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


def json_report(groups: list[Group], options: Options) -> str:
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


def codequality(groups: list[Group], options: Options) -> str:
    """GitLab Code Quality: a JSON array of issues with a stable fingerprint each."""
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
            issues.append(
                {
                    "description": f"[{group.name}] {describe(p)}"
                    if options.command == "validate"
                    else describe(p),
                    "check_name": p.rule,
                    "fingerprint": fingerprint,
                    "severity": "major" if p.level == ERROR else "minor",
                    "location": {"path": path, "lines": {"begin": line}},
                }
            )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
