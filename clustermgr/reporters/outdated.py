"""Reports of `outdated`: a line per cluster, a Markdown table, or data."""

from __future__ import annotations

import json

from clustermgr.ops.outdated import Status
from clustermgr.reporters import ReportOptions
from clustermgr.reporters.base import Palette, count


def _verdict(s: Status) -> str:
    parts = []
    if s.required:
        parts.append(f"below the required {s.required}")
    if s.recommended:
        support = "" if s.kops_supports else " (not supported by the fleet's kOps)"
        parts.append(f"upgrade to {s.recommended}{support}")
    if s.images:
        parts.append(f"{count(len(s.images), 'image')} behind")
    return "; ".join(parts) or "current"


def text(statuses: list[Status], options: ReportOptions) -> str:
    paint = Palette(options.color)
    width = max((len(s.name) for s in statuses), default=0)
    lines = []
    for s in statuses:
        colour = paint.RED if s.required else paint.YELLOW if s.outdated() else paint.GREEN
        lines.append(f"{s.name:<{width}}  {s.kubernetes:<8}  {paint(colour, _verdict(s))}")
        lines += [f"    {group}: {image} -> {wanted}" for group, image, wanted in s.images]
    behind = sum(s.outdated() for s in statuses)
    lines.append(f"{count(len(statuses), 'cluster')}: {behind} outdated")
    return "\n".join(lines) + "\n"


def markdown(statuses: list[Status], options: ReportOptions) -> str:
    out = [
        "| cluster | Kubernetes | channel recommends | required | kOps supports it "
        "| images behind |",
        "| --- | --- | --- | --- | --- | ---: |",
    ]
    for s in statuses:
        out.append(
            f"| {s.name} | {s.kubernetes} | {s.recommended or '—'} | {s.required or '—'} | "
            f"{'yes' if s.kops_supports else 'no'} | {len(s.images)} |"
        )
    return "\n".join(out) + "\n"


def json_report(statuses: list[Status], options: ReportOptions) -> str:
    data = [
        {
            **s._asdict(),
            "images": [{"group": g, "image": i, "recommended": w} for g, i, w in s.images],
            "outdated": s.outdated(),
        }
        for s in statuses
    ]
    return json.dumps(data, indent=2) + "\n"
