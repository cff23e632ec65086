"""`diff` and `pull` end to end: state stores, git refs, snapshots, a fake kops."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from clustermgr import diff, text
from clustermgr.diff import ClusterDiff
from clustermgr.plan import review
from clustermgr.reporters import ReportOptions, diffs
from clustermgr.yamlio import load_documents
from clustermgr.yamlio.emit import dump
from tests.conftest import Run

CLUSTER = "dev-eu1.k8s.example.com"


def state_store(run: Run, root: Path, where: Path, edit: dict[str, object] | None = None) -> Path:
    """A state store holding dev-eu1 as kOps would keep it (plus `edit` on the nodes group)."""
    rendered = run("-C", str(root), "render", "dev-eu1").out
    folder = where / CLUSTER
    (folder / "instancegroup").mkdir(parents=True)
    for doc in load_documents(rendered, "r"):
        data = doc.data
        data["metadata"]["creationTimestamp"] = "2025-01-01T00:00:00Z"
        if data["kind"] == "Cluster":
            data["spec"]["configBase"] = f"s3://example-kops-state/{CLUSTER}"
            (folder / "config").write_text(dump(data))
        else:
            if data["metadata"]["name"] == "nodes":
                data["spec"].update(edit or {})
            (folder / "instancegroup" / data["metadata"]["name"]).write_text(dump(data))
    (folder / "instancegroup" / ".hidden").write_text("not: read\n")
    return where


def test_no_difference_against_what_kops_keeps(run: Run, example: Path, tmp_path: Path) -> None:
    store = state_store(run, example, tmp_path / "state")
    result = run("-C", str(example), "diff", "dev-eu1", "--state", f"file://{store}", "--exit-code")
    assert (result.code, result.out) == (0, "dev-eu1: no changes\n")


def test_changes_and_exit_code(run: Run, example: Path, tmp_path: Path) -> None:
    store = state_store(run, example, tmp_path / "state", {"maxSize": 9, "machineType": "t3.small"})
    result = run("-C", str(example), "diff", "dev-eu1", "--state", str(store), "--exit-code")
    assert result.code == 1
    assert result.out == (
        "dev-eu1: 2 changes in 1 resource — impact: roll IG (nodes)\n"
        "  plan:\n"
        "    1. kops replace -f <render>  # writes the render to the state store\n"
        "    2. kops update cluster --yes  # changes the cloud resources\n"
        "    3. kops replace -f <render with the apply's record>  # the apply's record, written "
        "last: a stop half-way keeps the previous one\n"
        "    4. kops rolling-update cluster --instance-group nodes --yes  # replaces the "
        "instances of nodes\n"
        "\n"
        "InstanceGroup/nodes\n"
        "  spec.machineType  [roll IG nodes]\n"
        "    - t3.small\n"
        "    + t3.large\n"
        "  spec.maxSize  [update]\n"
        "    - 9\n"
        "    + 3\n"
    )
    ignored = run(
        "-C",
        str(example),
        "diff",
        "dev-eu1",
        "--state",
        str(store),
        "--exit-code",
        "--ignore",
        "InstanceGroup/*:spec.machineType",
        "--ignore",
        "*:spec.maxSize",
    )
    assert (ignored.code, ignored.out) == (0, "dev-eu1: no changes (2 ignored)\n")


def test_json_report(run: Run, example: Path, tmp_path: Path) -> None:
    store = state_store(run, example, tmp_path / "state", {"maxSize": 9})
    out = run("-C", str(example), "diff", "dev-eu1", "--state", str(store), "-o", "json").out
    report = json.loads(out)
    plan = report["clusters"][0]["plan"]
    assert [step["command"] for step in plan["steps"]] == [
        "kops replace -f <render>",
        "kops update cluster --yes",
        "kops replace -f <render with the apply's record>",
    ]
    del plan["steps"]
    assert plan == {
        "changes": 1,
        "ignored": 0,
        "resources": 1,
        "impact": "update",
        "roll": [],
        "flags": [],
        "refusals": [],
        "creates": False,
        "removed_groups": [],
        "blocked": False,
    }
    assert report["clusters"][0]["changes"][0] == {
        "resource": "InstanceGroup/nodes",
        "path": "spec.maxSize",
        "type": "changed",
        "old": 9,
        "new": 3,
        "impact": "update",
        "flags": [],
        "why": "the Auto Scaling group's size",
        "source": "pkg/model/awsmodel/autoscalinggroup.go, buildAutoScalingGroupTask",
        "groups": [],
        "ignored": False,
    }


def test_pull_then_diff_against_the_snapshot(run: Run, example: Path, tmp_path: Path) -> None:
    store = state_store(run, example, tmp_path / "state", {"maxSize": 7})
    result = run(
        "-C",
        str(example),
        "pull",
        "dev-eu1",
        "--state",
        str(store),
        "--out-dir",
        str(example / "applied"),
    )
    assert result.code == 0
    snapshot = (example / "applied" / "dev-eu1.yaml").read_text()
    assert snapshot.startswith("apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\n")
    assert snapshot.count("\n---\n\n") == 2  # Cluster, control plane, nodes
    with open(example / "clustermgr.yaml", "a") as config:
        config.write("diff:\n  applied: applied\n")
    out = run("-C", str(example), "diff", "dev-eu1").out
    assert out.startswith("dev-eu1: 1 change in 1 resource — impact: update\n")
    unified = run(
        "-C",
        str(example),
        "diff",
        "dev-eu1",
        "--against",
        str(example / "applied" / "dev-eu1.yaml"),
        "-o",
        "unified",
    ).out
    assert unified == (
        "--- dev-eu1 (applied)\n+++ dev-eu1 (rendered)\n@@ -87,7 +87,7 @@\n"
        "     httpPutResponseHopLimit: 1\n     httpTokens: required\n   machineType: t3.large\n"
        "-  maxSize: 7\n+  maxSize: 3\n   minSize: 1\n   nodeLabels:\n"
        "     kops.k8s.io/instancegroup: nodes\n"
    )


def test_a_cluster_without_a_snapshot_is_created_and_a_folder_is_refused(
    run: Run, example: Path
) -> None:
    """In a snapshot folder, a cluster with no file yet is new (everything added); a folder
    where its file belongs is an error at that path."""
    with open(example / "clustermgr.yaml", "a") as config:
        config.write("diff:\n  applied: applied\n")
    (example / "applied").mkdir()
    new = run("-C", str(example), "diff", "prod-eu1")
    assert (new.code, new.out.splitlines()[0]) == (
        0,
        "creates cluster prod-eu1: prod-eu1: 6 changes in 6 resources — impact: update",
    )
    (example / "applied" / "prod-eu1.yaml").mkdir()
    folder = run("-C", str(example), "diff", "prod-eu1")
    assert (folder.code, folder.err) == (
        2,
        "applied/prod-eu1.yaml: error: is a directory, not a file\n",
    )


def test_pull_from_a_remote_store_runs_kops(
    run: Run, example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "kops"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{tmp_path}/kops-calls"\n'
        "echo 'apiVersion: kops.k8s.io/v1alpha2'\necho 'kind: Cluster'\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = run(
        "-C",
        str(example),
        "pull",
        "dev-eu1",
        "--state",
        "s3://bucket",
        "--out-dir",
        str(tmp_path / "out"),
    )
    assert result.code == 0, result.err
    assert (tmp_path / "kops-calls").read_text() == (
        f"get --name {CLUSTER} --state s3://bucket -o yaml\n"
    )
    assert (tmp_path / "out" / "dev-eu1.yaml").read_text() == (
        "apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\n"
    )


def test_pull_says_when_kops_is_missing(
    run: Run, example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run("-C", str(example), "pull", "dev-eu1", "--state", "s3://bucket", "--out-dir", "o")
    assert result.code == 2
    assert result.err.startswith("error: kops is not on PATH")


def test_against_a_git_ref_leaves_the_work_tree_alone(run: Run, example: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(example), *args], check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    edited = example / "values" / "dev" / "_env.yaml"
    edited.write_text(edited.read_text().replace("maxSize: 3", "maxSize: 4"))
    status = subprocess.run(
        ["git", "-C", str(example), "status", "--porcelain"], capture_output=True, text=True
    ).stdout
    result = run("-C", str(example), "diff", "--all", "--against-ref", "HEAD")
    assert result.code == 0
    assert result.out.splitlines()[0] == "dev-eu1: 1 change in 1 resource — impact: update"
    assert "prod-eu1: no changes" in result.out
    assert (
        subprocess.run(
            ["git", "-C", str(example), "status", "--porcelain"], capture_output=True, text=True
        ).stdout
        == status
    )
    bad = run("-C", str(example), "diff", "--all", "--against-ref", "no-such-ref")
    assert (bad.code, bad.err) == (2, "error: --against-ref: unknown git ref 'no-such-ref'\n")


def test_from_to_and_secrets(run: Run, tmp_path: Path) -> None:
    base = (
        "apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata: {name: c.example.com}\n"
        "spec:\n  authentication:\n    oidc: {clientSecret: %s}\n"
    )
    (tmp_path / "a.yaml").write_text(base % "old-secret-value")
    (tmp_path / "b.yaml").write_text(base % "new-secret-value")
    result = run("diff", "--from", "a.yaml", "--to", "b.yaml", "-o", "json", cwd=tmp_path)
    change = json.loads(result.out)["clusters"][0]["changes"][0]
    assert change["old"] == "<redacted sha256:ae61f6ea, 16 bytes>"  # sha256 of the old value
    assert change["new"].startswith("<redacted sha256:") and change["new"] != change["old"]
    shown = run(
        "diff",
        "--from",
        "a.yaml",
        "--to",
        "b.yaml",
        "--show-secrets",
        "-o",
        "json",
        cwd=tmp_path,
    )
    assert json.loads(shown.out)["clusters"][0]["changes"][0]["new"] == "new-secret-value"


def test_diff_usage_errors(run: Run, example: Path) -> None:
    assert run("-C", str(example), "diff", "dev-eu1").err.startswith(
        "error: nothing to compare with"
    )
    result = run("-C", str(example), "diff", "dev-eu1", "--state", "s3://bucket")
    assert result.code == 2 and "remote state store" in result.err
    result = run(
        "-C", str(example), "diff", "dev-eu1", "--state", str(example), "--against-ref", "x"
    )
    assert (result.code, result.err) == (
        2,
        "error: use one of --against, --state and --against-ref\n",
    )


def test_multi_line_strings_are_diffed_line_by_line(run: Run, tmp_path: Path) -> None:
    base = (
        "apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata: {name: nodes}\n"
        "spec:\n  additionalUserData:\n  - name: setup.sh\n    type: text/x-shellscript\n"
        "    content: |\n      #!/bin/sh\n      echo one\n      echo %s\n      echo three\n"
    )
    (tmp_path / "a.yaml").write_text(base % "two")
    (tmp_path / "b.yaml").write_text(base % "TWO")
    result = run("diff", "--from", "a.yaml", "--to", "b.yaml", cwd=tmp_path)
    lines = result.out.splitlines()
    assert lines[lines.index("InstanceGroup/nodes") + 1 :] == [
        "  spec.additionalUserData[name=setup.sh].content  [roll IG nodes]",
        "      #!/bin/sh",
        "      echo one",
        "    - echo two",
        "    + echo TWO",
        "      echo three",
    ]


def test_markdown_is_cut_below_gitlabs_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text, "NOTE_LIMIT", 2000)
    changes = [
        diff.Change(f"InstanceGroup/ig{i}", ("spec", "maxSize"), diff.CHANGED, 1, 2, "update")
        for i in range(100)
    ]
    note = diffs.markdown([review(ClusterDiff("c", changes, {}, {}))], ReportOptions())
    assert len(note) <= 2000
    assert note.endswith("_The diff is too long for one note and was cut here._\n")
    fences = [line for line in note.splitlines() if line.startswith("```")]
    assert len(fences) % 2 == 0  # the cut closed the code block it fell into
    assert note.count("<details>") == note.count("</details>")
