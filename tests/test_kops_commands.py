"""The GitLab pipeline (apply and roll: tests/test_apply.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, Run

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
