"""GitLab's REST API as the CI jobs use it (the merge-request note, the drift issues): one
way to connect, to read answers and to fail.

GitLab's answers are checked, never trusted: no redirect is followed (the token would go with
it), lists are asked for by page number up to MAX_PAGES (a `next` link cannot loop), an answer
of the wrong shape is a GitLabError, and the token never appears in any message. The token is
a project access token with `api` scope in a CI/CD variable (ci.noteTokenVariable): the job
token can write neither notes nor issues.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import gitlab
import gitlab.exceptions
import requests

from clustermgr.errors import ClusterMgrError, UsageError

TIMEOUT = 30  # seconds per API call: a slow GitLab must not hold the job
PER_PAGE = 100  # objects per page (GitLab's maximum)
MAX_PAGES = 50  # 5,000 notes or issues: beyond that, something is wrong


class Unsent(ClusterMgrError):
    """GitLab refused the call or could not be reached: a warning, never a failed check."""


class GitLabError(ClusterMgrError):
    """GitLab answered with something its API does not document, or the job's settings are
    unusable: an error (exit 2)."""

    exit_code = 2


class Project(NamedTuple):
    """A GitLab project and the token to write to it, from GitLab's predefined variables."""

    api_url: str  # CI_API_V4_URL
    project: str  # CI_PROJECT_ID
    token: str


def project(
    env: Mapping[str, str],
    token_variable: str,
    command: str,
    where: str,
    needs: tuple[str, ...] = (),
) -> Project:
    """The job's project; a UsageError names every variable missing, `needs` too (`command`
    runs in `where`)."""
    needed = ("CI_API_V4_URL", "CI_PROJECT_ID", *needs, token_variable)
    missing = [name for name in needed if not env.get(name)]
    if missing:
        raise UsageError(
            f"{command} runs in {where}: {', '.join(missing)} not set"
            + (
                f" ({token_variable}: a project access token with api scope)"
                if token_variable in missing
                else ""
            )
        )
    token = env[token_variable]
    if any(c.isspace() or not c.isprintable() for c in token):
        # GitLab cannot mask such a variable, so the job log may show it: never print it
        raise UsageError(
            f"{token_variable} holds whitespace or a control character (a trailing newline?): "
            "GitLab cannot mask such a variable; set it again without them"
        )
    return Project(env["CI_API_V4_URL"], env["CI_PROJECT_ID"], token)


@contextlib.contextmanager
def connected(to: Project, what: str) -> Iterator[tuple[Any, int]]:
    """A python-gitlab client for `to` and the token's own user id; GitLab's failures become
    Unsent (a warning) or GitLabError (`what` names the call in messages)."""
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
        yield client, field(client.user, "id", int)
    except requests.exceptions.TooManyRedirects:
        raise Unsent(
            "GitLab answered with a redirect; it is not followed (the token would go with it)"
        ) from None
    except gitlab.exceptions.GitlabParsingError:
        raise GitLabError("GitLab's answer is not the JSON its API documents") from None
    except gitlab.exceptions.GitlabError as exc:
        code = f" {exc.response_code}" if exc.response_code else ""
        said = hidden(str(exc.error_message), to.token)[:300]
        raise Unsent(f"GitLab refused {what} (HTTP{code}): {said}") from None
    except OSError as exc:  # connection refused, DNS, timeouts (requests' errors are OSErrors)
        said = hidden(str(exc), to.token)[:300]
        raise Unsent(f"GitLab could not be reached: {said}") from None
    except (TypeError, ValueError, KeyError, AttributeError):
        raise GitLabError("GitLab's answer does not have the shape its API documents") from None


def pages(manager: Any, kind: str, **filters: Any) -> Iterator[Any]:
    """Every object a list call returns, page by page up to MAX_PAGES."""
    for page in range(1, MAX_PAGES + 1):
        found = manager.list(page=page, per_page=PER_PAGE, **filters)
        if not isinstance(found, list):
            raise GitLabError(f"GitLab's list of {kind} is not a list")
        yield from found
        if len(found) < PER_PAGE:
            return
    raise GitLabError(f"GitLab lists more than {MAX_PAGES * PER_PAGE} {kind}")


def field(obj: object, name: str, kind: type) -> Any:
    """An attribute of a GitLab object, of the type GitLab's API documents; else GitLabError."""
    value = getattr(obj, name, None)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise GitLabError(f"GitLab's answer has no {name} of the documented type")
    return value


def hidden(text: str, token: str) -> str:
    return text.replace(token, "[the token]") if token else text
