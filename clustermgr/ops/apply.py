"""`apply` and `roll`: from a valid render to `kops replace`, `kops update`, `kops reconcile`,
`kops rolling-update`, in the order kOps documents, and never a write without `--yes`.

- The applied state is read first (a local store, or `kops get` for a remote one); a failure
  to read it stops everything (fail closed): nothing is written.
- Without `--yes`, kOps runs against a private copy of the cluster's folder of the state
  store (backups left out): `kops replace --force` and `kops update cluster` show what would
  happen, and the real store is not touched.
- With `--yes`: the store is read again and a change since the diff stops the run; then
  `kops replace` (`--force` when a cluster or group is new), `kops update cluster --yes` (or
  `kops reconcile cluster --yes` for a Kubernetes minor upgrade on kOps 1.31+), with `--prune`
  `kops delete instancegroup` for groups gone from the render and `kops update cluster --prune
  --yes`; the record of the apply (ops/record.py) is written last, by a final `kops replace`,
  only when every step succeeded. A run stopped half-way leaves the previous record, and the
  next apply says which changes are half-applied instead of calling them drift.
- `roll` exports a short-lived admin kubeconfig into a temporary file, rolls what the last
  apply's impact names, and removes the file.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from clustermgr import diff, limits
from clustermgr.diff import applied as sources
from clustermgr.errors import ClusterMgrError
from clustermgr.kops import impact as impacts
from clustermgr.kops import runner
from clustermgr.ops import record
from clustermgr.problems import ERROR, Problem
from clustermgr.project import Project
from clustermgr.render import RenderSettings
from clustermgr.secrets import Secrets
from clustermgr.validation import Linter, Validator
from clustermgr.values import Overrides
from clustermgr.yamlio import Document, load_documents
from clustermgr.yamlio.emit import dump

LAST_APPLIED = record.LAST_APPLIED
LAST_IMPACT = record.LAST_IMPACT
RECONCILE = "kops reconcile cluster --yes"


class ApplyError(ClusterMgrError):
    """apply or roll stopped before (or while) writing; the message says what is left."""


class Plan(NamedTuple):
    cluster: str
    cluster_name: str
    state: str
    problems: list[Problem]
    changes: list[diff.Change]  # from the state store now to the render (secrets hidden)
    drift: list[diff.Change] | None  # hand changes since the last apply; None: no record
    half_applied: list[diff.Change]  # the store differs from the record as the render would
    work_manifest: str  # what `kops replace` gets first: the previous record kept
    final_manifest: str  # with this apply's record: written once every step succeeded
    new_cluster: bool
    new_groups: tuple[str, ...]
    removed_groups: tuple[str, ...]
    steps: tuple[str, ...]
    current: diff.Resources  # the store as read for the diff (checked again before writing)
    secrets: Secrets = Secrets()

    def valid(self) -> bool:
        return not any(p.level == ERROR for p in self.problems)

    @property
    def manifest(self) -> str:
        return self.final_manifest


def plan(
    project: Project,
    name: str,
    state: str,
    overrides: Overrides,
    linter: Linter,
    timeout: float = runner.DEFAULT_TIMEOUT,
) -> Plan:
    """Validate, read the state store, measure drift and changes: everything but kOps' run."""
    runner.kops_path()  # no kops: say so before any long output
    cluster = project.cluster(name)
    checked = Validator(project, overrides, RenderSettings(), linter).check(cluster)
    problems = list(checked.group.problems)
    values, rendered = checked.values, checked.documents
    cluster_name = str(values.data.get("clusterName", name)) if values else name
    if values is None or rendered is None or any(p.level == ERROR for p in problems):
        return Plan(
            name, cluster_name, state, problems, [], None, [], "", "", False, (), (), (), {}
        )
    current = diff.resources(read_state(state, cluster_name, timeout))
    new = diff.resources(rendered)
    config = project.config
    changes = diff.compare(current, new, config.diff_ignore, config.diff_list_keys)
    summary = diff.summary(changes, config.kops_version)
    secrets = project.secrets(values, rendered)
    drift, half = _drift(current, changes, config.diff_list_keys)
    groups_now = {n for k, n in current if k == "InstanceGroup"}
    groups_new = {n for k, n in new if k == "InstanceGroup"}
    return Plan(
        name,
        cluster_name,
        state,
        problems,
        diff.redact(changes, secrets),
        None if drift is None else diff.redact(drift, secrets),
        diff.redact(half, secrets),
        record.manifest(rendered, record.previous(current)),
        record.manifest(rendered, record.annotations_for(rendered, summary)),
        not current,
        tuple(sorted(groups_new - groups_now)),
        tuple(sorted(groups_now - groups_new)),
        summary.steps,
        current,
        secrets,
    )


