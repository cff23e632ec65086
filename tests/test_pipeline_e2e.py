"""The generated pipeline run the way a fleet repository runs it, by gitlab-ci-local (GitLab's
rules, stages, needs, dependencies and artifacts, each job's script in a shell): a fleet
made by `clustermgr import`, clustermgr's own wheel pinned by `ci lock` and installed by the
jobs from the lock alone, the merge-request check, then the plan job and the deploy child
pipeline it writes, with the fake kops on PATH recording every call.

gitlab-ci-local comes pinned from .ci/gitlab-ci-local (`npm ci`, which .ci/run does); this
test skips without it on a workstation, and fails without it in CI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import REPO, SOURCE_IGNORE, Run, install_fake_kops
from tests.test_gitlab import git

PINNED = REPO / ".ci" / "gitlab-ci-local" / "node_modules" / ".bin" / "gitlab-ci-local"


def gitlab_ci_local() -> str:
    found = os.environ.get("GITLAB_CI_LOCAL") or (
        str(PINNED) if PINNED.exists() else shutil.which("gitlab-ci-local")
    )
    missing = [] if found else ["gitlab-ci-local (npm ci --prefix .ci/gitlab-ci-local)"]
    missing += [] if shutil.which("rsync") else ["rsync"]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the pipeline end to end: install {', '.join(missing)}")
        pytest.skip(f"not installed: {', '.join(missing)}")
    assert found is not None
    return found


def job_python(tmp_path: Path) -> Path:
    """A fresh virtual environment for the jobs: clustermgr's dependencies visible from the
    test's environment, clustermgr itself not, so the jobs' pinned install is what runs."""
    venv = tmp_path / "jobenv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    deps = tmp_path / "deps"
    deps.mkdir()
    here = Path(sysconfig.get_paths()["purelib"])
    for entry in here.iterdir():
        if not re.match(r"(_*editable_*|_?clustermgr)|.*\.pth$", entry.name):
            (deps / entry.name).symlink_to(entry)
    purelib = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    (Path(purelib) / "outer.pth").write_text(f"{deps}\n")
    return venv / "bin"


@pytest.fixture
def fleet(run: Run, tmp_path: Path) -> Path:
    """A fleet repository: two clusters imported from their manifests, kopsVersion set, dev
    automatic, clustermgr's wheel kept in ci/wheels and locked, the pipeline generated."""
    gitlab_ci_local()  # before the work, if it is to skip
    sources = tmp_path / "sources"
    sources.mkdir()
    for name in ("dev-eu1", "prod-eu1"):
        rendered = run("-C", str(REPO), "render", name)
        assert rendered.code == 0, rendered.err
        (sources / f"{name}.yaml").write_text(rendered.out)
    root = tmp_path / "fleet"
    imported = run("import", *sorted(map(str, sources.iterdir())), "--out-dir", str(root))
    assert imported.code == 0, imported.err
    config = root / "clustermgr.yaml"
    config.write_text(config.read_text() + "kopsVersion: 1.34.1\nci:\n  automatic: [dev]\n")
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=SOURCE_IGNORE)
    wheels = root / "ci" / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(wheels), str(source)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    assert run("-C", str(root), "ci", "lock", "--wheels", str(wheels)).code == 0
    assert (
        run("-C", str(root), "ci", "gitlab", "--out-file", str(root / ".gitlab-ci.yml")).code == 0
    )
    (root / ".gitignore").write_text(".gitlab-ci-local/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "the fleet")
    return root


def gcl(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [gitlab_ci_local(), "--force-shell-executor", "--no-color", *args],
        cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_the_pipeline_runs_in_a_fleet_repository(fleet: Path, tmp_path: Path) -> None:
    bin_dir = install_fake_kops(tmp_path / "fakebin")
    store = tmp_path / "state"
    store.mkdir()
    log = tmp_path / "kops.log"
    env = {
        "PATH": f"{job_python(tmp_path)}:{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "FAKE_KOPS_LOG": str(log),
        "FAKE_KOPS_VERSION": "1.34.1",  # what `kops version --short` prints in the jobs
        "LANG": "C.UTF-8",
    }

    # The merge-request job, on a change to prod-eu1.
    base = git(fleet, "rev-parse", "HEAD")
    values = fleet / "values" / "prod-eu1.yaml"
    values.write_text(values.read_text() + "# reviewed\n")
    git(fleet, "commit", "-qam", "a merge request")
    check = gcl(
        fleet, env, "--ignore-predefined-vars", "CI_PIPELINE_SOURCE",
        "--variable", "CI_PIPELINE_SOURCE=merge_request_event",
        "--variable", f"CI_MERGE_REQUEST_DIFF_BASE_SHA={base}",
        "check",
    )  # fmt: skip
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
    assert "PASS  check" in check.stdout
    report = (fleet / "clustermgr-report.md").read_text()
    assert report.startswith("### clustermgr check: 1 cluster, 0 invalid, 0 changed")
    assert (fleet / "junit.xml").is_file() and (fleet / "gl-code-quality-report.json").is_file()
    assert not log.exists()  # the merge-request check never runs kops

    # The default branch: the plan job writes the deploy pipeline, which then runs with the
    # manual prod jobs clicked.
    plan = gcl(fleet, env, "plan")
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]
    assert "deploy pipeline: every cluster: there is no previous commit (2)" in plan.stderr
    deploy = gcl(
        fleet, env, "--file", "deploy-pipeline.yml", "--variable", f"KOPS_STATE_STORE={store}",
        "--manual=update:prod-eu1", "--manual=roll:prod-eu1",
    )  # fmt: skip
    assert deploy.returncode == 0, deploy.stdout[-3000:] + deploy.stderr[-3000:]
    jobs = re.findall(r"^ PASS  (\S+)", deploy.stdout, re.MULTILINE)
    assert sorted(jobs) == sorted(
        f"{kind}:{name}"
        for kind in ("dry-run", "update", "roll-preview", "roll")
        for name in ("dev-eu1", "prod-eu1")
    )
    assert (fleet / "rendered").is_dir()

    # What kops did to the real store: exactly the steps each dry run planned, dev first.
    def normal(step: str) -> str:
        words = re.sub(r"-f <[^>]*>|-f \S+|--(state|name) \S+", " ", step.removeprefix("kops "))
        return " ".join(words.split())

    planned = [
        normal(step)
        for name in ("dev-eu1", "prod-eu1")
        for step in json.loads((fleet / "plans" / f"{name}.plan").read_text())["clusters"][name][
            "steps"
        ]
    ]
    calls = log.read_text().splitlines()
    applied = [normal(call) for call in calls if f"--state {store}" in call]
    assert applied == planned == [
        "replace --force", "update cluster --yes", "replace",
        "replace --force", "update cluster --yes", "replace",
    ]  # fmt: skip
    updates = [call for call in calls if call.startswith("update cluster") and "--yes" in call]
    assert [call.split("--name ")[1].split()[0] for call in updates] == [
        "dev-eu1.k8s.example.com",
        "prod-eu1.k8s.example.com",
    ]
    assert all(call == "version --short" for call in calls if call.startswith("version"))
