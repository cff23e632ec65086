"""The command line: parse options, call the core, print, return an exit code.

This is the only module that imports click or writes to the terminal. Every failure ends in
`main`, which maps it to one message and an exit code (see problems.py).
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from clustermgr import __version__
from clustermgr.errors import ClusterMgrError, MultipleErrors, UsageError
from clustermgr.problems import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, Group

_HELP = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _split_commas(values: Sequence[str]) -> list[str]:
    """kOps' StringSlice flags take repeated flags and comma-separated lists alike."""
    return [part for value in values for part in value.split(",") if part]


def _value_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--set-string",
        "set_strings",
        multiple=True,
        metavar="K=V",
        help="Set string values (never converted); applied after every --set.",
    )(func)
    func = click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="K=V",
        help="Set values: a.b=v, several separated by commas, {x,y} lists, k[0]=v indexes.",
    )(func)
    func = click.option(
        "--values",
        "values_files",
        multiple=True,
        metavar="PATH",
        help="Extra values file or directory, merged after the cluster's own file.",
    )(func)
    return func


def _render_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--kops-version", metavar="VERSION", help="kOps version for the Channel* functions."
    )(func)
    func = click.option("--channel", metavar="PATH", help="Local kOps channel file.")(func)
    func = click.option(
        "--fail-on-missing/--no-fail-on-missing",
        default=True,
        show_default=True,
        help="Fail on undefined values; otherwise they render as nothing.",
    )(func)
    func = click.option(
        "--format-yaml", is_flag=True, help="Re-emit each document as canonical YAML (sorted keys)."
    )(func)
    return func


@click.group(context_settings=_HELP)
@click.version_option(__version__, "--version", prog_name="clustermgr")
@click.option(
    "-C",
    "directory",
    type=click.Path(path_type=Path),
    help="Run in this project folder instead of searching upwards for clustermgr.yaml.",
)
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@click.pass_context
def cli(ctx: click.Context, directory: Path | None, debug: bool) -> None:
    """Run a fleet of kOps clusters from one template plus layered values.

    \b
    Examples:
      clustermgr list
      clustermgr values prod-eu1 --show-origin
      clustermgr render --all --out-dir rendered/
      clustermgr template --template cluster.yaml --values values.yaml --name dev.example.com
    """
    ctx.obj = directory


def _project(ctx: click.Context) -> Any:
    from clustermgr.project import find_project

    return find_project(ctx.find_root().obj)


