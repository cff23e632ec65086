"""Where the last applied manifest comes from: a file, a kOps state store (or a local copy of
one), the project at another git ref, or `kops get` for a remote state store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from clustermgr import git
from clustermgr.errors import ClusterMgrError, MissingFile, UsageError
from clustermgr.kops import state_store_from_env, valid_cluster_name
from clustermgr.project import Project, find_project
from clustermgr.values import cluster_values, kops_name, kops_names
from clustermgr.yamlio import Document, load_documents, read_text
from clustermgr.yamlio.emit import dump

if TYPE_CHECKING:
    import tarfile

REMOTE_SCHEMES = ("s3://", "gs://", "azureblob://", "swift://", "do://", "scw://", "oss://")


def from_file(path: Path, display: str | None = None) -> list[Document]:
    """A manifest as `kops get CLUSTER -o yaml` prints it (or an earlier render)."""
    name = display or str(path)
    return load_documents(read_text(path, name), name, cache=False)  # snapshots change


def local_state_store(raw: str) -> Path:
    """A state store given as DIR, file://DIR or KOPS_STATE_STORE; remote ones are refused."""
    if raw.startswith(REMOTE_SCHEMES):
        raise UsageError(
            f"{raw} is a remote state store: copy it locally first (aws s3 sync "
            f'"{raw}/$NAME" "DIR/$NAME" --exclude \'*backups/*\') and pass --state DIR'
        )
    path = Path(raw.removeprefix("file://"))
    if not path.is_dir():
        raise UsageError(f"state store not found: {raw}")
    return path


def store_name(cluster_name: str) -> str:
    """A kOps cluster name, checked before it becomes a folder of a state store or an
    argument of kops (`clusterName: ../loot` must not leave the store)."""

    if not valid_cluster_name(cluster_name):
        raise UsageError(
            f"{cluster_name!r} is not a kOps cluster name (a DNS subdomain: lower-case letters, "
            "digits, '-' and '.'), so it names no state store folder"
        )
    return cluster_name


def from_state_store(store: Path, cluster_name: str) -> list[Document]:
    """`STORE/<cluster>/config` (the Cluster) and `STORE/<cluster>/instancegroup/*` (one
    InstanceGroup each), as kOps lays them out; nothing else is read. A cluster the store does
    not hold yet has no documents."""
    folder = store / store_name(cluster_name)
    config = folder / "config"
    if not config.is_file():
        return []  # not created yet: everything in the render is new
    docs = from_file(config, f"{cluster_name}/config")
    groups = folder / "instancegroup"
    if groups.is_dir():
        for file in sorted(groups.iterdir()):
            if file.is_file() and not file.name.startswith("."):
                docs += from_file(file, f"{cluster_name}/instancegroup/{file.name}")
    return docs + _ssh_credentials(folder, cluster_name)


def _ssh_credentials(folder: Path, cluster_name: str) -> list[Document]:
    """The admin SSH keys kOps keeps at `pki/ssh/public/admin/<fingerprint>`, as the
    SSHCredential document `kops get` shows (kOps: upup/pkg/fi/vfs_castore.go,
    FindSSHPublicKeys: name admin, the trimmed file content)."""
    keys = folder / "pki" / "ssh" / "public" / "admin"
    if not keys.is_dir():
        return []
    found = []
    for file in sorted(keys.iterdir()):
        if file.is_file():
            key = read_text(file, f"{cluster_name}/pki/ssh/public/admin/{file.name}").strip()
            data = {
                "apiVersion": "kops.k8s.io/v1alpha2",
                "kind": "SSHCredential",
                "metadata": {"name": "admin", "labels": {"kops.k8s.io/cluster": cluster_name}},
                "spec": {"publicKey": key},
            }
            found.append(Document(data, file.name, {}))
    return found


def as_kops_get(docs: list[Document]) -> str:
    """Documents laid out as `kops get -o yaml` prints them: the Cluster, then InstanceGroups by
    name, keys sorted."""

    def order(doc: Document) -> tuple[bool, str]:
        data = doc.data if isinstance(doc.data, dict) else {}
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        return data.get("kind") != "Cluster", str((meta or {}).get("name", ""))

    kept = [d for d in docs if isinstance(d.data, dict)]
    return "\n---\n\n".join(dump(d.data) for d in sorted(kept, key=order))


def kops_get(store: str, cluster_name: str) -> str:
    """`kops get --name NAME --state STORE -o yaml`, for a remote state store."""
    import shutil  # noqa: PLC0415  # a remote state store only (see project_at_ref)
    import subprocess  # noqa: PLC0415

    kops = shutil.which("kops")
    if kops is None:
        raise UsageError(
            "kops is not on PATH: install it to read a remote state store, or copy the state "
            "store to a local folder and pass that folder"
        )
    command = [kops, "get", "--name", store_name(cluster_name), "--state", store, "-o", "yaml"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise ClusterMgrError(f"kops get failed (exit {done.returncode}): {tail}")
    return done.stdout


@contextmanager
def project_at_ref(root: Path, ref: str) -> Iterator[Path]:
    """The project folder as it was at git `ref`, from git objects into a temporary folder;
    the working tree and the index are not touched."""
    # tarfile, tempfile and subprocess cost a check that compares no ref 5 ms of start-up
    import tarfile  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    what = "--against-ref"
    top = git.toplevel(root, what)
    prefix = Path(root).resolve().relative_to(top).as_posix()
    commit = git.commit(root, ref, what)
    archive = git.run_bytes(top, "archive", "--format=tar", commit, "--", prefix, what=what)
    with tempfile.TemporaryDirectory(prefix="clustermgr-ref-") as tmp:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp, filter=_inside_only)
        yield Path(tmp) / prefix


