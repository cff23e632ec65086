"""Getting started: `init` writes a small working project, `new` adds a cluster to one."""

from __future__ import annotations

from pathlib import Path

from clustermgr.errors import UsageError
from clustermgr.files import atomic_write
from clustermgr.project import Project
from clustermgr.values import kops_names
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
    `source`'s own file when given, with a kOps name no other cluster has."""
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
    body = f"clusterName: {kops_name}\n"
    if source is not None:
        own = project.cluster(source).file
        data = dict(load_mapping(own, project.display(own)).data)
        data.pop("clusterName", None)
        if data:
            body += dump(data, sort_keys=False)
    atomic_write(target, body)
    return target


def _derived_name(project: Project, name: str, source: str | None) -> str:
    """`name` under the domain of the `--from` cluster's kOps name (or of any cluster's)."""
    names = kops_names(project)
    example = names.get(source) if source else next(iter(names.values()), None)
    if example is None or "." not in example:
        raise UsageError("pass --kops-name (no cluster to take a domain from)")
    return f"{name}.{example.split('.', 1)[1]}"
