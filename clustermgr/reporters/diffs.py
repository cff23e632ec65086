"""Reports of diffs: `text` (dyff-like), `unified` (diff -u of the normalised sides),
`markdown` (a merge-request note) and `json`. DIFF_REPORTERS is their registry."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from typing import Any

from clustermgr import yamlemit
from clustermgr.diff import (
    ADDED,
    CHANGED,
    DOC_ADDED,
    DOC_REMOVED,
    REMOVED,
    Change,
    canonical,
    normalise,
    summary,
)
from clustermgr.kops.impact import ORDER as _ORDER
from clustermgr.kops.impact import ROLL_IG
from clustermgr.review import ClusterDiff

MARKDOWN_LIMIT = 1_000_000  # GitLab's note limit
_RED, _GREEN, _YELLOW, _BOLD, _DIM, _RESET = (
    "\033[31m",
    "\033[32m",
    "\033[33m",
    "\033[1m",
    "\033[2m",
    "\033[0m",
)


def _impact(change: Change) -> str:
    impact = change.impact
    if impact == ROLL_IG:
        impact = f"roll IG {change.resource.split('/', 1)[1]}"
    return ", ".join([impact, *change.flags])


def _headline(result: ClusterDiff) -> str:
    s = summary(result.changes)
    if not s["changes"]:
        ignored = f" ({s['ignored']} ignored)" if s["ignored"] else ""
        return f"{result.name}: no changes{ignored}"
    impact = s["impact"]
    if s["roll"]:
        impact += (
            f" ({', '.join(s['roll'])})"
            if impact == ROLL_IG
            else f"; roll IG {', '.join(s['roll'])}"
        )
    flags = f"; {', '.join(s['flags'])}" if s["flags"] else ""
    ignored = f", {s['ignored']} ignored" if s["ignored"] else ""
    changes = _count(s["changes"], "change")
    return f"{result.name}: {changes} in {_count(s['resources'], 'resource')}{ignored}" + (
        f" — impact: {impact}{flags}"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _lines(change: Change) -> list[tuple[str, str]]:
    """(sign, text) lines showing a change: `-` old, `+` new; text diffed line by line."""
    old, new = change.old, change.new
    if (
        change.type == CHANGED
        and isinstance(old, str)
        and isinstance(new, str)
        and ("\n" in old or "\n" in new)
    ):
        diffed = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2)
        return [(line[:1], line[1:]) for line in list(diffed)[2:] if not line.startswith("@@")]
    out: list[tuple[str, str]] = []
    if change.type in (REMOVED, CHANGED, DOC_REMOVED):
        out += [("-", line) for line in _show(old)]
    if change.type in (ADDED, CHANGED, DOC_ADDED):
        out += [("+", line) for line in _show(new)]
    return out


def _show(value: Any) -> list[str]:
    if isinstance(value, (dict, list)) and value:
        return yamlemit.dump(value).rstrip("\n").split("\n")
    if isinstance(value, str) and "\n" in value:
        return value.rstrip("\n").split("\n")
    return [yamlemit.scalar(value)]


def text(results: list[ClusterDiff], color: bool) -> str:
    def paint(code: str, value: str) -> str:
        return f"{code}{value}{_RESET}" if color else value

    out: list[str] = []
    for result in results:
        out.append(paint(_BOLD, _headline(result)))
        resource = None
        for change in (c for c in result.changes if not c.ignored):
            if change.resource != resource:
                resource = change.resource
                out.append("")
                out.append(paint(_BOLD, resource))
            label = change.path_text() or change.type
            kind = "" if change.type == CHANGED or not change.path else f" ({change.type})"
            out.append(f"  {label}{kind}  {paint(_YELLOW, '[' + _impact(change) + ']')}")
            if change.flags:
                out.append(paint(_YELLOW, f"    ! {change.why}"))
            for sign, line in _lines(change):
                code = _RED if sign == "-" else _GREEN if sign == "+" else _DIM
                out.append(paint(code, f"    {sign} {line}"))
        out.append("")
    return "\n".join(out)


def unified(results: list[ClusterDiff], color: bool) -> str:
    out: list[str] = []
    for result in results:
        keys = sorted(set(result.old) | set(result.new), key=lambda k: (k[0] != "Cluster", k))
        before, after = [], []
        for key in keys:
            old, new = result.old.get(key), result.new.get(key)
            if old is not None and new is not None:
                old, new = normalise(old, new)
            old, new = canonical(old), canonical(new)
            if old is not None:
                before.append(yamlemit.dump(old))
            if new is not None:
                after.append(yamlemit.dump(new))
        a = "---\n".join(before).splitlines(keepends=True)
        b = "---\n".join(after).splitlines(keepends=True)
        out += difflib.unified_diff(a, b, f"{result.name} (applied)", f"{result.name} (rendered)")
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def markdown(results: list[ClusterDiff], color: bool) -> str:
    head = [f"**clustermgr diff**: {_count(len(results), 'cluster')}", ""]
    head += ["| cluster | changes | impact | flags |", "| --- | ---: | --- | --- |"]
    body: list[str] = []
    for result in results:
        s = summary(result.changes)
        flags = ", ".join(s["flags"]) or "—"
        head.append(f"| {result.name} | {s['changes']} | {s['impact']} | {flags} |")
        by_resource: dict[str, list[Change]] = {}
        for change in result.changes:
            if not change.ignored:
                by_resource.setdefault(change.resource, []).append(change)
        for resource, changes in by_resource.items():
            worst = max((c.impact for c in changes), key=lambda i: _ORDER.index(i))
            body.append(
                f"<details><summary>{result.name}: {resource} — "
                f"{_count(len(changes), 'change')}, {worst}</summary>\n\n```diff"
            )
            for change in changes:
                body.append(f"# {change.path_text() or change.type} [{_impact(change)}]")
                body += [f"{sign} {line}" for sign, line in _lines(change)]
            body.append("```\n\n</details>")
    text_out = "\n".join([*head, "", *body]) + "\n"
    if len(text_out) > MARKDOWN_LIMIT:
        cut = text_out[: MARKDOWN_LIMIT - 200].rsplit("\n", 1)[0]
        text_out = cut + "\n\n_The diff is too long for one note and was cut here._\n"
    return text_out


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
        "ignored": c.ignored,
    }


def json_report(results: list[ClusterDiff], color: bool) -> str:
    data = {
        "version": 1,
        "clusters": [
            {
                "name": r.name,
                "summary": summary(r.changes),
                "changes": [change_record(c) for c in r.changes],
            }
            for r in results
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


DIFF_REPORTERS: dict[str, Callable[[list[ClusterDiff], bool], str]] = {
    "text": text,
    "unified": unified,
    "markdown": markdown,
    "json": json_report,
}
