"""Reviewing commands: diff against what is applied, pull snapshots of it."""

from __future__ import annotations

from pathlib import Path

import click

from clustermgr.cli.app import (
    HELP,
    cli,
    color_option,
    complete_clusters,
    emit,
    format_option,
    output_option,
    project_of,
    state_store,
    use_color,
    value_options,
)
from clustermgr.diff import Against, DiffOptions
from clustermgr.diff.applied import pull
from clustermgr.errors import UsageError
from clustermgr.files import atomic_write
from clustermgr.fleet import select
from clustermgr.kops import NEWEST_KOPS
from clustermgr.ops import outdated
from clustermgr.ops.review import DiffRequest, exit_code, run
from clustermgr.problems import EXIT_OK, EXIT_PROBLEMS
from clustermgr.render import RenderSettings
from clustermgr.render.project import project_renderer
from clustermgr.reporters import DIFFS, OUTDATED, ReportOptions, report
from clustermgr.values import Overrides, cluster_names


@cli.command("diff", context_settings=HELP, short_help="Diff renders against applied manifests.")
@click.argument("clusters", nargs=-1, shell_complete=complete_clusters)
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
@format_option(DIFFS)
@click.option(
    "--exit-code",
    "differences",
    is_flag=True,
    help="Exit 1 when there are differences (a plan kOps refuses always exits 1).",
)
@click.option("--show-secrets", is_flag=True, help="Show sensitive values instead of hashes.")
@color_option
@output_option
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
    differences: bool,
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
      clustermgr diff --all --state ./state-copy -o markdown --out-file diff.md
      clustermgr diff --all --against-ref origin/main --exit-code
      clustermgr diff --from old.yaml --to new.yaml
    """

    request = DiffRequest(
        clusters,
        all_clusters,
        Against(against, state, against_ref),
        (from_file, to_file) if from_file or to_file else None,
        Overrides(list(values_files), list(sets), list(set_strings)),
        DiffOptions(tuple(ignore), show_secrets),
    )
    results = run(request, lambda: project_of(ctx))
    options = ReportOptions("diff", color=use_color(color, output))
    emit(report(DIFFS, fmt, results, options), output)
    if any(plan.blocked for _, plan in results):
        click.echo("error: kOps refuses a change above (blocked): nothing can apply it", err=True)
    return exit_code(results, differences)


@cli.command("pull", context_settings=HELP, short_help="Save applied manifests as snapshots.")
@click.argument("clusters", nargs=-1, shell_complete=complete_clusters)
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

    project = project_of(ctx)
    if all_clusters == bool(clusters):
        raise UsageError("name the clusters to pull, or pass --all (not both)")

    names = list(project.clusters()) if all_clusters else cluster_names(project, clusters)
    for name, text in pull(project, names, state_store(state)).items():
        atomic_write(out_dir / f"{name}.yaml", text)
    return EXIT_OK


@cli.command(
    "outdated", context_settings=HELP, short_help="Versions and images behind the channel."
)
@click.argument("clusters", nargs=-1, shell_complete=complete_clusters)
@click.option("--all", "all_clusters", is_flag=True, help="Every cluster of the project.")
@format_option(OUTDATED)
@color_option
@output_option
@click.option("--exit-code", is_flag=True, help="Exit 1 when a cluster is outdated.")
@click.pass_context
def outdated_cmd(
    ctx: click.Context,
    clusters: tuple[str, ...],
    all_clusters: bool,
    fmt: str,
    color: str,
    output: Path | None,
    exit_code: bool,
) -> int:
    """Each cluster's Kubernetes version against the project's channel file: the upgrade it
    recommends (ChannelRecommendedKubernetesUpgradeVersion) and whether the fleet's kOps runs
    it, a version below the channel's required one, and images behind the channel's.

    \b
    Examples:
      clustermgr outdated --all
      clustermgr outdated --all -o markdown --out-file outdated.md --exit-code   # scheduled job
    """

    project = project_of(ctx)
    names = select(project, clusters, all_clusters).names
    kops_version = project.config.kops_version or NEWEST_KOPS
    channel = outdated.channel_of(project, kops_version)
    renderer = project_renderer(project, RenderSettings())
    kops = outdated.kops_minor(kops_version)
    statuses = [outdated.status(project, renderer, n, channel, kops) for n in names]
    options = ReportOptions("outdated", color=use_color(color, output))
    emit(report(OUTDATED, fmt, statuses, options), output)
    return EXIT_PROBLEMS if exit_code and any(s.outdated() for s in statuses) else EXIT_OK
