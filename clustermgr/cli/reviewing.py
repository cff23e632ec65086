"""Reviewing commands: diff against what is applied, pull snapshots of it."""

from __future__ import annotations

from pathlib import Path

import click

from clustermgr.cli.app import (
    HELP,
    cli,
    emit,
    project_of,
    use_color,
    value_options,
)
from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.problems import EXIT_OK, EXIT_USAGE


@cli.command("diff", context_settings=HELP, short_help="Diff renders against applied manifests.")
@click.argument("clusters", nargs=-1)
@click.option("--all", "all_clusters", is_flag=True, help="Diff every cluster.")
@click.option(
    "--against", type=click.Path(path_type=Path), help="The applied manifest (kops get -o yaml)."
)
@click.option("--state", metavar="DIR", help="A local kOps state store (DIR or file://DIR).")
@click.option("--against-ref", metavar="REF", help="The project as it was at this git ref.")
@click.option("--from", "from_file", type=click.Path(path_type=Path), help="Compare two files:")
@click.option(
    "--to", "to_file", type=click.Path(path_type=Path), help="... this one against --from."
)
@click.option("--ignore", multiple=True, metavar="RULE", help="Ignore Kind/name:path (globs).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "unified", "markdown", "json"]),
    default="text",
    show_default=True,
)
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are differences.")
@click.option("--show-secrets", is_flag=True, help="Show sensitive values instead of hashes.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto")
@click.option("--output", type=click.Path(path_type=Path), help="Write the diff to this file.")
@value_options
@click.pass_context
def diff_cmd(
    ctx: click.Context,
    clusters: tuple[str, ...],
    all_clusters: bool,
    against: Path | None,
    state: str | None,
    against_ref: str | None,
    from_file: Path | None,
    to_file: Path | None,
    ignore: tuple[str, ...],
    fmt: str,
    exit_code: bool,
    show_secrets: bool,
    color: str,
    output: Path | None,
    values_files: tuple[str, ...],
    sets: tuple[str, ...],
    set_strings: tuple[str, ...],
) -> int:
    """Show what applying each CLUSTER's render would change, and what that change does.

    \b
    Examples:
      clustermgr diff prod-eu1 --against prod-eu1.yaml
      clustermgr diff --all --state ./state-copy --format markdown --output diff.md
      clustermgr diff --all --against-ref origin/main --exit-code
      clustermgr diff --from old.yaml --to new.yaml
    """

    from clustermgr.pipeline import Overrides
    from clustermgr.reporters.diffs import DIFF_REPORTERS
    from clustermgr.review import Against, Options, diff_clusters, diff_files

    options = Options(tuple(ignore), show_secrets)
    try:
        if from_file or to_file:
            if not (from_file and to_file) or clusters or all_clusters:
                raise UsageError("--from and --to go together, without clusters")
            for path in (from_file, to_file):
                if not path.is_file():
                    raise UsageError(f"no such file: {path}")
            results = [diff_files(from_file, to_file, options)]
        else:
            chosen = [x for x in (against, state, against_ref) if x is not None]
            if len(chosen) > 1:
                raise UsageError("use one of --against, --state and --against-ref")
            if against is not None and not against.is_file():
                raise UsageError(f"no such file: {against}")
            project = project_of(ctx)
            if all_clusters == bool(clusters):
                raise UsageError("name the clusters to diff, or pass --all (not both)")
            names = list(project.clusters()) if all_clusters else list(clusters)
            if against is not None and len(names) > 1:
                raise UsageError("--against FILE holds one cluster: name one cluster")
            overrides = Overrides(list(values_files), list(sets), list(set_strings))
            results = diff_clusters(
                project, names, Against(against, state, against_ref), overrides, options
            )
    except ClusterMgrError as exc:
        exc.exit_code = EXIT_USAGE  # diff: any trouble is 2, differences are 1
        raise
    text = DIFF_REPORTERS[fmt](results, use_color(color, output))
    emit(text, output)
    differs = any(not c.ignored for r in results for c in r.changes)
    return 1 if exit_code and differs else EXIT_OK


@cli.command("pull", context_settings=HELP, short_help="Save applied manifests as snapshots.")
@click.argument("clusters", nargs=-1)
@click.option("--all", "all_clusters", is_flag=True, help="Every cluster of the project.")
@click.option("--state", metavar="STORE", help="The kOps state store (default: KOPS_STATE_STORE).")
@click.option(
    "--out-dir", type=click.Path(path_type=Path), required=True, help="Write DIR/<cluster>.yaml."
)
@click.pass_context
def pull_cmd(
    ctx: click.Context,
    clusters: tuple[str, ...],
    all_clusters: bool,
    state: str | None,
    out_dir: Path,
) -> int:
    """Write each CLUSTER's applied manifest as `kops get -o yaml` prints it: read from a local
    state store, or through `kops get` for a remote one (s3://, gs://, ...).

    \b
    Examples:
      clustermgr pull --all --state ./state-copy --out-dir applied/
      clustermgr pull prod-eu1 --state s3://my-kops-state --out-dir applied/
    """
    from clustermgr import sources
    from clustermgr.fsutil import atomic_write
    from clustermgr.pipeline import Overrides, cluster_values

    project = project_of(ctx)
    if all_clusters == bool(clusters):
        raise UsageError("name the clusters to pull, or pass --all (not both)")
    store = state or sources.state_store_from_env()
    if not store:
        raise UsageError("pass --state STORE (or set KOPS_STATE_STORE)")
    names = list(project.clusters()) if all_clusters else list(clusters)
    snapshots = {}
    for name in names:
        values = cluster_values(project, project.cluster(name), Overrides())
        cluster_name = str(values.data.get("clusterName", name))
        if store.startswith(sources.REMOTE_SCHEMES):
            snapshots[name] = sources.kops_get(store, cluster_name)
        else:
            docs = sources.from_state_store(sources.local_state_store(store), cluster_name)
            snapshots[name] = sources.as_kops_get(docs)
    for name, text in snapshots.items():
        atomic_write(out_dir / f"{name}.yaml", text)
    return EXIT_OK
