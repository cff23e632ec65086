"""apply and roll against a faithful fake kops (tests/fakekops): the lifecycle of a cluster,
failures that must stop before writing, and kops output that must not hang or crash us."""

from __future__ import annotations

import base64
import gzip
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clustermgr.diff import Change
from clustermgr.kops import runner
from clustermgr.ops import apply
from clustermgr.plan import build
from clustermgr.problems import ERROR, Problem
from clustermgr.project import find_project
from clustermgr.validation import make_linter
from clustermgr.values import Overrides
from clustermgr.yamlio import load_documents
from tests.conftest import REPO, FakeKops, Run

NAME = "dev-eu1.k8s.example.com"


def apply_cmd(run: Run, root: Path, store: Path | str, *args: str) -> tuple[int, str, str]:
    result = run("-C", str(root), "apply", "dev-eu1", "--state", str(store), *args)
    return result.code, result.out, result.err


def snapshot(store: Path) -> dict[str, str]:
    return {
        str(p.relative_to(store)): p.read_text() for p in sorted(store.rglob("*")) if p.is_file()
    }


def edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))


@pytest.fixture
def store(tmp_path: Path) -> Path:
    folder = tmp_path / "state"
    folder.mkdir()
    return folder


def test_create_then_no_changes_and_no_drift(
    run: Run, example: Path, fake_kops: FakeKops, store: Path
) -> None:
    code, out, err = apply_cmd(run, example, store, "--yes")
    assert code == 0, err
    replace, update, record = fake_kops.calls()
    assert replace.startswith("replace -f ") and replace.endswith(f"--state {store} --force")
    assert update == f"update cluster --name {NAME} --state {store} --yes"
    assert record.startswith("replace -f ") and record.endswith(f"--state {store}")
    assert (store / NAME / "config").exists() and (
        store / NAME / "instancegroup" / "nodes"
    ).exists()
    # kOps filled in its create-time defaults; none of them is a change or drift
    diff = run("-C", str(example), "diff", "dev-eu1", "--state", str(store))
    assert diff.out == "dev-eu1: no changes\n"
    code, out, err = apply_cmd(run, example, store)
    assert (code, out.splitlines()[0]) == (0, "dev-eu1: no changes")
    assert "drift" not in err and "half-applied" not in err


def test_the_preview_never_writes_the_store(
    run: Run, example: Path, fake_kops: FakeKops, store: Path
) -> None:
    assert apply_cmd(run, example, store, "--yes")[0] == 0
    edit(example, "values/dev/dev-eu1.yaml", "t3.medium", "t3.large")
    before = snapshot(store)
    calls = len(fake_kops.calls())
    code, out, err = apply_cmd(run, example, store)
    assert code == 0, err
    assert snapshot(store) == before
    preview = fake_kops.calls()[calls:]
    assert [c.split()[0] for c in preview] == ["replace", "update"]
    assert all(f"--state file://{store}" not in c and "--state file:///tmp" in c for c in preview)
    assert "--yes" not in " ".join(preview)
    assert "nothing is written to" in out


def test_edit_then_apply_leaves_no_drift(
    run: Run, example: Path, fake_kops: FakeKops, store: Path
) -> None:
    assert apply_cmd(run, example, store, "--yes")[0] == 0
    edit(example, "values/dev/dev-eu1.yaml", "t3.medium", "t3.large")
    code, out, err = apply_cmd(run, example, store, "--yes")
    assert code == 0, err
    assert "spec.machineType" in out
    assert "next: clustermgr roll dev-eu1 --yes" in out
    code, out, err = apply_cmd(run, example, store)
    assert (code, out.splitlines()[0]) == (0, "dev-eu1: no changes")


