"""The GitLab pipelines: the static one, the deploy (child) pipeline, at fleet scale, and in a
fleet repository made by `clustermgr import`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, Run, copy_example
from tests.test_lock import wheel

STATIC_LIMIT = 100_000  # bytes: GitLab reads this file on every push
CHILD_LIMIT = 1_000_000  # bytes, and...
JOB_LIMIT = 500  # ...jobs per pipeline on GitLab's free tier
NEEDS_LIMIT = 50  # GitLab's default for needs: per job


GLOBAL = {"stages", "variables", "workflow", "default", "include"}


def jobs(text: str) -> dict[str, Any]:
    doc = yaml.safe_load(text)
    return {k: v for k, v in doc.items() if k not in GLOBAL and not k.startswith(".")}


def gitlab_schema_errors(path: Path) -> str:
    checker = shutil.which("check-jsonschema") or str(
        Path(sys.executable).with_name("check-jsonschema")
    )
    if not Path(checker).exists():
        pytest.skip("check-jsonschema is not installed")
    done = subprocess.run(
        [checker, "--builtin-schema", "vendor.gitlab-ci", str(path)],
        capture_output=True,
        text=True,
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_committed_pipeline_is_up_to_date(run: Run) -> None:
    assert run("-C", str(REPO), "ci", "gitlab").out == (REPO / ".gitlab-ci.yml").read_text()


def test_static_and_deploy_pipelines_are_valid_gitlab_ci(run: Run, tmp_path: Path) -> None:
    static, deploy = tmp_path / "static.yml", tmp_path / "deploy.yml"
    assert run("-C", str(REPO), "ci", "gitlab", "--out-file", str(static)).code == 0
    assert run("-C", str(REPO), "ci", "gitlab", "--deploy", "--out-file", str(deploy)).code == 0
    assert gitlab_schema_errors(static) == ""
    assert gitlab_schema_errors(deploy) == ""


def test_the_static_pipeline_plans_a_child_pipeline(run: Run) -> None:
    found = jobs(run("-C", str(REPO), "ci", "gitlab").out)
    assert list(found) == ["check", "plan", "deploy", "drift"]
    assert found["plan"]["script"] == [
        'clustermgr ci gitlab --deploy --changed-since "$CI_COMMIT_BEFORE_SHA" '
        "--all-if-unknown --out-file deploy-pipeline.yml"
    ]
    assert found["deploy"]["trigger"] == {
        "include": [{"artifact": "deploy-pipeline.yml", "job": "plan"}],
        "strategy": "depend",
    }
    assert found["check"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert found["check"]["after_script"] == [
        'if [ -n "${CLUSTERMGR_GITLAB_TOKEN:-}" ] && [ -f clustermgr-report.md ]; then '
        "clustermgr ci gitlab-note --report clustermgr-report.md; fi"
    ]


def test_promotion_by_stages_without_needs(run: Run) -> None:
    text = run("-C", str(REPO), "ci", "gitlab", "--deploy").out
    doc = yaml.safe_load(text)
    assert doc["stages"] == [
        "dry-run",
        *("update-dev", "roll-preview-dev", "roll-dev"),
        *("update-staging", "roll-preview-staging", "roll-staging"),
        *("update-prod", "roll-preview-prod", "roll-prod"),
    ]
    found = jobs(text)
    # No needs: an update waits for every job of the earlier stages (GitLab's rule for a
    # job without needs), the previous environment's rolls included, and a manual job
    # (allow_failure: false) blocks what follows it.
    assert "needs" not in found["update:prod-eu1"]
    assert found["update:prod-eu1"]["stage"] == "update-prod"
    assert found["roll:staging-eu1"]["stage"] == "roll-staging"
    stages = doc["stages"]
    assert stages.index("roll-staging") < stages.index("update-prod")
    assert (found["update:prod-eu1"]["when"], found["update:prod-eu1"]["allow_failure"]) == (
        "manual",
        False,
    )
    assert "when" not in found["update:dev-eu1"]  # dev is automatic in the example
    assert found["roll-preview:prod-eu1"]["needs"] == ["update:prod-eu1"]
    assert found["roll:prod-eu1"]["needs"] == ["roll-preview:prod-eu1"]
    assert found["roll:prod-eu1"]["resource_group"] == found["update:prod-eu1"]["resource_group"]
    # The update applies the plan its dry run saved (or refuses if anything moved since).
    assert found["update:prod-eu1"]["script"] == [
        'clustermgr apply $CLUSTERS --state "$KOPS_STATE_STORE" --plan plans/prod-eu1.plan --yes'
    ]
    assert found["update:prod-eu1"]["dependencies"] == ["dry-run:prod-eu1"]
    # The dry run is clustermgr apply without --yes: kops against a private copy of the store.
    assert found["dry-run:prod-eu1"]["script"][-1] == (
        'clustermgr apply $CLUSTERS --state "$KOPS_STATE_STORE" --save-plan plans/prod-eu1.plan'
    )
    assert found["dry-run:prod-eu1"]["artifacts"]["paths"] == ["rendered/", "plans/prod-eu1.plan"]


def test_the_install_step(run: Run, example: Path) -> None:
    own = jobs(run("-C", str(REPO), "ci", "gitlab").out)
    assert yaml.safe_load(run("-C", str(REPO), "ci", "gitlab").out)[".clustermgr"][
        "before_script"
    ] == ["pip install --quiet ."]  # this project is clustermgr's own source
    assert own["check"]["extends"] == ".clustermgr"
    fleet = yaml.safe_load(run("-C", str(example), "ci", "gitlab").out)
    assert fleet[".clustermgr"]["before_script"] == [
        "pip install --quiet --require-hashes --no-deps -r ci/requirements.lock"
    ]
    assert fleet[".clustermgr"]["image"] == "python:3.11"  # has git, for --changed-since
    (example / "ci" / "wheels").mkdir()
    kept = yaml.safe_load(run("-C", str(example), "ci", "gitlab").out)
    assert kept[".clustermgr"]["before_script"] == [
        "pip install --quiet --require-hashes --no-deps -r ci/requirements.lock "
        "--no-index --find-links ci/wheels"
    ]
    config = example / "clustermgr.yaml"
    config.write_text(
        config.read_text().replace("ci:\n", "ci:\n  install: pip install -r ci.txt\n")
    )
    custom = yaml.safe_load(run("-C", str(example), "ci", "gitlab").out)
    assert custom[".clustermgr"]["before_script"] == ["pip install -r ci.txt"]


def test_no_pipeline_installs_clustermgr_unpinned(run: Run, tmp_path: Path) -> None:
    """Deploy jobs hold the fleet's cloud credentials: clustermgr by name from a public
    index is what anyone registering the name would run there."""
    fleet = tmp_path / "fleet"
    assert run("init", str(fleet)).code == 0
    refused = run("-C", str(fleet), "ci", "gitlab")
    assert refused.code == 1  # a configuration that needs changing (docs/exit-codes.md)
    assert refused.err == (
        "clustermgr.yaml: error: the jobs would install clustermgr unpinned, by name from a "
        "package index: pin it with `clustermgr ci lock --wheels DIR` (DIR: `pip download "
        "clustermgr --dest DIR` from the index you trust), or set ci.install in "
        "clustermgr.yaml\n"
    )


def test_only_what_changed(run: Run, example: Path) -> None:
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "fleet")
    base = git(example, "rev-parse", "HEAD")
    values = example / "values/prod/prod-us1.yaml"
    values.write_text(values.read_text().replace("maxSize: 40", "maxSize: 41"))
    git(example, "commit", "-qam", "grow prod-us1")
    changed = run("-C", str(example), "ci", "gitlab", "--deploy", "--changed-since", base)
    assert changed.err == f"deploy pipeline: the clusters changed since {base} (1)\n"
    assert sorted(jobs(changed.out)) == [
        "dry-run:prod-us1",
        "roll-preview:prod-us1",
        "roll:prod-us1",
        "update:prod-us1",
    ]
    nothing = run("-C", str(example), "ci", "gitlab", "--deploy", "--changed-since", "HEAD")
    assert jobs(nothing.out) == {
        "nothing-to-deploy": {
            "image": "python:3.11",
            "script": ["echo 'No cluster is affected: nothing to deploy.'"],
        }
    }
    first_push = run("-C", str(example), "ci", "gitlab", "--deploy", "--changed-since", "0" * 40)
    assert first_push.err == "deploy pipeline: every cluster: there is no previous commit (4)\n"
    assert len(jobs(first_push.out)) == 4 * 4
    gone = "1" * 40  # the commit before a force push, no longer in the history
    typo = run("-C", str(example), "ci", "gitlab", "--deploy", "--changed-since", gone)
    assert (typo.code, typo.out) == (2, "")
    assert typo.err.startswith("error: --changed-since: ")
    forced = run(
        "-C", str(example), "ci", "gitlab", "--deploy", "--changed-since", gone, "--all-if-unknown"
    )
    assert forced.err == (
        f"deploy pipeline: EVERY cluster: {gone!r} is no commit of this repository "
        "(a force push?), so what changed is unknown (4)\n"
    )
    assert len(jobs(forced.out)) == 4 * 4


def test_changed_since_goes_with_deploy(run: Run) -> None:
    result = run("-C", str(REPO), "ci", "gitlab", "--changed-since", "HEAD")
    assert (result.code, result.err) == (2, "error: --changed-since goes with --deploy\n")
    alone = run("-C", str(REPO), "ci", "gitlab", "--deploy", "--all-if-unknown")
    assert (alone.code, alone.err) == (2, "error: --all-if-unknown goes with --changed-since\n")


def big_fleet(root: Path, count: int) -> None:
    """`count` clusters over the example's three environments (only what the pipeline reads)."""
    copy_example(root)
    envs = ("dev", "staging", "prod")
    for n in range(count):
        env = envs[n % 3]
        (root / "values" / env / f"c{n:04d}.yaml").write_text(
            f"clusterName: c{n:04d}.k8s.example.com\n"
        )


