"""The review note: one merge-request note holding the check report, created on the first
push and updated on every later one (found by a hidden marker), as Atlantis and the
Terraform merge-request integrations do.

GitLab's REST API through python-gitlab; the job token cannot write notes, so the token is
a project access token with `api` scope in a CI/CD variable (ci.noteTokenVariable).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import gitlab
import gitlab.exceptions
import requests

from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.text import NOTE_LIMIT, cut_note

MARKER = "<!-- clustermgr-report: updated on every push -->"
TIMEOUT = 30  # seconds per API call: a slow GitLab must not hold the check job
PER_PAGE = 100  # notes per page (GitLab's maximum)
MAX_PAGES = 50  # 5,000 notes: beyond that, something is wrong
MAX_IID_DIGITS = 18  # a merge-request IID is a 64-bit number


class NoteUnsent(ClusterMgrError):
    """GitLab refused the note or could not be reached: a warning, never a failed check."""


class NoteError(ClusterMgrError):
    """GitLab answered with something its API does not document, or the job's settings are
    unusable: an error (exit 2)."""

    exit_code = 2


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
    if not iid.isdigit() or len(iid) > MAX_IID_DIGITS:
        raise UsageError(f"CI_MERGE_REQUEST_IID: {iid[:40]!r} is not a merge-request number")
    token = env[token_variable]
    if any(c.isspace() or not c.isprintable() for c in token):
        # GitLab cannot mask such a variable, so the job log may show it: never print it
        raise UsageError(
            f"{token_variable} holds whitespace or a control character (a trailing newline?): "
            "GitLab cannot mask such a variable; set it again without them"
        )
    job = env.get("CI_JOB_URL")
    artifact = f"{job}/artifacts/file/{report_path}" if job else None
    return Target(env["CI_API_V4_URL"], env["CI_PROJECT_ID"], int(iid), token, artifact)


def body(report: str, artifact_url: str | None, limit: int = NOTE_LIMIT) -> str:
    """The note: the marker, then the report, cut to GitLab's limit with a link to the whole."""
    where = f"[the whole report]({artifact_url})" if artifact_url else "the job's artifacts"
    tail = f"_The report is too long for one note and was cut here; see {where}._"
    return cut_note(f"{MARKER}\n{report}", tail, limit)


def post(to: Target, text: str) -> str:
    """Create the note, or update the one clustermgr wrote (the marker, by the token's own
    user); `created` or `updated`. GitLab's answers are checked, never trusted: no redirect is
    followed (the token would go with it), pages are asked for by number up to MAX_PAGES (a
    `next` link cannot loop), and an answer of the wrong shape is a NoteError; the token never
    appears in any message."""
    base = to.api_url.rstrip("/").removesuffix("/api/v4")
    session = requests.Session()
    session.max_redirects = 0  # a redirect would carry PRIVATE-TOKEN to wherever it points
    try:
        client = gitlab.Gitlab(
            base,
            private_token=to.token,
            timeout=TIMEOUT,
            retry_transient_errors=False,
            session=session,
        )
        client.auth()
        me = _field(client.user, "id", int)
        mr = client.projects.get(to.project, lazy=True).mergerequests.get(
            to.merge_request, lazy=True
        )
        for page in range(1, MAX_PAGES + 1):
            notes = mr.notes.list(page=page, per_page=PER_PAGE, sort="asc", order_by="created_at")
            if not isinstance(notes, list):
                raise NoteError("GitLab's list of notes is not a list")
            for note in notes:
                author = _field(note, "author", dict)
                if MARKER in _field(note, "body", str) and author.get("id") == me:
                    note.body = text
                    note.save()
                    return "updated"
            if len(notes) < PER_PAGE:
                break
        else:
            raise NoteError(f"the merge request has more than {MAX_PAGES * PER_PAGE} notes")
        mr.notes.create({"body": text})
        return "created"
    except requests.exceptions.TooManyRedirects:
        raise NoteUnsent(
            "GitLab answered with a redirect; it is not followed (the token would go with it)"
        ) from None
    except gitlab.exceptions.GitlabParsingError:
        raise NoteError("GitLab's answer is not the JSON its API documents") from None
    except gitlab.exceptions.GitlabError as exc:
        code = f" {exc.response_code}" if exc.response_code else ""
        said = _hidden(str(exc.error_message), to.token)[:300]
        raise NoteUnsent(f"GitLab refused the note (HTTP{code}): {said}") from None
    except OSError as exc:  # connection refused, DNS, timeouts (requests' errors are OSErrors)
        said = _hidden(str(exc), to.token)[:300]
        raise NoteUnsent(f"GitLab could not be reached: {said}") from None
    except (TypeError, ValueError, KeyError, AttributeError):
        raise NoteError("GitLab's answer does not have the shape its API documents") from None


def _field(obj: object, name: str, kind: type) -> Any:
    """An attribute of a GitLab object, of the type GitLab's API documents; else NoteError."""
    value = getattr(obj, name, None)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise NoteError(f"GitLab's answer has no {name} of the documented type")
    return value


def _hidden(text: str, token: str) -> str:
    return text.replace(token, "[the token]") if token else text
