"""A small kops for tests: the part of kOps' state-store behaviour clustermgr relies on.

- `replace -f FILE --state STORE [--force]` writes `STORE/<cluster>/config` and
  `instancegroup/<name>` as kOps does (cmd/kops/replace.go, tests/fakekops/assignments.py):
  the decoder's defaults always, PerformAssignments only for a new cluster (which needs
  `--force`); a cluster that exists is validated as it is, without assignments, and refused
  where ValidateCluster or ValidateClusterUpdate refuse it. It refuses an InstanceGroup it
  does not have without `--force` (after writing what came before it in the file);
- `get --name N --state S -o yaml` prints the cluster as `kops get` does; `get cluster` fails
  with "not found" for a cluster the store lacks;
- `delete instancegroup NAME --name N --state S --yes` deletes the group's file; without
  `--yes` it asks (and, with no one to answer, exits 1), and it refuses to delete the only
  control-plane group (cmd/kops/delete_instancegroup.go);
- `export kubecfg ... --kubeconfig FILE` writes a kubeconfig;
- `validate cluster --name N --state S` fails for a cluster the store lacks and otherwise
  prints what cmd/kops/validate_cluster.go prints for a healthy cluster; with
  $FAKE_KOPS_UNHEALTHY set it prints that validation error and exits 2, as kOps does when
  validation finds failures (with --wait, once the wait is over: "wait time exceeded");
- `version --short` prints $FAKE_KOPS_VERSION (default: the kOps release it is written from),
  as cmd/kops/version.go prints kops.Version;
- `toolbox template --template T --values V [--snippets S]... [--fail-on-missing=B]` renders
  one template as cmd/kops/toolbox_template.go does, by the Go reference
  ($FAKE_KOPS_GO_REFERENCE: tools/go-template-reference, Go's text/template + Sprig as kOps
  builds them); $FAKE_KOPS_TOOLBOX_SUFFIX is appended to what it prints (a kops that
  disagrees);
- `update cluster --name N [--yes]` compares the store with what it last applied to its
  cloud: without `--yes` it says "Must specify --yes to apply changes" (or "No changes need
  to be applied"), with `--yes` it applies and says so (cmd/kops/update_cluster.go);
  `reconcile cluster --yes` updates the control plane, rolls it, updates the rest and rolls
  it, with kOps' words between (cmd/kops/reconcile_cluster.go); without `--yes` it is the
  update's dry run;
- `rolling-update cluster --name N [--instance-group A,B] [--instance-group-roles R]
  [--force] [--yes]` picks groups as cmd/kops/rolling-update_cluster.go does (an unknown
  group or role is refused), prints its table, and without `--yes` stops with "Must specify
  --yes to rolling-update."; with it, it rolls in kOps' order (bastions, control plane, API
  servers, nodes; by name within a role: pkg/instancegroups/rollingupdate.go), appending each
  group to $FAKE_KOPS_ROLL_LOG. A group needs updating when the store changed it, or the
  cluster, since it was last rolled (the fake knows no launch templates: it rolls more than
  kOps would, never less) or with `--force`. Its cloud is a file beside the store
  (`<store>.cloud/<cluster>.json`).

Every call is appended to $FAKE_KOPS_LOG (with $KUBECONFIG when set). $FAKE_KOPS_FAIL names a
subcommand that fails (after $FAKE_KOPS_STDERR, printed first when set); $FAKE_KOPS_OUTPUT=nonutf8|big makes it print bytes that are not UTF-8
or a lot; $FAKE_KOPS_SLEEP makes it hang that many seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from clustermgr.yamlio import dump, load_documents
from tests.fakekops.assignments import decode, perform_assignments, validate


def fail(message: str, code: int = 1) -> None:
    sys.stderr.write(f"Error: {message}\n")
    sys.exit(code)


def option(args: list[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def store_of(args: list[str]) -> Path:
    """The store's folder; an s3:// store is a folder under $FAKE_S3_ROOT (tests/fakekops/aws.py
    serves the same folders)."""
    state = option(args, "--state") or os.environ.get("KOPS_STATE_STORE", "")
    if state.startswith("s3://") and os.environ.get("FAKE_S3_ROOT"):
        return Path(os.environ["FAKE_S3_ROOT"]) / state.removeprefix("s3://")
    return Path(state.removeprefix("file://"))


def replace(args: list[str]) -> None:
    store = store_of(args)
    force = "--force" in args
    text = Path(option(args, "-f") or "").read_text()
    docs = [d.data for d in load_documents(text, "manifest", cache=False) if d.data]
    cluster = next((d for d in docs if d["kind"] == "Cluster"), None)
    if cluster is None:
        fail("no Cluster in the manifest")
    assert cluster is not None
    name = cluster["metadata"]["name"]
    folder = store / name
    config = folder / "config"
    if not config.exists() and not force:
        fail(f'cluster "{name}" not found; try adding --force flag')
    cluster = decode(cluster)
    if config.exists():
        errors = validate(cluster)
        refusal = refused(load(config), cluster)
        if errors:
            # pkg/client/simple/vfsclientset/cluster.go: the aggregate of ValidateCluster
            shown = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
            fail(f"error replacing cluster: {shown}")
        if refusal:
            fail(f"error validating cluster update: {refusal}")
    else:
        cluster = perform_assignments(cluster)
    folder.mkdir(parents=True, exist_ok=True)
    config.write_text(dump(cluster))
    for doc in docs:
        if doc["kind"] != "InstanceGroup":
            continue
        target = folder / "instancegroup" / doc["metadata"]["name"]
        if not target.exists() and not force:
            fail(f'instanceGroup "{doc["metadata"]["name"]}" not found; try adding --force flag')
        if os.environ.get("FAKE_KOPS_FAIL") == "replace-ig":
            fail("RequestLimitExceeded: rate exceeded while writing the instance groups")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dump(doc))
    print(f"replaced {name}")


def refused(old: dict[str, Any], new: dict[str, Any]) -> str:
    """What kOps' ValidateClusterUpdate refuses (pkg/apis/kops/validation/cluster.go)."""
    before = {e["name"]: e for e in old.get("spec", {}).get("etcdClusters", [])}
    after = {e["name"]: e for e in new.get("spec", {}).get("etcdClusters", [])}
    for key in before:
        if key not in after:
            return f"spec.etcdClusters[{key}]: Forbidden: EtcdClusters cannot be removed"
    return ""


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = load_documents(path.read_text(), str(path), cache=False)[0].data
    return data