def test_a_thousand_clusters_fit_gitlab(run: Run, tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    big_fleet(root, 996)  # with the example's four: 1,000
    static = run("-C", str(root), "ci", "gitlab")
    assert static.code == 0, static.err
    assert len(static.out.encode()) < STATIC_LIMIT
    child_file = tmp_path / "deploy.yml"
    child = run("-C", str(root), "ci", "gitlab", "--deploy", "--out-file", str(child_file))
    assert child.err == "deploy pipeline: every cluster (1000)\n"
    text = child_file.read_text()
    found = jobs(text)
    assert len(text.encode()) < CHILD_LIMIT
    assert len(found) < JOB_LIMIT
    assert max(len(job.get("needs", [])) for job in found.values()) <= NEEDS_LIMIT
    deployed = sorted(
        name
        for key, job in found.items()
        if key.startswith("update:")
        for name in job["variables"]["CLUSTERS"].split()
    )
    assert len(deployed) == 1000 == len(set(deployed))  # every cluster, once
    batch = found["update:prod-batch-01"]
    assert batch["resource_group"] == "kops-prod-batches"
    assert gitlab_schema_errors(child_file) == ""


def test_an_environment_for_every_cluster(run: Run, example: Path) -> None:
    env = example / "values" / "dev" / "_env.yaml"
    env.write_text(env.read_text().replace("environment: dev\n", ""))
    result = run("-C", str(example), "ci", "gitlab")
    assert (result.code, result.err) == (
        1,
        "values/dev/dev-eu1.yaml: error: cluster 'dev-eu1' has no environment: set "
        "`environment` in its values (or ci.environmentValue in clustermgr.yaml)\n",
    )
    env.write_text("environment: qa\n" + env.read_text())
    result = run("-C", str(example), "ci", "gitlab")
    assert result.err == "error: environments qa are not in ci.environments\n"


def test_an_imported_fleet_gets_a_working_pipeline(
    run: Run, kops_data: Path, tmp_path: Path
) -> None:
    """import -> ci lock -> ci gitlab with no hand edits, and the check job's script run as
    a runner would, in the fleet repository with git, on a merge-request change."""
    sources = tmp_path / "sources"
    sources.mkdir()
    for env, manifest in (("dev", "complex"), ("staging", "containerd"), ("prod", "ha")):
        shutil.copy(
            kops_data / "manifests" / f"{manifest}.yaml", sources / f"{env}-{manifest}.yaml"
        )
    fleet = tmp_path / "fleet"
    imported = run("import", *sorted(map(str, sources.iterdir())), "--out-dir", str(fleet))
    assert imported.code == 0, imported.err
    wheel(tmp_path / "wheels", "clustermgr", "0.1.0")
    assert run("-C", str(fleet), "ci", "lock", "--wheels", str(tmp_path / "wheels")).code == 0
    assert (
        run("-C", str(fleet), "ci", "gitlab", "--out-file", str(fleet / ".gitlab-ci.yml")).code == 0
    )
    git(fleet, "init", "-q")
    git(fleet, "add", "-A")
    git(fleet, "commit", "-qm", "imported")
    base = git(fleet, "rev-parse", "HEAD")
    values = fleet / "values" / "prod-ha.yaml"
    values.write_text(values.read_text() + "# reviewed\n")
    git(fleet, "commit", "-qam", "a merge request")
    check = jobs((fleet / ".gitlab-ci.yml").read_text())["check"]
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
        "CLUSTERMGR_CACHE_DIR": "",
    }
    for line in check["script"] + check["after_script"]:
        done = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", line],
            cwd=fleet,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    report = (fleet / "clustermgr-report.md").read_text()
    assert report.startswith("### clustermgr check: 1 cluster, 0 invalid, 0 changed")
    assert (fleet / "junit.xml").is_file() and (fleet / "gl-code-quality-report.json").is_file()


