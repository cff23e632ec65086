"""The command reference (docs/commands.md), generated from the commands themselves so that it
lists every command and option exactly as `--help` does (tools/command_reference.py writes it;
a test keeps the file current)."""

from __future__ import annotations

import inspect

import click

from clustermgr.cli.app import cli


def commands() -> list[tuple[str, click.Command]]:
    """Every command, subcommands of groups by their full name, in name order."""
    ctx = click.Context(cli)
    found: list[tuple[str, click.Command]] = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        if isinstance(command, click.Group):
            sub = click.Context(command, parent=ctx)
            for child in command.list_commands(sub):
                found_child = command.get_command(sub, child)
                if found_child is not None:
                    found.append((f"{name} {child}", found_child))
        elif command is not None:
            found.append((name, command))
    return found


def markdown() -> str:
    out = [
        "# Command reference",
        "",
        "Generated from the commands (`python tools/command_reference.py`); every command also",
        "answers `-h`. Exit codes: [exit-codes.md](exit-codes.md).",
        "",
    ]
    for name, command in commands():
        settings = {**command.context_settings, "terminal_width": 100, "max_content_width": 100}
        ctx = click.Context(command, info_name=f"clustermgr {name}", **settings)
        out += [f"## `clustermgr {name}`", "", "```text", command.get_usage(ctx), "```", ""]
        out += [*_paragraphs(command.help or ""), ""]
        rows = [_row(p, ctx) for p in command.get_params(ctx) if isinstance(p, click.Option)]
        if rows:
            out += ["| option | what it does |", "| --- | --- |", *rows, ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _row(option: click.Option, ctx: click.Context) -> str:
    record = option.get_help_record(ctx)
    flags, text = record if record else ("/".join(option.opts), "")
    cell = text.replace("|", "\\|")
    return f"| `{flags}` | {cell} |"


def _paragraphs(text: str) -> list[str]:
    """The help text's paragraphs; click's unwrapped (`\\b`) ones as blocks."""
    out = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        if paragraph.startswith("\b\n"):
            out += ["```text", paragraph[2:], "```"]
        else:
            out += [paragraph, ""]
    return out
