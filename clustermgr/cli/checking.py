"""Checking commands: validate, lint, and check for a whole fleet in CI."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from clustermgr import fleet
from clustermgr.cli.app import (
    HELP,
    cli,
    color_option,
    complete_clusters,
    emit,
    format_option,
    kops_crds_option,
    note_kops_version,
    output_option,
    project_of,
    report_options,
    use_color,
    value_options,
    write_report,
)
from clustermgr.diff import Against
from clustermgr.diff.applied import local_state_store
from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.files import atomic_write
from clustermgr.fleet.results import FAIL_ON
from clustermgr.problems import EXIT_OK
from clustermgr.project import find_project, require_clusters
from clustermgr.reporters import CHECK, ReportOptions, formats, report, reporter
from clustermgr.reporters import RULES as RULE_TABLE
from clustermgr.reporters.check import CheckReport, report_files
from clustermgr.text import count
from clustermgr.values import Overrides, cluster_names

if TYPE_CHECKING:
    from clustermgr.project import Project


@cli.command("validate", context_settings=HELP, short_help="Validate clusters end to end.")
@click.argument("clusters", nargs=-1, shell_complete=complete_clusters)
@click.option("--all", "all_clusters", is_flag=True, help="Validate every cluster.")
@value_options
@report_options
@click.pass_context
def validate_cmd(
    ctx: click.Context,
    clusters: tuple[str, ...],
    all_clusters: bool,
    values_files: tuple[str, ...],
    sets: tuple[str, ...],
    set_strings: tuple[str, ...],
    kops_crds: Path | None,
    kops_version: str | None,
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
      clustermgr validate prod-eu1 --kops-crds ~/src/kops/k8s/crds -o junit --out-file report.xml
    """

    project = project_of(ctx)
    if all_clusters == bool(clusters):
        raise UsageError("name the clusters to validate, or pass --all (not both)")
    if all_clusters:
        require_clusters(project)

    # Templates and lint: not loaded by `check`, whose warm run needs neither.
    from clustermgr.render import RenderSettings  # noqa: PLC0415  # Jinja2, see above
    from clustermgr.validation import Validator, make_linter, validate_clusters  # noqa: PLC0415

    names = list(project.clusters()) if all_clusters else cluster_names(project, clusters)
    overrides = Overrides(list(values_files), list(sets), list(set_strings))
    validator = Validator(
        project,
        overrides,
        RenderSettings(),
        make_linter(project, kops_crds, for_replace=True, kops_version=kops_version),
    )
    groups = validate_clusters(validator, names)
    note_kops_version(project, kops_version)
    options = ReportOptions("validate", "cluster", use_color(color, output), strict)
    return write_report(options, groups, fmt, output)


@cli.command("lint", context_settings=HELP, short_help="Lint kOps manifests.")
@click.argument("files", nargs=-1)
@click.option(
    "--list-rules", is_flag=True, help="Print every rule id with its level and what it finds."
)
@report_options
@click.pass_context
def lint_cmd(
    ctx: click.Context,
    files: tuple[str, ...],
    list_rules: bool,
    kops_crds: Path | None,
    kops_version: str | None,
    fmt: str,
    output: Path | None,
    color: str,
    strict: bool,
) -> int:
    """Lint kOps manifests (FILE... or - for standard input): what `kops replace` accepts,
    field types against the kOps CRDs, and kOps' own validation rules, offline. The project's
    kopsVersion and kopsCrds apply to its own files and standard input; files outside it
    are checked with the newest kOps' rules (or --kops-version).

    \b
    Examples:
      kops get my.example.com -o yaml | clustermgr lint -
      clustermgr lint --kops-crds ~/src/kops/k8s/crds -o parsable rendered/*.yaml
      clustermgr lint --list-rules
    """
    if list_rules:
        from clustermgr.kops.rules import table  # noqa: PLC0415  # 8 ms: check never lists them

        fmt = fmt if fmt in formats(RULE_TABLE) else "text"
        emit(report(RULE_TABLE, fmt, table(), ReportOptions("lint")), output)
        return EXIT_OK
    if not files:
        raise UsageError("name the files to lint (- for standard input), or pass --list-rules")

    project = None
    with contextlib.suppress(ClusterMgrError):  # lint needs no project; one supplies kopsCrds
        project = find_project(ctx.find_root().obj)
    for raw in files:
        if raw != "-" and not Path(raw).is_file():
            raise UsageError(f"no such file: {raw}")
    outside = [f for f in files if f != "-" and project is not None and not _inside(project, f)]
    if outside:  # another fleet's manifests: this project's kopsVersion says nothing of them
        project = None
    stdin = sys.stdin.read() if "-" in files else None
    from clustermgr.validation import lint_paths, make_linter  # noqa: PLC0415  # see validate

    linter = make_linter(project, kops_crds, kops_version=kops_version)
    groups = lint_paths(linter, list(files), stdin)
    note_kops_version(project, kops_version)
    options = ReportOptions("lint", "file", use_color(color, output), strict)
    return write_report(options, groups, fmt, output)