def test_deploy_jobs_have_the_kops_of_kops_version(run: Run, example: Path, tmp_path: Path) -> None:
    """The first line of a job that runs kops fails unless `kops version --short` (which
    prints kops.Version: cmd/kops/version.go) is kopsVersion; run here by a shell."""
    steps = yaml.safe_load(run("-C", str(example), "ci", "gitlab").out)[".kops"]["before_script"]
    check = steps[-1]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "kops"
    for printed, code in (("1.34.1", 0), ("1.33.0", 1)):
        fake.write_text(f"#!/bin/sh\necho {printed}\n")
        fake.chmod(0o755)
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "CI_JOB_IMAGE": "python:3.11"}
        done = subprocess.run(["sh", "-c", check], env=env, capture_output=True, text=True)
        assert done.returncode == code, done.stderr
    assert done.stderr == (
        "kops 1.34.1 not found in image python:3.11: name an image that has it (ci.kopsImage) "
        "or keep its SHA-256 in ci/kops-checksums.txt\n"
    )
    sums = example / "ci" / "kops-checksums.txt"
    digest = "a" * 64
    sums.write_text(f"# from kops-linux-amd64.sha256 of each release\n1.34.1 {digest}\n")
    steps = yaml.safe_load(run("-C", str(example), "ci", "gitlab").out)[".kops"]["before_script"]
    assert steps[1] == (
        "curl -fsSLo /usr/local/bin/kops "
        "https://github.com/kubernetes/kops/releases/download/v1.34.1/kops-linux-amd64 && "
        f'echo "{digest}  /usr/local/bin/kops" | sha256sum -c - && chmod +x /usr/local/bin/kops'
    )
    sums.write_text(f"1.33.0 {digest}\n")
    missing = run("-C", str(example), "ci", "gitlab")
    assert (missing.code, missing.err) == (
        1,
        "ci/kops-checksums.txt: error: no SHA-256 for kops 1.34.1 (kopsVersion)\n",
    )
    sums.write_text("1.34.1 not-a-digest\n")
    bad = run("-C", str(example), "ci", "gitlab")
    assert bad.err == "ci/kops-checksums.txt:1:1: error: expected `VERSION SHA256`\n"


def test_a_schedule_looks_for_drift_and_never_deploys(run: Run) -> None:
    """A pipeline schedule's CI_COMMIT_BEFORE_SHA is zeros (every cluster): it must not reach
    the plan job; it runs the drift job instead, which fails when any cluster differs."""
    found = jobs(run("-C", str(REPO), "ci", "gitlab").out)
    for name in ("plan", "deploy"):
        assert found[name]["rules"] == [
            {"if": '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "schedule"'}
        ]
    assert found["drift"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    assert found["drift"]["script"] == [
        'clustermgr drift --all --state "$KOPS_STATE_STORE" --exit-code '
        "--report-json drift.json -o markdown --out-file drift.md || found=$?",
        'if [ -n "${CLUSTERMGR_GITLAB_TOKEN:-}" ] && [ -f drift.json ]; then '
        "clustermgr ci gitlab-issues --report drift.json; fi",
        'exit "${found:-0}"',
    ]
    assert found["drift"]["extends"] == ".kops"  # kops, and read access to the state store