def get(args: list[str]) -> None:
    name = option(args, "--name") or ""
    folder = store_of(args) / name
    if not (folder / "config").exists():
        # kOps: pkg/client/simple/vfsclientset/cluster.go, ClusterVFS.Get returns
        # errors.NewNotFound(GroupResource{Group: "kops.k8s.io", Resource: "Cluster"}, name)
        fail(f'Cluster.kops.k8s.io "{name}" not found')
    if args[:1] == ["cluster"]:
        print(f"NAME\t{name}")
        return
    docs = [load(folder / "config")]
    groups = folder / "instancegroup"
    if groups.is_dir():
        docs += [load(p) for p in sorted(groups.iterdir())]
    sys.stdout.write("\n---\n\n".join(dump(d) for d in docs))


def delete_group(argv: list[str]) -> None:
    """kOps: cmd/kops/delete_instancegroup.go. Without --yes it asks, and with no one to answer
    exits 1; it refuses to delete the only control-plane group."""
    name = argv[2]
    if "--yes" not in argv and "-y" not in argv:
        print(
            f'Do you really want to delete instance group "{name}"? This action cannot be undone.'
        )
        sys.exit(1)
    groups = store_of(argv) / (option(argv, "--name") or "") / "instancegroup"
    target = groups / name
    if not target.exists():
        fail(f'InstanceGroup "{name}" not found')
    print(f'InstanceGroup "{name}" found for deletion')
    role = str(load(target).get("spec", {}).get("role", ""))
    if role in ("ControlPlane", "Master", "APIServer"):
        others = [
            p for p in groups.iterdir()
            if p != target and str(load(p).get("spec", {}).get("role", "")) in ("ControlPlane", "Master")
        ]  # fmt: skip
        if role != "APIServer" and not others:
            fail("cannot delete the only control plane instance group")
    target.unlink()
    print(f"InstanceGroup {name} deleted")


