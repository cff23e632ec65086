"""Authoring commands: list, values, render, and the kOps-compatible template."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    render_options,
    split_commas,
    use_color,
    value_options,
)
from clustermgr.errors import ClusterMgrError, ConfigError, UsageError
from clustermgr.problems import EXIT_OK
from clustermgr.reporters import CLUSTERS, VALUES


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
      clustermgr list --format json | jq -r '.[].name'
    """
    from clustermgr.errors import MultipleErrors
    from clustermgr.reporters import ReportOptions, report
    from clustermgr.reporters.values import ClusterListing
    from clustermgr.validation.fleet import duplicate_names, require_clusters

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
    from clustermgr.reporters import ReportOptions, report
    from clustermgr.values import Overrides, cluster_secrets, cluster_values

    project = project_of(ctx)
    overrides = Overrides(list(values_files), list(sets), list(set_strings))
    values = cluster_values(project, project.cluster(cluster), overrides)
    if not show_secrets:
        values = values.with_data(cluster_secrets(project, values).values(values.data))
    if show_origin and fmt == "yaml" and _given(ctx, "fmt"):
        # Origins are not values: YAML of them would read as a values file that is not one.
        raise UsageError("--show-origin prints text or --format json, not yaml")
    options = ReportOptions("values", color=use_color(color, output), show_origin=show_origin)
    emit(report(VALUES, fmt, values, options), output)
    return EXIT_OK


