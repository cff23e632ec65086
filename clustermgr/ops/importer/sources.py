"""Import's sources: manifests (`kops get -o yaml`) and state-store folders of one cluster,
read as clusters with their documents; anything kOps would not accept is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from clustermgr.diff import applied as sources
from clustermgr.diff import engine as diff
from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.problems import ERROR
from clustermgr.validation import Linter
from clustermgr.yamlio import Document

Path_ = tuple[str, ...]


class SourceCluster(NamedTuple):
    id: str  # the values file name
    display: str  # where it came from
    name: str  # metadata.name of its Cluster
    cluster: dict[str, Any]
    groups: list[dict[str, Any]]  # InstanceGroups, by name
    extra: list[dict[str, Any]]  # other documents (kOps' additional objects)


def load(paths: list[Path], name_from: str) -> list[SourceCluster]:
    out: list[SourceCluster] = []
    seen: dict[str, str] = {}
    for path in paths:
        if path.is_dir():
            config = path / "config"
            if not config.is_file():
                raise UsageError(f"{path}: not a state-store folder of one cluster (no config)")
            docs = sources.from_state_store(path.parent, path.name)
            default_id = path.name
        elif path.is_file():
            docs = sources.from_file(path)
            default_id = path.stem
        else:
            raise UsageError(f"no such file or folder: {path}")
        _refuse_invalid(docs)
        found = diff.resources(docs)
        clusters = [d for (kind, _), d in found.items() if kind == "Cluster"]
        if len(clusters) != 1:
            raise ClusterMgrError(f"{path}: expected one Cluster, found {len(clusters)}")
        cluster = _clean(clusters[0])
        name = str(cluster["metadata"]["name"])
        cid = name.split(".")[0] if name_from == "cluster" else default_id
        if cid in seen:
            raise UsageError(
                f"{path} and {seen[cid]} would both be cluster {cid!r}: rename a "
                "file or use --name-from"
            )
        seen[cid] = str(path)
        groups = sorted(
            (_clean(d) for (k, _), d in found.items() if k == "InstanceGroup"),
            key=lambda d: str(d["metadata"]["name"]),
        )
        extra = [d for (k, _), d in found.items() if k not in ("Cluster", "InstanceGroup")]
        out.append(SourceCluster(cid, str(path), name, cluster, groups, extra))
    return out


def _refuse_invalid(docs: list[Document]) -> None:
    """Only valid kOps manifests are imported: the first error of a source, located."""

    errors = [p for p in Linter().lint_documents(docs) if p.level == ERROR]
    if errors:
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        first = errors[0]
        where = f"{first.path}: " if first.path else ""
        raise ClusterMgrError(
            f"not a valid kOps manifest: {where}{first.message}{more}", first.location
        )


def _clean(doc: dict[str, Any]) -> dict[str, Any]:
    """Without what kOps adds when it stores a resource."""
    meta = {
        k: v
        for k, v in doc.get("metadata", {}).items()
        if k not in ("creationTimestamp", "generation")
    }
    return {**doc, "metadata": meta}
