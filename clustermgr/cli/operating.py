"""Operating commands: the CI pipeline, apply and roll through kops, import."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from clustermgr.cli.app import (
    HELP,
    cli,
    color_option,
    complete_clusters,
    emit,
    format_option,
    kops_crds_option,
    output_option,
    project_of,
    state_store,
    use_color,
    value_options,
)
from clustermgr.diff import ClusterDiff
from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.files import read_bytes
from clustermgr.fleet import select
from clustermgr.kops import NEWEST_KOPS
from clustermgr.ops import (
    apply,
    drift,
    driftissues,
    gitlab,
    gitlabapi,
    importer,
    lock,
    mrnote,
    outdated,
    planfile,
)
from clustermgr.plan import Reviewed, counted
from clustermgr.problems import EXIT_OK, EXIT_PROBLEMS, Group
from clustermgr.render import RenderSettings
from clustermgr.render.project import project_renderer
from clustermgr.reporters import DIFFS, DRIFT, PROBLEMS, ReportOptions, report
from clustermgr.text import count
from clustermgr.validation import make_linter
from clustermgr.values import Overrides, cluster_names, kops_name

if TYPE_CHECKING:  # the commands import what they need when they run
    from clustermgr.project import Project
    from clustermgr.validation.lint import Linter
    from clustermgr.values import Overrides


@cli.group("ci", context_settings=HELP, short_help="Generate CI pipelines.")
def ci_group() -> None:
    """Generate CI pipelines for the project's fleet."""


@ci_group.command("gitlab", context_settings=HELP)
@output_option
@click.option(
    "--deploy",
    is_flag=True,
    help="Write the deploy pipeline (the plan job's child pipeline) instead.",
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="With --deploy: only the clusters a change since REF affects (all for GitLab's "
    "zeros: no previous commit).",
)
@click.option(
    "--all-if-unknown",
    is_flag=True,
    help="With --deploy --changed-since: a REF that is no commit (a force push) deploys "
    "every cluster, said in the log, instead of an error.",
)
@click.pass_context
def ci_gitlab_cmd(
    ctx: click.Context,
    output: Path | None,
    deploy: bool,
    changed_since: str | None,
    all_if_unknown: bool,
) -> int:
    """The GitLab pipeline: a check on merge requests; on the default branch a plan job that
    writes the deploy pipeline for the clusters the push changed and runs it as a child
    pipeline: dry runs, updates in promotion order (manual unless ci.automatic), roll
    previews and rolls.

    \b
    Examples:
      clustermgr ci gitlab --out-file .gitlab-ci.yml
      clustermgr ci gitlab | diff .gitlab-ci.yml -     # is the committed pipeline current?
      clustermgr ci gitlab --deploy --changed-since HEAD~1 --out-file deploy-pipeline.yml
    """

    project = project_of(ctx)
    if changed_since is not None and not deploy:
        raise UsageError("--changed-since goes with --deploy")
    if all_if_unknown and changed_since is None:
        raise UsageError("--all-if-unknown goes with --changed-since")
    if deploy:
        clusters, why = gitlab.deploy_selection(project, changed_since, all_if_unknown)
        click.echo(f"deploy pipeline: {why} ({len(clusters)})", err=True)
        text = gitlab.deploy_pipeline(project, clusters, why)
    else:
        text = gitlab.pipeline(project)
    emit(text, output)
    return EXIT_OK


@ci_group.command("lock", context_settings=HELP)
@click.option(
    "--wheels",
    type=click.Path(path_type=Path),
    required=True,
    metavar="DIR",
    help="The wheels to pin: clustermgr's and every dependency's.",
)
@output_option
@click.pass_context
def ci_lock_cmd(ctx: click.Context, wheels: Path, output: Path | None) -> int:
    """Pin clustermgr and its dependencies by hash for the CI jobs (ci/requirements.lock).

    The jobs then install exactly these files (`pip install --require-hashes --no-deps`),
    from the index pip is given or from ci/wheels/ when the repository keeps them there.

    \b
    Examples:
      pip download clustermgr==0.1.0 --dest wheels/ --index-url https://pypi.example.com/simple
      clustermgr ci lock --wheels wheels/
      clustermgr ci gitlab --out-file .gitlab-ci.yml
    """

    project = project_of(ctx)
    text = lock.lock(wheels)
    target = output or project.root / lock.LOCK
    emit(text, target)
    pins = text.count("==")
    click.echo(f"wrote {project.display(target)}: {count(pins, 'pinned distribution')}", err=True)
    return EXIT_OK


