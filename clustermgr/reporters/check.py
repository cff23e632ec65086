"""Reports of `check`: the terminal summary, the merge-request note, the JSON of everything.

(JUnit and Code Quality are the problem reporters: a testsuite per cluster.)
"""

from __future__ import annotations

import json
from pathlib import Path

from clustermgr.fleet import ClusterResult, counts
from clustermgr.plan import Plan
from clustermgr.problems import ERROR, Problem, Shared, fold
from clustermgr.reporters import PROBLEMS, ReportOptions, report
from clustermgr.reporters.base import (
    Palette,
    affected,
    change_lines,
    count,
    cut_note,
    describe,
    impact_words,
)
from clustermgr.reporters.diffs import change_record
from clustermgr.reporters.problems import problem_record


class CheckReport:
    """What every check report is made from."""

    def __init__(
        self,
        results: list[ClusterResult],
        removed: list[str] | None = None,
        reasons: dict[str, list[str]] | None = None,
    ) -> None:
        self.results = results
        self.removed = removed or []
        self.reasons = reasons or {}


SCREENFUL = 40  # above it, the terminal report lists only clusters that need a look


def text(report: CheckReport, options: ReportOptions) -> str:
    """One line per cluster (with -q, or for a fleet above a screenful: only those with
    problems or changes; -v: all), each problem under it, then the summary."""
    paint = Palette(options.color)
    lines = []
    results = report.results
    brief = options.verbosity < 0 or (options.verbosity == 0 and len(results) > SCREENFUL)
    shown = [r for r in results if not brief or r.problems or _changed(r)]
    width = max((len(r.name) for r in shown), default=0)
    own, shared = _fold(results)
    for r in shown:
        errors = sum(p.level == ERROR for p in r.problems)
        status = paint(paint.GREEN, "ok     ") if r.valid() else paint(paint.RED, "INVALID")
        lines.append(f"{r.name:<{width}}  {status}  {count(errors, 'error')}{_diff_words(r)}")
        lines += [_line(p, paint) for p in own[r.name]]
    for s in shared:
        lines.append(paint(paint.BOLD, f"shared by {affected(s.groups)}:"))
        lines.append(_line(s.problem, paint))
    for name in report.removed:
        lines.append(f"{name}  {paint(paint.YELLOW, 'REMOVED')}  its values file was deleted")
    c = counts(results)
    compared = (
        f"{c.changed} changed, {c.to_roll} to roll, {c.risky} risky"
        + (f", {c.blocked} blocked" if c.blocked else "")
        if any(r.plan is not None for r in results) or not results
        else "not compared (pass --state or --against-ref, or set diff.applied)"
    )
    summary = f"{c.checked} checked ({c.cached} from cache): {c.invalid} invalid, {compared}"
    lines.append(paint(paint.RED if c.invalid else paint.BOLD, summary))
    if len(shown) < len(results):
        hidden = count(len(results) - len(shown), "cluster")
        lines.append(f"({hidden} valid and unchanged not listed; -v)")
    return "\n".join(lines) + "\n"


def _fold(results: list[ClusterResult]) -> tuple[dict[str, list[Problem]], list[Shared]]:
    """Each cluster's own problems (sorted), and those several share."""
    own, shared = fold([r.group() for r in results])
    return {g.name: sorted(g.problems, key=Problem.sort_key) for g in own}, shared


def _line(p: Problem, paint: Palette) -> str:
    where = f"{p.location}: " if p.location else ""
    level = paint(paint.RED if p.level == ERROR else paint.YELLOW, f"[{p.level}]")
    return f"    {where}{level} {p.rule}: {describe(p)}"


def _changed(r: ClusterResult) -> bool:
    return r.plan is not None and r.plan.changes > 0


def _diff_words(r: ClusterResult) -> str:
    s = r.plan
    if s is None:
        return "; not compared"
    if not s.changes:
        return "; no changes"
    flags = f", {', '.join(s.flags)}" if s.flags else ""
    blocked = f"; blocked: kOps refuses {'; '.join(s.refusals)}" if s.blocked else ""
    new = "; creates the cluster" if s.creates else ""
    return f"; {count(s.changes, 'change')} ({s.impact}{flags}){new}{blocked}"


