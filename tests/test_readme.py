"""The console examples of the README and docs/, run: a `$ ` line is a shell command run in a
copy of the example, the lines under it its expected output. A block ending in `...` shows a
selection: its lines must appear in the output in that order. The docs cannot drift from the
tool (tools/refresh_examples.py rewrites the outputs after a deliberate change)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO, copy_example, run_example

BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)


PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def examples() -> list[tuple[str, list[str]]]:
    found = []
    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    for block in BLOCK.findall(text):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *expected = chunk.rstrip("\n").split("\n")
            while expected and not expected[-1]:
                expected.pop()
            found.append((command, expected))
    return found


EXAMPLES = examples()


def test_the_readme_has_console_examples() -> None:
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example(command: str, expected: list[str], tmp_path: Path) -> None:
    done = run_example(command, copy_example(tmp_path / "project"))
    lines = done.stdout.splitlines()
    if expected and expected[-1] == "...":
        shown = expected[:-1]
        positions = [lines.index(line) if line in lines else -1 for line in shown]
        assert -1 not in positions, [s for s, p in zip(shown, positions, strict=True) if p < 0]
        assert positions == sorted(positions)
    else:
        assert lines == expected, done.stderr