def kops_timeout_option(func: Any) -> Any:
    return click.option(
        "--kops-timeout",
        type=click.FloatRange(min=1),
        default=3600,
        show_default=True,
        metavar="SECONDS",
        help="End a kops command that runs longer than this.",
    )(func)


@ci_group.command("gitlab-note", context_settings=HELP)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("clustermgr-report.md"),
    show_default=True,
    help="The Markdown report of check (--report-markdown).",
)
@click.pass_context
def ci_gitlab_note_cmd(ctx: click.Context, report_path: Path) -> int:
    """Post the check report as ONE merge-request note, updated on every push. Runs in the
    merge-request job: GitLab's CI_API_V4_URL, CI_PROJECT_ID and CI_MERGE_REQUEST_IID, and a
    project access token with api scope in the variable ci.noteTokenVariable names
    (CLUSTERMGR_GITLAB_TOKEN). A note GitLab refuses is a warning: it never fails the check.

    \b
    Examples:
      clustermgr ci gitlab-note --report clustermgr-report.md
    """

    project = project_of(ctx)
    to = mrnote.target(os.environ, project.config.ci_note_token, report_path.as_posix())
    report = read_bytes(report_path).decode("utf-8", errors="replace")
    try:
        done = mrnote.post(to, mrnote.body(report, to.artifact_url))
    except mrnote.NoteUnsent as exc:
        click.echo(f"warning: {exc.message}; the report stays in the job's artifacts", err=True)
        return EXIT_OK
    click.echo(f"{done} the clustermgr note on merge request !{to.merge_request}")
    return EXIT_OK


@ci_group.command("gitlab-issues", context_settings=HELP)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("drift.json"),
    show_default=True,
    help="The JSON report of drift (--report-json).",
)
@click.pass_context
def ci_gitlab_issues_cmd(ctx: click.Context, report_path: Path) -> int:
    """Keep exactly one open GitLab issue per drifted cluster: opened when it drifts, updated
    when its drift changes, closed with a note when it is clean (or, after a run over every
    cluster, gone from the project). Runs in a scheduled job after `drift`: GitLab's
    CI_API_V4_URL and CI_PROJECT_ID, and a project access token with api scope in the variable
    ci.noteTokenVariable names (CLUSTERMGR_GITLAB_TOKEN). Running it twice changes nothing.

    \b
    Examples:
      clustermgr drift --all --report-json drift.json -o markdown --out-file drift.md
      clustermgr ci gitlab-issues --report drift.json
    """

    project = project_of(ctx)
    to = gitlabapi.project(os.environ, project.config.ci_note_token, "gitlab-issues", "a job")
    text = read_bytes(report_path).decode("utf-8", errors="replace")
    done = driftissues.sync(to, driftissues.read_report(text, str(report_path)))
    for line in done or ["the drift issues are as the report says: nothing to do"]:
        click.echo(line)
    return EXIT_OK


