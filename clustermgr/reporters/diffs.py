"""Reports of diffs: `text` (dyff-like), `unified` (diff -u of the normalised sides),
`markdown` (a merge-request note) and `json`."""

from __future__ import annotations

import difflib
import json
from typing import Any

from clustermgr import yamlio
from clustermgr.diff import (
    CHANGED,
    Change,
    canonical,
    normalise,
    redact_resources,
)
from clustermgr.kops.impact import ORDER, ROLL_ALL, ROLL_IG
from clustermgr.plan import Plan, Reviewed
from clustermgr.reporters import ReportOptions
from clustermgr.reporters.base import (
    Palette,
    change_lines,
    count,
    cut_note,
    impact_words,
)


def _headline(name: str, s: Plan) -> str:
    if not s.changes:
        ignored = f" ({s.ignored} ignored)" if s.ignored else ""
        return f"{name}: no changes{ignored}"
    impact = s.impact
    if s.roll and impact != ROLL_ALL:
        impact += f" ({', '.join(s.roll)})" if impact == ROLL_IG else f"; rolls {', '.join(s.roll)}"
    flags = f"; {', '.join(s.flags)}" if s.flags else ""
    ignored = f", {s.ignored} ignored" if s.ignored else ""
    changes = count(s.changes, "change")
    creates = f"creates cluster {name}: " if s.creates else ""
    return f"{creates}{name}: {changes} in {count(s.resources, 'resource')}{ignored}" + (
        f" — impact: {impact}{flags}"
    )


def plan_lines(plan: Plan) -> list[str]:
    """The plan under a cluster's headline: blocked with kOps' words, or the numbered steps."""
    if plan.blocked:
        return [
            "  blocked: kOps refuses this change, so nothing can be applied:",
            *(f"    {words}" for words in plan.refusals),
        ]
    lines = [f"    {i}. {step.text()}  # {step.why}" for i, step in enumerate(plan.steps, 1)]
    lines += [
        f"    kept: InstanceGroup/{group} is gone from the render but keeps running "
        "(apply --prune deletes it)"
        for group in plan.removed_groups
    ]
    return ["  plan:", *lines] if lines else []


def text(results: list[Reviewed], options: ReportOptions) -> str:
    paint = Palette(options.color)

    out: list[str] = []
    for result, plan in results:
        out.append(paint(paint.BOLD, _headline(result.name, plan)))
        out += [paint(paint.RED, line) if plan.blocked else line for line in plan_lines(plan)]
        resource = None
        for change in (c for c in result.changes if not c.ignored):
            if change.resource != resource:
                resource = change.resource
                out.append("")
                out.append(paint(paint.BOLD, resource))
            label = change.path_text() or change.type
            kind = "" if change.type == CHANGED or not change.path else f" ({change.type})"
            out.append(f"  {label}{kind}  {paint(paint.YELLOW, '[' + impact_words(change) + ']')}")
            if change.flags:
                out.append(paint(paint.YELLOW, f"    ! {change.why}"))
            for sign, line in change_lines(change):
                code = paint.RED if sign == "-" else paint.GREEN if sign == "+" else paint.DIM
                out.append(paint(code, f"    {sign} {line}"))
        out.append("")
    return "\n".join(out)


def unified(results: list[Reviewed], options: ReportOptions) -> str:
    out: list[str] = []
    for result, _plan in results:
        old_docs, new_docs = result.old, result.new
        if result.secrets is not None:
            old_docs = redact_resources(old_docs, result.secrets)
            new_docs = redact_resources(new_docs, result.secrets)
        keys = sorted(set(old_docs) | set(new_docs), key=lambda k: (k[0] != "Cluster", k))
        before, after = [], []
        for key in keys:
            old, new = old_docs.get(key), new_docs.get(key)
            if old is not None and new is not None:
                old, new = normalise(old, new)
            old, new = canonical(old), canonical(new)
            if old is not None:
                before.append(yamlio.dump(old))
            if new is not None:
                after.append(yamlio.dump(new))
        a = "---\n".join(before).splitlines(keepends=True)
        b = "---\n".join(after).splitlines(keepends=True)
        out += difflib.unified_diff(a, b, f"{result.name} (applied)", f"{result.name} (rendered)")
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def markdown(results: list[Reviewed], options: ReportOptions) -> str:
    head = [f"**clustermgr diff**: {count(len(results), 'cluster')}", ""]
    head += [
        "| cluster | changes | impact | flags | plan |",
        "| --- | ---: | --- | --- | --- |",
    ]
    body: list[str] = []
    for result, s in results:
        flags = ", ".join(s.flags) or "—"
        steps = "<br>".join(f"`{step.text()}`" for step in s.steps) or "—"
        if s.blocked:
            steps = "**blocked**: " + "<br>".join(s.refusals)
        name = f"{result.name} (new)" if s.creates else result.name
        head.append(f"| {name} | {s.changes} | {s.impact} | {flags} | {steps} |")
        by_resource: dict[str, list[Change]] = {}
        for change in result.changes:
            if not change.ignored:
                by_resource.setdefault(change.resource, []).append(change)
        for resource, changes in by_resource.items():
            worst = max((c.impact for c in changes), key=lambda i: ORDER.index(i))
            body.append(
                f"<details><summary>{result.name}: {resource} — "
                f"{count(len(changes), 'change')}, {worst}</summary>\n\n```diff"
            )
            for change in changes:
                body.append(f"# {change.path_text() or change.type} [{impact_words(change)}]")
                body += [f"{sign} {line}" for sign, line in change_lines(change)]
            body.append("```\n\n</details>")
    note = "\n".join([*head, "", *body]) + "\n"
    return cut_note(note, "_The diff is too long for one note and was cut here._")


def change_record(c: Change) -> dict[str, Any]:
    """One change as plain data (the JSON report's `changes` items)."""
    return {
        "resource": c.resource,
        "path": c.path_text(),
        "type": c.type,
        "old": c.old,
        "new": c.new,
        "impact": c.impact,
        "flags": list(c.flags),
        "why": c.why,
        "source": c.source or None,
        "groups": list(c.groups),
        "ignored": c.ignored,
    }


def json_report(results: list[Reviewed], options: ReportOptions) -> str:
    data = {
        "version": 2,
        "clusters": [
            {
                "name": r.name,
                "plan": plan.to_data(),
                "changes": [change_record(c) for c in r.changes],
            }
            for r, plan in results
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
