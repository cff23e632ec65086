"""apply, roll and the GitLab pipeline, with a fake `kops` that records its arguments."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clustermgr.ops import apply as apply_module
from tests.conftest import REPO, Run

NAME = "dev-eu1.k8s.example.com"

FAKE_KOPS = """#!/bin/sh
# Records each call, then plays back: FAKE_KOPS_FAIL=<subcommand> fails it with a message.
printf '%s\\n' "$*" >> "$FAKE_KOPS_LOG"
if [ "$1" = "$FAKE_KOPS_FAIL" ]; then
  echo "I1126 starting" >&2
  echo "error: the cloud said no" >&2
  exit 3
fi
echo "kops $1 done"
"""


@pytest.fixture
def kops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "kops"
    fake.write_text(FAKE_KOPS)
    fake.chmod(0o755)
    log = tmp_path / "kops.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_KOPS_LOG", str(log))
    monkeypatch.delenv("FAKE_KOPS_FAIL", raising=False)
    return log


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def store_with(root: Path, run: Run, where: Path, manifest: str | None = None) -> Path:
    """A local state store holding dev-eu1 (as applied by clustermgr when `manifest` given)."""
    from clustermgr.yamlio import load_documents

    text = manifest or run("-C", str(root), "render", "dev-eu1").out
    folder = where / NAME
    (folder / "instancegroup").mkdir(parents=True)
    for doc in load_documents(text, "m"):
        data = doc.data
        body = apply_module.dump(data)
        if data["kind"] == "Cluster":
            (folder / "config").write_text(body)
        else:
            (folder / "instancegroup" / data["metadata"]["name"]).write_text(body)
    return where


def test_apply_preview_then_yes(run: Run, example: Path, kops: Path, tmp_path: Path) -> None:
    store = tmp_path / "state"
    store.mkdir()
    result = run("-C", str(example), "apply", "dev-eu1", "--state", str(store))
    assert result.code == 0, result.err
    assert result.out.startswith("dev-eu1: 3 changes in 3 resources")
    replace, update = calls(kops)
    assert replace.startswith("replace -f ") and replace.endswith(f"--state {store} --force")
    assert update == f"update cluster --name {NAME} --state {store}"
    assert f"$ kops update cluster --name {NAME} --state {store}\n" in result.out
    assert "kops update done" in result.out
    kops.unlink()
    assert run("-C", str(example), "apply", "dev-eu1", "--state", str(store), "--yes").code == 0
    assert calls(kops)[1] == f"update cluster --name {NAME} --state {store} --yes"


def test_apply_records_what_it_applied_and_refuses_drift(
    run: Run, example: Path, kops: Path, tmp_path: Path
) -> None:
    from clustermgr.project import find_project
    from clustermgr.validation.lint import Linter
    from clustermgr.values import Overrides

    empty = tmp_path / "empty"
    empty.mkdir()
    plan = apply_module.plan(find_project(example), "dev-eu1", str(empty), Overrides(), Linter())
    assert "clustermgr.k8s.io/last-applied:" in plan.manifest
    assert 'clustermgr.k8s.io/last-apply-impact: "3 changes: update"' in plan.manifest
    # The state store now holds exactly what clustermgr applied: no drift, no changes.
    store = store_with(example, run, tmp_path / "state", plan.manifest)
    result = run("-C", str(example), "apply", "dev-eu1", "--state", str(store))
    assert (result.code, result.out.splitlines()[0]) == (0, "dev-eu1: no changes")
    # Someone edits the cluster by hand: apply refuses, unless --force.
    ig = store / NAME / "instancegroup" / "nodes"
    ig.write_text(ig.read_text().replace("maxSize: 3", "maxSize: 9"))
    kops.unlink()
    result = run("-C", str(example), "apply", "dev-eu1", "--state", str(store))
    assert result.code == 1
    assert "spec.maxSize" in result.err
    assert result.err.splitlines()[-1] == (
        "error: dev-eu1 was changed in the state store since clustermgr last applied it (above); "
        "apply with --force to overwrite those changes"
    )
    assert calls(kops) == []
    assert run("-C", str(example), "apply", "dev-eu1", "--state", str(store), "--force").code == 0
    assert len(calls(kops)) == 2


def test_apply_refuses_invalid_clusters(
    run: Run, example: Path, kops: Path, tmp_path: Path
) -> None:
    values = example / "values" / "dev" / "dev-eu1.yaml"
    values.write_text(values.read_text().replace("region: eu-west-1", "region: moon"))
    result = run("-C", str(example), "apply", "dev-eu1", "--state", str(tmp_path))
    assert result.code == 1
    assert "region: 'moon' does not match" in result.err
    assert result.err.splitlines()[-1] == "error: dev-eu1 is not valid: nothing was applied"
    assert calls(kops) == []


def test_kops_failures_are_surfaced(
    run: Run, example: Path, kops: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KOPS_FAIL", "update")
    result = run("-C", str(example), "apply", "dev-eu1", "--state", str(tmp_path), "--yes")
    assert result.code == 1
    assert result.err.endswith(
        "error: kops update cluster failed with exit code 3:\nI1126 starting\n"
        "error: the cloud said no\n"
    )


def test_remote_state_goes_through_kops_get(
    run: Run, example: Path, kops: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KOPS_FAIL", "get")  # `kops get cluster` fails: not created yet
    result = run("-C", str(example), "apply", "dev-eu1", "--state", "s3://bucket")
    assert result.code == 0, result.err
    get, replace, update = calls(kops)
    assert get == f"get cluster --name {NAME} --state s3://bucket"
    assert replace.endswith("--state s3://bucket --force")  # a new cluster
    assert update == f"update cluster --name {NAME} --state s3://bucket"


def test_roll(run: Run, example: Path, kops: Path, tmp_path: Path) -> None:
    result = run("-C", str(example), "roll", "dev-eu1", "--state", str(tmp_path), "--yes")
    assert result.code == 0
    assert result.out.splitlines()[:2] == [
        "last apply: not recorded (not applied by clustermgr)",
        f"$ kops rolling-update cluster --name {NAME} --state {tmp_path} --yes",
    ]
    assert calls(kops) == [f"rolling-update cluster --name {NAME} --state {tmp_path} --yes"]


def test_apply_needs_kops(
    run: Run, example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run("-C", str(example), "apply", "dev-eu1", "--state", str(tmp_path))
    assert (result.code, result.err.splitlines()[-1]) == (
        2,
        "error: kops is not on PATH: install kOps to apply or roll clusters",
    )


# -- GitLab --------------------------------------------------------------------------------------


def test_pipeline_is_valid_gitlab_ci(run: Run, tmp_path: Path) -> None:
    out = tmp_path / ".gitlab-ci.yml"
    assert run("-C", str(REPO), "ci", "gitlab", "--out", str(out)).code == 0
    checker = shutil.which("check-jsonschema") or str(
        Path(sys.executable).with_name("check-jsonschema")
    )
    if not Path(checker).exists():
        pytest.skip("check-jsonschema is not installed")
    done = subprocess.run(
        [checker, "--builtin-schema", "vendor.gitlab-ci", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_pipeline_promotion_order_and_safety(run: Run) -> None:
    from clustermgr.yamlio import load_documents

    text = run("-C", str(REPO), "ci", "gitlab").out
    jobs = load_documents(text, "gl")[0].data
    assert jobs["update:staging-eu1"]["needs"] == ["dry-run:staging-eu1", "update:dev-eu1"]
    assert jobs["update:prod-eu1"]["needs"] == ["dry-run:prod-eu1", "update:staging-eu1"]
    assert jobs["update:prod-eu1"]["rules"] == [
        {"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", "when": "manual"}
    ]
    assert jobs["roll:prod-us1"]["rules"][0]["when"] == "manual"
    assert "when" not in jobs["update:dev-eu1"]["rules"][0]  # dev is automatic in the example
    assert jobs["update:prod-eu1"]["resource_group"] == jobs["roll:prod-eu1"]["resource_group"]
    dry_run = "\n".join(jobs["dry-run:prod-eu1"]["script"])
    assert '--state "$STATE"' in dry_run and 'KOPS_STATE_STORE" ' not in dry_run.split("sync")[1]
    assert jobs["check"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert "only" not in text


def test_the_committed_pipeline_is_up_to_date(run: Run) -> None:
    assert run("-C", str(REPO), "ci", "gitlab").out == (REPO / ".gitlab-ci.yml").read_text()


def test_pipeline_needs_an_environment_for_every_cluster(run: Run, example: Path) -> None:
    env = example / "values" / "dev" / "_env.yaml"
    env.write_text(env.read_text().replace("environment: dev\n", ""))
    result = run("-C", str(example), "ci", "gitlab")
    assert (result.code, result.err) == (
        1,
        "error: cluster 'dev-eu1' has no environment: set `environment` in its values "
        "(or ci.environmentValue in clustermgr.yaml)\n",
    )
    env.write_text("environment: qa\n" + env.read_text())
    result = run("-C", str(example), "ci", "gitlab")
    assert result.err == "error: environments qa are not in ci.environments\n"
