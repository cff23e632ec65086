"""Where the last applied manifest comes from: a file, a kOps state store (or a local copy of
one), the project at another git ref, or `kops get` for a remote state store."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.yamlio import Document, load_documents, read_text

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


def from_state_store(store: Path, cluster_name: str) -> list[Document]:
    """`STORE/<cluster>/config` (the Cluster) and `STORE/<cluster>/instancegroup/*` (one
    InstanceGroup each), as kOps lays them out; nothing else is read. A cluster the store does
    not hold yet has no documents."""
    folder = store / cluster_name
    config = folder / "config"
    if not config.is_file():
        return []  # not created yet: everything in the render is new
    docs = from_file(config, f"{cluster_name}/config")
    groups = folder / "instancegroup"
    if groups.is_dir():
        for file in sorted(groups.iterdir()):
            if file.is_file() and not file.name.startswith("."):
                docs += from_file(file, f"{cluster_name}/instancegroup/{file.name}")
    return docs


def as_kops_get(docs: list[Document]) -> str:
    """Documents laid out as `kops get -o yaml` prints them: the Cluster, then InstanceGroups by
    name, keys sorted."""
    from clustermgr.yamlemit import dump

    def order(doc: Document) -> tuple[bool, str]:
        data = doc.data if isinstance(doc.data, dict) else {}
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        return data.get("kind") != "Cluster", str((meta or {}).get("name", ""))

    kept = [d for d in docs if isinstance(d.data, dict)]
    return "\n---\n\n".join(dump(d.data) for d in sorted(kept, key=order))


def kops_get(store: str, cluster_name: str) -> str:
    """`kops get --name NAME --state STORE -o yaml`, for a remote state store."""
    kops = shutil.which("kops")
    if kops is None:
        raise UsageError(
            "kops is not on PATH: install it to read a remote state store, or copy the state "
            "store to a local folder and pass that folder"
        )
    command = [kops, "get", "--name", cluster_name, "--state", store, "-o", "yaml"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise ClusterMgrError(f"kops get failed (exit {done.returncode}): {tail}")
    return done.stdout


@contextmanager
def project_at_ref(root: Path, ref: str) -> Iterator[Path]:
    """The project folder as it was at git `ref`, from git objects into a temporary folder;
    the working tree and the index are not touched."""
    top = _git(root, "rev-parse", "--show-toplevel").strip()
    prefix = Path(root).resolve().relative_to(Path(top).resolve()).as_posix()
    commit = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", must=False).strip()
    if not commit:
        raise UsageError(f"--against-ref: unknown git ref {ref!r}")
    archive = subprocess.run(
        [
            "git",
            "-C",
            top,
            "archive",
            "--format=tar",
            commit,
            "--",
            prefix if prefix != "." else ".",
        ],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise UsageError(f"--against-ref: {archive.stderr.decode(errors='replace').strip()}")
    with tempfile.TemporaryDirectory(prefix="clustermgr-ref-") as tmp:
        with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp) / prefix


def _git(root: Path, *args: str, must: bool = True) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise UsageError("--against-ref needs git on PATH") from None
    if done.returncode != 0 and must:
        raise UsageError(f"--against-ref: {done.stderr.strip() or 'git failed'}")
    return done.stdout if done.returncode == 0 else ""


def state_store_from_env() -> str | None:
    return os.environ.get("KOPS_STATE_STORE") or None
