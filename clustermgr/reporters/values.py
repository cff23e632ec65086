"""Reports of values (`values`) and of the project's clusters (`list`)."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from clustermgr import yamlio
from clustermgr.project import Cluster, Project
from clustermgr.reporters import ReportOptions
from clustermgr.reporters.base import Palette
from clustermgr.values import Values


class ClusterListing(NamedTuple):
    project: Project
    clusters: list[Cluster]


def values_yaml(values: Values, options: ReportOptions) -> str:
    """The merged values; with `show_origin`, one line per leaf with where it was set."""
    if not options.show_origin:
        return yamlio.dump(values.data, sort_keys=False)
    paint = Palette(options.color)
    rows = _origin_rows(values)
    width = max((len(r["origin"]) for r in rows), default=0)
    lines = []
    for row in rows:
        origin = paint(paint.DIM, f"{row['origin']:<{width}}")
        line = f"{origin}  {paint(paint.BOLD, row['path'])}: {yamlio.scalar(row['value'])}"
        if row["overrides"]:
            line += paint(paint.DIM, f"  (overrides {', '.join(row['overrides'])})")
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""


def values_json(values: Values, options: ReportOptions) -> str:
    data: Any = _origin_rows(values) if options.show_origin else values.data
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _origin_rows(values: Values) -> list[dict[str, Any]]:
    rows = []
    for path, value in yamlio.iter_leaves(values.data):
        if not path:
            continue
        origin = values.origin(path)
        rows.append(
            {
                "path": yamlio.format_path(path),
                "value": value,
                "origin": origin.source if origin else "",
                "overrides": _overrides(values, path),
            }
        )
    return rows


def _overrides(values: Values, path: yamlio.YPath) -> list[str]:
    """What the value at `path` overrode; inside a replaced list or mapping, what the whole
    container replaced (a later layer replaces lists as a whole)."""
    origin = values.origin(path)
    if origin is None:
        return []
    if origin.overrides:
        return list(origin.overrides)
    for depth in range(len(path) - 1, 0, -1):
        outer = values.origins.get(path[:depth])
        if outer is None or outer.location is None or origin.location is None:
            break
        if outer.location.file != origin.location.file:
            break
        if outer.overrides:
            return [f"{yamlio.format_path(path[:depth])} from {src}" for src in outer.overrides]
    return []


def clusters_json(listing: ClusterListing, options: ReportOptions) -> str:
    project = listing.project
    data = [
        {
            "name": c.name,
            "file": project.display(c.file),
            "layers": [project.display(p) for p in c.layers],
        }
        for c in listing.clusters
    ]
    return json.dumps(data, indent=2) + "\n"


def clusters_text(listing: ClusterListing, options: ReportOptions) -> str:
    """Each cluster with its values layers in merge order."""
    project, clusters = listing
    if not clusters:
        return ""
    paint = Palette(options.color)
    width = max(len(c.name) for c in clusters)
    lines = [paint(paint.BOLD, f"{'CLUSTER':<{width}}  LAYERS (merged in this order)")]
    for cluster in clusters:
        layers = paint(paint.DIM, " -> ").join(project.display(p) for p in cluster.layers)
        lines.append(f"{paint(paint.BOLD, f'{cluster.name:<{width}}')}  {layers}")
    return "\n".join(lines) + "\n"
