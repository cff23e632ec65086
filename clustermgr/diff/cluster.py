"""`diff`: a cluster's render against its last applied manifest, as change records.

The applied side comes from one source per run (applied.py): a file, a state store, the
project at a git ref, or the project's `diff.applied` folder of snapshots.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from clustermgr.diff import engine
from clustermgr.diff.applied import Against, AppliedSource, from_file
from clustermgr.diff.redact import redact
from clustermgr.project import Project
from clustermgr.secrets import Secrets, document_secrets
from clustermgr.values import Overrides, Values, cluster_secrets, cluster_values
from clustermgr.yamlio import Document


class ClusterDiff(NamedTuple):
    name: str
    changes: list[engine.Change]
    old: engine.Resources
    new: engine.Resources
    kops_version: str | None = None  # the kOps that applies it: decides the plan's steps
    secrets: Secrets | None = None  # hidden in `old` and `new` when they are shown


class DiffOptions(NamedTuple):
    ignore: tuple[str, ...] = ()
    show_secrets: bool = False


def diff_clusters(
    project: Project,
    names: list[str],
    against: Against,
    overrides: Overrides,
    options: DiffOptions,
) -> list[ClusterDiff]:
    from clustermgr.render import (  # noqa: PLC0415  # Jinja2: not on a warm check's path
        RenderSettings,
        project_renderer,
        render_documents,
    )

    renderer = project_renderer(project, RenderSettings())
    out = []
    with AppliedSource(project, against) as source:
        for name in names:
            cluster = project.cluster(name)
            values = cluster_values(project, cluster, overrides)
            out.append(
                compare_cluster(
                    project, name, values, render_documents(renderer, values), source, options
                )
            )
    return out


def compare_cluster(
    project: Project,
    name: str,
    values: Values,
    rendered: list[Document],
    source: AppliedSource,
    options: DiffOptions,
) -> ClusterDiff:
    """One cluster's render against what the source says is applied."""
    new = engine.resources(rendered)
    cluster_name = str(values.data.get("clusterName", name))
    old = engine.resources(source.documents(name, cluster_name))
    ignore = [*project.config.diff_ignore, *options.ignore]
    changes = engine.compare(old, new, ignore, project.config.diff_list_keys)
    result = ClusterDiff(name, changes, old, new, project.config.kops_version)
    return (
        result
        if options.show_secrets
        else hidden(result, cluster_secrets(project, values, rendered))
    )


def hidden(result: ClusterDiff, secrets: Secrets) -> ClusterDiff:
    """The diff with every secret hidden: in its changes now, in both sides' documents when a
    report shows them (the unified view; most runs never do)."""
    return result._replace(changes=redact(result.changes, secrets), secrets=secrets)


def diff_files(old: Path, new: Path, options: DiffOptions) -> ClusterDiff:
    """`diff --from FILE --to FILE`: two manifests, no project."""
    before = engine.resources(from_file(old))
    after = engine.resources(from_file(new))
    changes = engine.compare(before, after, list(options.ignore))
    result = ClusterDiff(f"{old} -> {new}", changes, before, after)
    if options.show_secrets:
        return result
    secrets = Secrets(document_secrets([(kind, doc) for (kind, _), doc in after.items()]))
    for (kind, _), doc in after.items():
        secrets.mark(kind, doc)
    return hidden(result, secrets)
