"""The click group and what the commands share: option sets, the project, reports.

Only the modules of clustermgr.cli import click or write to the terminal.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from clustermgr import __version__
from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.files import atomic_write
from clustermgr.kops import NEWEST_KOPS, state_store_from_env
from clustermgr.problems import exit_code
from clustermgr.project import find_project
from clustermgr.reporters import PROBLEMS, formats, report

HELP = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# Where each command is defined: a command's module is imported only when it runs (or for
# --help), so `render` does not pay for building the other commands' options.
COMMANDS = {
    **dict.fromkeys(("list", "values"), "authoring"),
    **dict.fromkeys(("render", "template"), "rendering"),
    **dict.fromkeys(("convert", "set", "promote"), "editing"),
    **dict.fromkeys(("validate", "lint", "check"), "checking"),
    **dict.fromkeys(("diff", "pull", "outdated"), "reviewing"),
    **dict.fromkeys(("ci", "apply", "roll", "import", "drift", "health"), "operating"),
    **dict.fromkeys(("init", "new", "completion"), "starting"),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            importlib.import_module(f"clustermgr.cli.{COMMANDS[cmd_name]}")
        return super().get_command(ctx, cmd_name)


def emit(text: str, out: Path | None) -> None:
    """Write `text` to the file `out` (atomically), or to standard output."""
    if out is not None:
        if out.is_dir():
            raise UsageError(
                f"{out} is a folder: name a file (or use --out-dir where there is one)"
            )
        atomic_write(out, text)
    else:
        # color=True: click would strip ANSI codes off a pipe; --color decided already.
        click.echo(text, nl=False, color=True)


def split_commas(values: Sequence[str]) -> list[str]:
    """kOps' StringSlice flags take repeated flags and comma-separated lists alike."""
    return [part for value in values for part in value.split(",") if part]


def value_options(func: Callable[..., Any]) -> Callable[..., Any]:
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


def render_options(func: Callable[..., Any]) -> Callable[..., Any]:
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


@click.group(cls=_LazyGroup, context_settings=HELP)
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


def load_command(args: Sequence[str]) -> None:
    """Import the module of the command that `args` name, before click reads them: the first
    argument that is neither a group option nor its value. Anything else loads as it runs."""
    valued = {
        name
        for param in cli.params
        if isinstance(param, click.Option) and not param.is_flag
        for name in param.opts
    }
    skip = False
    for arg in args:
        if skip or arg.startswith("-"):
            skip = arg in valued
            continue
        if arg in COMMANDS:
            importlib.import_module(f"clustermgr.cli.{COMMANDS[arg]}")
        return


def complete_clusters(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Cluster names for shell completion (none outside a project)."""

    try:
        names = find_project(ctx.find_root().params.get("directory")).clusters()
    except ClusterMgrError:
        return []
    return [name for name in names if name.startswith(incomplete)]


def project_of(ctx: click.Context) -> Any:

    return find_project(ctx.find_root().obj)


class FormatChoice(click.Choice):  # type: ignore[type-arg]
    """A report format; a value that names a file gets told where files go."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            choices = ", ".join(str(c) for c in self.choices)
            raise click.BadParameter(
                f"{value!r} is not a format (choose from {choices}); "
                "to write a file, use --out-file FILE",
                ctx,
                param,
            ) from None


def format_option(kind: str, default: str | None = None) -> Callable[..., Any]:
    """`-o/--output FORMAT`, as kubectl and helm spell it, with the choices of one kind of
    report (from the reporter registry). `--format` still works for now (main rewrites it,
    with a warning)."""

    choices = formats(kind)
    return click.option(
        "-o",
        "--output",
        "fmt",
        type=FormatChoice(choices),
        default=default or choices[0],
        show_default=True,
        metavar="FORMAT",
        help=f"Output format: {', '.join(choices)}.",
    )


def report_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options of commands that report problems (validate, lint)."""

    func = click.option(
        "--strict", is_flag=True, help="Warnings fail too (exit code, JUnit failures)."
    )(func)
    func = color_option(func)
    func = output_option(func)
    func = format_option(PROBLEMS)(func)
    func = kops_crds_option(func)
    func = click.option(
        "--kops-version",
        metavar="VERSION",
        help="The kOps that applies the fleet (default: kopsVersion; unset: the newest rules).",
    )(func)
    return func


def output_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--out-file FILE` (and `--out`, the older spelling): the command's one output file,
    written atomically; standard output without it."""
    return click.option(
        "--out-file",
        "--out",
        "output",
        type=click.Path(path_type=Path),
        metavar="FILE",
        help="Write to this file (atomically) instead of standard output.",
    )(func)


def color_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--color",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        help="Colour the text report (auto: on a terminal, unless NO_COLOR is set non-empty).",
    )(func)


def kops_crds_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--kops-crds",
        type=click.Path(path_type=Path),
        metavar="DIR",
        help="Folder of the official kOps CRDs: full structural checks, unknown-field warnings.",
    )(func)


def note_kops_version(project: Any | None, flag: str | None) -> None:
    """Say once which kOps' rules apply when neither --kops-version nor kopsVersion names one."""
    if flag or (project is not None and project.config.kops_version):
        return

    click.echo(
        f"note: no kopsVersion set (clustermgr.yaml or --kops-version): checking with the "
        f"rules of kOps {NEWEST_KOPS}",
        err=True,
    )


def write_report(options: Any, groups: list[Any], fmt: str, output: Path | None) -> int:
    """Write a problem report; the exit code its problems call for."""

    emit(report(PROBLEMS, fmt, groups, options), output)
    return exit_code(groups, options.strict)


def state_store(state: str | None) -> str:

    found = state or state_store_from_env()
    if not found:
        raise UsageError("pass --state STORE (or set KOPS_STATE_STORE)")
    return found


def use_color(color: str = "auto", output: Path | None = None) -> bool:
    """--color always|never|auto: auto colours a terminal, unless NO_COLOR is set."""

    if color != "auto":
        return color == "always"
    # no-color.org: NO_COLOR set to a non-empty value turns colour off; empty is ignored
    return output is None and not os.environ.get("NO_COLOR") and sys.stdout.isatty()
