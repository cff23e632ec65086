"""Editing commands: set and promote change values files, convert turns Go templates into
Jinja2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from clustermgr.cli.app import (
    HELP,
    cli,
    kops_values_options,
    project_of,
    split_commas,
    use_color,
)
from clustermgr.errors import UsageError
from clustermgr.files import walk_files
from clustermgr.ops import convert, edit
from clustermgr.problems import EXIT_OK, exit_code
from clustermgr.render.project import TemplateRequest, channel_file, template_values
from clustermgr.reporters import DIFFS, PROBLEMS, ReportOptions, report
from clustermgr.text import count
from clustermgr.values import Overrides


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
@click.option(
    "--name",
    "cluster_name",
    metavar="CLUSTER",
    help="Cluster name; clusterName when the values have none (as kops toolbox template).",
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
    cluster_name: str | None,
) -> int:
    """Convert Go templates (kops toolbox template's: text/template, Sprig, include, the
    channel functions) to Jinja2 that renders the same bytes. Each one is rendered both ways
    with the values given and compared byte for byte, against `kops toolbox template` when
    kops is on PATH, else against clustermgr's Go evaluator (the summary says which); a
    difference, a function clustermgr refuses (env, now, random ...) or one it lacks is
    reported where it is, and nothing is written.

    \b
    Examples:
      clustermgr convert cluster.tmpl --snippets snippets/ --values values.yaml --out-dir template/
    """

    request = TemplateRequest(
        templates=[str(s) for s in sources],
        overrides=Overrides(split_commas(values_files), list(sets), list(set_strings)),
        cluster_name=cluster_name,
    )
    values = template_values(request)
    snippet_files = [
        f for d in split_commas(snippets) for f in sorted(walk_files(Path(d))) if f.is_file()
    ]
    for source in sources:
        if not source.exists():
            raise UsageError(f"no such template file or folder: {source}")
    # a folder stands for its files, walked in order, as kops toolbox template takes it
    files = [f for s in sources for f in (sorted(walk_files(s)) if s.is_dir() else [s])]

    loaded = channel_file(channel, kops_version) if channel else None
    against = convert.reference(channel)
    done = convert.convert_files(files, snippet_files, values, fail_on_missing, loaded, against)
    for path in convert.write(out_dir, done):
        click.echo(f"wrote {path}")
    click.echo(
        f"{count(len(files), 'template')} proved: the Jinja renders the same bytes as "
        f"{against.words()} with the values given",
        err=True,
    )
    return EXIT_OK


dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Show the edit and what it does; write nothing."
)


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
@click.option(
    "--set-file",
    "set_files",
    multiple=True,
    metavar="KEY=PATH",
    help="Replace KEY with the YAML in PATH (a mapping, a list or a scalar).",
)
@click.option("--unset", "unsets", multiple=True, metavar="KEY", help="Remove KEY where it is set.")
@dry_run_option
@click.pass_context
def set_cmd(
    ctx: click.Context,
    args: tuple[str, ...],
    all_clusters: bool,
    env: str | None,
    layer: str | None,
    as_string: bool,
    set_files: tuple[str, ...],
    unsets: tuple[str, ...],
    dry_run: bool,
) -> int:
    """Set KEY=VALUE for the clusters named, --all or --env ENV, in the file each value comes
    from now, keeping every comment, blank line, key order, quoting, line ending and every
    other byte. A path addresses what is there: `list[1]=v` changes element 1 of the list,
    `subnets[zone=eu-west-1b].cidr=v` the element whose zone is eu-west-1b, `list={a,b}`
    replaces the whole list (docs/editing.md has the table of how this differs from --set).
    Before anything is written, every cluster that merges an edited file is computed again and
    compared with what was asked: a named cluster must change exactly as asked, any other not
    at all (else the edit is refused, naming the clusters and paths). Then: the edit as a
    diff, each affected cluster's render diff with its plan, and their validation (exit 1 on a
    problem; without --dry-run the edit stays, unless kOps would refuse it).

    \b
    Examples:
      clustermgr set kubernetesVersion=1.34.10 --env prod --dry-run
      clustermgr set nodeGroups.nodes.maxSize=30 prod-eu1
      clustermgr set 'kubernetesApiAccess[1]=203.0.113.0/24' prod-eu1
      clustermgr set 'subnets[zone=eu-west-1b].cidr=10.30.96.0/19' prod-eu1 --dry-run
      clustermgr set etcd.memoryRequest=200Mi --all --layer defaults
      clustermgr set --unset kubelet.maxPods prod-eu1
    """
    project = project_of(ctx)
    exprs = [a for a in args if "=" in a]
    named = [a for a in args if "=" not in a]
    changes = [edit.parse_assignment(a, as_string) for a in exprs]
    changes += [edit.parse_file_assignment(a) for a in set_files]
    changes += [edit.parse_unset(a) for a in unsets]
    if not changes:
        raise UsageError("name at least one KEY=VALUE (or --set-file, --unset)")
    targets = edit.targets(project, named, all_clusters, env)
    plan = edit.plan(project, changes, targets, layer)
    return _edit_report(project, plan, dry_run)


def _edit_report(project: Any, plan: Any, dry_run: bool) -> int:
    """Show an edit, what it does to the clusters it reaches, then write it (or not)."""
    if not plan.changed:
        click.echo("nothing to change: the values are already so")
        return EXIT_OK
    done = edit.preview(project, plan)
    click.echo(done.unified, nl=False)
    click.echo(report(DIFFS, "text", done.diffs, ReportOptions("set", color=use_color())), nl=False)
    click.echo(report(PROBLEMS, "text", done.groups, ReportOptions("set")), nl=False)
    written = edit.commit(project, plan, done, dry_run)
    click.echo(f"wrote {', '.join(written)}" if written else "dry run: nothing written", err=True)
    return exit_code(done.groups, strict=False)


@cli.command("promote", context_settings=HELP, short_help="Copy values to the next environment.")
@click.argument("keys", nargs=-1, required=True, metavar="KEY...")
@click.option(
    "--from", "source", required=True, metavar="ENV", help="The environment to copy from."
)
@click.option("--to", "target", required=True, metavar="ENV", help="The environment to copy to.")
@click.option(
    "--skip-stages",
    is_flag=True,
    help="Allow --to an environment further on than the next one in the promotion order.",
)
@dry_run_option
@click.pass_context
def promote_cmd(
    ctx: click.Context,
    keys: tuple[str, ...],
    source: str,
    target: str,
    skip_stages: bool,
    dry_run: bool,
) -> int:
    """Copy the effective values of KEY (dotted paths) from every cluster of one environment,
    which must agree, to the layer the clusters of the next environment share, with the same
    report and proof as set. One stage at a time, in the promotion order of clustermgr.yaml
    (ci.environments), unless --skip-stages.

    \b
    Examples:
      clustermgr promote kubernetesVersion --from staging --to prod --dry-run
    """

    project = project_of(ctx)
    changes = edit.promotion(project, list(keys), source, target, skip_stages)
    plan = edit.plan(project, changes, edit.targets(project, [], False, target), None)
    return _edit_report(project, plan, dry_run)
