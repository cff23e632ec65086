"""The rule table (`clustermgr lint --list-rules`)."""

from __future__ import annotations

import json

from clustermgr.kops.rules import Rule
from clustermgr.reporters import ReportOptions


def rules_text(rules: list[Rule], options: ReportOptions) -> str:
    width = max((len(r.id) for r in rules), default=0)
    lines = [f"{'RULE':<{width}}  LEVEL    STAGE      WHAT IT FINDS"]
    lines += [f"{r.id:<{width}}  {r.level:<7}  {r.check:<9}  {r.summary}" for r in rules]
    return "\n".join(lines) + "\n"


def rules_json(rules: list[Rule], options: ReportOptions) -> str:
    data = [{"id": r.id, "level": r.level, "stage": r.check, "summary": r.summary} for r in rules]
    return json.dumps(data, indent=2) + "\n"