def _cloud_file(args: list[str]) -> Path:
    store = store_of(args)
    return store.parent / f"{store.name}.cloud" / f"{option(args, '--name') or ''}.json"


def _desired(args: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """What the store asks of the cloud: each group's configuration (its spec and the
    cluster's, as one text), and each group's role. Fails as kOps' GetCluster does."""
    name = option(args, "--name") or ""
    folder = store_of(args) / name
    if not (folder / "config").is_file():
        fail(f"cluster {json.dumps(name)} not found")
    cluster = (folder / "config").read_text()
    configs, roles = {}, {}
    groups = folder / "instancegroup"
    for path in sorted(groups.iterdir()) if groups.is_dir() else []:
        configs[path.name] = cluster + "\n---\n" + path.read_text()
        roles[path.name] = str(load(path).get("spec", {}).get("role", "Node"))
    return configs, roles


def _cloud(args: list[str]) -> dict[str, dict[str, str]]:
    path = _cloud_file(args)
    if path.is_file():
        data: dict[str, dict[str, str]] = json.loads(path.read_text())
        return data
    return {"applied": {}, "running": {}}


def _save_cloud(args: list[str], cloud: dict[str, dict[str, str]]) -> None:
    path = _cloud_file(args)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(cloud, indent=1, sort_keys=True))


def update_cluster(args: list[str], yes: bool, roles: tuple[str, ...] = ()) -> None:
    """cmd/kops/update_cluster.go: a dry run without --yes; `roles` limits what is applied
    (reconcile's first pass)."""
    desired, role_of = _desired(args)
    cloud = _cloud(args)
    if not yes:
        changed = desired != cloud["applied"]
        print("Must specify --yes to apply changes" if changed else "No changes need to be applied")
        return
    first = not cloud["applied"]
    if roles:
        desired = {g: c for g, c in desired.items() if role_of[g] in roles}
        cloud["applied"] = {**cloud["applied"], **desired}
    else:
        cloud["applied"] = desired
    _save_cloud(args, cloud)
    if first:
        print("\nCluster is starting.  It should be ready in a few minutes.\n")
    else:
        print("\nCluster changes have been applied to the cloud.\n")


def reconcile(args: list[str]) -> None:
    """cmd/kops/reconcile_cluster.go, RunReconcileCluster (validation always passes here)."""
    if "--yes" not in args and "-y" not in args:
        update_cluster(args, yes=False)
        return
    control_plane = ("APIServer", "ControlPlane")
    print("Updating control plane configuration")
    update_cluster(args, yes=True, roles=control_plane)
    print("Waiting for the kubernetes API to be served")
    print("Performing rolling-update for control plane")
    rolling_update([*args, "--instance-group-roles", "apiserver,control-plane"])
    print("Updating node configuration")
    update_cluster(args, yes=True)
    print("Performing rolling-update for nodes")
    rolling_update(args)
    print("Pruning old resources that are no longer used")


# kOps: pkg/apis/kops/instancegroup.go, AllInstanceGroupRoles and ToLowerString
_ROLES = {"control-plane": "ControlPlane", "apiserver": "APIServer", "node": "Node"}
_ROLES["bastion"] = "Bastion"
_ROLL_ORDER = ("Bastion", "ControlPlane", "APIServer", "Node")  # rollingupdate.go


def _role(text: str) -> str | None:
    """kOps: pkg/apis/kops/parse.go, ParseInstanceGroupRole(text, lenient=true)."""
    wanted = text.lower().removesuffix("s").replace("controlplane", "control-plane", 1)
    for lower, role in _ROLES.items():
        if lower.removesuffix("s") == wanted:
            return role
    return "ControlPlane" if wanted == "master" else None