@cli.command("drift", context_settings=HELP, short_help="Live clusters against git, classified.")
@click.argument("clusters", nargs=-1, shell_complete=complete_clusters)
@click.option("--all", "all_clusters", is_flag=True, help="Every cluster of the project.")
@click.option("--state", metavar="STORE", help="The kOps state store (default: KOPS_STATE_STORE).")
@format_option(DRIFT)
@color_option
@output_option
@click.option(
    "--report-json",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Also write the JSON report (what ci gitlab-issues reads).",
)
@click.option(
    "--exit-code", is_flag=True, help="Exit 1 when a cluster drifted or could not be compared."
)
@kops_timeout_option
@click.pass_context
def drift_cmd(
    ctx: click.Context,
    clusters: tuple[str, ...],
    all_clusters: bool,
    state: str | None,
    fmt: str,
    color: str,
    output: Path | None,
    report_json: Path | None,
    exit_code: bool,
    kops_timeout: float,
) -> int:
    """Compare each live cluster with git and say how each differs: edited outside git (the
    state store changed since clustermgr last applied it), not applied (git is ahead), or
    channel moved (the channel recommends a newer Kubernetes or images). Reads only; names
    differences by path, never by value. A cluster that cannot be read or rendered is
    reported as not compared, and the others still are.

    \b
    Examples:
      clustermgr drift --all --state s3://my-kops-state
      clustermgr drift --all --exit-code --report-json drift.json -o markdown --out-file drift.md
    """

    project = project_of(ctx)
    names = select(project, clusters, all_clusters).names
    store = state_store(state)
    linter = make_linter(project, None, for_replace=True)
    kops_version = project.config.kops_version or NEWEST_KOPS
    channel = outdated.channel_of(project, kops_version) if project.config.channel else None
    renderer = project_renderer(project, RenderSettings())
    found = []
    for name in names:
        try:
            found.append(drift.check(project, name, store, linter, kops_timeout, channel, renderer))
        except ClusterMgrError as exc:  # one unreadable cluster must not hide the others
            found.append(drift.Drift(name, [], [], [], False, [str(exc)]))
    result = drift.Report(found, all_clusters, store)
    if report_json is not None:
        emit(report(DRIFT, "json", result, ReportOptions("drift")), report_json)
    emit(report(DRIFT, fmt, result, ReportOptions("drift", color=use_color(color, output))), output)
    return EXIT_PROBLEMS if exit_code and result.drifted() else EXIT_OK


@cli.command("apply", context_settings=HELP, short_help="Apply clusters with kops.")
@click.argument("clusters", nargs=-1, required=True, shell_complete=complete_clusters)
@click.option("--state", metavar="STORE", help="The kOps state store (default: KOPS_STATE_STORE).")
@click.option(
    "--yes",
    is_flag=True,
    help="Write: without it kops runs against a private copy of the state store.",
)
@click.option("--force", is_flag=True, help="Apply even when the cluster drifted.")
@click.option(
    "--prune",
    is_flag=True,
    help="Delete InstanceGroups gone from the render (kops replace never does).",
)
@click.option(
    "--save-plan",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Preview, and save each cluster's plan with what it rests on, for --plan.",
)
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Apply only what FILE planned: refuse if the render, the store, the channel or the "
    "kOps version moved since.",
)
@kops_crds_option
@kops_timeout_option
@value_options
@click.pass_context
def apply_cmd(
    ctx: click.Context,
    clusters: tuple[str, ...],
    state: str | None,
    yes: bool,
    force: bool,
    prune: bool,
    save_plan: Path | None,
    plan_file: Path | None,
    kops_crds: Path | None,
    kops_timeout: float,
    values_files: tuple[str, ...],
    sets: tuple[str, ...],
    set_strings: tuple[str, ...],
) -> int:
    """Render each CLUSTER, refuse it when invalid, when kOps would refuse a change (a
    blocked plan) or when the state store drifted from what clustermgr last applied (unless
    --force), show the diff and its plan, then run kOps. Without --yes, kOps runs against a
    private copy of the state store and nothing is written; with --yes, the plan's steps up
    to the roll: kops replace, kops update cluster --yes (kops reconcile cluster --yes for a
    Kubernetes upgrade on kOps 1.31.0-beta.1 and later), with --prune the deletion of
    groups gone from the render, and the record of the apply last (`clustermgr roll` runs the
    rolling updates it records). Several clusters are applied in order, stopping at the first
    that fails.

    \b
    Examples:
      clustermgr apply dev-eu1 --state s3://my-kops-state           # preview, writes nothing
      clustermgr apply dev-eu1 --state s3://my-kops-state --yes
      clustermgr apply dev-eu1 --state s3://my-kops-state --yes --prune
      clustermgr apply prod-eu1 prod-us1 --state s3://my-kops-state --yes
      clustermgr apply prod-eu1 --state s3://my-kops-state --save-plan prod.plan  # review
      clustermgr apply prod-eu1 --state s3://my-kops-state --plan prod.plan --yes
    """

    project = project_of(ctx)
    if save_plan is not None and (yes or plan_file is not None):
        raise UsageError("--save-plan previews: not with --yes or --plan")
    saved = planfile.read(plan_file, str(plan_file)) if plan_file is not None else None
    store = state_store(state)
    overrides = Overrides(list(values_files), list(sets), list(set_strings))
    linter = make_linter(project, kops_crds, for_replace=True)
    plans: dict[str, planfile.Saved] = {}
    for cluster in cluster_names(project, clusters):
        found = _apply_one(
            project, cluster, store, overrides, linter, yes, force, prune, kops_timeout, saved
        )
        plans[cluster] = found
    if save_plan is not None:
        emit(planfile.text(plans), save_plan)
        click.echo(f"saved the plan of {count(len(plans), 'cluster')} to {save_plan}", err=True)
    return EXIT_OK


