"""The review note against a small fake of GitLab's notes API: a real HTTP server on
127.0.0.1, speaking the endpoints python-gitlab calls."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from clustermgr.ops import mrnote
from tests.conftest import Run

NOTES = re.compile(r"/api/v4/projects/(\d+)/merge_requests/(\d+)/notes(?:/(\d+))?")
TOKEN = "glpat-test-token"


class FakeGitLab:
    def __init__(self) -> None:
        self.notes: list[dict[str, Any]] = [{"id": 1, "body": "LGTM, but see the diff"}]
        self.requests: list[str] = []
        self.fail_with: int | None = None


@pytest.fixture
def gitlab() -> Iterator[tuple[FakeGitLab, str]]:
    fake = FakeGitLab()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet test output
            pass

        def _send(self, code: int, data: object) -> None:
            raw = json.dumps(data).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _route(self, method: str) -> None:
            path = self.path.split("?", 1)[0]
            fake.requests.append(f"{method} {path}")
            if self.headers.get("PRIVATE-TOKEN") != TOKEN:
                return self._send(401, {"message": "401 Unauthorized"})
            if fake.fail_with:
                return self._send(fake.fail_with, {"message": "Note is too long"})
            found = NOTES.fullmatch(path)
            if not found or found.group(1, 2) != ("42", "7"):
                return self._send(404, {"message": "404 Not found"})
            length = int(self.headers.get("Content-Length") or 0)
            sent = json.loads(self.rfile.read(length) or b"{}") if length else {}
            note_id = found.group(3)
            if method == "GET" and note_id is None:
                return self._send(200, fake.notes)
            if method == "POST" and note_id is None:
                note = {"id": len(fake.notes) + 1, "body": sent["body"]}
                fake.notes.append(note)
                return self._send(201, note)
            if method == "PUT" and note_id is not None:
                for note in fake.notes:
                    if note["id"] == int(note_id):
                        note["body"] = sent["body"]
                        return self._send(200, note)
            return self._send(404, {"message": "404 Not found"})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PUT(self) -> None:
            self._route("PUT")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    finally:
        server.shutdown()
        server.server_close()


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
