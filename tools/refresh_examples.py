"""Rewrite the output under each `$ ` command of the console examples in README.md and docs/
with what the command prints now, each run in a fresh copy of the example project (as
tests/test_readme.py runs them). Blocks that end in `...` show a selection and are left alone.

    python tools/refresh_examples.py [FILE.md ...]
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.conftest import copy_example, run_example  # noqa: E402

BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)


def run(command: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        return run_example(command, copy_example(Path(folder) / "project")).stdout


def refresh(block: str) -> str:
    chunks = re.split(r"^\$ ", block, flags=re.M)
    if block.rstrip("\n").endswith("..."):
        return block
    out = chunks[0]
    for chunk in chunks[1:]:
        command = chunk.split("\n", 1)[0]
        out += f"$ {command}\n{run(command)}"
    return out


def main(files: list[str]) -> None:
    paths = [Path(f) for f in files] or [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        new = BLOCK.sub(lambda m: "```console\n" + refresh(m.group(1)) + "```", text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"refreshed {path.relative_to(REPO)}")


if __name__ == "__main__":
    main(sys.argv[1:])