@cli.command("list", context_settings=_HELP, short_help="List clusters and their layers.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def list_cmd(ctx: click.Context, fmt: str) -> int:
    """List the clusters and the values layers each one merges, in order."""
    from clustermgr.views import clusters_view

    project = _project(ctx)
    click.echo(clusters_view(project, list(project.clusters().values()), fmt), nl=False)
    return EXIT_OK


@cli.command("values", context_settings=_HELP, short_help="Print merged values.")
@click.argument("cluster")
@_value_options
@click.option("--show-origin", is_flag=True, help="Show the file:line:col that set each value.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml")
@click.pass_context
def values_cmd(
    ctx: click.Context,
    cluster: str,
    values_files: tuple[str, ...],
    sets: tuple[str, ...],
    set_strings: tuple[str, ...],
    show_origin: bool,
    fmt: str,
) -> int:
    """Print the effective values of CLUSTER after merging every layer.

    \b
    Examples:
      clustermgr values prod-eu1
      clustermgr values prod-eu1 --show-origin --set nodes.maxSize=20
    """
    from clustermgr.pipeline import Overrides, cluster_values
    from clustermgr.views import values_view

    project = _project(ctx)
    overrides = Overrides(list(values_files), list(sets), list(set_strings))
    values = cluster_values(project, project.cluster(cluster), overrides)
    click.echo(values_view(values, fmt, show_origin), nl=False)
    return EXIT_OK


@cli.command("render", context_settings=_HELP, short_help="Render cluster manifests.")
@click.argument("clusters", nargs=-1)
@click.option("--all", "all_clusters", is_flag=True, help="Render every cluster of the project.")
@click.option("--out", type=click.Path(path_type=Path), help="Write the manifests to this file.")
@click.option(
    "--out-dir", type=click.Path(path_type=Path), help="Write DIR/<cluster>.yaml per cluster."
)
@_value_options
@_render_options
@click.pass_context
def render_cmd(
    ctx: click.Context,
    clusters: tuple[str, ...],
    all_clusters: bool,
    out: Path | None,
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
      clustermgr render prod-eu1 --set kubernetesVersion=1.34.2 --out prod.yaml
    """
    from clustermgr.fsutil import atomic_write
    from clustermgr.manifest import join_documents
    from clustermgr.pipeline import Overrides, RenderSettings, render_clusters

    if out and out_dir:
        raise UsageError("--out and --out-dir cannot be used together")
    project = _project(ctx)
    if all_clusters == bool(clusters):
        raise UsageError("name the clusters to render, or pass --all (not both)")
    names = list(project.clusters()) if all_clusters else list(clusters)
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
    if out is not None:
        atomic_write(out, text)
    else:
        click.echo(text, nl=False)
    return EXIT_OK


@cli.command("template", context_settings=_HELP, short_help="Render like `kops toolbox template`.")
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
@click.option(
    "--values",
    "values_files",
    multiple=True,
    metavar="PATH",
    help="Values file or directory (repeatable, comma-separated).",
)
@click.option("--set", "sets", multiple=True, metavar="K=V", help="Set values on the command line.")
@click.option(
    "--set-string",
    "set_strings",
    multiple=True,
    metavar="K=V",
    help="Set string values on the command line.",
)
@click.option(
    "--out",
    "--output",
    "out",
    type=click.Path(path_type=Path),
    help="Output file (default: stdout). --output is the deprecated spelling.",
)
@click.option("--config-value", metavar="KEY", help="Print this merged value (or null) and exit.")
@click.option(
    "--name", "cluster_name", metavar="CLUSTER", help="Cluster name; the default for clusterName."
)
@_render_options
def template_cmd(
    templates: tuple[str, ...],
    snippets: tuple[str, ...],
    values_files: tuple[str, ...],
    sets: tuple[str, ...],
    set_strings: tuple[str, ...],
    out: Path | None,
    config_value: str | None,
    cluster_name: str | None,
    format_yaml: bool,
    fail_on_missing: bool,
    channel: str | None,
    kops_version: str | None,
) -> int:
    """Render templates like `kops toolbox template`, flag for flag, without a project.

    \b
    Examples:
      clustermgr template --template cluster.yaml --values values.yaml --name dev.example.com
      clustermgr template --template tpl/ --snippets snippets/ --values a.yaml,b.yaml \\
          --set nodes.count=3 --set-string zone=1a --format-yaml --out cluster.yaml
      clustermgr template --values values.yaml --config-value kubernetesVersion
    """
    from clustermgr.fsutil import atomic_write
    from clustermgr.pipeline import (
        Overrides,
        RenderSettings,
        TemplateRequest,
        run_template,
        template_values,
    )
    from clustermgr.views import config_value_view

    request = TemplateRequest(
        templates=_split_commas(templates),
        snippets=_split_commas(snippets),
        overrides=Overrides(_split_commas(values_files), list(sets), list(set_strings)),
        settings=RenderSettings(fail_on_missing, format_yaml, channel, kops_version),
        cluster_name=cluster_name,
    )
    if config_value:
        click.echo(config_value_view(template_values(request), config_value), nl=False)
        return EXIT_OK
    if not request.templates:
        raise UsageError("--template is required (a file or a directory of templates)")
    text = run_template(request)
    if out is not None:
        atomic_write(out, text)
    else:
        click.echo(text, nl=False)
    return EXIT_OK


def _report_options(func: Callable[..., Any]) -> Callable[..., Any]:
    from clustermgr.reporters import REPORTERS  # the registry is where the choices come from

    func = click.option(
        "--strict", is_flag=True, help="Warnings fail too (exit code, JUnit failures)."
    )(func)
    func = click.option(
        "--color",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        help="Colour the text report (auto: on a terminal, unless NO_COLOR is set).",
    )(func)
    func = click.option(
        "--output", type=click.Path(path_type=Path), help="Write the report to this file."
    )(func)
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(list(REPORTERS)),
        default="text",
        show_default=True,
        help="Report format.",
    )(func)
    func = click.option(
        "--kops-crds",
        type=click.Path(path_type=Path),
        metavar="DIR",
        help="Folder of the official kOps CRDs: full structural checks, unknown-field warnings.",
    )(func)
    return func


def _report(
    command: str, groups: list[Any], fmt: str, output: Path | None, color: str, strict: bool
) -> int:

    from clustermgr.fsutil import atomic_write
    from clustermgr.problems import exit_code
    from clustermgr.reporters import REPORTERS, Options

    text = REPORTERS[fmt](groups, Options(command, _use_color(color, output), strict))
    if output is not None:
        atomic_write(output, text)
    else:
        click.echo(text, nl=False)
    return exit_code(groups, strict)


def _linter(crds: Path | None, project: Any | None) -> Any:
    from clustermgr.kops.crds import load_crds
    from clustermgr.lint import Linter

    folder = crds
    if folder is None and project is not None and project.config.kops_crds:
        folder = project.path(project.config.kops_crds, "kopsCrds")
    return Linter(load_crds(folder) if folder is not None else None)


@cli.command("validate", context_settings=_HELP, short_help="Validate clusters end to end.")
@click.argument("clusters", nargs=-1)
@click.option("--all", "all_clusters", is_flag=True, help="Validate every cluster.")
@_value_options
@_report_options
@click.pass_context
def validate_cmd(
    ctx: click.Context,
    clusters: tuple[str, ...],
    all_clusters: bool,
    values_files: tuple[str, ...],
    sets: tuple[str, ...],
    set_strings: tuple[str, ...],
    kops_crds: Path | None,
    fmt: str,
    output: Path | None,
    color: str,
    strict: bool,
) -> int:
    """Check each CLUSTER: values files, values against the schema, the render, the manifest.

    Every problem is reported with the file and line to edit (for values, the layer that set
    the value, and the layers it overrode).

    \b
    Examples:
      clustermgr validate --all
      clustermgr validate prod-eu1 --kops-crds crds/ --format junit --output report.xml
    """
    from clustermgr.pipeline import Overrides, RenderSettings
    from clustermgr.validate import Validator, validate_clusters

    project = _project(ctx)
    if all_clusters == bool(clusters):
        raise UsageError("name the clusters to validate, or pass --all (not both)")
    names = list(project.clusters()) if all_clusters else list(clusters)
    for name in names:
        project.cluster(name)  # unknown names are usage errors, before any work
    overrides = Overrides(list(values_files), list(sets), list(set_strings))
    validator = Validator(project, overrides, RenderSettings(), _linter(kops_crds, project))
    groups = validate_clusters(validator, names)
    return _report("validate", groups, fmt, output, color, strict)


@cli.command("lint", context_settings=_HELP, short_help="Lint kOps manifests.")
@click.argument("files", nargs=-1, required=True)
@_report_options
@click.pass_context
def lint_cmd(
    ctx: click.Context,
    files: tuple[str, ...],
    kops_crds: Path | None,
    fmt: str,
    output: Path | None,
    color: str,
    strict: bool,
) -> int:
    """Lint kOps manifests (FILE... or - for standard input): what `kops replace` accepts,
    field types against the kOps CRDs, and kOps' own validation rules, offline.

    \b
    Examples:
      kops get my.example.com -o yaml | clustermgr lint -
      clustermgr lint --kops-crds crds/ --format parsable rendered/*.yaml
    """
    from clustermgr.project import find_project
    from clustermgr.validate import lint_paths

    project = None
    with contextlib.suppress(ClusterMgrError):  # lint needs no project; one supplies kopsCrds
        project = find_project(ctx.find_root().obj)
    for raw in files:
        if raw != "-" and not Path(raw).is_file():
            raise UsageError(f"no such file: {raw}")
    stdin = sys.stdin.read() if "-" in files else None
    groups = lint_paths(_linter(kops_crds, project), list(files), stdin)
    return _report("lint", groups, fmt, output, color, strict)


@cli.command("diff", context_settings=_HELP, short_help="Diff renders against applied manifests.")
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
@_value_options
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

    from clustermgr.fsutil import atomic_write
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
            project = _project(ctx)
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
    text = DIFF_REPORTERS[fmt](results, _use_color(color, output))
    if output is not None:
        atomic_write(output, text)
    else:
        click.echo(text, nl=False)
    differs = any(not c.ignored for r in results for c in r.changes)
    return 1 if exit_code and differs else EXIT_OK


@cli.command("pull", context_settings=_HELP, short_help="Save applied manifests as snapshots.")
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

    project = _project(ctx)
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


@cli.command("check", context_settings=_HELP, short_help="Validate and diff a fleet (CI).")
@click.argument("clusters", nargs=-1)
@click.option("--all", "all_clusters", is_flag=True, help="Check every cluster.")
@click.option("--changed-since", metavar="REF", help="Only clusters a change since REF affects.")
@click.option("--explain", is_flag=True, help="Say why each cluster was selected (stderr).")
@click.option("--state", metavar="DIR", help="Diff against a local kOps state store.")
@click.option("--against-ref", metavar="REF", help="Diff against the project at this git ref.")
@click.option("--ignore", multiple=True, metavar="RULE", help="Ignore Kind/name:path in diffs.")
@click.option("--kops-crds", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: cores).")
@click.option("--shard", metavar="I/N", help="Check shard I of N (default: CI_NODE_INDEX/TOTAL).")
@click.option("--no-cache", is_flag=True, help="Recompute every result.")
@click.option(
    "--fail-on",
    type=click.Choice(["changes", "refused", "destructive"]),
    multiple=True,
    help="Also fail on differences of this kind.",
)
@click.option("--report-markdown", type=click.Path(path_type=Path), metavar="FILE")
@click.option("--junit", type=click.Path(path_type=Path), metavar="FILE")
@click.option("--codequality", type=click.Path(path_type=Path), metavar="FILE")
@click.option("--json", "json_file", type=click.Path(path_type=Path), metavar="FILE")
@_value_options
@click.pass_context
def check_cmd(
    ctx: click.Context,
    clusters: tuple[str, ...],
    all_clusters: bool,
    changed_since: str | None,
    explain: bool,
    state: str | None,
    against_ref: str | None,
    ignore: tuple[str, ...],
    kops_crds: Path | None,
    jobs: int | None,
    shard: str | None,
    no_cache: bool,
    fail_on: tuple[str, ...],
    report_markdown: Path | None,
    junit: Path | None,
    codequality: Path | None,
    json_file: Path | None,
    values_files: tuple[str, ...],
    sets: tuple[str, ...],
    set_strings: tuple[str, ...],
) -> int:
    """The merge-request job: validate and diff every selected cluster, in parallel, and
    write one set of reports. Exit 1 when a cluster is invalid (or, with --fail-on, when
    differences of that kind exist).

    \b
    Examples:
      clustermgr check --all --state ./state-copy
      clustermgr check --changed-since origin/main --against-ref origin/main --explain \\
          --junit junit.xml --codequality cq.json --report-markdown note.md
      clustermgr check --all --shard 2/4 --junit junit-2.xml
    """
    import os
    import time

    from clustermgr import fleet
    from clustermgr.fsutil import atomic_write
    from clustermgr.pipeline import Overrides
    from clustermgr.reporters import REPORTERS, Options
    from clustermgr.reporters import check as check_reports
    from clustermgr.review import Against

    if state is not None and against_ref is not None:
        raise UsageError("use one of --state and --against-ref")
    chosen = sum((bool(clusters), all_clusters, changed_since is not None))
    if chosen != 1:
        raise UsageError("name the clusters to check, or pass --all or --changed-since")
    project = _project(ctx)
    if state is not None:
        from clustermgr.sources import local_state_store

        local_state_store(state)  # refuse remote or missing stores before any work
    removed: list[str] = []
    reasons: dict[str, list[str]] = {}
    if changed_since is not None:
        selection = fleet.select_changed(project, changed_since)
        names, reasons, removed = selection.names, selection.reasons, selection.removed
    elif all_clusters:
        names = list(project.clusters())
        reasons = {n: ["--all"] for n in names}
    else:
        names = list(clusters)
        for name in names:
            project.cluster(name)
        reasons = {n: ["named on the command line"] for n in names}
    parts = fleet.parse_shard(shard)
    if parts is not None:
        names = fleet.shard(project, names, *parts)
    if explain:
        for name in names:
            click.echo(f"{name}: {'; '.join(reasons.get(name, []))}", err=True)
        for name in removed:
            click.echo(f"{name}: removed (its values file was deleted)", err=True)
    request = fleet.Request(
        Overrides(list(values_files), list(sets), list(set_strings)),
        Against(None, state, against_ref),
        tuple(ignore),
        str(kops_crds) if kops_crds else None,
    )
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty and total:
            bar = "#" * (30 * done // total)
            click.echo(f"\r[{bar:<30}] {done}/{total}", err=True, nl=done == total)

    started = time.perf_counter()
    results = fleet.run(
        project, names, request, jobs or os.cpu_count() or 1, not no_cache, progress
    )
    counted = fleet.counts(results)
    if not tty:
        click.echo(
            f"checked {counted['checked']} clusters in {time.perf_counter() - started:.1f} s "
            f"({counted['cached']} from cache)",
            err=True,
        )
    groups = [r.group() for r in results]
    options = Options("check")
    outputs: list[tuple[Path | None, Callable[[], str]]] = [
        (report_markdown, lambda: check_reports.markdown(results, removed)),
        (junit, lambda: REPORTERS["junit"](groups, options)),
        (codequality, lambda: REPORTERS["codequality"](groups, options)),
        (json_file, lambda: check_reports.json_report(results, removed, reasons)),
    ]
    for path, make in outputs:
        if path is not None:
            atomic_write(path, make())
    click.echo(check_reports.text(results, removed), nl=False)
    failed = counted["invalid"] > 0
    for kind in fail_on:
        for r in results:
            summary = r.diff_summary or {"changes": 0, "flags": []}
            if (kind == "changes" and summary["changes"]) or kind in summary["flags"]:
                failed = True
    return 1 if failed else EXIT_OK


@cli.group("ci", context_settings=_HELP, short_help="Generate CI pipelines.")
def ci_group() -> None:
    """Generate CI pipelines for the project's fleet."""


@ci_group.command("gitlab", context_settings=_HELP)
@click.option("--out", type=click.Path(path_type=Path), help="Write here (e.g. .gitlab-ci.yml).")
@click.pass_context
def ci_gitlab_cmd(ctx: click.Context, out: Path | None) -> int:
    """The GitLab pipeline: a check on merge requests; per cluster on the default branch, in
    promotion order, render -> dry run -> update -> roll preview -> roll (manual by default).

    \b
    Example:
      clustermgr ci gitlab --out .gitlab-ci.yml
    """
    from clustermgr.fsutil import atomic_write
    from clustermgr.gitlab import pipeline

    text = pipeline(_project(ctx))
    if out is not None:
        atomic_write(out, text)
    else:
        click.echo(text, nl=False)
    return EXIT_OK


def _state(state: str | None) -> str:
    from clustermgr.sources import state_store_from_env

    found = state or state_store_from_env()
    if not found:
        raise UsageError("pass --state STORE (or set KOPS_STATE_STORE)")
    return found


@cli.command("apply", context_settings=_HELP, short_help="Apply a cluster with kops.")
@click.argument("cluster")
@click.option("--state", metavar="STORE", help="The kOps state store (default: KOPS_STATE_STORE).")
@click.option("--yes", is_flag=True, help="Let kops update cluster change the cloud.")
@click.option("--force", is_flag=True, help="Apply even when the cluster drifted.")
@click.option("--kops-crds", type=click.Path(path_type=Path), metavar="DIR")
@_value_options
@click.pass_context
def apply_cmd(
    ctx: click.Context,
    cluster: str,
    state: str | None,
    yes: bool,
    force: bool,
    kops_crds: Path | None,
    values_files: tuple[str, ...],
    sets: tuple[str, ...],
    set_strings: tuple[str, ...],
) -> int:
    """Render CLUSTER, refuse it when invalid or when the state store drifted from what
    clustermgr last applied (unless --force), show the diff, then run `kops replace -f` and
    `kops update cluster` (with --yes only when given).

    \b
    Examples:
      clustermgr apply dev-eu1 --state s3://my-kops-state           # preview
      clustermgr apply dev-eu1 --state s3://my-kops-state --yes
    """
    from clustermgr import apply
    from clustermgr.pipeline import Overrides
    from clustermgr.reporters import REPORTERS, Options
    from clustermgr.reporters.diffs import text as diff_text
    from clustermgr.review import ClusterDiff

    project = _project(ctx)
    store = _state(state)
    overrides = Overrides(list(values_files), list(sets), list(set_strings))
    plan = apply.plan(project, cluster, store, overrides, _linter(kops_crds, project))
    if not plan.valid():
        groups = [Group(cluster, plan.problems, ())]
        click.echo(REPORTERS["text"](groups, Options("validate")), nl=False, err=True)
        raise ClusterMgrError(f"{cluster} is not valid: nothing was applied")
    if plan.drift:
        drifted = ClusterDiff(f"{cluster} (state store now vs. last apply)", plan.drift, {}, {})
        click.echo(diff_text([drifted], False), err=True)
        if not force:
            raise ClusterMgrError(
                f"{cluster} was changed in the state store since clustermgr last applied it "
                "(above); apply with --force to overwrite those changes"
            )
    elif plan.drift is None and not plan.new_cluster:
        click.echo(
            f"{cluster}: no record of a previous apply; nothing to check drift against", err=True
        )
    click.echo(diff_text([ClusterDiff(cluster, plan.changes, {}, {})], _use_color()), nl=False)
    apply.execute(plan, yes, click.echo, lambda line: click.echo(line, err=True))
    return EXIT_OK


@cli.command("roll", context_settings=_HELP, short_help="Rolling-update a cluster with kops.")
@click.argument("cluster")
@click.option("--state", metavar="STORE", help="The kOps state store (default: KOPS_STATE_STORE).")
@click.option("--yes", is_flag=True, help="Replace the instances (otherwise a preview).")
@click.pass_context
def roll_cmd(ctx: click.Context, cluster: str, state: str | None, yes: bool) -> int:
    """`kops rolling-update cluster` for CLUSTER, after the impact of the last apply."""
    from clustermgr import apply
    from clustermgr.pipeline import Overrides, cluster_values

    project = _project(ctx)
    store = _state(state)
    values = cluster_values(project, project.cluster(cluster), Overrides())
    name = str(values.data.get("clusterName", cluster))
    apply.roll(store, name, yes, click.echo, lambda line: click.echo(line, err=True))
    return EXIT_OK


def _use_color(color: str = "auto", output: Path | None = None) -> bool:
    """--color always|never|auto: auto colours a terminal, unless NO_COLOR is set."""
    import os

    if color != "auto":
        return color == "always"
    return output is None and "NO_COLOR" not in os.environ and sys.stdout.isatty()


@cli.command("import", context_settings=_HELP, short_help="Import clusters into a project.")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder to write.",
)
@click.option(
    "--name-from",
    type=click.Choice(["file", "cluster"]),
    default="file",
    show_default=True,
    help="Name each cluster's values file after its source file, or its kOps name.",
)
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
def import_cmd(sources: tuple[Path, ...], out: Path, name_from: str, force: bool) -> int:
    """Turn existing clusters into one template plus values. Each SOURCE is a manifest
    (`kops get CLUSTER -o yaml`) or a state-store folder of one cluster. Every cluster is
    rendered back from the new project and compared with its source before anything is
    written.

    \b
    Examples:
      kops get prod.example.com -o yaml > prod.yaml   # and the same for each cluster
      clustermgr import *.yaml --out fleet/
      clustermgr import state-copy/dev.example.com state-copy/prod.example.com --out fleet/
    """
    from clustermgr import importer

    result = importer.run(list(sources), name_from)
    importer.write(out, result.files, force)
    sizes = sorted(result.values_per_cluster.values())
    templates = [n for n in result.files if n.startswith("template/")]
    ratio = result.source_bytes / max(result.template_bytes, 1)
    click.echo(f"imported {len(result.clusters)} clusters: {', '.join(result.clusters)}")
    click.echo(
        f"template: {result.template_bytes:,} bytes in {len(templates)} files; the sources: "
        f"{result.source_bytes:,} bytes ({ratio:.1f}x the template)"
    )
    click.echo(
        f"values per cluster file: {sizes[0]} to {sizes[-1]} "
        f"(mean {sum(sizes) / len(sizes):.1f}), on top of values/_defaults.yaml"
        if "values/_defaults.yaml" in result.files
        else f"values per cluster file: {sizes[0]} to {sizes[-1]}"
    )
    click.echo(
        "round trip: every cluster renders back to its source exactly "
        "(compared by the diff engine after kOps normalisation)"
    )
    click.echo(f"wrote {len(result.files)} files under {out}")
    return EXIT_OK


_BOOL_FLAGS = {"--fail-on-missing": "--no-fail-on-missing", "--format-yaml": None}


def _kops_bool_flags(args: list[str]) -> list[str]:
    """Accept Go-style `--flag=false` for kOps' boolean flags, which click cannot parse."""
    out: list[str] = []
    for arg in args:
        name, eq, raw = arg.partition("=")
        if eq and name in _BOOL_FLAGS and raw.lower() in ("true", "false", "1", "0", "t", "f"):
            truthy = raw.lower() in ("true", "1", "t")
            negative = _BOOL_FLAGS[name]
            if truthy:
                out.append(name)
            elif negative:
                out.append(negative)
            continue
        out.append(arg)
    return out


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: run the command and exit with its code; the only place errors are shown."""
    args = _kops_bool_flags(list(sys.argv[1:] if argv is None else argv))
    debug = "--debug" in args
    try:
        code = cli.main(args=args, prog_name="clustermgr", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        code = EXIT_USAGE
    except MultipleErrors as exc:
        for error in exc.errors:
            click.echo(_error_line(error), err=True)
        code = exc.exit_code
    except ClusterMgrError as exc:
        click.echo(_error_line(exc), err=True)
        code = exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        code = 130
    except BrokenPipeError:
        code = EXIT_OK
    except Exception as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"clustermgr: internal error: {type(exc).__name__}: {exc}", err=True)
        if not debug:
            click.echo("re-run with --debug for the traceback", err=True)
        code = EXIT_INTERNAL
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _error_line(error: ClusterMgrError) -> str:
    if error.location is None:
        return f"error: {error.message}"
    return f"{error.location}: error: {error.message}"