def _inside(project: Project, raw: str) -> bool:
    return Path(raw).resolve().is_relative_to(project.root)


@cli.command("check", context_settings=HELP, short_help="Validate and diff a fleet (CI).")
@click.argument("clusters", nargs=-1, shell_complete=complete_clusters)
@click.option("--all", "all_clusters", is_flag=True, help="Check every cluster.")
@click.option("--changed-since", metavar="REF", help="Only clusters a change since REF affects.")
@click.option("--explain", is_flag=True, help="Say why each cluster was selected (stderr).")
@click.option("--state", metavar="DIR", help="Diff against a local kOps state store.")
@click.option("--against-ref", metavar="REF", help="Diff against the project at this git ref.")
@click.option("--ignore", multiple=True, metavar="RULE", help="Ignore Kind/name:path in diffs.")
@kops_crds_option
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes (default: cores; at most limits.jobs).",
)
@click.option("--shard", metavar="I/N", help="Check shard I of N (default: CI_NODE_INDEX/TOTAL).")
@click.option("--no-cache", is_flag=True, help="Recompute every result.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    multiple=True,
    help="Also fail on differences of this kind.",
)
@click.option(
    "--report-markdown",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write the merge-request note (markdown) here.",
)
@click.option(
    "--junit", type=click.Path(path_type=Path), metavar="FILE", help="Write a JUnit report here."
)
@click.option(
    "--codequality",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write a GitLab Code Quality report here.",
)
@click.option(
    "--json",
    "json_file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write every result as JSON here.",
)
@format_option(CHECK)
@output_option
@color_option
@click.option("-q", "--quiet", is_flag=True, help="List only clusters with problems or changes.")
@click.option("-v", "--verbose", is_flag=True, help="List every cluster, however many.")
@value_options
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
    fmt: str,
    output: Path | None,
    color: str,
    quiet: bool,
    verbose: bool,
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

    if state is not None and against_ref is not None:
        raise UsageError("use one of --state and --against-ref")
    project = project_of(ctx)
    if state is not None:
        local_state_store(state)  # refuse remote or missing stores before any work
    selection = fleet.select(project, clusters, all_clusters, changed_since, kops_crds)
    names = selection.names
    parts = fleet.parse_shard(shard)
    if parts is not None:
        names = fleet.shard(project, names, *parts)
    if explain:
        for name in names:
            click.echo(f"{name}: {'; '.join(selection.reasons.get(name, []))}", err=True)
        for name in selection.removed:
            click.echo(f"{name}: removed (its values file was deleted)", err=True)
    request = fleet.CheckRequest(
        Overrides(list(values_files), list(sets), list(set_strings)),
        Against(None, state, against_ref),
        tuple(ignore),
        str(kops_crds) if kops_crds else None,
    )
    tty = sys.stderr.isatty()
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        """A bar with the elapsed time on a terminal, cleared when done."""
        if not (tty and total):
            return
        if done == total:
            click.echo("\r\033[K", err=True, nl=False)
            return
        bar = "#" * (30 * done // total)
        took = time.perf_counter() - started
        click.echo(f"\r[{bar:<30}] {done}/{total} {took:.0f} s", err=True, nl=False)

    results = fleet.run(
        project, names, request, jobs or os.cpu_count() or 1, not no_cache, progress
    )
    if not tty:
        counted = fleet.counts(results)
        click.echo(
            f"checked {count(counted.checked, 'cluster')} in {time.perf_counter() - started:.1f} s "
            f"({counted.cached} from cache)",
            err=True,
        )
    report = CheckReport(results, selection.removed, selection.reasons)
    wanted = {"markdown": report_markdown, "junit": junit, "codequality": codequality}
    wanted["json"] = json_file
    for path, text in report_files(report, wanted).items():
        atomic_write(path, text)
    verbosity = -1 if quiet else 1 if verbose else 0
    options = ReportOptions("check", color=use_color(color, output), verbosity=verbosity)
    emit(reporter(CHECK, fmt)(report, options), output)
    return fleet.exit_code(results, fail_on)
