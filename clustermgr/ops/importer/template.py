"""The template of an imported project: documents generalised, instance groups grouped by
role and shape into loops."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from clustermgr.ops.importer.generalise import ROLE_GROUPS, _camel, _Gen, _Scope
from clustermgr.ops.importer.schema import _schema
from clustermgr.ops.importer.sources import Path_, SourceCluster

Built = tuple[dict[str, str], dict[str, dict[str, Any]], dict[str, Any]]

# Fields every cluster has its own of: never kept literal, even when all clusters agree.
FORCED_CLUSTER: set[tuple[str, ...]] = {
    ("metadata", "name"),
    ("spec", "kubernetesVersion"),
    ("spec", "networkCIDR"),
    ("spec", "subnets"),
    ("spec", "nonMasqueradeCIDR"),
}


FORCED_GROUP: set[tuple[str, ...]] = {
    ("metadata", "name"),
    ("spec", "machineType"),
    ("spec", "minSize"),
    ("spec", "maxSize"),
    ("spec", "subnets"),
    ("spec", "zones"),
}


def build(clusters: list[SourceCluster], plain: dict[str, set[Path_]]) -> Built:
    """Templates of the project, each cluster's values, and the inferred schema."""
    values: dict[str, dict[str, Any]] = {c.id: {} for c in clusters}
    taken = {"clusterName"}
    scope = _Scope("", values, taken, "Cluster")
    by_id = {c.id: c.name for c in clusters}
    gen = _Gen(FORCED_CLUSTER, plain.get("Cluster", set()))
    for c in clusters:
        values[c.id]["clusterName"] = c.name
    cluster_subs = {"clusterName": {c.id: c.name for c in clusters}}
    body = gen.mapping([(c.id, c.cluster) for c in clusters], (), 0, scope, cluster_subs)
    files = {"template/10-cluster.yaml.j2": "\n".join(body) + "\n"}
    fields: dict[str, tuple[str, Path_]] = {n: ("Cluster", p) for n, p in scope.fields.items()}
    fields["clusterName"] = ("Cluster", ("metadata", "name"))
    for number, (group, members) in enumerate(_groups(clusters), start=2):
        key = f"{group}"
        taken.add(key)
        store: dict[str, dict[str, Any]] = {}
        member_list = []
        zones = {}
        for cid, doc in members:
            member = f"{cid}\0{doc['metadata']['name']}"
            store[member] = {"name": doc["metadata"]["name"]}  # every group member has one
            member_list.append((member, doc))
            zones[member] = _single_subnet(doc)
        ig_scope = _Scope("ig.", store, {"ig", "name"}, f"InstanceGroup (group {group})")
        ig_scope.fields["name"] = ("metadata", "name")
        subs = {
            "clusterName": {m: by_id[m.split("\0")[0]] for m, _ in member_list},
            "ig.name": {m: str(d["metadata"]["name"]) for m, d in member_list},
        }
        if all(zones.values()):  # one subnet each: strings may embed the zone
            ig_scope.taken.add("subnets")
            ig_scope.fields["subnets"] = ("spec", "subnets")
            for member, doc in member_list:
                store[member]["subnets"] = doc["spec"]["subnets"]
            subs["ig.subnets[0]"] = {m: z for m, z in zones.items() if z}
        gen_ig = _Gen(FORCED_GROUP, plain.get(group, set()))
        lines = gen_ig.mapping(member_list, (), 0, ig_scope, subs)
        files[f"template/{number * 10}-{_file_word(group)}.yaml.j2"] = (
            f"{{% for ig in {key} | default([]) %}}\n---\n" + "\n".join(lines) + "\n{% endfor %}\n"
        )
        for c in clusters:
            items = [store[f"{c.id}\0{d['metadata']['name']}"] for cid, d in members if cid == c.id]
            if items:
                values[c.id][key] = items
        fields.update({f"{key}[].{n}": ("InstanceGroup", p) for n, p in ig_scope.fields.items()})
    if any(c.extra for c in clusters):
        files["template/90-additional-objects.yaml.j2"] = (
            "{% for object in additionalObjects | default([]) %}\n---\n{{ object | toYaml }}\n"
            "{% endfor %}\n"
        )
        for c in clusters:
            if c.extra:
                values[c.id]["additionalObjects"] = c.extra
        fields["additionalObjects"] = ("", ("kOps additional objects",))
    return files, values, _schema(values, fields)


def _file_word(group: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"-\1", group).lower()


def _single_subnet(doc: dict[str, Any]) -> str | None:
    subnets = (doc.get("spec") or {}).get("subnets")
    return (
        subnets[0]
        if isinstance(subnets, list) and len(subnets) == 1 and isinstance(subnets[0], str)
        else None
    )


def _groups(clusters: list[SourceCluster]) -> list[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    """Instance groups of the same role and the same fields, across clusters."""
    shapes: dict[tuple[str, frozenset[str]], list[tuple[str, dict[str, Any]]]] = {}
    for c in clusters:
        for doc in c.groups:
            role = str((doc.get("spec") or {}).get("role", ""))
            shape = (role, frozenset(_paths(doc)))
            shapes.setdefault(shape, []).append((c.id, doc))
    named: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = []
    used: Counter[str] = Counter()
    for (role, _), members in sorted(
        shapes.items(), key=lambda s: (s[0][0], -len(s[1]), sorted(s[0][1]))
    ):
        base = ROLE_GROUPS.get(role, _camel([role or "instanceGroups"]))
        used[base] += 1
        named.append((base if used[base] == 1 else f"{base}{used[base]}", members))
    return named


def _paths(data: Any, path: str = "") -> set[str]:
    if isinstance(data, dict):
        out = {path}
        for key, value in data.items():
            if path in ("", ".metadata") or path.startswith(".spec"):
                out |= _paths(value, f"{path}.{key}")
        return out
    return {path}
