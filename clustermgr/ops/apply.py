"""`apply` and `roll`: from a valid render to `kops replace`, `kops update`, `kops reconcile`,
rolling updates, in the order the plan (clustermgr/plan) gives, never a write without `--yes`.

- The applied state is read first (a local store, or `kops get` for a remote one); a failure
  to read it stops everything (fail closed): nothing is written.
- Without `--yes`, kOps runs against a private copy of the cluster's folder of the state
  store (backups left out): `kops replace --force` and `kops update cluster` show what would
  happen, and the real store is not touched.
- With `--yes`: the store is read again and a change since the diff stops the run; then the
  plan's apply steps run in order (clustermgr/plan: replace, update or reconcile, with
  `--prune` the deletion of groups gone from the render), the record of the apply
  (ops/record.py) last, by a final `kops replace`, only when every step succeeded. A run
  stopped half-way leaves the previous record, and the next apply says which changes are
  half-applied instead of calling them drift.
- `roll` exports a short-lived admin kubeconfig into a temporary file, runs the rolling
  updates the last apply's plan recorded, and removes the file.
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
from clustermgr import plan as plans
from clustermgr.diff import applied as sources
from clustermgr.errors import ClusterMgrError
from clustermgr.kops import runner
from clustermgr.ops import record
from clustermgr.plan import RECORD, Plan
from clustermgr.plan.steps import roll_all_out_of_date
from clustermgr.problems import ERROR, Problem
from clustermgr.project import Project
from clustermgr.render import RenderSettings
from clustermgr.secrets import Secrets
from clustermgr.validation import Linter, Validator
from clustermgr.values import Overrides, cluster_secrets
from clustermgr.yamlio import Document, load_documents
from clustermgr.yamlio.emit import dump

LAST_APPLIED = record.LAST_APPLIED
LAST_ROLL = record.LAST_ROLL


class ApplyError(ClusterMgrError):
    """apply or roll stopped before (or while) writing; the message says what is left."""


class Prepared(NamedTuple):
    """Everything an apply decides before kOps runs: the render, the store as read, the
    plan of kOps commands, and what the safety checks look at."""

    cluster: str
    cluster_name: str
    state: str
    problems: list[Problem]
    changes: list[diff.Change]  # from the state store now to the render (secrets hidden)
    drift: list[diff.Change] | None  # hand changes since the last apply; None: no record
    half_applied: list[diff.Change]  # the store differs from the record as the render would
    work_manifest: str  # what `kops replace` gets first: the previous record kept
    final_manifest: str  # with this apply's record: written once every step succeeded
    plan: Plan
    current: diff.Resources  # the store as read for the diff (checked again before writing)
    secrets: Secrets = Secrets()
    render: str = ""  # the render alone, as kops would get it without clustermgr's record

    def valid(self) -> bool:
        return not any(p.level == ERROR for p in self.problems)


class Safety(NamedTuple):
    """Whether an apply may run: the reason it may not, and what to say either way."""

    refusal: str | None
    notices: tuple[str, ...] = ()


def safety(prepared: Prepared, force: bool) -> Safety:
    """Apply's safety checks, in order: a valid render, a plan kOps does not refuse, and no
    hand changes since the last apply unless `force`."""
    name = prepared.cluster
    if not prepared.valid():
        return Safety(f"{name} is not valid: nothing was applied")
    if prepared.plan.blocked:
        words = "; ".join(prepared.plan.refusals)
        return Safety(f"{name} is blocked: kOps refuses {words}; nothing was applied")
    if prepared.drift and not force:
        return Safety(
            f"{name} was changed in the state store since clustermgr last applied it "
            "(above); apply with --force to overwrite those changes"
        )
    if prepared.drift is None and not prepared.plan.creates:
        return Safety(
            None, (f"{name}: no record of a previous apply; nothing to check drift against",)
        )
    return Safety(None)


def prepare(
    project: Project,
    name: str,
    state: str,
    overrides: Overrides,
    linter: Linter,
    prune: bool = False,
    timeout: float = runner.DEFAULT_TIMEOUT,
    needs_kops: bool = True,
) -> Prepared:
    """Validate, read the state store, measure drift and changes, and plan: all but kOps' run.
    `needs_kops=False`: only reads, so kops is needed only to read a remote store."""
    if needs_kops or state.startswith(sources.REMOTE_SCHEMES):
        runner.kops_path()  # no kops: say so before any long output
    cluster = project.cluster(name)
    checked = Validator(project, overrides, RenderSettings(), linter).check(cluster)
    problems = list(checked.group.problems)
    values, rendered = checked.values, checked.documents
    cluster_name = str(values.data.get("clusterName", name)) if values else name
    if values is None or rendered is None or any(p.level == ERROR for p in problems):
        empty = plans.build([], {})
        return Prepared(name, cluster_name, state, problems, [], None, [], "", "", empty, {})
    current = diff.resources(read_state(state, cluster_name, timeout))
    new = diff.resources(rendered)
    config = project.config
    changes = diff.compare(current, new, config.diff_ignore, config.diff_list_keys)
    drift, half = _drift(current, changes, config.diff_list_keys)
    # What a stopped apply left half-done is still to do: kOps has not updated the cloud.
    plan = plans.build([*changes, *half], plans.roles_of(new), config.kops_version, prune)
    secrets = cluster_secrets(project, values, rendered)
    return Prepared(
        name,
        cluster_name,
        state,
        problems,
        diff.redact(changes, secrets),
        None if drift is None else diff.redact(drift, secrets),
        diff.redact(half, secrets),
        record.manifest(rendered, record.previous(current)),
        record.manifest(rendered, record.annotations_for(rendered, plan)),
        plan,
        current,
        secrets,
        record.manifest(rendered, {}),
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
        if runner.cluster_not_found(exc, name):
            return []  # the one answer that means "a new cluster"; anything else stops
        raise ApplyError(
            f"cannot read {name} from {state}, so nothing was written: {exc.message}"
        ) from None
    return load_documents(text, f"kops get {name}", cache=False) if text.strip() else []


def preview(prepared: Prepared, out: runner.Output, err: runner.Output, timeout: float) -> None:
    """kOps against a private copy of the cluster's state: what `--yes` would do, unwritten;
    then the plan's steps, which `--yes` runs."""
    out, err = _hiding(out, prepared.secrets), _hiding(err, prepared.secrets)
    with _private_store(prepared, timeout) as (copy, manifest):
        out(
            f"preview: kOps runs against a private copy of the state store ({copy}); "
            f"nothing is written to {prepared.state}"
        )
        state = f"file://{copy}"
        try:
            replace = ["replace", "-f", str(manifest), "--state", state, "--force"]
            runner.run(replace, out, err, timeout=timeout)
            update = ["update", "cluster", "--name", prepared.cluster_name, "--state", state]
            runner.run(update, out, err, timeout=timeout)
        except runner.KopsError as exc:  # its message repeats kops' stderr: hidden as it was
            raise ApplyError(
                f"{prepared.secrets.hide(exc.message)}\nthe preview stopped; nothing was written"
            ) from None
    plan = prepared.plan
    for group in plan.removed_groups:
        if not any(s.kind == "delete" for s in plan.steps):
            out(f"{group} is gone from the render but keeps running: apply --prune deletes it")
    if plan.apply_steps():
        out("with --yes: " + "; then ".join(s.text() for s in plan.apply_steps()))
    if plan.roll_steps():
        out("then clustermgr roll: " + "; then ".join(s.text() for s in plan.roll_steps()))


