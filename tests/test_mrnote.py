"""The review note against a small fake of GitLab's notes API: a real HTTP server on
127.0.0.1, speaking the endpoints python-gitlab calls."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clustermgr.ops import mrnote
from tests import fakegitlab
from tests.conftest import Run

NOTES = re.compile(r"/api/v4/projects/(\d+)/merge_requests/(\d+)/notes(?:/(\d+))?")
TOKEN = "glpat-test-token"


BOT, REVIEWER = {"id": 99, "username": "fleet-bot"}, {"id": 5, "username": "reviewer"}


class FakeGitLab:
    """GitLab's notes API as documented, or misbehaving as `mode` says: `redirect` (to
    another host), `object` (a mapping where a list belongs), `no-body` (a note without its
    body), `loop` (a `next` page link to the same page), `echo` (a 401 that repeats the
    token)."""

    def __init__(self) -> None:
        self.notes: list[dict[str, Any]] = [
            {"id": 1, "body": "LGTM, but see the diff", "author": REVIEWER}
        ]
        self.requests: list[str] = []
        self.fail_with: int | None = None
        self.mode = ""
        self.seen_tokens: list[str] = []


@pytest.fixture
def gitlab() -> Iterator[tuple[FakeGitLab, str]]:
    fake = FakeGitLab()

    class Handler(fakegitlab.Handler):
        def _route(self, method: str) -> None:
            path = self.path.split("?", 1)[0]
            fake.requests.append(f"{method} {path}")
            fake.seen_tokens.append(self.headers.get("PRIVATE-TOKEN") or "")
            if fake.mode == "echo":
                message = f"401 Unauthorized: token {self.headers.get('PRIVATE-TOKEN')}"
                return self._send(401, {"message": message})
            if self.headers.get("PRIVATE-TOKEN") != TOKEN:
                return self._send(401, {"message": "401 Unauthorized"})
            if fake.mode == "redirect":
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.2:9/steal" + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if path == "/api/v4/user":
                return self._send(200, BOT)
            if fake.fail_with:
                return self._send(fake.fail_with, {"message": "Note is too long"})
            found = NOTES.fullmatch(path)
            if not found or found.group(1, 2) != ("42", "7"):
                return self._send(404, {"message": "404 Not found"})
            length = int(self.headers.get("Content-Length") or 0)
            sent = json.loads(self.rfile.read(length) or b"{}") if length else {}
            note_id = found.group(3)
            if method == "GET" and note_id is None:
                if fake.mode == "object":
                    return self._send(200, {"notes": fake.notes})
                if fake.mode == "no-body":
                    return self._send(200, [{"id": 1, "author": BOT}])
                if fake.mode == "loop":
                    page = [{"id": i, "body": "x", "author": REVIEWER} for i in range(100)]
                    self.send_response(200)
                    raw = json.dumps(page).encode()
                    self.send_header("Content-Type", "application/json")
                    self.send_header(
                        "Link", f'<http://{self.headers["Host"]}{self.path}>; rel="next"'
                    )
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                    return None
                return self._send(200, fake.notes)
            if method == "POST" and note_id is None:
                note = {"id": len(fake.notes) + 1, "body": sent["body"], "author": BOT}
                fake.notes.append(note)
                return self._send(201, note)
            if method == "PUT" and note_id is not None:
                for note in fake.notes:
                    if note["id"] == int(note_id):
                        note["body"] = sent["body"]
                        return self._send(200, note)
            return self._send(404, {"message": "404 Not found"})

    with fakegitlab.serve(Handler) as url:
        yield fake, url


@pytest.fixture
def job_env(gitlab: tuple[FakeGitLab, str], monkeypatch: pytest.MonkeyPatch) -> FakeGitLab:
    fake, url = gitlab
    for name, value in {
        "CI_API_V4_URL": url,
        "CI_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_IID": "7",
        "CI_JOB_URL": "https://gitlab.example.com/fleet/-/jobs/99",
        "CLUSTERMGR_GITLAB_TOKEN": TOKEN,
    }.items():
        monkeypatch.setenv(name, value)
    return fake


def test_created_then_updated(run: Run, example: Path, job_env: FakeGitLab) -> None:
    report = example / "clustermgr-report.md"
    report.write_text("### clustermgr check: 4 clusters, 0 invalid\n")
    first = run("-C", str(example), "ci", "gitlab-note", "--report", str(report))
    assert (first.code, first.out) == (0, "created the clustermgr note on merge request !7\n")
    report.write_text("### clustermgr check: 4 clusters, 1 invalid\n")
    second = run("-C", str(example), "ci", "gitlab-note", "--report", str(report))
    assert (second.code, second.out) == (0, "updated the clustermgr note on merge request !7\n")
    assert [n["body"] for n in job_env.notes] == [
        "LGTM, but see the diff",  # a reviewer's note is never touched
        f"{mrnote.MARKER}\n### clustermgr check: 4 clusters, 1 invalid\n",
    ]
    assert job_env.requests[-2:] == [
        "GET /api/v4/projects/42/merge_requests/7/notes",
        "PUT /api/v4/projects/42/merge_requests/7/notes/2",
    ]


def test_a_long_report_is_cut_with_a_link(job_env: FakeGitLab) -> None:
    to = mrnote.target(
        {
            "CI_API_V4_URL": "x",
            "CI_PROJECT_ID": "42",
            "CI_MERGE_REQUEST_IID": "7",
            "CI_JOB_URL": "https://gitlab.example.com/fleet/-/jobs/99",
            "T": TOKEN,
        },
        "T",
        "clustermgr-report.md",
    )
    report = "### big\n\n```diff\n" + "+ line\n" * 1000
    text = mrnote.body(report, to.artifact_url, limit=2000)
    assert len(text) <= 2000
    assert text.startswith(mrnote.MARKER + "\n### big\n")
    assert text.endswith(
        "```\n\n_The report is too long for one note and was cut here; see [the whole report]"
        "(https://gitlab.example.com/fleet/-/jobs/99/artifacts/file/clustermgr-report.md)._\n"
    )


def test_an_api_error_warns_and_never_fails(run: Run, example: Path, job_env: FakeGitLab) -> None:
    report = example / "r.md"
    report.write_text("report\n")
    job_env.fail_with = 400
    result = run("-C", str(example), "ci", "gitlab-note", "--report", str(report))
    assert result.code == 0
    assert result.err == (
        "warning: GitLab refused the note (HTTP 400): Note is too long; the report stays in "
        "the job's artifacts\n"
    )


def test_a_wrong_token_and_no_server_warn(
    run: Run, example: Path, job_env: FakeGitLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = example / "r.md"
    report.write_text("report\n")
    monkeypatch.setenv("CLUSTERMGR_GITLAB_TOKEN", "wrong")
    refused = run("-C", str(example), "ci", "gitlab-note", "--report", str(report))
    assert refused.code == 0
    assert refused.err.startswith("warning: GitLab refused the note (HTTP 401): 401 Unauthorized")
    assert "wrong" not in refused.err + refused.out  # the token is never printed
    monkeypatch.setenv("CI_API_V4_URL", "http://127.0.0.1:9/api/v4")  # nothing listens there
    unreachable = run("-C", str(example), "ci", "gitlab-note", "--report", str(report))
    assert unreachable.code == 0
    assert unreachable.err.startswith("warning: GitLab could not be reached: ")


def test_outside_a_merge_request_job(
    run: Run, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "CI_API_V4_URL",
        "CI_PROJECT_ID",
        "CI_MERGE_REQUEST_IID",
        "CLUSTERMGR_GITLAB_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    result = run("-C", str(example), "ci", "gitlab-note")
    assert result.code == 2
    assert result.err == (
        "error: gitlab-note runs in a merge-request job: CI_API_V4_URL, CI_PROJECT_ID, "
        "CI_MERGE_REQUEST_IID, CLUSTERMGR_GITLAB_TOKEN not set (CLUSTERMGR_GITLAB_TOKEN: a "
        "project access token with api scope)\n"
    )


def test_a_note_of_someone_else_quoting_the_marker_is_left_alone(job_env: FakeGitLab) -> None:
    job_env.notes.append({"id": 2, "body": f"quoting: {mrnote.MARKER}", "author": REVIEWER})
    to = mrnote.target(os.environ, "CLUSTERMGR_GITLAB_TOKEN", "r.md")
    assert mrnote.post(to, mrnote.body("report", None)) == "created"
    assert job_env.notes[1]["body"] == f"quoting: {mrnote.MARKER}"
    assert mrnote.post(to, mrnote.body("report 2", None)) == "updated"
    assert job_env.notes[2]["body"].endswith("report 2")


@pytest.mark.parametrize(
    ("mode", "code", "message"),
    [
        ("object", 2, "error: GitLab's answer does not have the shape its API documents"),
        ("no-body", 2, "error: GitLab's answer has no body of the documented type"),
        ("loop", 2, "error: GitLab lists more than 5000 notes"),
        (
            "redirect", 0,
            "warning: GitLab answered with a redirect; it is not followed (the token would go "
            "with it); the report stays in the job's artifacts",
        ),
        (
            "echo", 0,
            "warning: GitLab refused the note (HTTP 401): 401 Unauthorized: token [the token]; "
            "the report stays in the job's artifacts",
        ),
    ],
)  # fmt: skip
def test_a_misbehaving_gitlab(
    run: Run, example: Path, job_env: FakeGitLab, mode: str, code: int, message: str
) -> None:
    job_env.mode = mode
    report = example / "report.md"
    report.write_text("### clustermgr check\n")
    result = run("-C", str(example), "ci", "gitlab-note", "--report", str(report))
    assert (result.code, result.err.splitlines()[-1]) == (code, message)
    assert TOKEN not in result.out + result.err
    assert len(job_env.requests) <= 60  # pages asked for by number, a bounded number of them
    assert set(job_env.seen_tokens) <= {TOKEN}  # nothing sent anywhere else


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "CLUSTERMGR_GITLAB_TOKEN", TOKEN + "\n",
            "error: CLUSTERMGR_GITLAB_TOKEN holds whitespace or a control character (a trailing "
            "newline?): GitLab cannot mask such a variable; set it again without them",
        ),
        (
            "CI_MERGE_REQUEST_IID", "9" * 5000,
            f"error: CI_MERGE_REQUEST_IID: {'9' * 40!r} is not a merge-request number",
        ),
    ],
)  # fmt: skip
def test_unusable_job_settings(
    run: Run, example: Path, job_env: FakeGitLab, monkeypatch: pytest.MonkeyPatch,
    variable: str, value: str, message: str,
) -> None:  # fmt: skip
    monkeypatch.setenv(variable, value)
    result = run("-C", str(example), "ci", "gitlab-note", "--report", str(example / "x.md"))
    assert (result.code, result.err) == (2, message + "\n")
    assert TOKEN not in result.out + result.err and job_env.requests == []
