"""An imported project: values layered, files written, every cluster proved by rendering
it back and comparing it with its source."""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

from clustermgr.diff import engine as diff
from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.files import atomic_write
from clustermgr.ops.importer.sources import Path_, SourceCluster, load
from clustermgr.ops.importer.template import _groups, build
from clustermgr.project import find_project
from clustermgr.render import RenderSettings, project_renderer
from clustermgr.values import Overrides, cluster_values
from clustermgr.values.environments import DEFAULT_ORDER
from clustermgr.yamlio import Document, dump, load_documents


class ImportResult(NamedTuple):
    clusters: list[str]
    files: dict[str, str]  # relative path -> content
    template_bytes: int
    source_bytes: int
    values_per_cluster: dict[str, int]
    rounds: int
    without_environment: list[str]  # clusters no CI environment could be given


def layer(values: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Shared defaults (a value every cluster has, shared by at least two) and what each
    cluster sets on top of them: only what differs."""
    if len(values) < 2:
        return {}, values
    first = next(iter(values.values()))
    names = [n for n in first if all(n in d for d in values.values())]
    shared: dict[str, Any] = {}
    for name in names:
        if name in ("clusterName", "environment"):  # a cluster's own, even when all agree
            continue
        counts = Counter(_canon(d[name]) for d in values.values())
        text, count = counts.most_common(1)[0]
        # A mapping in a cluster's file merges into the shared one instead of replacing it:
        # share mappings only when every cluster has the same.
        if count >= 2 and (count == len(values) or not isinstance(json.loads(text), dict)):
            shared[name] = json.loads(text)
    own = {
        cid: {k: v for k, v in data.items() if k not in shared or _canon(v) != _canon(shared[k])}
        for cid, data in values.items()
    }
    return shared, own


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


CONFIG = """\
# Written by `clustermgr import`: one template plus values for the imported clusters.
templates: [template]
schema: schemas/values.schema.json
values:
  dir: values
  layers: "_*.yaml"
"""


def environment_of(cluster: SourceCluster, given: str | None) -> str | None:
    """The CI environment of an imported cluster: `given`, else an environment word in its
    names (`prod-eu1`, `dev.example.com`), else None."""
    if given:
        return given

    for word in re.split(r"[^a-z0-9]+", f"{cluster.id} {cluster.name}".lower()):
        if word in DEFAULT_ORDER:
            return word
    return None


ENVIRONMENT = {
    "type": "string",
    "description": "The environment of the cluster: its place in the CI promotion order.",
}


def project_files(
    clusters: list[SourceCluster],
    plain: dict[str, set[Path_]],
    environments: dict[str, str] | None = None,
) -> dict[str, str]:
    templates, values, schema = build(clusters, plain)
    for cid, env in (environments or {}).items():
        values[cid]["environment"] = env
    # always allowed: the advice for a cluster without one is to add it to its values
    schema["properties"]["environment"] = ENVIRONMENT
    if environments and len(environments) == len(clusters):
        schema["required"].append("environment")
    shared, own = layer(values)
    files = {"clustermgr.yaml": CONFIG, **templates}
    files["schemas/values.schema.json"] = json.dumps(schema, indent=2) + "\n"
    if shared:
        files["values/_defaults.yaml"] = (
            "# What the imported clusters share; each cluster's file sets what differs.\n"
            + dump(shared, sort_keys=False)
        )
    for c in clusters:
        files[f"values/{c.id}.yaml"] = f"# Imported from {c.display}\n" + dump(
            own[c.id], sort_keys=False
        )
    return files


def run(
    paths: list[Path], name_from: str, environment: str | None = None, rounds: int = 20
) -> ImportResult:
    """Import, then prove it: render every cluster from the project and diff it against its
    source; fields that do not come back exactly become plain values, and it goes again."""
    clusters = load(paths, name_from)
    envs = {c.id: env for c in clusters if (env := environment_of(c, environment))}
    plain: dict[str, set[Path_]] = {}
    problems: set[tuple[str, Path_]] = set()
    for attempt in range(1, rounds + 1):
        files = project_files(clusters, plain, envs)
        problems = _round_trip(clusters, files)
        if not problems:
            done = _summary(clusters, files, paths, attempt)
            return done._replace(without_environment=[c.id for c in clusters if c.id not in envs])
        for group, path in problems:
            plain.setdefault(group, set()).add(path)
    shown = "; ".join(f"{group}: {'.'.join(path)}" for group, path in sorted(problems))
    raise ClusterMgrError(f"the imported project does not reproduce its sources ({shown})")


def _round_trip(clusters: list[SourceCluster], files: dict[str, str]) -> set[tuple[str, Path_]]:
    """(group, top of path) of every field that does not render back to its source."""

    wrong: set[tuple[str, Path_]] = set()
    group_of = {
        (cid, str(doc["metadata"]["name"])): group
        for group, members in _groups(clusters)
        for cid, doc in members
    }
    with tempfile.TemporaryDirectory(prefix="clustermgr-import-") as tmp:
        write(Path(tmp), files, force=True)
        project = find_project(Path(tmp))
        renderer = project_renderer(project, RenderSettings())
        for c in clusters:
            values = cluster_values(project, project.cluster(c.id), Overrides())
            docs = []
            for item in renderer.render(values.data):
                docs += load_documents(item.text, item.template, cache=False)
            source: diff.Resources = {("Cluster", c.name): c.cluster}
            source |= {("InstanceGroup", str(d["metadata"]["name"])): d for d in c.groups}
            source |= diff.resources([_doc(d) for d in c.extra])
            for change in diff.compare(source, diff.resources(docs)):
                kind, _, name = change.resource.partition("/")
                top = tuple(p for p in change.path if isinstance(p, str))[:2] or ("spec",)
                if kind == "InstanceGroup" and (c.id, name) in group_of:
                    wrong.add((group_of[(c.id, name)], top))
                elif kind == "Cluster":
                    wrong.add(("Cluster", top))
                else:
                    raise ClusterMgrError(
                        f"{c.id}: {change.resource} {change.path_text()} does not round-trip"
                    )
    return wrong


def _doc(data: dict[str, Any]) -> Any:

    return Document(data, "", {})


def _summary(
    clusters: list[SourceCluster], files: dict[str, str], paths: list[Path], rounds: int
) -> ImportResult:

    template = sum(len(t.encode()) for n, t in files.items() if n.startswith("template/"))
    source_size = 0
    for path in paths:
        found = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
        source_size += sum(f.stat().st_size for f in found)
    per_cluster = {}
    for c in clusters:
        docs = load_documents(files[f"values/{c.id}.yaml"], "values", cache=False)
        per_cluster[c.id] = _leaves(docs[0].data) if docs and docs[0].data else 0
    return ImportResult(
        [c.id for c in clusters], files, template, source_size, per_cluster, rounds, []
    )


def _leaves(value: Any) -> int:
    if isinstance(value, dict) and value:
        return sum(_leaves(v) for v in value.values())
    if isinstance(value, list) and value:
        return sum(_leaves(v) for v in value)
    return 1


def write(root: Path, files: dict[str, str], force: bool) -> None:
    """Write the project below `root`; refuse to overwrite a file unless `force`."""

    existing = sorted(name for name in files if (root / name).exists())
    if existing and not force:
        more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
        raise UsageError(f"would overwrite {', '.join(existing[:3])}{more}: pass --force")
    for name, text in files.items():
        atomic_write(root / name, text)
