"""The command line: parse options, call the core, print, return an exit code.

Commands live in the modules of this package, grouped by workflow; every failure ends in
`main`, which maps it to one message and an exit code (see problems.py).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

import click

from clustermgr.cli.app import cli, load_command
from clustermgr.errors import ClusterMgrError, MultipleErrors
from clustermgr.problems import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE

__all__ = ["cli", "load_command", "main"]


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


def _deprecated_format(args: list[str]) -> list[str]:
    """`--format X` is `-o X` now (kubectl's and helm's spelling); accepted this release, with
    a warning. Not `--format-yaml`, kOps' own flag."""
    out: list[str] = []
    for arg in args:
        if arg == "--format" or arg.startswith("--format="):
            click.echo("warning: --format is deprecated; use -o/--output FORMAT", err=True)
            arg = "--output" + arg[len("--format") :]
        out.append(arg)
    return out


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: run the command and exit with its code; the only place errors are shown."""
    args = _deprecated_format(_kops_bool_flags(list(sys.argv[1:] if argv is None else argv)))
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
            import traceback  # noqa: PLC0415  # the crash path only

            traceback.print_exc()
        click.echo(f"clustermgr: internal error: {type(exc).__name__}: {exc}", err=True)
        if not debug:
            click.echo("re-run with --debug for the traceback", err=True)
        code = EXIT_INTERNAL
    cache = sys.modules.get("clustermgr.cache")  # loaded only by commands that cache
    notices = getattr(cache, "NOTICES", [])
    for notice in notices:
        click.echo(f"warning: {notice}", err=True)
    notices.clear()  # said once (and not again by the next command of a test process)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _error_line(error: ClusterMgrError) -> str:
    if error.location is None:
        return f"error: {error.message}"
    return f"{error.location}: error: {error.message}"
