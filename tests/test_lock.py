"""`clustermgr ci lock`: a lock pip accepts with --require-hashes, and refuses once a file
changes. pip is the judge: it is what the CI jobs run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, SOURCE_IGNORE, Run


def wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A minimal pure-Python wheel (PEP 427): what pip needs to install it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}/__init__.py", "")
        archive.writestr(f"{info}/METADATA", metadata)
        archive.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr(f"{info}/RECORD", "")
    return path


def pip_accepts(lock: Path, wheels: Path) -> subprocess.CompletedProcess[str]:
    """What the CI job runs, as a dry run against the wheels folder only."""
    return subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--dry-run", "--quiet",
            "--disable-pip-version-check", "--require-hashes", "--no-deps", "--no-index",
            "--find-links", str(wheels), "-r", str(lock),
        ],
        capture_output=True, text=True, env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
    )  # fmt: skip


def test_pip_installs_what_was_locked_and_nothing_else(
    run: Run, example: Path, tmp_path: Path
) -> None:
    wheels = tmp_path / "wheels"
    wheel(wheels, "clustermgr", "0.1.0", ("tiny-dep>=1",))
    dep = wheel(wheels, "tiny_dep", "1.2.0")
    result = run("-C", str(example), "ci", "lock", "--wheels", str(wheels))
    assert result.code == 0, result.err
    assert result.err == "wrote ci/requirements.lock: 2 pinned distributions\n"
    lock = example / "ci" / "requirements.lock"
    lines = [line for line in lock.read_text().splitlines() if not line.startswith("#")]
    assert [line for line in lines if "==" in line] == [
        "clustermgr==0.1.0 \\",
        "tiny-dep==1.2.0 \\",
    ]
    accepted = pip_accepts(lock, wheels)
    assert accepted.returncode == 0, accepted.stderr
    with zipfile.ZipFile(dep, "a") as archive:  # the file changes after it was locked
        archive.writestr("tiny_dep/evil.py", "import os\n")
    refused = pip_accepts(lock, wheels)
    assert refused.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in refused.stderr


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: wheel(d, "jinja2", "3.1.6"), "no clustermgr wheel"),
        (
            lambda d: (wheel(d, "clustermgr", "0.1.0"), wheel(d, "jinja2", "3.1.5"),
                       wheel(d, "Jinja2", "3.1.6")),
            "several versions of jinja2: keep one of each",
        ),
        (
            lambda d: (d.mkdir(), (d / "clustermgr-0.1.0-py3-none-any.whl").write_text("x")),
            "not a wheel: clustermgr-0.1.0-py3-none-any.whl",
        ),
    ],
)  # fmt: skip
def test_what_is_not_a_lock_is_refused(
    run: Run, example: Path, tmp_path: Path, make: object, message: str
) -> None:
    wheels = tmp_path / "wheels"
    make(wheels)  # type: ignore[operator]
    result = run("-C", str(example), "ci", "lock", "--wheels", str(wheels))
    assert result.code == 2 and message in result.err, result.err
    assert (example / "ci" / "requirements.lock").read_text().startswith("clustermgr==0.1.0")


def test_clustermgr_builds_a_wheel_and_sdist_an_index_takes(
    run: Run, example: Path, tmp_path: Path
) -> None:
    """`python -m build` of this source makes a wheel and an sdist that `twine check` passes
    (what PyPI and most private indexes check on upload), and the wheel locks."""
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=SOURCE_IGNORE)
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
        capture_output=True, text=True, cwd=tmp_path,  # not beside a folder called build/
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    files = sorted(p.name for p in dist.iterdir())
    assert [f.split("-")[0] for f in files] == ["clustermgr", "clustermgr"]
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for sdist in dist.glob("*.tar.gz"):
        sdist.unlink()
    assert run("-C", str(example), "ci", "lock", "--wheels", str(dist)).code == 0
    accepted = pip_accepts(example / "ci" / "requirements.lock", dist)
    assert accepted.returncode == 0, accepted.stderr
