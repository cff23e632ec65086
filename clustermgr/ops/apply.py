"""`apply` and `roll`: from a valid render to `kops replace`, `kops update`, `kops rolling-update`.

What was applied is recorded in the state store through kOps itself: the Cluster carries the
annotation `clustermgr.k8s.io/last-applied` (the applied manifest, gzip+base64) and
`clustermgr.k8s.io/last-apply-impact` (its impact summary), as `kubectl apply` records its
last-applied configuration. That works for a state store shared by many people and never puts
a file into a cluster's own folder (`kops delete cluster` refuses folders with unknown files).
Drift is the difference between that record and the state store now: someone changed the
cluster by hand since.
"""

from __future__ import annotations

import base64
import gzip
import json
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

from clustermgr import diff
from clustermgr.diff import applied as sources
from clustermgr.errors import ClusterMgrError
from clustermgr.kops import runner
from clustermgr.problems import ERROR, Problem
from clustermgr.project import Project
from clustermgr.render import RenderSettings
from clustermgr.secrets import Secrets
from clustermgr.validation import Linter, Validator
from clustermgr.values import Overrides
from clustermgr.yamlio import Document, load_documents
from clustermgr.yamlio.emit import dump

LAST_APPLIED = "clustermgr.k8s.io/last-applied"
LAST_IMPACT = "clustermgr.k8s.io/last-apply-impact"


class Plan(NamedTuple):
    cluster: str
    cluster_name: str
    state: str
    problems: list[Problem]
    changes: list[diff.Change]  # from the state store now to the render
    drift: list[diff.Change] | None  # hand changes since the last apply; None: no record
    manifest: str  # what `kops replace` gets, annotations included
    new_cluster: bool
    secrets: Secrets = Secrets()  # hidden in everything shown, kops' own output too

    def valid(self) -> bool:
        return not any(p.level == ERROR for p in self.problems)


def plan(project: Project, name: str, state: str, overrides: Overrides, linter: Linter) -> Plan:
    """Validate, read the state store, measure drift and changes: everything but kOps' run."""
    cluster = project.cluster(name)
    checked = Validator(project, overrides, RenderSettings(), linter).check(cluster)
    problems = list(checked.group.problems)
    values, rendered = checked.values, checked.documents
    cluster_name = str(values.data.get("clusterName", name)) if values else name
    if values is None or rendered is None or any(p.level == ERROR for p in problems):
        return Plan(name, cluster_name, state, problems, [], None, "", False)
    current_docs = _current(state, cluster_name)
    current = diff.resources(current_docs)
    new = diff.resources(rendered)
    changes = diff.compare(current, new, project.config.diff_ignore, project.config.diff_list_keys)
    drift = None
    record = _annotation(current, LAST_APPLIED)
    if record is not None:
        last = {(k, n): d for k, n, d in _decode(record)}
        drift = diff.compare(current, last, [], project.config.diff_list_keys)
    manifest = _manifest(rendered, diff.summary(changes))
    secrets = project.secrets(values, rendered)
    shown_drift = None if drift is None else diff.redact(drift, secrets)
    return Plan(
        name,
        cluster_name,
        state,
        problems,
        diff.redact(changes, secrets),
        shown_drift,
        manifest,
        not current,
        secrets,
    )


def execute(plan: Plan, yes: bool, out: runner.Output, err: runner.Output) -> None:
    """`kops replace -f` the manifest, then `kops update cluster` (with --yes when given)."""
    out, err = _hiding(out, plan.secrets), _hiding(err, plan.secrets)
    with tempfile.TemporaryDirectory(prefix="clustermgr-apply-") as tmp:
        manifest = Path(tmp) / f"{plan.cluster}.yaml"
        manifest.write_text(plan.manifest, encoding="utf-8")
        replace = ["replace", "-f", str(manifest), "--state", plan.state]
        if plan.new_cluster:
            replace.append("--force")  # kops replace creates what is missing only with --force
        runner.run(replace, out, err)
        update = ["update", "cluster", "--name", plan.cluster_name, "--state", plan.state]
        runner.run([*update, "--yes"] if yes else update, out, err)


def roll(state: str, cluster_name: str, yes: bool, out: runner.Output, err: runner.Output) -> None:
    """Show what the last apply changes, then `kops rolling-update cluster`."""
    current = diff.resources(_current(state, cluster_name))
    impact = _annotation(current, LAST_IMPACT)
    out(
        f"last apply: {impact}"
        if impact
        else "last apply: not recorded (not applied by clustermgr)"
    )
    command = ["rolling-update", "cluster", "--name", cluster_name, "--state", state]
    runner.run([*command, "--yes"] if yes else command, out, err)


def _current(state: str, cluster_name: str) -> list[Document]:
    if state.startswith(sources.REMOTE_SCHEMES):
        text = (
            runner.run(
                ["get", "--name", cluster_name, "--state", state, "-o", "yaml"], _quiet, _quiet
            )
            if _exists_remote(state, cluster_name)
            else ""
        )
        return load_documents(text, f"kops get {cluster_name}", cache=False) if text else []
    return sources.from_state_store(sources.local_state_store(state), cluster_name)


def _exists_remote(state: str, cluster_name: str) -> bool:
    try:
        runner.run(["get", "cluster", "--name", cluster_name, "--state", state], _quiet, _quiet)
    except ClusterMgrError:
        return False  # not created yet
    return True


def _hiding(show: runner.Output, secrets: Secrets) -> runner.Output:
    return lambda line: show(secrets.hide(line))


def _quiet(_line: str) -> None:
    return None


def _annotation(resources: diff.Resources, key: str) -> str | None:
    for (kind, _name), doc in resources.items():
        if kind == "Cluster":
            annotations = (doc.get("metadata") or {}).get("annotations") or {}
            value = annotations.get(key)
            return str(value) if value is not None else None
    return None


def _manifest(rendered: list[Document], summary: diff.DiffSummary) -> str:
    docs = [d.data for d in rendered if isinstance(d.data, dict)]
    record = base64.b64encode(
        gzip.compress(
            json.dumps(
                [[d.get("kind"), (d.get("metadata") or {}).get("name"), d] for d in docs],
                sort_keys=True,
            ).encode(),
            mtime=0,
        )
    ).decode()
    impact = summary.impact
    if summary.roll:
        impact += f"; roll IG {', '.join(summary.roll)}"
    if summary.flags:
        impact += f"; {', '.join(summary.flags)}"
    words = f"{summary.changes} changes: {impact}" if summary.changes else "no changes"
    out = []
    for doc in docs:
        if doc.get("kind") == "Cluster":
            meta = dict(doc.get("metadata") or {})
            meta["annotations"] = {
                **(meta.get("annotations") or {}),
                LAST_APPLIED: record,
                LAST_IMPACT: words,
            }
            doc = {**doc, "metadata": meta}
        out.append(dump(doc))
    return "---\n".join(out)


def _decode(record: str) -> list[tuple[str, str, dict[str, Any]]]:
    try:
        items = json.loads(gzip.decompress(base64.b64decode(record)))
        return [(str(k), str(n), d) for k, n, d in items]
    except (ValueError, OSError, TypeError):
        raise ClusterMgrError(f"the {LAST_APPLIED} annotation cannot be read") from None