def test_a_new_group_is_created_and_a_removed_one_needs_prune(
    run: Run, example: Path, fake_kops: FakeKops, store: Path
) -> None:
    assert apply_cmd(run, example, store, "--yes")[0] == 0
    values = example / "values" / "dev" / "dev-eu1.yaml"
    batch = "nodeGroups:\n  batch:\n    machineType: t3.large\n    minSize: 0\n    maxSize: 2\n"
    values.write_text(values.read_text() + batch)
    calls = len(fake_kops.calls())
    code, out, err = apply_cmd(run, example, store, "--yes")
    assert code == 0, err
    assert fake_kops.calls()[calls].endswith("--force")  # kops replace refuses a new group without
    assert (store / NAME / "instancegroup" / "batch").exists()
    values.write_text(values.read_text().replace(batch, ""))
    code, out, err = apply_cmd(run, example, store, "--yes")
    assert code == 0, err
    assert "InstanceGroup/batch" in out and "destructive" in out
    assert (store / NAME / "instancegroup" / "batch").exists()  # kops replace never deletes
    calls = len(fake_kops.calls())
    code, out, err = apply_cmd(run, example, store, "--yes", "--prune")
    assert code == 0, err
    ran = fake_kops.calls()[calls:]
    assert f"delete instancegroup batch --name {NAME} --state {store} --yes" in ran
    assert f"update cluster --name {NAME} --state {store} --prune --yes" in ran
    assert not (store / NAME / "instancegroup" / "batch").exists()


