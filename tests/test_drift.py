"""`drift` on a local state store written by apply through the fake kops, and the issue sync
against a small fake of GitLab's issues API (a real HTTP server on 127.0.0.1, speaking the
endpoints python-gitlab calls, as GitLab documents them: doc/api/issues.md, notes.md)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests import fakegitlab
from tests.conftest import FakeKops, Run
from tests.test_apply import edit
from tests.test_gitlab import jobs

TOKEN = "glpat-drift-token"
PROD_CHANGE = "kubelet:\n  maxPods: 80\n"  # prod-eu1's change not applied yet
BOT, PERSON = {"id": 99, "username": "fleet-bot"}, {"id": 5, "username": "someone"}
ISSUES = re.compile(r"/api/v4/projects/42/issues(?:/(\d+))?(/notes)?")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    folder = tmp_path / "state"
    folder.mkdir()
    return folder


@pytest.fixture
def fleet(run: Run, example: Path, fake_kops: FakeKops, store: Path) -> Path:
    """Three clusters applied, then one edited by hand in the store, one changed in git, and
    the channel moved for the third; prod-us1 never applied."""
    clusters = ("dev-eu1", "prod-eu1", "staging-eu1")
    result = run("-C", str(example), "apply", *clusters, "--state", str(store), "--yes")
    assert result.code == 0, result.err
    clean = run("-C", str(example), "drift", *clusters, "--state", str(store), "--exit-code")
    assert (clean.code, clean.out.splitlines()[-1]) == (0, "3 clusters: 0 drifted")
    config = store / "dev-eu1.k8s.example.com" / "config"
    config.write_text(config.read_text().replace("\nspec:\n", "\nspec:\n  sshKeyName: hand\n", 1))
    prod = example / "values/prod/prod-eu1.yaml"
    prod.write_text(prod.read_text() + PROD_CHANGE)
    edit(
        example,
        "channels/stable.yaml",
        "recommendedVersion: 1.34.10",
        "recommendedVersion: 1.34.12",
    )
    return store


def test_the_three_classes(run: Run, example: Path, fleet: Path) -> None:
    result = run("-C", str(example), "drift", "--all", "--state", str(fleet), "--exit-code")
    assert result.code == 1, result.err
    assert result.out == (
        "dev-eu1      edited outside git\n"
        "    edited: Cluster/dev-eu1.k8s.example.com spec.sshKeyName\n"
        "prod-eu1     not applied\n"
        "    not applied: Cluster/prod-eu1.k8s.example.com spec.kubelet.maxPods\n"
        "prod-us1     not applied\n"
        "    not applied: prod-us1.k8s.example.com: a new cluster, not in the state store\n"
        "staging-eu1  channel moved\n"
        "    channel: kubernetesVersion 1.34.10 -> 1.34.12\n"
        "4 clusters: 4 drifted\n"
    )
    data = json.loads(
        run("-C", str(example), "drift", "dev-eu1", "--state", str(fleet), "-o", "json").out
    )
    assert data == {
        "command": "drift",
        "all": False,
        "state": str(fleet),
        "clusters": [
            {
                "cluster": "dev-eu1",
                "classes": ["edited outside git"],
                "edited": ["Cluster/dev-eu1.k8s.example.com spec.sshKeyName"],
                "notApplied": [],
                "channel": [],
                "record": True,
                "problems": [],
            }
        ],
    }


def test_values_never_appear(run: Run, example: Path, fleet: Path) -> None:
    """A difference is named by its path: the value may be a secret."""
    config = fleet / "dev-eu1.k8s.example.com" / "config"
    config.write_text(config.read_text().replace("sshKeyName: hand", "sshKeyName: s3cr3t-hand"))
    for fmt in ("text", "json", "markdown"):
        out = run("-C", str(example), "drift", "--all", "--state", str(fleet), "-o", fmt).out
        assert "s3cr3t" not in out and "maxPods: 80" not in out


def test_a_cluster_that_cannot_be_compared_does_not_hide_the_others(
    run: Run, example: Path, fleet: Path
) -> None:
    edit(example, "values/dev/dev-eu1.yaml", "machineType: t3.medium", "machineType: [1")
    result = run("-C", str(example), "drift", "dev-eu1", "prod-eu1", "--state", str(fleet))
    lines = result.out.splitlines()
    assert (result.code, lines[0], lines[-1]) == (
        0,
        "dev-eu1   not compared",
        "2 clusters: 1 drifted, 1 not compared",
    )
    assert lines[1].startswith("    values/dev/dev-eu1.yaml:")
    assert "prod-eu1  not applied" in lines


class FakeGitLab:
    """GitLab's issues API as documented: issues with iid, title, description, state,
    labels and author; list filters labels, state and author_id; PUT takes state_event."""

    def __init__(self) -> None:
        self.issues: list[dict[str, Any]] = []
        self.notes: dict[int, list[str]] = {}
        self.writes: list[str] = []

    def add(self, title: str, description: str, author: dict[str, Any], labels: list[str]) -> None:
        iid = len(self.issues) + 1
        self.issues.append(
            {"id": 1000 + iid, "iid": iid, "project_id": 42, "title": title,
             "description": description, "state": "opened", "labels": labels, "author": author}
        )  # fmt: skip

    def listed(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        labels = set(",".join(query.get("labels", [])).split(",")) - {""}
        state = query.get("state", ["all"])[0]
        author = query.get("author_id", [None])[0]
        page, per_page = int(query.get("page", ["1"])[0]), int(query.get("per_page", ["20"])[0])
        found = [
            i for i in self.issues
            if labels <= set(i["labels"]) and state in ("all", i["state"])
            and (author is None or str(i["author"]["id"]) == author)
        ]  # fmt: skip
        return found[(page - 1) * per_page : page * per_page]

    def open_issues(self) -> dict[str, str]:
        return {i["title"]: i["description"] for i in self.issues if i["state"] == "opened"}


@pytest.fixture
def gitlab(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitLab]:
    fake = FakeGitLab()

    class Handler(fakegitlab.Handler):
        def _route(self, method: str) -> None:
            url = urlsplit(self.path)
            if self.headers.get("PRIVATE-TOKEN") != TOKEN:
                return self._send(401, {"message": "401 Unauthorized"})
            if url.path == "/api/v4/user":
                return self._send(200, BOT)
            found = ISSUES.fullmatch(url.path)
            if not found:
                return self._send(404, {"message": "404 Not found"})
            length = int(self.headers.get("Content-Length") or 0)
            sent = json.loads(self.rfile.read(length)) if length else {}
            iid, notes = found.group(1), found.group(2)
            if method == "GET" and iid is None:
                return self._send(200, fake.listed(parse_qs(url.query)))
            fake.writes.append(f"{method} {url.path}")
            if method == "POST" and iid is None:
                labels = sent.get("labels", "")
                fake.add(sent["title"], sent.get("description", ""), BOT, labels.split(","))
                return self._send(201, fake.issues[-1])
            issue = next((i for i in fake.issues if str(i["iid"]) == iid), None)
            if issue is None:
                return self._send(404, {"message": "404 Issue Not Found"})
            if method == "POST" and notes:
                fake.notes.setdefault(issue["iid"], []).append(sent["body"])
                return self._send(201, {"id": 1, "body": sent["body"], "author": BOT})
            if method == "PUT" and not notes:
                issue.update({k: sent[k] for k in ("title", "description") if k in sent})
                if sent.get("state_event") == "close":
                    issue["state"] = "closed"
                return self._send(200, issue)
            return self._send(405, {"message": "405 Method Not Allowed"})

    with fakegitlab.serve(Handler) as url:
        for name, value in {
            "CI_API_V4_URL": url,
            "CI_PROJECT_ID": "42",
            "CLUSTERMGR_GITLAB_TOKEN": TOKEN,
        }.items():
            monkeypatch.setenv(name, value)
        yield fake


def _drift_and_sync(run: Run, example: Path, store: Path, *clusters: str) -> list[str]:
    report = example / "drift.json"
    selection = clusters or ("--all",)
    result = run(
        "-C", str(example), "drift", *selection, "--state", str(store), "--report-json", str(report)
    )
    assert result.code == 0, result.err
    synced = run("-C", str(example), "ci", "gitlab-issues", "--report", str(report))
    assert synced.code == 0, synced.err
    return synced.out.splitlines()


def test_one_issue_per_drifted_cluster_idempotent(
    run: Run, example: Path, fleet: Path, gitlab: FakeGitLab
) -> None:
    gitlab.add("Flaky nodes", "<!-- clustermgr-drift: dev-eu1 -->", PERSON, ["clustermgr-drift"])
    assert _drift_and_sync(run, example, fleet) == [
        "opened #2 (dev-eu1)",
        "opened #3 (prod-eu1)",
        "opened #4 (prod-us1)",
        "opened #5 (staging-eu1)",
    ]
    opened = gitlab.open_issues()
    assert opened["Flaky nodes"] == "<!-- clustermgr-drift: dev-eu1 -->"  # someone else's
    assert opened["Drift: dev-eu1 (edited outside git)"] == (
        "<!-- clustermgr-drift: dev-eu1 -->\n"
        f"`dev-eu1` differs from git in `{fleet}`.\n"
        "\n"
        "**edited outside git**: the state store changed since clustermgr last applied the "
        "cluster (kops edit?): put the change into git, or apply with --force to undo it\n"
        "\n"
        "```\n"
        "    Cluster/dev-eu1.k8s.example.com spec.sshKeyName\n"
        "```\n"
        "\n"
        "See it with `clustermgr diff dev-eu1` against the state store.\n"
    )
    writes = len(gitlab.writes)
    assert _drift_and_sync(run, example, fleet) == [
        "the drift issues are as the report says: nothing to do"
    ]
    assert len(gitlab.writes) == writes  # the second run changed nothing

    # dev-eu1 drifts more (now also behind git), prod-eu1 is put back as git says
    edit(example, "values/dev/dev-eu1.yaml", "machineType: t3.medium", "machineType: t3.large")
    edit(example, "values/prod/prod-eu1.yaml", PROD_CHANGE, "")
    assert _drift_and_sync(run, example, fleet) == [
        "updated #2 (dev-eu1)",
        "closed #3 (prod-eu1: clean)",
    ]
    assert "Drift: dev-eu1 (edited outside git, not applied)" in gitlab.open_issues()
    assert gitlab.notes == {3: ["`prod-eu1` matches git again: closed by clustermgr drift."]}
    assert _drift_and_sync(run, example, fleet)[0].startswith("the drift issues are as")

    # a run over some clusters closes nothing it did not see; a run over all does
    (example / "values/prod/prod-us1.yaml").unlink()
    assert _drift_and_sync(run, example, fleet, "dev-eu1")[0].startswith("the drift issues")
    assert _drift_and_sync(run, example, fleet) == ["closed #4 (prod-us1: not in the project)"]


def test_the_sync_refuses_what_is_not_a_drift_report(
    run: Run, example: Path, gitlab: FakeGitLab
) -> None:
    bad = example / "drift.json"
    for text, said in [
        ("[]", "not a drift report (clustermgr drift -o json)"),
        ('{"command": "drift", "all": true, "state": "s", "clusters": [{"cluster": "a -->"}]}',
         "a cluster without a valid name"),
        ('{"command": "drift", "all": true, "state": "s", "clusters": '
         '[{"cluster": "a", "edited": [1], "notApplied": [], "channel": [], "problems": []}]}',
         "a: differences are text"),
    ]:  # fmt: skip
        bad.write_text(text)
        result = run("-C", str(example), "ci", "gitlab-issues", "--report", str(bad))
        assert (result.code, result.err) == (2, f"error: {bad}: {said}\n")
    assert gitlab.writes == []


def test_the_sync_outside_a_job(run: Run, example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CI_API_V4_URL", "CI_PROJECT_ID", "CLUSTERMGR_GITLAB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = run("-C", str(example), "ci", "gitlab-issues")
    assert (result.code, result.err) == (
        2,
        "error: gitlab-issues runs in a job: CI_API_V4_URL, CI_PROJECT_ID, "
        "CLUSTERMGR_GITLAB_TOKEN not set (CLUSTERMGR_GITLAB_TOKEN: a project access token "
        "with api scope)\n",
    )


def test_the_scheduled_job_as_a_shell_runs_it(
    run: Run, example: Path, fleet: Path, gitlab: FakeGitLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The generated `drift` job's script, run by a shell as GitLab's runner does (`set -eo
    pipefail`, one script): the issues are opened, and the job fails because clusters drifted."""
    script = jobs(run("-C", str(example), "ci", "gitlab").out)["drift"]["script"]
    monkeypatch.setenv("KOPS_STATE_STORE", str(fleet))
    bin_dir = str(Path(sys.executable).parent)  # where clustermgr is installed
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    shell = subprocess.run(
        ["bash", "-c", "set -eo pipefail\n" + "\n".join(script)],
        cwd=example,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shell.returncode == 1, shell.stderr
    assert shell.stdout.splitlines()[0] == "opened #1 (dev-eu1)"
    assert len(gitlab.open_issues()) == 4
    assert json.loads((example / "drift.json").read_text())["all"] is True
    assert (example / "drift.md").read_text().startswith("**clustermgr drift** against ")