def _inside_only(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
    """tarfile's `data` filter, with a link that leaves the project skipped instead of
    failing the whole extraction (reading through it is refused later, where it is used)."""
    import tarfile  # noqa: PLC0415  # see project_at_ref

    try:
        return tarfile.data_filter(member, path)
    except tarfile.FilterError:
        return None


class Against(NamedTuple):
    """Exactly one of these names the applied side."""

    file: Path | None = None
    state: str | None = None
    ref: str | None = None


class AppliedSource:
    """The applied side for many clusters; a git ref is extracted once, on entering."""

    def __init__(self, project: Project, against: Against) -> None:
        self.project = project
        self.against = against
        self._old: Project | None = None
        self._renderer: Any = None  # the old project's renderer, built on first use
        self._context: Any = None
        self._shown: str | None = None  # the snapshot folder as messages show it

    def __enter__(self) -> AppliedSource:
        if self.against.ref is not None:
            self._context = project_at_ref(self.project.root, self.against.ref)
            self._old = find_project(self._context.__enter__())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)

    def configured(self) -> bool:
        """Whether there is anything to compare with (check runs without a source)."""
        return effective_source(self.project, self.against)[0] != NONE

    def documents(self, name: str, cluster_name: str) -> list[Document]:
        kind, where = effective_source(self.project, self.against)
        if kind == FILE:
            return from_file(Path(where))
        if kind == STATE:
            return from_state_store(local_state_store(where), cluster_name)
        if kind == REF:
            return self._at_ref(name, cluster_name)
        if kind == SNAPSHOTS:
            snapshot = Path(where) / f"{name}.yaml"
            self.project.inside_or_refuse(snapshot, "diff.applied")
            if self._shown is None:  # the folder's, once: relative_to costs per cluster
                folder = self.project.display(Path(where))
                self._shown = "" if folder == "." else f"{folder}/"
            try:
                return from_file(snapshot, f"{self._shown}{name}.yaml")
            except MissingFile:
                return []  # a new cluster: everything is added
        raise UsageError(
            "nothing to compare with: pass --against FILE, --state DIR or --against-ref REF "
            "(or set diff.applied in clustermgr.yaml)"
        )

    def _at_ref(self, name: str, cluster_name: str) -> list[Document]:

        old = self._old
        assert old is not None, "entered with a ref"
        if name not in old.clusters():
            # the kOps name is the identity: a renamed values file is the same cluster
            heirs = [n for n, kops in kops_names(old).items() if kops == cluster_name]
            if not heirs:
                return []  # a new cluster: everything is added
            name = heirs[0]
        from clustermgr.render import (  # noqa: PLC0415  # Jinja2: only to render another ref
            RenderSettings,
            project_renderer,
            render_documents,
        )

        if self._renderer is None:
            self._renderer = project_renderer(old, RenderSettings())
        return render_documents(self._renderer, cluster_values(old, old.cluster(name)))


FILE, STATE, REF, SNAPSHOTS, NONE = "file", "state", "ref", "snapshots", "none"


def effective_source(project: Project, against: Against) -> tuple[str, str]:
    """Which applied side a run compares with, in order of precedence: `--against FILE`,
    `--state`, `--against-ref`, the project's `diff.applied` folder, a local
    `KOPS_STATE_STORE`. Diffs and cache keys both ask here, so they cannot disagree."""
    if against.file is not None:
        return FILE, str(against.file)
    if against.state is not None:
        return STATE, against.state
    if against.ref is not None:
        return REF, against.ref
    if project.config.diff_applied:
        # a folder that is not there compares every cluster with nothing: an error instead
        folder = project.path(project.config.diff_applied, "diff.applied")
        return SNAPSHOTS, str(folder)
    store = state_store_from_env()
    if store and not store.startswith(REMOTE_SCHEMES):
        if not Path(store.removeprefix("file://")).is_dir():
            # the same answer as `--state DIR` for the same mistake
            raise UsageError(f"state store not found: {store} (KOPS_STATE_STORE)")
        return STATE, store
    return NONE, ""


def source_files(
    project: Project,
    against: Against,
    name: str,
    cluster_name: str,
    source: tuple[str, str] | None = None,
) -> list[Path]:
    """The files `AppliedSource.documents` reads for one cluster (a ref is keyed by its
    commit instead). `source`: `effective_source`'s answer, when the caller has it."""
    kind, where = source or effective_source(project, against)
    if kind == FILE:
        return [Path(where)]
    if kind == STATE:
        folder = Path(where.removeprefix("file://")) / store_name(cluster_name)
        found = [folder / "config"]
        # everything the diff reads: the groups and the admin SSH keys (ssh_keys above)
        for sub in (folder / "instancegroup", folder / "pki" / "ssh" / "public" / "admin"):
            found += sorted(sub.iterdir()) if sub.is_dir() else []
        return found
    if kind == SNAPSHOTS:
        return [Path(where, f"{name}.yaml")]
    return []


def pull(project: Project, names: list[str], store: str) -> dict[str, str]:
    """Each cluster's applied manifest as `kops get -o yaml` prints it: from a local state
    store, or through `kops get` for a remote one."""
    snapshots = {}
    for name in names:
        cluster_name = kops_name(project, name)
        if store.startswith(REMOTE_SCHEMES):
            snapshots[name] = kops_get(store, cluster_name)
        else:
            root = local_state_store(store)
            docs = from_state_store(root, cluster_name)
            if not docs:
                raise UsageError(
                    f"{name}: the state store has no cluster {cluster_name} "
                    f"(no {root / cluster_name / 'config'})"
                )
            snapshots[name] = as_kops_get(docs)
    return snapshots
