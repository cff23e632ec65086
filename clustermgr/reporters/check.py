"""Reports of `check`: the terminal summary, the merge-request note, the JSON of everything.

(JUnit and Code Quality reuse the problem reporters: a testsuite per cluster.)
"""

from __future__ import annotations

import json
from typing import Any

from clustermgr import yamlemit
from clustermgr.fleet import Result, counts
from clustermgr.problems import ERROR, Problem
from clustermgr.reporters.data import problem_record
from clustermgr.reporters.text import describe

NOTE_LIMIT = 1_000_000  # GitLab's limit for a merge-request note


def text(results: list[Result], removed: list[str]) -> str:
    lines = []
    width = max((len(r.name) for r in results), default=0)
    for r in results:
        errors = sum(p.level == ERROR for p in r.problems)
        status = "ok     " if r.valid() else "INVALID"
        diff = _diff_words(r)
        lines.append(f"{r.name:<{width}}  {status}  {_n(errors, 'error')}{diff}")
        for p in sorted(r.problems, key=Problem.sort_key):
            where = f"{p.location}: " if p.location else ""
            lines.append(f"    {where}[{p.level}] {p.rule}: {describe(p)}")
    for name in removed:
        lines.append(f"{name}  REMOVED  its values file was deleted")
    c = counts(results)
    lines.append(
        f"{c['checked']} checked ({c['cached']} from cache): {c['invalid']} invalid, "
        f"{c['changed']} changed, {c['to_roll']} to roll, {c['risky']} risky"
    )
    return "\n".join(lines) + "\n"


def _diff_words(r: Result) -> str:
    s = r.diff_summary
    if s is None:
        return ""
    if not s["changes"]:
        return "; no changes"
    flags = f", {', '.join(s['flags'])}" if s["flags"] else ""
    return f"; {_n(s['changes'], 'change')} ({s['impact']}{flags})"


def _n(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def markdown(results: list[Result], removed: list[str]) -> str:
    c = counts(results)
    out = [
        f"### clustermgr check: {c['checked']} clusters, {c['invalid']} invalid, "
        f"{c['changed']} changed, {c['to_roll']} to roll, {c['risky']} risky",
        "",
        "| cluster | status | errors | warnings | changes | impact | flags |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for r in results:
        s = r.diff_summary or {}
        status = "✅ valid" if r.valid() else "❌ invalid"
        out.append(
            f"| {r.name} | {status} | {sum(p.level == ERROR for p in r.problems)} | "
            f"{sum(p.level != ERROR for p in r.problems)} | {s.get('changes', '—')} | "
            f"{s.get('impact', '—')} | {', '.join(s.get('flags', [])) or '—'} |"
        )
    for name in removed:
        out.append(f"| {name} | 🗑️ removed | | | | | |")
    details = []
    for r in results:
        if r.problems:
            details.append(f"\n#### {r.name}\n")
            for p in sorted(r.problems, key=Problem.sort_key):
                where = f"`{p.location}` " if p.location else ""
                details.append(f"- {where}**{p.level}** `{p.rule}`: {_escape(describe(p))}")
        changes = [ch for ch in (r.changes or []) if not ch["ignored"]]
        if changes:
            details.append(
                f"\n<details><summary>{r.name}: {_n(len(changes), 'change')}</summary>\n\n```diff"
            )
            for ch in changes:
                flags = "".join(f", {f}" for f in ch["flags"])
                details.append(
                    f"# {ch['resource']} {ch['path'] or ch['type']} [{ch['impact']}{flags}]"
                )
                details += [f"- {line}" for line in _shown(ch["old"], ch["type"], "-")]
                details += [f"+ {line}" for line in _shown(ch["new"], ch["type"], "+")]
            details.append("```\n\n</details>")
    note = "\n".join(out + details) + "\n"
    if len(note) > NOTE_LIMIT:
        cut = note[: NOTE_LIMIT - 200].rsplit("\n", 1)[0]
        if cut.count("```") % 2:
            cut += "\n```\n</details>"
        note = cut + "\n\n_The report is too long for one note and was cut here; see the JSON._\n"
    return note


def _shown(value: Any, kind: str, sign: str) -> list[str]:
    if value is None and (
        (sign == "-" and kind in ("added", "document added"))
        or (sign == "+" and kind in ("removed", "document removed"))
    ):
        return []
    if isinstance(value, (dict, list)) and value:
        return yamlemit.dump(value).rstrip("\n").split("\n")
    if isinstance(value, str) and "\n" in value:
        return value.rstrip("\n").split("\n")
    return [yamlemit.scalar(value)]


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;")


def json_report(results: list[Result], removed: list[str], selection: dict[str, list[str]]) -> str:
    data = {
        "version": 1,
        "summary": counts(results),
        "removed": removed,
        "clusters": [
            {
                "name": r.name,
                "valid": r.valid(),
                "cached": r.cached,
                "selected_because": selection.get(r.name, []),
                "problems": [problem_record(p) for p in sorted(r.problems, key=Problem.sort_key)],
                "diff": None
                if r.diff_summary is None
                else {"summary": r.diff_summary, "changes": r.changes},
            }
            for r in results
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