def _apply_one(
    project: Project,
    cluster: str,
    store: str,
    overrides: Overrides,
    linter: Linter,
    yes: bool,
    force: bool,
    prune: bool,
    kops_timeout: float,
    saved: dict[str, planfile.Saved] | None = None,
) -> planfile.Saved:

    prepared = apply.prepare(project, cluster, store, overrides, linter, prune, kops_timeout)
    safety = apply.safety(prepared, force)
    steps = [step.text() for step in prepared.plan.steps]
    live = {f"{kind}/{name}": doc for (kind, name), doc in prepared.current.items()}
    prints = planfile.fingerprints(project, prepared.render, live, steps)
    if not prepared.valid():
        groups = [Group(cluster, prepared.problems, ())]
        click.echo(report(PROBLEMS, "text", groups, ReportOptions("apply")), nl=False, err=True)
    if prepared.half_applied:
        title = f"{cluster} (half-applied by an apply that stopped: already as the render says)"
        shown = counted(ClusterDiff(title, prepared.half_applied, {}, {}))
        click.echo(report(DIFFS, "text", [shown], ReportOptions("apply")), err=True)
    if prepared.drift:
        drifted = ClusterDiff(f"{cluster} (state store now vs. last apply)", prepared.drift, {}, {})
        click.echo(report(DIFFS, "text", [counted(drifted)], ReportOptions("apply")), err=True)
    for notice in safety.notices:
        click.echo(notice, err=True)
    if prepared.valid():
        planned = Reviewed(ClusterDiff(cluster, prepared.changes, {}, {}), prepared.plan)
        options = ReportOptions("apply", color=use_color())
        click.echo(report(DIFFS, "text", [planned], options), nl=False)
    if safety.refusal is not None:
        raise ClusterMgrError(safety.refusal)
    if saved is not None:  # before kOps runs at all, preview or not
        planfile.check(cluster, saved.get(cluster), prints)
    err = lambda line: click.echo(line, err=True)  # noqa: E731
    if yes:
        apply.execute(prepared, click.echo, err, kops_timeout)
    else:
        apply.preview(prepared, click.echo, err, kops_timeout)
    return planfile.Saved(prints, steps)


@cli.command("roll", context_settings=HELP, short_help="Rolling-update clusters with kops.")
@click.argument("clusters", nargs=-1, required=True, shell_complete=complete_clusters)
@click.option("--state", metavar="STORE", help="The kOps state store (default: KOPS_STATE_STORE).")
@click.option("--yes", is_flag=True, help="Replace the instances (otherwise a preview).")
@kops_timeout_option
@click.pass_context
def roll_cmd(
    ctx: click.Context, clusters: tuple[str, ...], state: str | None, yes: bool, kops_timeout: float
) -> int:
    """Run the rolling updates the last apply's plan recorded for each CLUSTER (in order,
    stopping at the first that fails), with a short-lived admin kubeconfig exported for the
    run (kops drains nodes through the Kubernetes API) and removed after. Without a record,
    kOps rolls what it finds out of date.

    \b
    Examples:
      clustermgr roll prod-eu1 --state s3://my-kops-state          # what would be replaced
      clustermgr roll prod-eu1 --state s3://my-kops-state --yes
    """

    project = project_of(ctx)
    store = state_store(state)
    err = lambda line: click.echo(line, err=True)  # noqa: E731
    for cluster in cluster_names(project, clusters):
        apply.roll(store, kops_name(project, cluster), yes, click.echo, err, kops_timeout)
    return EXIT_OK


