"""Rendering commands: render a project's clusters, and the kOps-compatible template."""

from __future__ import annotations

import os
from pathlib import Path

import click

from clustermgr.cli.app import (
    HELP,
    cli,
    complete_clusters,
    emit,
    kops_values_options,
    output_option,
    project_of,
    render_options,
    split_commas,
    value_options,
)
from clustermgr.errors import UsageError
from clustermgr.files import atomic_write
from clustermgr.problems import EXIT_OK
from clustermgr.project import require_clusters
from clustermgr.render import (
    RenderSettings,
    TemplateRequest,
    join_documents,
    render_clusters,
    run_template,
)
from clustermgr.render.project import config_value, template_values
from clustermgr.values import Overrides, cluster_names


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
      clustermgr render prod-eu1 --set kubernetesVersion=1.34.2 --out-file prod.yaml
    """

    if output and out_dir:
        raise UsageError("--out-file and --out-dir cannot be used together")
    project = project_of(ctx)
    if all_clusters == bool(clusters):
        raise UsageError("name the clusters to render, or pass --all (not both)")

    names = list(project.clusters()) if all_clusters else cluster_names(project, clusters)
    if not names:
        require_clusters(project)
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
@click.option(
    "--out",
    "--output",
    "--out-file",
    "output",
    type=click.Path(path_type=Path),
    metavar="FILE",
    # kOps: cmd/kops/toolbox_template.go takes --out, and --output (deprecated there)
    help="Write to this file (atomically) instead of standard output.",
)
@click.option(
    "--config-value",
    "config_key",
    metavar="KEY",
    help="Print this merged value (or null) and exit.",
)
@click.option(
    "--name", "cluster_name", metavar="CLUSTER", help="Cluster name; the default for clusterName."
)
@click.option(
    "--syntax",
    type=click.Choice(["auto", "go", "jinja"]),
    default="auto",
    show_default=True,
    help="Template language: auto reads .j2 files as Jinja2 and the others as Go (kOps').",
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
    syntax: str,
    format_yaml: bool,
    fail_on_missing: bool,
    channel: str | None,
    kops_version: str | None,
) -> int:
    """Render templates like `kops toolbox template [CLUSTER]`, flag for flag, without a
    project: kOps' Go templates as kOps renders them (Go's text/template semantics, Sprig,
    include, the channel functions), clustermgr's `.j2` files as Jinja2. The cluster name
    (the default for clusterName) is CLUSTER, --name or KOPS_CLUSTER_NAME, as kOps takes it;
    the output is what kOps writes, byte for byte.

    \b
    Examples:
      clustermgr template --template cluster.yaml --values values.yaml --name dev.example.com
      clustermgr template --template tpl/ --snippets snippets/ --values a.yaml,b.yaml \\
          --set nodes.count=3 --set-string zone=1a --format-yaml --out-file cluster.yaml
      clustermgr template --values values.yaml --config-value kubernetesVersion
    """

    if cluster and cluster_name and cluster != cluster_name:
        raise UsageError(f"cluster name given twice: {cluster!r} and --name {cluster_name!r}")
    cluster_name = cluster or cluster_name or os.environ.get("KOPS_CLUSTER_NAME") or None
    request = TemplateRequest(
        templates=split_commas(templates),
        snippets=split_commas(snippets),
        overrides=Overrides(split_commas(values_files), list(sets), list(set_strings)),
        settings=RenderSettings(fail_on_missing, format_yaml, channel, kops_version),
        cluster_name=cluster_name,
        syntax=syntax,
    )
    if config_key:
        click.echo(config_value(template_values(request), config_key), nl=False)
        return EXIT_OK
    if not request.templates:
        raise UsageError("--template is required (a file or a directory of templates)")
    text = run_template(request)
    emit(text, output)
    return EXIT_OK
