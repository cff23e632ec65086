"""Starting commands: init a project, add a cluster, shell completion."""

from __future__ import annotations

from pathlib import Path

import click

from clustermgr.cli.app import HELP, cli, complete_clusters, project_of
from clustermgr.ops.scaffold import init_project, new_cluster
from clustermgr.problems import EXIT_OK


@cli.command("init", context_settings=HELP, short_help="Write a small working project.")
@click.argument("folder", type=click.Path(path_type=Path), default=Path("."))
def init_cmd(folder: Path) -> int:
    """Write a minimal project into FOLDER (default: here): clustermgr.yaml, a pinned channel,
    one template, a values schema, shared defaults, one environment and one cluster. It
    validates and renders as it is; nothing that exists is overwritten.

    \b
    Examples:
      clustermgr init fleet && cd fleet && clustermgr validate --all
    """

    written = init_project(folder)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: cd {folder} && clustermgr validate --all && clustermgr render --all")
    return EXIT_OK


@cli.command("new", context_settings=HELP, short_help="Add a cluster's values file.")
@click.argument("cluster")
@click.option("--env", required=True, metavar="ENV", help="The environment folder under values/.")
@click.option(
    "--from",
    "source",
    metavar="CLUSTER",
    shell_complete=complete_clusters,
    help="Copy the keys of this cluster's own values file (not its shared layers).",
)
@click.option("--kops-name", metavar="NAME", help="Its kOps name (default: CLUSTER.<domain>).")
@click.pass_context
def new_cmd(
    ctx: click.Context, cluster: str, env: str, source: str | None, kops_name: str | None
) -> int:
    """Add CLUSTER to the project: values/ENV/CLUSTER.yaml with its kOps name, and with
    --from the cluster-owned keys of another cluster. A kOps name in use is refused.

    \b
    Examples:
      clustermgr new prod-eu2 --env prod --from prod-eu1
    """

    project = project_of(ctx)
    path = new_cluster(project, cluster, env, source, kops_name)
    click.echo(f"wrote {project.display(path)}")
    return EXIT_OK


@cli.command("completion", context_settings=HELP, short_help="Print a shell completion script.")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion_cmd(shell: str) -> int:
    """Print the completion script for SHELL: commands, options, formats and cluster names.

    \b
    Examples:
      source <(clustermgr completion bash)              # this shell
      clustermgr completion bash > ~/.local/share/bash-completion/completions/clustermgr
    """
    from click.shell_completion import get_completion_class  # noqa: PLC0415  # completion only

    completer = get_completion_class(shell)
    assert completer is not None  # the choice is one of click's shells
    script = completer(cli, {}, "clustermgr", "_CLUSTERMGR_COMPLETE").source()
    click.echo(script)
    return EXIT_OK