@cli.command("health", context_settings=HELP, short_help="Validate live clusters with kops.")
@click.argument("clusters", nargs=-1, required=True, shell_complete=complete_clusters)
@click.option("--state", metavar="STORE", help="The kOps state store (default: KOPS_STATE_STORE).")
@click.option(
    "--wait",
    default="15m",
    show_default=True,
    metavar="DURATION",
    help="How long kops may wait for the cluster to be healthy (10m, 1h30m).",
)
@kops_timeout_option
@click.pass_context
def health_cmd(
    ctx: click.Context, clusters: tuple[str, ...], state: str | None, wait: str, kops_timeout: float
) -> int:
    """Check that each live CLUSTER is healthy with `kops validate cluster` (control plane and
    nodes Ready, the control plane's and critical pods running), waiting up to --wait for
    three passes in a row, with a short-lived admin kubeconfig exported for the run. Stops
    at the first cluster that is not healthy (exit 1): a deploy pipeline runs it after each
    wave, so a failed wave stops the later ones.

    \b
    Examples:
      clustermgr health prod-eu1 --state s3://my-kops-state
      clustermgr health prod-eu1 prod-us1 --state s3://my-kops-state --wait 30m
    """

    if not re.fullmatch(r"(\d+(\.\d+)?(h|m|s))+", wait):  # a Go duration, as kops parses it
        raise UsageError(f"--wait {wait!r}: expected a duration such as 10m, 1h or 1h30m")
    project = project_of(ctx)
    store = state_store(state)
    err = lambda line: click.echo(line, err=True)  # noqa: E731
    for cluster in cluster_names(project, clusters):
        apply.health(store, kops_name(project, cluster), wait, click.echo, err, kops_timeout)
    return EXIT_OK


@cli.command("import", context_settings=HELP, short_help="Import clusters into a project.")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out-dir",
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    metavar="DIR",
    help="Project folder to write (--out: the older spelling).",
)
@click.option(
    "--name-from",
    type=click.Choice(["file", "cluster"]),
    default="file",
    show_default=True,
    help="Name each cluster's values file after its source file, or its kOps name.",
)
@click.option(
    "--environment",
    metavar="ENV",
    help="The CI environment of every imported cluster (default: a word like dev, staging "
    "or prod in its name).",
)
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
def import_cmd(
    sources: tuple[Path, ...], out: Path, name_from: str, environment: str | None, force: bool
) -> int:
    """Turn existing clusters into one template plus values. Each SOURCE is a manifest
    (`kops get CLUSTER -o yaml`) or a state-store folder of one cluster. Every cluster is
    rendered back from the new project and compared with its source before anything is
    written.

    \b
    Examples:
      kops get prod.example.com -o yaml > prod.yaml   # and the same for each cluster
      clustermgr import *.yaml --out-dir fleet/
      clustermgr import state-copy/dev.example.com state-copy/prod.example.com --out-dir fleet/
    """

    result = importer.run(list(sources), name_from, environment)
    importer.write(out, result.files, force)
    sizes = sorted(result.values_per_cluster.values())
    templates = [n for n in result.files if n.startswith("template/")]
    ratio = result.source_bytes / max(result.template_bytes, 1)
    click.echo(f"imported {count(len(result.clusters), 'cluster')}: {', '.join(result.clusters)}")
    click.echo(
        f"template: {result.template_bytes:,} bytes in {count(len(templates), 'file')}; "
        f"the sources: {result.source_bytes:,} bytes ({ratio:.1f}x the template)"
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
    click.echo(f"wrote {count(len(result.files), 'file')} under {out}")
    if result.without_environment:
        click.echo(
            f"no environment for {', '.join(result.without_environment)}: set `environment` "
            "in their values (or import with --environment) before `clustermgr ci gitlab`",
            err=True,
        )
    return EXIT_OK