def _slice(args: list[str], name: str) -> list[str]:
    """A cobra StringSlice flag: every occurrence, each split at commas."""
    found = []
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            found += args[i + 1].split(",")
        elif arg.startswith(name + "="):
            found += arg.split("=", 1)[1].split(",")
    return found


def rolling_update(args: list[str]) -> None:
    """cmd/kops/rolling-update_cluster.go, RunRollingUpdateCluster."""
    desired, roles = _desired(args)
    cloud = _cloud(args)
    chosen = list(desired)
    picked = _slice(args, "--instance-group")
    if picked:
        for name in picked:
            if name not in desired:
                fail(f"InstanceGroup {json.dumps(name)} not found")
        chosen = picked
    wanted_roles = _slice(args, "--instance-group-roles")
    if wanted_roles:
        kept = []
        for text in wanted_roles:
            role = _role(text)
            if role is None:
                fail(f"invalid instance group role {json.dumps(text)}")
            kept += [g for g in chosen if roles[g] == role]
        chosen = kept
    force = "--force" in args
    # Only groups the cloud runs are rolled (cloud.GetCloudGroups).
    groups = [g for g in chosen if g in cloud["applied"]]
    stale = {g for g in groups if force or cloud["running"].get(g) != cloud["applied"][g]}
    print("NAME\tSTATUS\tNEEDUPDATE\tREADY\tMIN\tTARGET\tMAX\tNODES")
    for g in groups:
        status = "NeedsUpdate" if g in stale else "Ready"
        print(f"{g}\t{status}\t{int(g in stale)}\t{int(g not in stale)}\t1\t1\t1\t1")
    if not stale:
        print("\nNo rolling-update required.")
        return
    if "--yes" not in args and "-y" not in args:
        print("\nMust specify --yes to rolling-update.")
        return
    log = os.environ.get("FAKE_KOPS_ROLL_LOG")
    for role in _ROLL_ORDER:
        for g in sorted(x for x in stale if roles[x] == role):  # the rest have nothing to do
            cloud["running"][g] = cloud["applied"][g]
            if log:
                with open(log, "a") as handle:
                    handle.write(g + "\n")
    _save_cloud(args, cloud)


def main(argv: list[str]) -> None:
    log = os.environ.get("FAKE_KOPS_LOG")
    if log:
        with open(log, "a") as handle:
            handle.write(" ".join(argv) + "\n")
    if os.environ.get("KUBECONFIG") and os.environ.get("FAKE_KOPS_KUBECONFIG_LOG"):
        with open(os.environ["FAKE_KOPS_KUBECONFIG_LOG"], "a") as handle:
            handle.write(f"{argv[0]} KUBECONFIG={os.environ['KUBECONFIG']}\n")
    if os.environ.get("FAKE_KOPS_SLEEP"):
        time.sleep(float(os.environ["FAKE_KOPS_SLEEP"]))
    output = os.environ.get("FAKE_KOPS_OUTPUT")
    if output == "nonutf8":
        sys.stdout.buffer.write(b"I1126 \xff\xfe not text\n")
        sys.stderr.buffer.write(b"W1126 \xc3\x28 warning\n")
        sys.stdout.flush()
    elif output == "big":
        line = b"x" * 1023 + b"\n"
        for _ in range(60_000):  # 60 MB on each stream
            sys.stdout.buffer.write(line)
            sys.stderr.buffer.write(line)
    if os.environ.get("FAKE_KOPS_STDERR"):
        sys.stderr.write(os.environ["FAKE_KOPS_STDERR"] + "\n")
    if argv[0] == os.environ.get("FAKE_KOPS_FAIL"):
        sys.stderr.write("I1126 starting\n")
        fail("the cloud said no", 3)
    command = argv[0]
    if command == "replace":
        replace(argv[1:])
    elif command == "get":
        get(argv[1:])
    elif command == "delete" and argv[1:2] == ["instancegroup"]:
        delete_group(argv)
    elif command == "toolbox" and argv[1:2] == ["template"]:
        toolbox_template(argv[2:])
    elif command == "version":
        version = os.environ.get("FAKE_KOPS_VERSION", "1.37.0-alpha.1")
        print(version if "--short" in argv else f"Client version: {version}")
    elif command == "validate" and argv[1:2] == ["cluster"]:
        validate_cluster(argv)
    elif command == "export":
        kubeconfig = option(argv, "--kubeconfig")
        if kubeconfig:
            Path(kubeconfig).write_text("apiVersion: v1\nkind: Config\nusers: [{name: admin}]\n")
        print("kops has set your kubectl context")
    elif command in ("update", "reconcile") and argv[1:2] == ["cluster"]:
        if command == "update" and os.environ.get("FAKE_KOPS_STORE_LOG"):
            # what `update cluster` found in its store: kOps reads the keysets and secrets
            folder = store_of(argv) / (option(argv, "--name") or "")
            found = sorted(
                p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
            )
            Path(os.environ["FAKE_KOPS_STORE_LOG"]).write_text("\n".join(found) + "\n")
        if command == "reconcile":
            reconcile(argv)
        else:
            update_cluster(argv, yes="--yes" in argv or "-y" in argv)
    elif command == "rolling-update" and argv[1:2] == ["cluster"]:
        rolling_update(argv)
    else:
        fail(f"the fake kops does not know {' '.join(argv[:2])!r}")


