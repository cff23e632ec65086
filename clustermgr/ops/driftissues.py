"""Drift as GitLab issues: exactly one open issue per drifted cluster, created when it
drifts, updated when its drift changes, closed (with a note) when it is clean, as
scheduled drift detection in Terraform Cloud and Spacelift tells a team.

The issues are found by a label and a hidden marker naming the cluster, written by the
token's own user; nothing else is touched. The text depends on the drift alone (no times,
no pipeline links), so a second run over the same drift changes nothing. A cluster that could
not be compared keeps its issue as it is; only a run over every cluster closes the issue of a
cluster it did not see (one gone from the project).
"""

from __future__ import annotations

import json
import re
from typing import Any

from clustermgr.errors import UsageError
from clustermgr.ops import gitlabapi
from clustermgr.ops.drift import Drift, Report, details

LABEL = "clustermgr-drift"
MARKER = "<!-- clustermgr-drift: {} -->"
_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,252}"  # a values file's name: no markup, no `-->`
_MARKED = re.compile(rf"<!-- clustermgr-drift: ({_NAME}) -->")
MAX_CLUSTERS = 100_000
MAX_ITEMS = 100_000  # differences in one class of one cluster


def title(d: Drift) -> str:
    return f"Drift: {d.cluster} ({', '.join(d.classes())})"


def description(d: Drift, state: str) -> str:
    head = [MARKER.format(d.cluster), f"`{d.cluster}` differs from git in `{state}`.", ""]
    tail = f"See it with `clustermgr diff {d.cluster}` against the state store."
    return "\n".join([*head, *details(d)]).rstrip("\n") + f"\n\n{tail}\n"


def sync(to: gitlabapi.Project, report: Report) -> list[str]:
    """Bring the project's drift issues in line with `report`; what was done, a line each."""
    done: list[str] = []
    with gitlabapi.connected(to, "the drift issues") as (client, me):
        project = client.projects.get(to.project, lazy=True)
        found = gitlabapi.pages(
            project.issues,
            "issues",
            labels=[LABEL],
            state="opened",
            author_id=me,
            order_by="created_at",
            sort="asc",
        )
        issues: dict[str, Any] = {}
        for issue in found:
            author = gitlabapi.field(issue, "author", dict)
            marked = _MARKED.search(getattr(issue, "description", None) or "")
            if marked and author.get("id") == me:
                issues.setdefault(marked.group(1), issue)  # the oldest, if a race made two
        seen = set()
        for d in report.clusters:
            seen.add(d.cluster)
            issue = issues.get(d.cluster)
            if d.problems:
                continue  # not compared: neither drifted nor clean
            if d.clean():
                if issue is not None:
                    _close(issue, f"`{d.cluster}` matches git again: closed by clustermgr drift.")
                    done.append(f"closed #{issue.iid} ({d.cluster}: clean)")
                continue
            wanted = {"title": title(d), "description": description(d, report.state)}
            if issue is None:
                made = project.issues.create({**wanted, "labels": LABEL})
                done.append(f"opened #{gitlabapi.field(made, 'iid', int)} ({d.cluster})")
            elif issue.title != wanted["title"] or issue.description != wanted["description"]:
                issue.title, issue.description = wanted["title"], wanted["description"]
                issue.save()
                done.append(f"updated #{issue.iid} ({d.cluster})")
        if report.every:
            for cluster, issue in issues.items():
                if cluster not in seen:
                    _close(issue, f"`{cluster}` is no longer in the project: closed by clustermgr.")
                    done.append(f"closed #{issue.iid} ({cluster}: not in the project)")
    return done


def _close(issue: Any, why: str) -> None:
    issue.notes.create({"body": why})
    issue.state_event = "close"
    issue.save()


def read_report(text: str, where: str) -> Report:
    """A drift report (`drift -o json`) read back, its shape checked: it names issues."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{where}: not a drift report (JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("command") != "drift":
        raise UsageError(f"{where}: not a drift report (clustermgr drift -o json)")
    clusters, every, state = data.get("clusters"), data.get("all"), data.get("state")
    if not isinstance(clusters, list) or len(clusters) > MAX_CLUSTERS:
        raise UsageError(f"{where}: `clusters` is not a list of at most {MAX_CLUSTERS}")
    if not isinstance(every, bool) or not isinstance(state, str):
        raise UsageError(f"{where}: `all` (true or false) and `state` (text) are required")
    return Report([_cluster(c, where) for c in clusters], every, state)


def _cluster(data: Any, where: str) -> Drift:
    name = data.get("cluster") if isinstance(data, dict) else None
    if not isinstance(name, str) or not re.fullmatch(_NAME, name):
        raise UsageError(f"{where}: a cluster without a valid name")
    lists = [data.get(key) for key in ("edited", "notApplied", "channel", "problems")]
    for items in lists:
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise UsageError(f"{where}: {name}: a list of differences is missing or too long")
        if not all(isinstance(item, str) for item in items):
            raise UsageError(f"{where}: {name}: differences are text")
    edited, ahead, channel, problems = lists
    return Drift(name, edited, ahead, channel, data.get("record") is True, problems)
