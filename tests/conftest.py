"""Shared fixtures: run the CLI in-process, write small projects, find the real kOps data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest

from clustermgr.cli import main
from clustermgr.kops.crds import load_crds
from clustermgr.validation.lint import Linter

REPO = Path(__file__).resolve().parent.parent
SHARED_KOPS = REPO.parent / "shared" / "kops"
# What a copy of this source for `python -m build` leaves out (environments, caches, tools).
SOURCE_IGNORE = shutil.ignore_patterns(
    ".venv",
    ".git",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "node_modules",
    ".gitlab-ci-local",
)


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


def run_example(command: str, root: Path) -> subprocess.CompletedProcess[str]:
    """A console example of the docs, run by the shell in `root` as a reader would run it."""
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "NO_COLOR": "1",
        "COLUMNS": "100",
    }
    return subprocess.run(
        command, shell=True, cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


def run_cli(*args: str) -> tuple[int, str, str]:
    """`clustermgr ARGS...` in a child process (for module-scoped fixtures)."""
    done = subprocess.run(
        [sys.executable, "-m", "clustermgr", *args], capture_output=True, text=True, timeout=300
    )
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run `clustermgr ARGS...` in-process, through `clustermgr.cli.main` (which the console
    script calls, after start-up)."""

    def invoke(*args: str, cwd: Path | None = None) -> Result:
        old = Path.cwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            with pytest.raises(SystemExit) as exit_info:
                main(list(args))
        finally:
            os.chdir(old)
        captured = capsys.readouterr()
        code = exit_info.value.code
        return Result(code if isinstance(code, int) else 0, captured.out, captured.err)

    return invoke


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write dedented files below tmp_path: write({"a/b.yaml": "x: 1"})."""

    def make(files: dict[str, str]) -> Path:
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"))
        return tmp_path

    return make


@pytest.fixture
def kops_data() -> Path:
    """The real kOps material beside the checkout; tests using it skip where it is absent."""
    if not SHARED_KOPS.is_dir():
        pytest.skip("../shared/kops is not available")
    return SHARED_KOPS


@pytest.fixture(autouse=True)
def no_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read or write the user's cache; test_cache.py turns it on where it tests it."""
    monkeypatch.setenv("CLUSTERMGR_CACHE_DIR", "")


def copy_example(root: Path) -> Path:
    """A private copy of the example fleet (templates, values, schema, channel, settings)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("template", "values", "schemas", "channels", "clustermgr.yaml"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy(source, root / name)
    # a fleet repository pins what its CI jobs install (clustermgr ci lock)
    (root / "ci").mkdir(exist_ok=True)
    (root / "ci" / "requirements.lock").write_text(EXAMPLE_LOCK)
    return root


EXAMPLE_LOCK = (
    "clustermgr==0.1.0 \\\n"
    "    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n"
)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """The example fleet, copied where a test may change it."""
    return copy_example(tmp_path / "project")


class FakeKops(NamedTuple):
    log: Path  # one line per call: its arguments

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


def install_fake_kops(bin_dir: Path) -> Path:
    """`bin_dir` holding tests/fakekops/kops.py as `kops` (it imports this checkout)."""
    bin_dir.mkdir()
    script = bin_dir / "kops"
    script.write_text(
        f'#!/bin/sh\nPYTHONPATH="{REPO}" exec "{sys.executable}" '
        f'"{REPO / "tests" / "fakekops" / "kops.py"}" "$@"\n'
    )
    script.chmod(0o755)
    return bin_dir


@pytest.fixture
def fake_kops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeKops:
    """tests/fakekops/kops.py as `kops` on PATH (it imports this checkout's clustermgr)."""

    bin_dir = install_fake_kops(tmp_path / "fakebin")
    log = tmp_path / "kops.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_KOPS_LOG", str(log))
    for name in ("FAKE_KOPS_FAIL", "FAKE_KOPS_OUTPUT", "FAKE_KOPS_SLEEP", "FAKE_KOPS_UNHEALTHY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("KOPS_STATE_STORE",):
        monkeypatch.delenv(name, raising=False)
    return FakeKops(log)


@pytest.fixture(scope="session")
def linter() -> Linter:
    """The manifest lint with kOps' official CRDs (../shared/kops/crds), as `validate` runs it
    for kops replace; the tests that need it skip without ../shared."""
    if not SHARED_KOPS.is_dir():
        pytest.skip("../shared/kops is not available")
    return Linter(load_crds(SHARED_KOPS / "crds"))