def toolbox_template(args: list[str]) -> None:
    binary = os.environ.get("FAKE_KOPS_GO_REFERENCE")
    if not binary:
        fail("toolbox template needs $FAKE_KOPS_GO_REFERENCE (the Go reference program)")
    given: dict[str, list[str]] = {"--template": [], "--values": [], "--snippets": []}
    fail_on_missing = True
    for i, arg in enumerate(args):
        if arg in given and i + 1 < len(args):
            given[arg].append(args[i + 1])
        elif arg.startswith("--fail-on-missing="):
            fail_on_missing = arg.split("=", 1)[1] == "true"
    (template,) = given["--template"]
    snippets = {}
    for item in given["--snippets"]:
        folder = Path(item)
        for path in sorted(folder.iterdir()) if folder.is_dir() else [folder]:
            snippets[path.name] = path.read_text()
    case = {
        "name": "t",
        "template": Path(template).read_text(),
        "values": "".join(Path(v).read_text() for v in given["--values"]),
        "snippets": snippets,
        "failOnMissing": fail_on_missing,
        "clusterName": option(args, "--name") or "",
    }
    done = subprocess.run(
        [binary], input=json.dumps([case]), capture_output=True, text=True, check=True
    )
    answer = json.loads(done.stdout)["t"]
    if "error" in answer:
        fail(f"unable to render template: {template}, error: {answer['error']}")
    sys.stdout.write(answer["output"] + os.environ.get("FAKE_KOPS_TOOLBOX_SUFFIX", ""))


def validate_cluster(argv: list[str]) -> None:
    name = option(argv, "--name") or ""
    if not (store_of(argv) / name / "config").is_file():
        fail(f'cluster "{name}" not found')
    print(f"Validating cluster {name}\n")
    print("INSTANCE GROUPS\nNAME\tROLE\tMACHINETYPE\tMIN\tMAX\tSUBNETS")
    unhealthy = os.environ.get("FAKE_KOPS_UNHEALTHY")
    if unhealthy:
        print(f"\nVALIDATION ERRORS\nKIND\tNAME\tMESSAGE\nNode\tnode-1\t{unhealthy}")
        if option(argv, "--wait"):
            fail("validation failed: wait time exceeded during validation")
        print("\nValidation Failed")
        sys.exit(2)
    print(f"\nYour cluster {name} is ready")


if __name__ == "__main__":
    main(sys.argv[1:])