def _drift(
    current: diff.Resources, changes: list[diff.Change], list_keys: dict[str, str]
) -> tuple[list[diff.Change] | None, list[diff.Change]]:
    """Changes since the last apply: by hand (drift), or by an apply of this same render that
    stopped half-way (where the store already holds what the render says)."""
    raw = record.annotation(current, LAST_APPLIED)
    if raw is None:
        return None, []
    last = record.decode(raw)
    since = diff.compare(current, last, [], list_keys)
    # A group gone from the render and from the record but still in the store was left
    # running by an apply without --prune: not drift (plan.removed_groups reports it).
    left = {c.resource for c in changes if c.type == diff.DOC_REMOVED}
    since = [c for c in since if not (c.type == diff.DOC_REMOVED and c.resource in left)]
    pending = {(c.resource, c.path) for c in changes}
    drift = [c for c in since if (c.resource, c.path) in pending]
    half = [c for c in since if (c.resource, c.path) not in pending]
    return drift, half


def read_state(state: str, cluster_name: str, timeout: float) -> list[Document]:
    """What the state store holds for the cluster; [] for a cluster it does not have. Any
    other failure stops the run: without the applied state nothing can be protected."""
    if not state.startswith(sources.REMOTE_SCHEMES):
        return sources.from_state_store(sources.local_state_store(state), cluster_name)
    name = sources.store_name(cluster_name)
    args = ["get", "--name", name, "--state", state, "-o", "yaml"]
    try:
        text = runner.run(
            args,
            _quiet,
            _quiet,
            capture=limits.current().file_bytes,
            timeout=timeout,
            announce=False,
        )
    except runner.KopsError as exc:
        if "not found" in exc.message.lower():
            return []
        raise ApplyError(
            f"cannot read {name} from {state}, so nothing was written: {exc.message}"
        ) from None
    return load_documents(text, f"kops get {name}", cache=False) if text.strip() else []


def preview(
    plan: Plan, prune: bool, out: runner.Output, err: runner.Output, timeout: float
) -> None:
    """kOps against a private copy of the cluster's state: what `--yes` would do, unwritten."""
    out, err = _hiding(out, plan.secrets), _hiding(err, plan.secrets)
    with _private_store(plan) as (copy, manifest):
        out(
            f"preview: kOps runs against a private copy of the state store ({copy}); "
            f"nothing is written to {plan.state}"
        )
        state = f"file://{copy}"
        runner.run(
            ["replace", "-f", str(manifest), "--state", state, "--force"], out, err, timeout=timeout
        )
        runner.run(
            ["update", "cluster", "--name", plan.cluster_name, "--state", state],
            out,
            err,
            timeout=timeout,
        )
    for group in plan.removed_groups:
        if prune:
            out(f"with --yes: kops delete instancegroup {group} --name {plan.cluster_name} --yes")
        else:
            out(f"{group} is gone from the render but keeps running: apply --prune deletes it")
    if plan.steps:
        out("with --yes, then: " + "; ".join(plan.steps))


def execute(
    plan: Plan, prune: bool, out: runner.Output, err: runner.Output, timeout: float
) -> None:
    """The apply, in kOps' order; the record last (see the module docstring)."""
    out, err = _hiding(out, plan.secrets), _hiding(err, plan.secrets)
    now = diff.resources(read_state(plan.state, plan.cluster_name, timeout))
    if diff.compare(plan.current, now):
        raise ApplyError(
            f"the state store changed since the diff above, so nothing was written: run "
            f"apply again to see {plan.cluster}'s changes against what it holds now"
        )
    name, state = plan.cluster_name, plan.state
    update = ["update", "cluster", "--name", name, "--state", state]
    with _temporary() as folder:
        work, final = folder / "apply.yaml", folder / "record.yaml"
        work.write_text(plan.work_manifest, encoding="utf-8")
        final.write_text(plan.final_manifest, encoding="utf-8")
        force = ["--force"] if plan.new_cluster or plan.new_groups else []
        _step(["replace", "-f", str(work), "--state", state, *force], out, err, timeout, plan)
        if RECONCILE in plan.steps:
            _step(
                ["reconcile", "cluster", "--name", name, "--state", state, "--yes"],
                out,
                err,
                timeout,
                plan,
            )
        else:
            _step([*update, "--yes"], out, err, timeout, plan)
        if prune and plan.removed_groups:
            for group in plan.removed_groups:
                _step(
                    ["delete", "instancegroup", group, "--name", name, "--state", state, "--yes"],
                    out,
                    err,
                    timeout,
                    plan,
                )
            _step([*update, "--prune", "--yes"], out, err, timeout, plan)
        _step(["replace", "-f", str(final), "--state", state], out, err, timeout, plan)
    rolls = [s for s in plan.steps if s.startswith("kops rolling-update")]
    if rolls and RECONCILE not in plan.steps:
        out(f"next: clustermgr roll {plan.cluster} --yes ({'; then '.join(rolls)})")