def execute(prepared: Prepared, out: runner.Output, err: runner.Output, timeout: float) -> None:
    """The plan's apply steps, in order; the record last (see the module docstring)."""
    out, err = _hiding(out, prepared.secrets), _hiding(err, prepared.secrets)
    now = diff.resources(read_state(prepared.state, prepared.cluster_name, timeout))
    if diff.compare(prepared.current, now):
        raise ApplyError(
            f"the state store changed since the diff above, so nothing was written: run "
            f"apply again to see {prepared.cluster}'s changes against what it holds now"
        )
    plan = prepared.plan
    if not plan.apply_steps():
        out(f"{prepared.cluster}: nothing to apply")
        return
    with _temporary() as folder:
        work, final = folder / "apply.yaml", folder / "record.yaml"
        work.write_text(prepared.work_manifest, encoding="utf-8")
        final.write_text(prepared.final_manifest, encoding="utf-8")
        for step in plan.apply_steps():
            manifest = final if step.kind == RECORD else work
            args = step.command(prepared.cluster_name, prepared.state, str(manifest))
            _step(args, out, err, timeout, prepared)
    if plan.roll_steps():
        shown = "; then ".join(s.text() for s in plan.roll_steps())
        out(f"next: clustermgr roll {prepared.cluster} --yes ({shown})")


def _step(
    args: list[str], out: runner.Output, err: runner.Output, timeout: float, prepared: Prepared
) -> None:
    try:
        runner.run(args, out, err, timeout=timeout)
    except runner.KopsError as exc:
        raise ApplyError(
            f"{prepared.secrets.hide(exc.message)}\n{prepared.cluster} is half-applied: the state "
            "store keeps the record of the previous apply; fix the cause and run apply again "
            "(it shows what is already in place as half-applied, not as drift)"
        ) from None