def _plan_cell(s: Plan | None) -> str:
    if s is None or not s.changes:
        return "—"
    if s.blocked:
        return "**blocked**: " + "<br>".join(s.refusals)
    return "<br>".join(f"`{step.text()}`" for step in s.steps)


def markdown(report: CheckReport, options: ReportOptions) -> str:
    results = report.results
    c = counts(results)
    out = [
        f"### clustermgr check: {count(c.checked, 'cluster')}, {c.invalid} invalid, "
        f"{c.changed} changed, {c.to_roll} to roll, {c.risky} risky",
        "",
        "| cluster | status | errors | warnings | changes | impact | flags | plan |",
        "| --- | --- | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for r in results:
        s = r.plan
        status = "✅ valid" if r.valid() else "❌ invalid"
        if s is not None and s.blocked:
            status = "⛔ blocked"
        errors = sum(p.level == ERROR for p in r.problems)
        changes, impact = (s.changes, s.impact) if s else ("not compared", "—")
        flags = ", ".join(s.flags) if s and s.flags else "—"
        name = f"{r.name} (new)" if s is not None and s.creates else r.name
        out.append(
            f"| {name} | {status} | {errors} | {len(r.problems) - errors} | {changes} | "
            f"{impact} | {flags} | {_plan_cell(s)} |"
        )
    for name in report.removed:
        out.append(f"| {name} | 🗑️ removed | | | | | | |")
    details = []
    own, shared = _fold(results)
    if shared:
        details.append("\n#### Shared by several clusters\n")
        details += [f"{_item(s.problem)} ({affected(s.groups)})" for s in shared]
    for r in results:
        if own[r.name]:
            details.append(f"\n#### {r.name}\n")
            details += [_item(p) for p in own[r.name]]
        changes_shown = [ch for ch in (r.changes or []) if not ch.ignored]
        if changes_shown:
            details.append(
                f"\n<details><summary>{r.name}: {count(len(changes_shown), 'change')}"
                "</summary>\n\n```diff"
            )
            for ch in changes_shown:
                details.append(f"# {ch.resource} {ch.path_text() or ch.type} [{impact_words(ch)}]")
                details += [f"{sign} {line}" for sign, line in change_lines(ch)]
            details.append("```\n\n</details>")
    note = "\n".join(out + details) + "\n"
    return cut_note(note, "_The report is too long for one note and was cut here; see the JSON._")


def _item(p: Problem) -> str:
    where = f"`{p.location}` " if p.location else ""
    return f"- {where}**{p.level}** `{p.rule}`: {_escape(describe(p))}"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;")


def json_report(report: CheckReport, options: ReportOptions) -> str:
    data = {
        "version": 2,  # 2: each diff carries its plan (was its summary)
        "summary": counts(report.results)._asdict(),
        "removed": report.removed,
        "clusters": [
            {
                "name": r.name,
                "valid": r.valid(),
                "cached": r.cached,
                "selected_because": report.reasons.get(r.name, []),
                "problems": [problem_record(p) for p in sorted(r.problems, key=Problem.sort_key)],
                "diff": None
                if r.plan is None or r.changes is None
                else {
                    "plan": r.plan.to_data(),
                    "changes": [change_record(c) for c in r.changes],
                },
            }
            for r in report.results
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def report_files(report_: CheckReport, wanted: dict[str, Path | None]) -> dict[Path, str]:
    """The report files a check was asked for (format -> path; None: not wanted): markdown
    and json of the check, junit and codequality of its problems (a testsuite per cluster)."""
    groups = [r.group() for r in report_.results]
    options = ReportOptions("check", "cluster")
    makers = {
        "markdown": lambda: markdown(report_, options),
        "json": lambda: json_report(report_, options),
        "junit": lambda: report(PROBLEMS, "junit", groups, options),
        "codequality": lambda: report(PROBLEMS, "codequality", groups, options),
    }
    return {path: makers[fmt]() for fmt, path in wanted.items() if path is not None}
