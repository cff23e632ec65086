"""Reports of `drift`: a line per cluster, Markdown for a job's artifact, or data."""

from __future__ import annotations

import json

from clustermgr.ops.drift import Report, details
from clustermgr.reporters import ReportOptions
from clustermgr.reporters.base import Palette
from clustermgr.text import count


def _verdict(report: Report) -> str:
    drifted = [d for d in report.drifted() if not d.problems]
    failed = [d for d in report.clusters if d.problems]
    verdict = f"{count(len(report.clusters), 'cluster')}: {len(drifted)} drifted"
    return verdict + (f", {len(failed)} not compared" if failed else "")


def text(report: Report, options: ReportOptions) -> str:
    paint = Palette(options.color)
    width = max((len(d.cluster) for d in report.clusters), default=0)
    lines = []
    for d in report.clusters:
        if d.problems:
            lines.append(f"{d.cluster:<{width}}  {paint(paint.RED, 'not compared')}")
            lines += [f"    {problem}" for problem in d.problems]
            continue
        found = ", ".join(d.classes())
        lines.append(f"{d.cluster:<{width}}  {paint(paint.YELLOW, found) if found else 'clean'}")
        for what, items in (("edited", d.edited), ("not applied", d.not_applied)):
            lines += [f"    {what}: {item}" for item in items]
        lines += [f"    channel: {item}" for item in d.channel]
    lines.append(_verdict(report))
    return "\n".join(lines) + "\n"


def markdown(report: Report, options: ReportOptions) -> str:
    out = [f"**clustermgr drift** against `{report.state}`: {_verdict(report)}", ""]
    out += ["| cluster | drift |", "| --- | --- |"]
    for d in report.clusters:
        verdict = "not compared" if d.problems else ", ".join(d.classes()) or "clean"
        out.append(f"| {d.cluster} | {verdict} |")
    for d in report.drifted():
        out += ["", f"### {d.cluster}", "", *details(d)]
    return "\n".join(out).rstrip("\n") + "\n"


def json_report(report: Report, options: ReportOptions) -> str:
    return json.dumps(report.to_data(), indent=2) + "\n"