def kops_values_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--values`, `--set`, `--set-string` as `kops toolbox template` takes them."""
    func = click.option(
        "--set-string",
        "set_strings",
        multiple=True,
        metavar="K=V",
        help="Set string values on the command line.",
    )(func)
    func = click.option(
        "--set", "sets", multiple=True, metavar="K=V", help="Set values on the command line."
    )(func)
    return click.option(
        "--values",
        "values_files",
        multiple=True,
        metavar="PATH",
        help="Values file or directory (repeatable, comma-separated).",
    )(func)


def _given(ctx: click.Context, name: str) -> bool:
    """Whether the user typed option `name` (rather than taking its default)."""
    return ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE


@cli.command("render", context_settings=HELP, short_help="Render cluster manifests.")
@click.argument("clusters", nargs=-1, shell_complete=complete_clusters)
@click.option("--all", "all_clusters", is_flag=True, help="Render every cluster of the project.")
@output_option
@click.option(
    "--out-dir", type=click.Path(path_type=Path), help="Write DIR/<cluster>.yaml per cluster."
)
@value_options
@render_options
@click.pass_context
def render_cmd(
    ctx: click.Context,
    clusters: tuple[str, ...],
    all_clusters: bool,
    output: Path | None,
    out_dir: Path | None,
    values_files: tuple[str, ...],
    sets: tuple[str, ...],
    set_strings: tuple[str, ...],
    format_yaml: bool,
    fail_on_missing: bool,
    channel: str | None,
    kops_version: str | None,
) -> int:
    """Render the kOps manifest of each CLUSTER (Cluster plus InstanceGroups).

    \b
    Examples:
      clustermgr render dev-eu1
      clustermgr render --all --out-dir rendered/ --format-yaml
      clustermgr render prod-eu1 --set kubernetesVersion=1.34.2 -o prod.yaml
    """
    from clustermgr.files import atomic_write
    from clustermgr.render import RenderSettings, join_documents, render_clusters
    from clustermgr.values import Overrides

    if output and out_dir:
        raise UsageError("--output and --out-dir cannot be used together")
    project = project_of(ctx)
    if all_clusters == bool(clusters):
        raise UsageError("name the clusters to render, or pass --all (not both)")
    from clustermgr.values import cluster_names

    names = list(project.clusters()) if all_clusters else cluster_names(project, clusters)
    if not names:
        raise UsageError(f"no clusters found under {project.config.values_dir}/")
    overrides = Overrides(list(values_files), list(sets), list(set_strings))
    settings = RenderSettings(fail_on_missing, format_yaml, channel, kops_version)
    rendered = render_clusters(project, names, overrides, settings)
    if out_dir is not None:
        for name, text in rendered.items():
            atomic_write(out_dir / f"{name}.yaml", text)
        return EXIT_OK
    text = join_documents(list(rendered.values()))
    emit(text, output)
    return EXIT_OK


@cli.command("template", context_settings=HELP, short_help="Render like `kops toolbox template`.")
@click.argument("cluster", required=False)
@click.option(
    "--template",
    "templates",
    multiple=True,
    metavar="PATH",
    help="Template file or directory (repeatable, comma-separated).",
)
@click.option(
    "--snippets",
    multiple=True,
    metavar="PATH",
    help="Snippets directory (repeatable, comma-separated).",
)
@kops_values_options
@output_option
@click.option(
    "--config-value",
    "config_key",
    metavar="KEY",
    help="Print this merged value (or null) and exit.",
)
@click.option(
    "--name", "cluster_name", metavar="CLUSTER", help="Cluster name; the default for clusterName."
)
@render_options
def template_cmd(
    cluster: str | None,
    templates: tuple[str, ...],
    snippets: tuple[str, ...],
    values_files: tuple[str, ...],
    sets: tuple[str, ...],
    set_strings: tuple[str, ...],
    output: Path | None,
    config_key: str | None,
    cluster_name: str | None,
    format_yaml: bool,
    fail_on_missing: bool,
    channel: str | None,
    kops_version: str | None,
) -> int:
    """Render templates like `kops toolbox template [CLUSTER]`, flag for flag, without a
    project. The cluster name (the default for clusterName) is CLUSTER, --name or
    KOPS_CLUSTER_NAME, as kOps takes it; the output is what kOps writes, byte for byte.

    \b
    Examples:
      clustermgr template --template cluster.yaml --values values.yaml --name dev.example.com
      clustermgr template --template tpl/ --snippets snippets/ --values a.yaml,b.yaml \\
          --set nodes.count=3 --set-string zone=1a --format-yaml --out cluster.yaml
      clustermgr template --values values.yaml --config-value kubernetesVersion
    """
    import os

    from clustermgr.render import RenderSettings, TemplateRequest, run_template
    from clustermgr.render.project import template_values
    from clustermgr.reporters.values import config_value
    from clustermgr.values import Overrides

    if cluster and cluster_name and cluster != cluster_name:
        raise UsageError(f"cluster name given twice: {cluster!r} and --name {cluster_name!r}")
    cluster_name = cluster or cluster_name or os.environ.get("KOPS_CLUSTER_NAME") or None
    request = TemplateRequest(
        templates=split_commas(templates),
        snippets=split_commas(snippets),
        overrides=Overrides(split_commas(values_files), list(sets), list(set_strings)),
        settings=RenderSettings(fail_on_missing, format_yaml, channel, kops_version),
        cluster_name=cluster_name,
    )
    if config_key:
        click.echo(config_value(template_values(request), config_key), nl=False)
        return EXIT_OK
    if not request.templates:
        raise UsageError("--template is required (a file or a directory of templates)")
    text = run_template(request)
    emit(text, output)
    return EXIT_OK


@cli.command("convert", context_settings=HELP, short_help="Convert kOps Go templates to Jinja2.")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--snippets",
    multiple=True,
    metavar="DIR",
    help="Snippet folders of the Go templates (converted alongside; include keeps working).",
)
@kops_values_options
@click.option(
    "--out-dir",
    type=click.Path(path_type=Path),
    required=True,
    metavar="DIR",
    help="Write DIR/<template>.j2 and DIR/snippets/<snippet>.",
)
@click.option(
    "--fail-on-missing/--no-fail-on-missing",
    default=True,
    show_default=True,
    help="A missing value is an error (kOps' default), or prints as Go prints it.",
)
@click.option("--channel", metavar="FILE", help="A local channel file for the Channel* functions.")
@click.option(
    "--kops-version",
    metavar="VERSION",
    help="The kOps whose ChannelRecommendedKopsKubernetesVersion answers (default: the newest).",
)
def convert_cmd(
    sources: tuple[Path, ...],
    snippets: tuple[str, ...],
    values_files: tuple[str, ...],
    sets: tuple[str, ...],
    set_strings: tuple[str, ...],
    out_dir: Path,
    fail_on_missing: bool,
    channel: str | None,
    kops_version: str | None,
) -> int:
    """Convert Go templates (kops toolbox template's: text/template, Sprig, include, the
    channel functions) to Jinja2 that renders the same bytes. Each one is rendered both ways
    with the values given and compared byte for byte; a difference, a function clustermgr
    refuses (env, now, random ...) or one it lacks is reported where it is, and nothing is
    written.

    \b
    Examples:
      clustermgr convert cluster.tmpl --snippets snippets/ --values values.yaml --out-dir template/
    """
    from clustermgr.files import walk_files
    from clustermgr.ops import convert
    from clustermgr.render.project import TemplateRequest, template_values
    from clustermgr.values import Overrides

    request = TemplateRequest(
        templates=[str(s) for s in sources],
        overrides=Overrides(split_commas(values_files), list(sets), list(set_strings)),
    )
    values = template_values(request)
    snippet_files = [
        f for d in split_commas(snippets) for f in sorted(walk_files(Path(d))) if f.is_file()
    ]
    for source in sources:
        if not source.is_file():
            raise UsageError(f"no such template file: {source}")
    from clustermgr.render.project import channel_file

    loaded = channel_file(channel, kops_version) if channel else None
    done = convert.convert_files(list(sources), snippet_files, values, fail_on_missing, loaded)
    for path in convert.write(out_dir, done):
        click.echo(f"wrote {path}")
    click.echo(
        f"{len(sources)} templates render the same bytes as Go with the values given",
        err=True,
    )
    return EXIT_OK


@cli.command("set", context_settings=HELP, short_help="Change values where they are set.")
@click.argument("args", nargs=-1, required=True, metavar="KEY=VALUE... [CLUSTER...]")
@click.option("--all", "all_clusters", is_flag=True, help="Every cluster of the project.")
@click.option("--env", "env", metavar="ENV", help="Every cluster of this environment.")
@click.option(
    "--layer",
    metavar="cluster|env|defaults|FILE",
    help="Write here instead of where each value comes from now (new keys: the cluster's file).",
)
@click.option("--string", "as_string", is_flag=True, help="Values are text (as --set-string).")
@click.option("--dry-run", is_flag=True, help="Show the edit and what it does; write nothing.")
@click.pass_context
def set_cmd(
    ctx: click.Context,
    args: tuple[str, ...],
    all_clusters: bool,
    env: str | None,
    layer: str | None,
    as_string: bool,
    dry_run: bool,
) -> int:
    """Set KEY=VALUE (the --set grammar) for the clusters named, --all or --env ENV, in the
    file each value comes from now, keeping every comment, blank line, key order and quoting.
    Then: the edit as a diff, the clusters whose render it changes with what kOps would do,
    and their validation (exit 1 on a problem; without --dry-run the edit stays). An edit of
    a shared layer that would change clusters not named is refused, with their names.

    \b
    Examples:
      clustermgr set kubernetesVersion=1.34.10 --env prod --dry-run
      clustermgr set nodeGroups.nodes.maxSize=30 prod-eu1
      clustermgr set etcd.memoryRequest=200Mi --all --layer defaults
    """
    from clustermgr.ops import edit

    project = project_of(ctx)
    exprs = [a for a in args if "=" in a]
    named = [a for a in args if "=" not in a]
    if not exprs:
        raise UsageError("name at least one KEY=VALUE")
    if sum((bool(named), all_clusters, env is not None)) != 1:
        raise UsageError("name the clusters, or pass --all or --env (one of them)")
    targets = _targets(project, named, all_clusters, env)
    plan = edit.plan(project, edit.assignments(exprs, as_string), targets, layer)
    return _edit_report(project, plan, dry_run)


def _edit_report(project: Any, plan: Any, dry_run: bool) -> int:
    """Show an edit, what it does to the clusters it reaches, then write it (or not)."""
    import tempfile

    from clustermgr.ops import edit
    from clustermgr.problems import exit_code
    from clustermgr.reporters import DIFFS, PROBLEMS, ReportOptions, report

    if not plan.changed:
        click.echo("nothing to change: the values are already so")
        return EXIT_OK
    with tempfile.TemporaryDirectory(prefix="clustermgr-set-") as folder:
        done = edit.effect(project, edit.staged(project, plan.changed, Path(folder)), plan)
    click.echo(done.unified, nl=False)
    click.echo(report(DIFFS, "text", done.diffs, ReportOptions("set", color=use_color())), nl=False)
    click.echo(report(PROBLEMS, "text", done.groups, ReportOptions("set")), nl=False)
    blocked = done.blocked()
    if blocked:
        raise ClusterMgrError(
            f"kOps refuses what this edit changes in {', '.join(blocked)} (blocked, above): "
            "nothing written"
        )
    if not dry_run:
        edit.write(plan.changed)
        click.echo(f"wrote {', '.join(project.display(f) for f in plan.changed)}", err=True)
    else:
        click.echo("dry run: nothing written", err=True)
    return exit_code(done.groups, strict=False)


def _targets(project: Any, named: list[str], all_clusters: bool, env: str | None) -> list[str]:
    from clustermgr.validation.fleet import require_clusters
    from clustermgr.values import cluster_values

    require_clusters(project)
    if all_clusters:
        return list(project.clusters())
    if named:
        from clustermgr.values import cluster_names

        return cluster_names(project, named)
    key = project.config.ci_environment_value
    found = [
        name
        for name, cluster in project.clusters().items()
        if cluster_values(project, cluster).data.get(key) == env
    ]
    if not found:
        raise UsageError(f"no cluster has {key}: {env}")
    return found


@cli.command("promote", context_settings=HELP, short_help="Copy values to the next environment.")
@click.argument("keys", nargs=-1, required=True, metavar="KEY...")
@click.option(
    "--from", "source", required=True, metavar="ENV", help="The environment to copy from."
)
@click.option("--to", "target", required=True, metavar="ENV", help="The environment to copy to.")
@click.option("--dry-run", is_flag=True, help="Show the edit and what it does; write nothing.")
@click.pass_context
def promote_cmd(
    ctx: click.Context, keys: tuple[str, ...], source: str, target: str, dry_run: bool
) -> int:
    """Copy the effective values of KEY (dotted paths) from every cluster of one environment,
    which must agree, to the layer the clusters of the next environment share, with the same
    report as set.

    \b
    Examples:
      clustermgr promote kubernetesVersion --from staging --to prod --dry-run
    """
    from clustermgr.ops import edit

    project = project_of(ctx)
    sets = edit.promotion(project, list(keys), _targets(project, [], False, source))
    plan = edit.plan(project, sets, _targets(project, [], False, target), None)
    return _edit_report(project, plan, dry_run)
