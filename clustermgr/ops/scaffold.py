"""Getting started: `init` writes a small working project, `new` adds a cluster to one."""

from __future__ import annotations

import re
from pathlib import Path

from clustermgr.errors import UsageError
from clustermgr.files import atomic_write
from clustermgr.kops import valid_cluster_name
from clustermgr.project import Project
from clustermgr.values import find_cluster, kops_names
from clustermgr.yamlio import dump, load_mapping

SKELETON = Path(__file__).resolve().parent.parent / "data" / "init"


def init_project(folder: Path) -> list[Path]:
    """Write the skeleton project into `folder` (one template, a schema, shared defaults, one
    environment, one cluster); nothing is overwritten."""
    files = sorted(p for p in SKELETON.rglob("*") if p.is_file())
    targets = [folder / p.relative_to(SKELETON) for p in files]
    taken = [t for t in targets if t.exists()]
    if taken:
        shown = ", ".join(str(t) for t in taken[:3])
        raise UsageError(f"init writes a new project; these exist already: {shown}")
    for source, target in zip(files, targets, strict=True):
        atomic_write(target, source.read_text(encoding="utf-8"))
    return targets


def new_cluster(
    project: Project, name: str, env: str, source: str | None, kops_name: str | None
) -> Path:
    """A values file for cluster `name` in environment `env`: the cluster-owned keys of
    `source`'s own file when given, with a kOps name no other cluster has. Names are checked
    at the door: a cluster and each folder of its environment are DNS labels (never a path
    out of the project, never a shared layer's `_` name), the kOps name a DNS subdomain as
    kOps requires."""
    _check_label(name, "cluster name")
    for part in env.split("/"):
        _check_label(part, f"environment {env!r}: folder")
    if kops_name is not None and not valid_cluster_name(kops_name):
        raise UsageError(
            f"--kops-name {kops_name!r}: not a DNS name kOps accepts (lower-case letters, "
            "digits, '-' and '.', e.g. dev-eu2.k8s.example.com)"
        )
    if name in project.clusters():
        raise UsageError(
            f"cluster {name!r} exists already: {project.display(project.cluster(name).file)}"
        )
    folder = project.root / project.config.values_dir / env
    target = folder / f"{name}.yaml"
    kops_name = kops_name or _derived_name(project, name, source)
    owners = [n for n, k in kops_names(project).items() if k == kops_name]
    if owners:
        raise UsageError(f"kOps name {kops_name!r} is in use by cluster {owners[0]!r}")
    body = dump({"clusterName": kops_name}, sort_keys=False)
    if source is not None:
        own = find_cluster(project, source).file
        data = dict(load_mapping(own, project.display(own)).data)
        data.pop("clusterName", None)
        if data:
            body += dump(data, sort_keys=False)
    atomic_write(target, body)
    return target


_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


def _check_label(text: str, what: str) -> None:
    """clustermgr's rule for names that become file, folder and CI job names: a DNS-1123 label
    (no dots: a name with one is read as a kOps name, which kOps itself checks as a DNS-1123
    subdomain: pkg/apis/kops/validation/validation.go, ValidateCluster)."""
    if not _LABEL.fullmatch(text):
        raise UsageError(
            f"{what} {text!r} is not a DNS label: lower-case letters, digits and '-', at most "
            "63, starting and ending with a letter or digit (e.g. prod-eu2)"
        )


def _derived_name(project: Project, name: str, source: str | None) -> str:
    """`name` under the domain of the `--from` cluster's kOps name (or of any cluster's)."""
    names = kops_names(project)
    example = names.get(source) if source else next(iter(names.values()), None)
    if example is None or "." not in example:
        raise UsageError("pass --kops-name (no cluster to take a domain from)")
    return f"{name}.{example.split('.', 1)[1]}"
