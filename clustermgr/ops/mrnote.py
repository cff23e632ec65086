"""The review note: one merge-request note holding the check report, created on the first
push and updated on every later one (found by a hidden marker), as Atlantis and the
Terraform merge-request integrations do.

GitLab's REST API through python-gitlab; the job token cannot write notes, so the token is
a project access token with `api` scope in a CI/CD variable (ci.noteTokenVariable).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import gitlab
import gitlab.exceptions

from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.text import NOTE_LIMIT, cut_note

MARKER = "<!-- clustermgr-report: updated on every push -->"
TIMEOUT = 30  # seconds per API call: a slow GitLab must not hold the check job


class Target(NamedTuple):
    """Where the note goes, from GitLab's predefined variables."""

    api_url: str  # CI_API_V4_URL
    project: str  # CI_PROJECT_ID
    merge_request: int  # CI_MERGE_REQUEST_IID
    token: str
    artifact_url: str | None  # the report as a job artifact, linked when the note is cut


def target(env: Mapping[str, str], token_variable: str, report_path: str) -> Target:
    """The note's target from the job's environment; a UsageError names what is missing."""
    needed = ("CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", token_variable)
    missing = [name for name in needed if not env.get(name)]
    if missing:
        raise UsageError(
            f"gitlab-note runs in a merge-request job: {', '.join(missing)} not set"
            + (
                f" ({token_variable}: a project access token with api scope)"
                if token_variable in missing
                else ""
            )
        )
    iid = env["CI_MERGE_REQUEST_IID"]
    if not iid.isdigit():
        raise UsageError(f"CI_MERGE_REQUEST_IID: {iid!r} is not a number")
    job = env.get("CI_JOB_URL")
    artifact = f"{job}/artifacts/file/{report_path}" if job else None
    return Target(
        env["CI_API_V4_URL"], env["CI_PROJECT_ID"], int(iid), env[token_variable], artifact
    )


def body(report: str, artifact_url: str | None, limit: int = NOTE_LIMIT) -> str:
    """The note: the marker, then the report, cut to GitLab's limit with a link to the whole."""
    where = f"[the whole report]({artifact_url})" if artifact_url else "the job's artifacts"
    tail = f"_The report is too long for one note and was cut here; see {where}._"
    return cut_note(f"{MARKER}\n{report}", tail, limit)


def post(to: Target, text: str) -> str:
    """Create the note, or update the one carrying the marker; `created` or `updated`."""

    base = to.api_url.rstrip("/").removesuffix("/api/v4")
    try:
        client = gitlab.Gitlab(
            base, private_token=to.token, timeout=TIMEOUT, retry_transient_errors=False
        )
        mr = client.projects.get(to.project, lazy=True).mergerequests.get(
            to.merge_request, lazy=True
        )
        for note in mr.notes.list(iterator=True, sort="asc", order_by="created_at"):
            if MARKER in str(note.body):
                note.body = text
                note.save()
                return "updated"
        mr.notes.create({"body": text})
        return "created"
    except gitlab.exceptions.GitlabError as exc:
        code = f" {exc.response_code}" if exc.response_code else ""
        raise ClusterMgrError(
            f"GitLab refused the note (HTTP{code}): {exc.error_message}"
        ) from None
    except OSError as exc:  # connection refused, DNS, timeouts (requests' errors are OSErrors)
        raise ClusterMgrError(f"GitLab could not be reached: {exc}") from None
