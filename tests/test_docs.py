"""The reference is the commands': docs/commands.md is generated from them and lists every
command and option `--help` shows; every page the README points to exists."""

from __future__ import annotations

import re

import click

from clustermgr.cli.reference import commands, markdown
from tests.conftest import REPO


def test_the_command_reference_is_current() -> None:
    assert (REPO / "docs" / "commands.md").read_text(encoding="utf-8") == markdown(), (
        "run: python tools/command_reference.py"
    )


def test_every_command_and_option_is_in_the_reference() -> None:
    reference = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
    missing = []
    for name, command in commands():
        if f"## `clustermgr {name}`" not in reference:
            missing.append(name)
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                missing += [f"{name} {o}" for o in param.opts if o not in reference]
    assert missing == []


def test_the_readme_links_resolve() -> None:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", page.read_text()):
            if not (page.parent / target).is_file():
                broken.append(f"{page.name}: {target}")
    assert broken == []


def test_the_readmes_performance_section_is_the_last_recorded_benchmark() -> None:
    """bench/compare.py --record writes both; neither is edited by hand."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("<!-- bench:begin -->\n", 1)[1].split("<!-- bench:end -->", 1)[0]
    recorded = (REPO / "bench" / "results" / "latest.md").read_text()
    assert section == recorded
    assert "| cold |" in recorded and "ratio this/" in recorded