def _step(
    args: list[str], out: runner.Output, err: runner.Output, timeout: float, plan: Plan
) -> None:
    try:
        runner.run(args, out, err, timeout=timeout)
    except runner.KopsError as exc:
        raise ApplyError(
            f"{exc.message}\n{plan.cluster} is half-applied: the state store keeps the record "
            "of the previous apply; fix the cause and run apply again (it shows what is "
            "already in place as half-applied, not as drift)"
        ) from None


def roll(
    state: str,
    cluster_name: str,
    yes: bool,
    out: runner.Output,
    err: runner.Output,
    timeout: float = runner.DEFAULT_TIMEOUT,
) -> None:
    """`kops rolling-update cluster` for what the last apply's impact names, with a
    short-lived admin kubeconfig (kops drains nodes through the Kubernetes API)."""
    current = diff.resources(read_state(state, cluster_name, timeout))
    impact = record.annotation(current, LAST_IMPACT)
    out(
        f"last apply: {impact}"
        if impact
        else "last apply: not recorded (not applied by clustermgr)"
    )
    last = record.roll_of(current)
    name = sources.store_name(cluster_name)
    command = ["rolling-update", "cluster", "--name", name, "--state", state]
    if last is not None and last.impact == impacts.ROLL_CONTROL_PLANE:
        command.append("--instance-group-roles=control-plane,apiserver")
    elif last is not None and last.impact == impacts.ROLL_IG and last.groups:
        command += ["--instance-group", ",".join(last.groups)]
    if last is not None and last.force:
        command.append("--force")
    with _temporary() as folder:
        kubeconfig = folder / "kubeconfig"
        runner.run(
            [
                "export",
                "kubecfg",
                "--name",
                name,
                "--state",
                state,
                "--admin=1h",
                "--kubeconfig",
                str(kubeconfig),
            ],
            out,
            err,
            timeout=timeout,
        )
        runner.run(
            [*command, "--yes"] if yes else command,
            out,
            err,
            timeout=timeout,
            env={"KUBECONFIG": str(kubeconfig)},
        )


@contextlib.contextmanager
def _private_store(plan: Plan) -> Iterator[tuple[Path, Path]]:
    """A temporary store holding a copy of the cluster's folder (without backups), and the
    manifest to replace into it."""
    with _temporary() as folder:
        store = folder / "state"
        target = store / sources.store_name(plan.cluster_name)
        if plan.state.startswith(sources.REMOTE_SCHEMES):
            _write_store(target, plan.current)
        else:
            source = sources.local_state_store(plan.state) / plan.cluster_name
            if source.is_dir():
                shutil.copytree(
                    source, target, ignore=shutil.ignore_patterns("backups"), symlinks=True
                )
            else:
                store.mkdir(parents=True)
        manifest = folder / "apply.yaml"
        manifest.write_text(plan.work_manifest, encoding="utf-8")
        yield store, manifest


def _write_store(target: Path, resources: diff.Resources) -> None:
    """Documents from `kops get` laid out as kOps keeps them in a store."""
    (target / "instancegroup").mkdir(parents=True, exist_ok=True)
    for (kind, name), doc in resources.items():
        if kind == "Cluster":
            (target / "config").write_text(dump(doc))
        elif kind == "InstanceGroup":
            (target / "instancegroup" / sources.store_name(name)).write_text(dump(doc))


@contextlib.contextmanager
def _temporary() -> Iterator[Path]:
    """A private temporary folder (manifests hold secrets) removed on every way out: errors,
    Ctrl-C, and SIGTERM (a CI job cancelled), which becomes an exit that unwinds."""

    def terminate(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread
        previous = None
    try:
        with tempfile.TemporaryDirectory(prefix="clustermgr-apply-") as folder:
            yield Path(folder)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _hiding(show: runner.Output, secrets: Secrets) -> runner.Output:
    return lambda line: show(secrets.hide(line))


def _quiet(_line: str) -> None:
    return None