def roll(
    state: str,
    cluster_name: str,
    yes: bool,
    out: runner.Output,
    err: runner.Output,
    timeout: float = runner.DEFAULT_TIMEOUT,
) -> None:
    """The rolling updates of the last apply's plan, as it recorded them, with a short-lived
    admin kubeconfig (kops drains nodes through the Kubernetes API). Without `--yes`, kOps
    lists what each would replace."""
    current = diff.resources(read_state(state, cluster_name, timeout))
    impact = record.annotation(current, record.LAST_IMPACT)
    out(
        f"last apply: {impact}"
        if impact
        else "last apply: not recorded (not applied by clustermgr)"
    )
    steps = record.rolls_of(current)
    if steps is None:
        out("rolling what kOps finds out of date (no plan recorded to restrict the roll)")
        steps = (roll_all_out_of_date(),)
    if not steps:
        out("nothing to roll: the last apply's plan replaces no instances")
        return
    name = sources.store_name(cluster_name)
    with _admin_kubeconfig(name, state, out, err, timeout) as env:
        for step in steps:
            args = step.command(name, state)
            if not yes:
                args = [a for a in args if a != "--yes"]
            runner.run(args, out, err, timeout=timeout, env=env)


HEALTHY_COUNT = 3  # consecutive validations kOps must see, as its own example asks


def health(
    state: str,
    cluster_name: str,
    wait: str,
    out: runner.Output,
    err: runner.Output,
    timeout: float = runner.DEFAULT_TIMEOUT,
) -> None:
    """`kops validate cluster`, waiting up to `wait` (a Go duration) for HEALTHY_COUNT
    consecutive passes (kOps: cmd/kops/validate_cluster.go: control plane and nodes Ready,
    the control plane's and critical pods running; it exits 2 on failures). Raises when the
    cluster is not healthy."""
    name = sources.store_name(cluster_name)
    check = ["validate", "cluster", "--name", name, "--state", state, "--wait", wait]
    with _admin_kubeconfig(name, state, out, err, timeout) as env:
        try:
            runner.run([*check, "--count", str(HEALTHY_COUNT)], out, err, timeout=timeout, env=env)
        except runner.KopsError as exc:
            raise ApplyError(f"{name} is not healthy: {exc.message}") from None


@contextlib.contextmanager
def _admin_kubeconfig(
    name: str, state: str, out: runner.Output, err: runner.Output, timeout: float
) -> Iterator[dict[str, str]]:
    """A short-lived admin kubeconfig in a private temporary file, as KUBECONFIG for kops
    commands that reach the Kubernetes API; removed on every way out."""
    with _temporary() as folder:
        kubeconfig = folder / "kubeconfig"
        export = ["export", "kubecfg", "--name", name, "--state", state, "--admin=1h"]
        runner.run([*export, "--kubeconfig", str(kubeconfig)], out, err, timeout=timeout)
        yield {"KUBECONFIG": str(kubeconfig)}


@contextlib.contextmanager
def _private_store(plan: Prepared, timeout: float) -> Iterator[tuple[Path, Path]]:
    """A temporary store holding a copy of the cluster's folder (without backups), and the
    manifest to replace into it. All of the folder: `kops update cluster` reads the keysets
    (pki/), the secrets and the addons, and without them it would plan new ones."""
    with _temporary() as folder:
        store = folder / "state"
        target = store / sources.store_name(plan.cluster_name)
        if plan.state.startswith("s3://") and plan.current:
            _copy_s3(plan.state, plan.cluster_name, target, timeout)
        elif plan.state.startswith(sources.REMOTE_SCHEMES):  # what `kops get` printed
            _write_store(target, plan.current)  # (nothing, for a cluster kOps does not have)
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


def _copy_s3(state: str, cluster_name: str, target: Path, timeout: float) -> None:
    """The cluster's folder of an S3 state store, copied with the AWS CLI (the job's own
    credentials); secrets stay in the private folder and never reach the output."""
    source = state.rstrip("/") + "/" + sources.store_name(cluster_name) + "/"
    args = [
        "s3", "cp", "--recursive", "--only-show-errors", "--exclude", "backups/*",
        source, str(target),
    ]  # fmt: skip
    target.mkdir(parents=True)
    try:
        runner.run(args, _quiet, _quiet, timeout=timeout, announce=False, program="aws")
    except runner.KopsError as exc:
        raise ApplyError(
            f"cannot copy {source} for the preview, so nothing ran: {exc.message}"
        ) from None


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