def test_a_replace_failing_half_way_keeps_the_previous_record(
    run: Run, example: Path, fake_kops: FakeKops, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert apply_cmd(run, example, store, "--yes")[0] == 0
    record = (store / NAME / "config").read_text()
    edit(example, "values/dev/_env.yaml", "  - 192.0.2.0/24", "  - 198.51.100.0/24")  # Cluster
    edit(example, "values/dev/_env.yaml", "maxSize: 3", "maxSize: 4")  # an InstanceGroup
    monkeypatch.setenv("FAKE_KOPS_FAIL", "replace-ig")
    code, _out, err = apply_cmd(run, example, store, "--yes")
    assert code == 1
    assert "RequestLimitExceeded" in err and "is half-applied" in err
    config = (store / NAME / "config").read_text()
    assert config != record  # kops wrote the Cluster before it failed...
    annotation = "clustermgr.k8s.io/last-applied"
    assert [line for line in config.splitlines() if annotation in line] == [
        line for line in record.splitlines() if annotation in line
    ]  # ...with the previous record
    monkeypatch.delenv("FAKE_KOPS_FAIL")
    code, _out, err = apply_cmd(run, example, store)
    assert code == 0, err
    assert "half-applied by an apply that stopped" in err
    assert "198.51.100.0/24" in err  # in place already: not drift
    assert "was changed in the state store" not in err


def test_a_kubernetes_minor_upgrade_goes_through_reconcile(
    run: Run, example: Path, fake_kops: FakeKops, store: Path
) -> None:
    assert apply_cmd(run, example, store, "--yes")[0] == 0
    calls = len(fake_kops.calls())
    code, out, err = apply_cmd(run, example, store, "--yes", "--set", "kubernetesVersion=1.34.2")
    assert code == 0, err
    ran = [c.split()[0] for c in fake_kops.calls()[calls:]]
    assert ran == ["replace", "reconcile", "replace"]
    assert "kops reconcile cluster --yes" in out


def test_a_failing_read_of_a_remote_store_writes_nothing(
    run: Run, example: Path, fake_kops: FakeKops, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KOPS_FAIL", "get")
    code, _out, err = apply_cmd(run, example, "s3://bucket", "--yes")
    assert code == 1
    assert "cannot read dev-eu1.k8s.example.com from s3://bucket, so nothing was written" in err
    assert "the cloud said no" in err
    assert [c.split()[0] for c in fake_kops.calls()] == ["get"]


def test_not_found_in_any_other_words_fails_closed(
    run: Run, example: Path, fake_kops: FakeKops, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a kubeconfig warning that says "not found", then a throttling error: not a new cluster
    monkeypatch.setenv("FAKE_KOPS_FAIL", "get")
    monkeypatch.setenv("FAKE_KOPS_STDERR", "W1204 kubeconfig context not found, using defaults")
    code, _out, err = apply_cmd(run, example, "s3://bucket", "--yes")
    assert code == 1 and "nothing was written" in err
    assert [c.split()[0] for c in fake_kops.calls()] == ["get"]


def test_kops_own_not_found_is_a_new_cluster(run: Run, example: Path, fake_kops: FakeKops) -> None:
    code, _out, err = apply_cmd(run, example, "s3://empty-bucket")
    assert code == 0, err
    assert fake_kops.calls()[0].startswith("get --name dev-eu1.k8s.example.com")
    assert "creates cluster dev-eu1" in _out


def test_a_store_changed_after_the_diff_stops_the_apply(
    example: Path, fake_kops: FakeKops, store: Path, run: Run
) -> None:
    assert apply_cmd(run, example, store, "--yes")[0] == 0
    project = find_project(example)
    plan = apply.prepare(
        project, "dev-eu1", str(store), Overrides(), make_linter(project, for_replace=True)
    )
    group = store / NAME / "instancegroup" / "nodes"
    group.write_text(group.read_text().replace("maxSize: 3", "maxSize: 4"))
    calls = len(fake_kops.calls())
    with pytest.raises(apply.ApplyError, match="the state store changed since the diff above"):
        apply.execute(plan, print, print, 60)
    assert fake_kops.calls()[calls:] == []


def test_output_that_is_not_text_or_very_long(
    example: Path, fake_kops: FakeKops, monkeypatch: pytest.MonkeyPatch
) -> None:

    monkeypatch.setenv("FAKE_KOPS_OUTPUT", "nonutf8")
    lines: list[str] = []
    runner.run(["version"], lines.append, lines.append)
    assert "I1126 \ufffd\ufffd not text" in lines and "W1126 \ufffd( warning" in lines
    monkeypatch.setenv("FAKE_KOPS_OUTPUT", "big")
    monkeypatch.setenv("FAKE_KOPS_FAIL", "version")
    seen = [0]

    def count(_line: str) -> None:
        seen[0] += 1

    with pytest.raises(runner.KopsError) as info:
        runner.run(["version"], count, count)
    assert seen[0] > 100_000
    assert len(info.value.message) < 30_000  # only a tail of stderr is kept


def test_a_hung_kops_is_stopped(
    example: Path, fake_kops: FakeKops, monkeypatch: pytest.MonkeyPatch
) -> None:

    monkeypatch.setenv("FAKE_KOPS_SLEEP", "30")
    started = time.monotonic()
    with pytest.raises(
        runner.KopsError, match=r"kops version was stopped after 1 s \(--kops-timeout\)"
    ):
        runner.run(["version"], print, print, timeout=1)
    assert time.monotonic() - started < 15


@pytest.mark.parametrize(
    "record",
    [
        base64.b64encode(gzip.compress(b"[" * 100_000 + b"]" * 100_000)).decode(),
        base64.b64encode(gzip.compress(b"0" * 20_000_000)).decode(),
        "not base64 at all!",
    ],
    ids=["deep-json", "gzip-bomb", "garbage"],
)
def test_a_poisoned_record_stops_the_apply(
    run: Run, example: Path, fake_kops: FakeKops, store: Path, record: str
) -> None:
    assert apply_cmd(run, example, store, "--yes")[0] == 0
    config = store / NAME / "config"
    lines = [
        f"    clustermgr.k8s.io/last-applied: {record}" if "last-applied:" in line else line
        for line in config.read_text().splitlines()
    ]
    config.write_text("\n".join(lines) + "\n")
    calls = len(fake_kops.calls())
    code, _out, err = apply_cmd(run, example, store, "--yes")
    assert code == 1 and "internal error" not in err
    assert "the clustermgr.k8s.io/last-applied annotation" in err
    assert fake_kops.calls()[calls:] == []


def test_roll_exports_a_kubeconfig_and_rolls_what_the_apply_named(
    run: Run,
    example: Path,
    fake_kops: FakeKops,
    store: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    assert apply_cmd(run, example, store, "--yes")[0] == 0
    edit(example, "values/dev/dev-eu1.yaml", "t3.medium", "t3.large")
    assert apply_cmd(run, example, store, "--yes")[0] == 0
    seen = tmp_path / "kubeconfig.log"
    monkeypatch.setenv("FAKE_KOPS_KUBECONFIG_LOG", str(seen))
    calls = len(fake_kops.calls())
    result = run("-C", str(example), "roll", "dev-eu1", "--state", str(store), "--yes")
    assert result.code == 0, result.err
    export, roll = fake_kops.calls()[calls:]
    assert export.startswith(
        f"export kubecfg --name {NAME} --state {store} --admin=1h --kubeconfig "
    )
    assert (
        roll == f"rolling-update cluster --name {NAME} --state {store} "
        "--instance-group control-plane-eu-west-1a --yes"
    )
    kubeconfig = export.split("--kubeconfig ")[1]
    assert seen.read_text() == f"rolling-update KUBECONFIG={kubeconfig}\n"
    assert not Path(kubeconfig).exists()  # removed after the run
    assert result.out.splitlines()[0] == (
        "last apply: 1 change: roll IG; rolls control-plane-eu-west-1a"
    )


def test_apply_needs_kops_before_any_output(
    run: Run, example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run("-C", str(example), "apply", "dev-eu1", "--state", str(tmp_path))
    assert (result.code, result.out) == (2, "")
    assert result.err == "error: kops is not on PATH: install kOps to apply or roll clusters\n"


def test_apply_refuses_invalid_clusters(
    run: Run, example: Path, fake_kops: FakeKops, store: Path
) -> None:
    edit(example, "values/dev/dev-eu1.yaml", "region: eu-west-1", "region: moon")
    code, _out, err = apply_cmd(run, example, store, "--yes")
    assert code == 1
    assert "region: 'moon' does not match" in err
    assert err.splitlines()[-1] == "error: dev-eu1 is not valid: nothing was applied"
    assert fake_kops.calls() == []


def test_the_record_holds_the_apply(example: Path, fake_kops: FakeKops, store: Path) -> None:
    project = find_project(example)
    plan = apply.prepare(
        project, "dev-eu1", str(store), Overrides(), make_linter(project, for_replace=True)
    )
    assert "clustermgr.k8s.io/last-applied:" in plan.final_manifest
    assert 'clustermgr.k8s.io/last-apply-impact: "3 changes: update"' in plan.final_manifest

    cluster = load_documents(plan.final_manifest, "m", cache=False)[0].data
    roll = json.loads(cluster["metadata"]["annotations"]["clustermgr.k8s.io/last-apply-roll"])
    assert roll == {"steps": []}  # a new cluster: nothing to roll
    assert "clustermgr.k8s.io" not in plan.work_manifest  # no previous record to keep


def test_several_clusters_in_order_stopping_at_the_first_failure(
    run: Run, example: Path, fake_kops: FakeKops, store: Path
) -> None:
    edit(example, "values/prod/prod-us1.yaml", "region: us-east-1", "region: moon")
    result = run(
        "-C",
        str(example),
        "apply",
        "dev-eu1",
        "prod-us1",
        "staging-eu1",
        "--state",
        str(store),
        "--yes",
    )
    assert result.code == 1
    assert result.err.splitlines()[-1] == "error: prod-us1 is not valid: nothing was applied"
    touched = {
        call.split("--name ")[1].split()[0] for call in fake_kops.calls() if "--name" in call
    }
    assert touched == {NAME}  # dev-eu1 applied; prod-us1 refused; staging-eu1 never reached
    assert not (store / "staging-eu1.k8s.example.com").exists()


def _prepared(**fields: object) -> apply.Prepared:
    base = apply.Prepared("dev-eu1", NAME, "s", [], [], [], [], "", "", build([], {}), {})
    return base._replace(**fields)  # type: ignore[arg-type]


def test_safety_checks_in_order() -> None:
    invalid = [Problem(ERROR, "schema", "bad")]
    refused = Change("Cluster/x", ("spec",), "changed", 1, 2, "update", ("refused",), "no")
    drift = [Change("InstanceGroup/nodes", ("spec", "maxSize"), "changed", 3, 4)]
    assert apply.safety(_prepared(problems=invalid), force=True).refusal == (
        "dev-eu1 is not valid: nothing was applied"
    )
    blocked = _prepared(plan=build([refused], {}))
    assert apply.safety(blocked, force=True).refusal == (
        "dev-eu1 is blocked: kOps refuses Cluster/x spec: no; nothing was applied"
    )
    assert apply.safety(_prepared(drift=drift), force=False).refusal == (
        "dev-eu1 was changed in the state store since clustermgr last applied it (above); "
        "apply with --force to overwrite those changes"
    )
    assert apply.safety(_prepared(drift=drift), force=True) == apply.Safety(None)
    assert apply.safety(_prepared(drift=None), force=False) == apply.Safety(
        None, ("dev-eu1: no record of a previous apply; nothing to check drift against",)
    )


def test_the_fake_kops_deletes_groups_as_kops_does(
    run: Run, example: Path, fake_kops: FakeKops, store: Path, tmp_path: Path
) -> None:
    """kOps: cmd/kops/delete_instancegroup.go. What apply --prune relies on."""
    assert apply_cmd(run, example, store, "--yes")[0] == 0
    kops = [str(tmp_path / "fakebin" / "kops"), "delete", "instancegroup"]
    where = ["--name", NAME, "--state", str(store)]
    asked = subprocess.run([*kops, "nodes", *where], capture_output=True, text=True)
    assert asked.returncode == 1 and (store / NAME / "instancegroup" / "nodes").exists()
    only = subprocess.run(
        [*kops, "control-plane-eu-west-1a", *where, "--yes"], capture_output=True, text=True
    )
    assert only.returncode == 1
    assert only.stderr == "Error: cannot delete the only control plane instance group\n"
    deleted = subprocess.run([*kops, "nodes", *where, "--yes"], capture_output=True, text=True)
    assert deleted.returncode == 0 and not (store / NAME / "instancegroup" / "nodes").exists()


def test_the_preview_of_an_s3_store_has_all_that_kops_update_reads(
    run: Run, example: Path, fake_kops: FakeKops, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kops update cluster` reads the keysets, secrets and addons of the store: the private
    copy of an S3 store holds them all (not backups), copied with the AWS CLI."""
    bucket = tmp_path / "s3"
    folder = bucket / "fleet-state" / NAME
    (bucket / "fleet-state").mkdir(parents=True)
    assert apply_cmd(run, example, f"file://{bucket / 'fleet-state'}", "--yes")[0] == 0
    for extra in ("pki/private/kubernetes-ca/keyset.yaml", "secrets/admin", "backups/etcd/x"):
        (folder / extra).parent.mkdir(parents=True, exist_ok=True)
        (folder / extra).write_text("data\n")
    aws = fake_kops.log.parent / "fakebin" / "aws"
    aws.write_text(
        f'#!/bin/sh\nPYTHONPATH="{REPO}" exec "{sys.executable}" '
        f'"{REPO / "tests" / "fakekops" / "aws.py"}" "$@"\n'
    )
    aws.chmod(0o755)
    seen = tmp_path / "store-seen.txt"
    monkeypatch.setenv("FAKE_S3_ROOT", str(bucket))
    monkeypatch.setenv("FAKE_AWS_LOG", str(tmp_path / "aws.log"))
    monkeypatch.setenv("FAKE_KOPS_STORE_LOG", str(seen))
    edit(example, "values/dev/dev-eu1.yaml", "machineType: t3.medium", "machineType: t3.large")
    code, out, err = apply_cmd(run, example, "s3://fleet-state", "--force")
    assert code == 0, err
    assert (tmp_path / "aws.log").read_text() == (
        "s3 cp --recursive --only-show-errors --exclude backups/* "
        f"s3://fleet-state/{NAME}/ {out.split('private copy of the state store (')[1].split(')')[0]}/{NAME}\n"
    )
    found = seen.read_text().split()
    assert "pki/private/kubernetes-ca/keyset.yaml" in found and "secrets/admin" in found
    assert not any(f.startswith("backups/") for f in found)
    assert "data" not in out + err  # the secrets stay in the private copy


def test_an_update_without_what_kops_assigned_on_create_is_refused_in_kops_words(
    run: Run, example: Path, fake_kops: FakeKops, store: Path, tmp_path: Path
) -> None:
    """kOps assigns networkCIDR and nonMasqueradeCIDR only when it creates a cluster
    (cmd/kops/replace.go): a render that leaves them out of a cluster that exists is no "no
    change" but a change kOps refuses, in the words the fake kops (written from kOps'
    validation) prints when it is given that render."""
    assert apply_cmd(run, example, store, "--yes")[0] == 0
    template = example / "template" / "10-cluster.yaml.j2"
    text = template.read_text()
    template.write_text(
        text.replace("  networkCIDR: {{ networkCIDR }}\n", "").replace(
            "  nonMasqueradeCIDR: {{ nonMasqueradeCIDR }}\n", ""
        )
    )
    diff = run("-C", str(example), "diff", "dev-eu1", "--state", str(store), "-o", "json")
    plan = json.loads(diff.out)["clusters"][0]["plan"]
    assert diff.code == 1 and plan["steps"] == []
    ours = sorted(plan["refusals"])
    rendered = tmp_path / "render.yaml"
    rendered.write_text(run("-C", str(example), "render", "dev-eu1").out)
    kops = subprocess.run(
        ["kops", "replace", "-f", str(rendered), "--state", str(store)],
        capture_output=True,
        text=True,
    )
    assert kops.returncode == 1 and kops.stderr.startswith("Error: error replacing cluster: [")
    theirs = re.findall(r"spec\.[^,\]]+", kops.stderr)  # field.Error texts, as kOps lists them
    assert len(theirs) == 2
    assert sorted(words.split(": ", 1)[1] for words in ours) == sorted(theirs)
