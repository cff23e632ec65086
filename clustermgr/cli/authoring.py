"""Authoring commands: list the clusters, print a cluster's merged values."""

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
    use_color,
    value_options,
)
from clustermgr.errors import ConfigError, MultipleErrors, UsageError
from clustermgr.problems import EXIT_OK
from clustermgr.project import require_clusters
from clustermgr.reporters import CLUSTERS, VALUES, ReportOptions, report
from clustermgr.reporters.values import ClusterListing
from clustermgr.values import Overrides, cluster_secrets, cluster_values, duplicate_names


@cli.command("list", context_settings=HELP, short_help="List clusters and their layers.")
@format_option(CLUSTERS)
@color_option
@output_option
@click.pass_context
def list_cmd(ctx: click.Context, fmt: str, color: str, output: Path | None) -> int:
    """List the clusters and the values layers each one merges, in order.

    \b
    Examples:
      clustermgr list
      clustermgr list -o json | jq -r '.[].name'
    """

    project = project_of(ctx)
    require_clusters(project)
    clusters = list(project.clusters().values())
    listing = ClusterListing(project, clusters)
    emit(
        report(CLUSTERS, fmt, listing, ReportOptions("list", color=use_color(color, output))),
        output,
    )
    problems = [p for found in duplicate_names(project).values() for p in found]
    if problems:
        raise MultipleErrors([ConfigError(p.message, p.location) for p in problems])
    return EXIT_OK


@cli.command("values", context_settings=HELP, short_help="Print merged values.")
@click.argument("cluster", shell_complete=complete_clusters)
@value_options
@click.option("--show-origin", is_flag=True, help="Show the file:line:col that set each value.")
@click.option("--show-secrets", is_flag=True, help="Print secret values instead of their digests.")
@format_option(VALUES)
@color_option
@output_option
@click.pass_context
def values_cmd(
    ctx: click.Context,
    cluster: str,
    values_files: tuple[str, ...],
    sets: tuple[str, ...],
    set_strings: tuple[str, ...],
    show_origin: bool,
    show_secrets: bool,
    fmt: str,
    color: str,
    output: Path | None,
) -> int:
    """Print the effective values of CLUSTER after merging every layer.

    \b
    Examples:
      clustermgr values prod-eu1
      clustermgr values prod-eu1 --show-origin --set nodes.maxSize=20
    """

    project = project_of(ctx)
    overrides = Overrides(list(values_files), list(sets), list(set_strings))
    values = cluster_values(project, project.cluster(cluster), overrides)
    if not show_secrets:
        values = values.with_data(cluster_secrets(project, values).values(values.data))
    if show_origin and fmt == "yaml" and _given(ctx, "fmt"):
        # Origins are not values: YAML of them would read as a values file that is not one.
        raise UsageError("--show-origin prints text or -o json, not yaml")
    options = ReportOptions("values", color=use_color(color, output), show_origin=show_origin)
    emit(report(VALUES, fmt, values, options), output)
    return EXIT_OK


def _given(ctx: click.Context, name: str) -> bool:
    """Whether the user typed option `name` (rather than taking its default)."""
    return ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
