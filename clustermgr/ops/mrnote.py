"""The review note: one merge-request note holding the check report, created on the first
push and updated on every later one (found by a hidden marker), as Atlantis and the
Terraform merge-request integrations do.

GitLab's REST API through python-gitlab; the job token cannot write notes, so the token is
a project access token with `api` scope in a CI/CD variable (ci.noteTokenVariable).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from clustermgr.errors import UsageError
from clustermgr.ops import gitlabapi
from clustermgr.ops.gitlabapi import GitLabError as NoteError
from clustermgr.ops.gitlabapi import Unsent as NoteUnsent
from clustermgr.text import NOTE_LIMIT, cut_note

MARKER = "<!-- clustermgr-report: updated on every push -->"
MAX_IID_DIGITS = 18  # a merge-request IID is a 64-bit number

__all__ = ["MARKER", "NoteError", "NoteUnsent", "Target", "body", "post", "target"]


class Target(NamedTuple):
    """Where the note goes, from GitLab's predefined variables."""

    project: gitlabapi.Project
    merge_request: int  # CI_MERGE_REQUEST_IID
    artifact_url: str | None  # the report as a job artifact, linked when the note is cut


def target(env: Mapping[str, str], token_variable: str, report_path: str) -> Target:
    """The note's target from the job's environment; a UsageError names what is missing."""
    where = gitlabapi.project(
        env, token_variable, "gitlab-note", "a merge-request job", ("CI_MERGE_REQUEST_IID",)
    )
    iid = env["CI_MERGE_REQUEST_IID"]
    if not iid.isdigit() or len(iid) > MAX_IID_DIGITS:
        raise UsageError(f"CI_MERGE_REQUEST_IID: {iid[:40]!r} is not a merge-request number")
    job = env.get("CI_JOB_URL")
    artifact = f"{job}/artifacts/file/{report_path}" if job else None
    return Target(where, int(iid), artifact)


def body(report: str, artifact_url: str | None, limit: int = NOTE_LIMIT) -> str:
    """The note: the marker, then the report, cut to GitLab's limit with a link to the whole."""
    where = f"[the whole report]({artifact_url})" if artifact_url else "the job's artifacts"
    tail = f"_The report is too long for one note and was cut here; see {where}._"
    return cut_note(f"{MARKER}\n{report}", tail, limit)


def post(to: Target, text: str) -> str:
    """Create the note, or update the one clustermgr wrote (the marker, by the token's own
    user); `created` or `updated`."""
    with gitlabapi.connected(to.project, "the note") as (client, me):
        mr = client.projects.get(to.project.project, lazy=True).mergerequests.get(
            to.merge_request, lazy=True
        )
        listed = gitlabapi.pages(mr.notes, "notes", sort="asc", order_by="created_at")
        for note in listed:
            author = gitlabapi.field(note, "author", dict)
            if MARKER in gitlabapi.field(note, "body", str) and author.get("id") == me:
                note.body = text
                note.save()
                return "updated"
        mr.notes.create({"body": text})
        return "created"
