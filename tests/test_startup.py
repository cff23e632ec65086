"""What a command loads. Start-up is most of a one-cluster `render` and of a warm `check`, and
it stays small by not importing what the command does not use: here, as `python -X
importtime` lists them, in a child process started as the console script starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Parsers, validators, editors, the result store and process tools: each has its commands.
NOT_FOR_RENDER = {
    "yaml",  # PyYAML: only where the fast path declines, or for positions of a problem
    "ryml",  # rapidyaml: only for text not in the parse cache
    "re2",
    "ruamel",  # `set` and `promote`
    "deepdiff",
    "jsonschema",  # `validate` and `check`
    "jsonschema_rs",
    "sqlite3",  # `check`'s result store
    "multiprocessing",
    "subprocess",  # git and kops
    "tarfile",
    "gitlab",  # `ci gitlab-note`
}
NOT_FOR_A_WARM_CHECK = NOT_FOR_RENDER - {"sqlite3"} | {
    "jinja2",  # every result comes from the store: nothing is rendered
    "tempfile",  # nothing is written
    "shutil",
}


def loaded(project: Path, cache: Path, *args: str) -> set[str]:
    """The top-level names of the modules `clustermgr ARGS...` imports, less those the
    interpreter imports for `pass` in the same environment (site hooks, coverage)."""

    def modules(*command: str) -> set[str]:
        env = {**os.environ, "CLUSTERMGR_CACHE_DIR": str(cache)}
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *command],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return {
            line.rsplit("|", 1)[1].strip().split(".")[0]
            for line in done.stderr.splitlines()
            if line.startswith("import time:") and "|" in line
        }

    return modules("-m", "clustermgr", *args) - modules("-c", "pass")


@pytest.mark.parametrize(
    ("args", "unused"),
    [
        (("render", "dev-eu1"), NOT_FOR_RENDER),
        (("check", "--all"), NOT_FOR_A_WARM_CHECK),
    ],
)
def test_a_warm_command_imports_nothing_it_does_not_use(
    example: Path, tmp_path: Path, args: tuple[str, ...], unused: set[str]
) -> None:
    cache = tmp_path / "cache"
    loaded(example, cache, *args)  # fills the parse cache and the result store
    found = loaded(example, cache, *args)
    assert found & unused == set()
    assert {"click", "clustermgr"} <= found  # the measurement sees the command's imports
