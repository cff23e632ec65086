"""`import`: existing clusters into one template plus values, proved exact by rendering back.

How the template is found (anti-unification over the clusters' documents):
- a field equal in every cluster stays literal, unless it is one of the fields every cluster
  has its own of (name, version, CIDRs, subnets, sizes, machine types: FORCED);
- a string that embeds the cluster name (or, in an instance group, its name or its zone) is
  written through it: `api.{{ clusterName }}`;
- mappings present everywhere are followed key by key; anything else that differs, or is
  missing somewhere, becomes a value named after its field;
- instance groups with the same role and the same fields form one group: a loop over a list in
  the values; odd ones form groups of their own.
Then every cluster is rendered from the written project and compared with its source by the
diff engine; a path that does not come back exactly is turned into a plain value and the
project written again, so the result is exact by construction and checked.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

from clustermgr.diff import applied as sources
from clustermgr.diff import engine as diff
from clustermgr.errors import ClusterMgrError, UsageError
from clustermgr.files import atomic_write
from clustermgr.problems import ERROR
from clustermgr.project import find_project
from clustermgr.render import RenderSettings, project_renderer
from clustermgr.validation import Linter
from clustermgr.values import Overrides, cluster_values
from clustermgr.values.environments import DEFAULT_ORDER
from clustermgr.yamlio import Document, dump, is_plain, load_documents, scalar

Path_ = tuple[str, ...]
_MISSING = object()
_JINJA = re.compile(r"\{[{%#]")
ROLE_GROUPS = {
    "Master": "controlPlane",
    "ControlPlane": "controlPlane",
    "Node": "nodes",
    "Bastion": "bastions",
    "APIServer": "apiServers",
}
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
_CIDR = r"^[0-9a-fA-F:.]+/[0-9]{1,3}$"
_VERSION = r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$"


class SourceCluster(NamedTuple):
    id: str  # the values file name
    display: str  # where it came from
    name: str  # metadata.name of its Cluster
    cluster: dict[str, Any]
    groups: list[dict[str, Any]]  # InstanceGroups, by name
    extra: list[dict[str, Any]]  # other documents (kOps' additional objects)


class ImportResult(NamedTuple):
    clusters: list[str]
    files: dict[str, str]  # relative path -> content
    template_bytes: int
    source_bytes: int
    values_per_cluster: dict[str, int]
    rounds: int
    without_environment: list[str]  # clusters no CI environment could be given


# -- sources -------------------------------------------------------------------------------------


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


# -- generalisation ------------------------------------------------------------------------------


class _Scope:
    """Where values go while generalising: the cluster's top level, or one instance group."""

    def __init__(
        self, ref: str, store: dict[str, dict[str, Any]], taken: set[str], describe: str
    ) -> None:
        self.ref = ref  # "" for top-level names, "ig." inside a loop
        self.store = store  # member id -> its values
        self.taken = taken
        self.describe = describe  # "Cluster" or "InstanceGroup (group nodes)"
        self.fields: dict[str, Path_] = {}  # value name -> the kOps field it feeds

    def name_for(self, path: Path_) -> str:
        keys = [p for p in path if p not in ("spec", "metadata")] or list(path)
        name = _camel(keys[-1:])
        depth = 1
        while name in self.taken and self.fields.get(name) != path:
            depth += 1
            name = _camel(keys[-depth:]) if depth <= len(keys) else f"{name}{depth}"
        self.taken.add(name)
        self.fields[name] = path
        return name


def _camel(parts: list[str]) -> str:
    words = [w for p in parts for w in re.split(r"[^0-9A-Za-z]+", p) if w]
    if not words:
        return "value"
    text = words[0][0].lower() + words[0][1:] + "".join(w[0].upper() + w[1:] for w in words[1:])
    return text if text[0].isalpha() else f"v{text}"


class _Gen:
    def __init__(self, forced: set[Path_], plain: set[Path_]) -> None:
        self.forced = forced
        self.plain = plain  # paths that must be whole values (found by the round trip)

    def mapping(
        self,
        members: list[tuple[str, dict[str, Any]]],
        path: Path_,
        indent: int,
        scope: _Scope,
        subs: dict[str, dict[str, str]],
    ) -> list[str]:
        lines: list[str] = []
        keys: list[str] = []
        for _, data in members:
            keys += [k for k in data if k not in keys]
        pad = " " * indent
        for key in keys:
            sub = (*path, key)
            present = [(m, d[key]) for m, d in members if key in d]
            head = f"{pad}{_key(key)}:"
            if len(present) < len(members) or sub in self.plain:
                name = scope.name_for(sub)
                for member, value in present:
                    scope.store[member][name] = value
                body = self._value_lines(
                    head, f"{scope.ref}{name}", [v for _, v in present], indent
                )
                if len(present) < len(members):
                    lines.append(f"{pad}{{% if {scope.ref}{name} is defined %}}")
                    lines += body
                    lines.append(f"{pad}{{% endif %}}")
                else:
                    lines += body
                continue
            values = [v for _, v in present]
            same = all(_same(v, values[0]) for v in values)
            text = self._substitute(present, subs)
            if text is not None:
                lines.append(f"{head} {text}")
            elif all(isinstance(v, dict) and v for v in values) and sub not in self.forced:
                lines.append(head)  # followed even when equal: names inside may be substituted
                lines += self.mapping(present, sub, indent + 2, scope, subs)
            elif same and sub not in self.forced and _literal_ok(values[0]):
                lines += _literal(head, values[0], indent)
            else:
                name = scope.name_for(sub)
                for member, value in present:
                    scope.store[member][name] = value
                lines += self._value_lines(head, f"{scope.ref}{name}", values, indent)
        return lines

    def _substitute(
        self, present: list[tuple[str, Any]], subs: dict[str, dict[str, str]]
    ) -> str | None:
        """`api.{{ clusterName }}`: one template string that gives every member's value."""
        if not all(isinstance(v, str) and v and is_plain(v) for _, v in present):
            return None
        best: str | None = None
        for ref, by_member in subs.items():
            shapes = set()
            for member, value in present:
                token = by_member.get(member, "")
                if not token or token not in value:
                    break
                shapes.add(value.replace(token, "\0"))
            else:
                shape = shapes.pop() if len(shapes) == 1 else None
                if shape is None or _JINJA.search(shape):
                    continue
                # Of the names that fit, the one leaving the least literal text reads best:
                # `{{ ig.name }}` over `master-{{ ig.subnets[0] }}`.
                if best is None or len(shape.replace("\0", "")) < len(best.replace("\0", "")):
                    best, best_ref = shape, ref
        if best is None:
            return None
        return best.replace("\0", f"{{{{ {best_ref} }}}}")

    @staticmethod
    def _value_lines(head: str, ref: str, values: list[Any], indent: int) -> list[str]:
        if all(isinstance(v, str) and is_plain(v) for v in values):
            return [f"{head} {{{{ {ref} }}}}"]
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return [f"{head} {{{{ {ref} }}}}"]
        if all(isinstance(v, dict) and v for v in values):
            return [head, f"{' ' * (indent + 2)}{{{{ {ref} | toYaml | indent({indent + 2}) }}}}"]
        if all(isinstance(v, list) and v for v in values):
            return [head, f"{' ' * indent}{{{{ {ref} | toYaml | indent({indent}) }}}}"]
        return [f"{head} {{{{ {ref} | toJson }}}}"]


def _same(a: Any, b: Any) -> bool:
    return bool(a == b and type(a) is type(b))


def _key(key: str) -> str:
    return scalar(key)


def _literal_ok(value: Any) -> bool:
    return not _JINJA.search(dump(value))


def _literal(head: str, value: Any, indent: int) -> list[str]:
    if isinstance(value, (dict, list)) and value:
        inner = indent + 2 if isinstance(value, dict) else indent
        return [
            head,
            *(
                f"{' ' * inner}{line}" if line else line
                for line in dump(value).rstrip("\n").split("\n")
            ),
        ]
    text = dump(value).rstrip("\n")
    if "\n" in text:  # a block scalar: its lines follow the key, indented below it
        first, *rest = text.split("\n")
        return [
            f"{head} {first}",
            *(f"{' ' * (indent + 2)}{line[2:]}" if line else line for line in rest),
        ]
    return [f"{head} {text}"]


# -- the project ---------------------------------------------------------------------------------


Built = tuple[dict[str, str], dict[str, dict[str, Any]], dict[str, Any]]


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


# -- schema --------------------------------------------------------------------------------------


def _schema(
    values: dict[str, dict[str, Any]], fields: dict[str, tuple[str, Path_]]
) -> dict[str, Any]:
    names: list[str] = []
    for data in values.values():
        names += [k for k in data if k not in names]
    props = {}
    for name in names:
        seen = [data[name] for data in values.values() if name in data]
        props[name] = _infer(seen, name, fields)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Cluster values",
        "description": "Inferred by clustermgr import from the imported clusters.",
        "type": "object",
        "additionalProperties": False,
        "required": [n for n in names if all(n in d for d in values.values())],
        "properties": props,
    }


def _infer(seen: list[Any], name: str, fields: dict[str, tuple[str, Path_]]) -> dict[str, Any]:
    kind, path = fields.get(name, ("", ()))
    where = ".".join(path)
    description = f"{kind} {where}".strip() if where else f"value {name}"
    item_fields = {k[len(name) + 3 :]: v for k, v in fields.items() if k.startswith(f"{name}[].")}
    return _infer_as(seen, description, item_fields)


def _infer_as(
    seen: list[Any], description: str, item_fields: dict[str, tuple[str, Path_]]
) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    types = {_json_type(v) for v in seen}
    if len(types) != 1:
        out["type"] = sorted(types)
        return out
    (only,) = types
    out["type"] = only
    if only == "string":
        distinct = sorted(set(seen))
        if all(re.match(_CIDR, v) for v in distinct):
            out["pattern"] = _CIDR
        elif all(re.match(_VERSION, v) for v in distinct):
            out["pattern"] = _VERSION
        elif 1 < len(distinct) <= 4 and len(seen) > len(distinct):
            out["enum"] = distinct
    elif only == "array":
        items = [x for v in seen for x in v]
        if items:
            out["items"] = _infer_as(items, f"an item of {description}", item_fields)
    elif only == "object":
        keys: list[str] = []
        for data in seen:
            keys += [k for k in data if k not in keys]
        out["additionalProperties"] = False
        out["required"] = [k for k in keys if all(k in d for d in seen)]
        out["properties"] = {}
        for key in keys:
            kind, path = item_fields.get(key, ("", ()))
            sub = f"{kind} {'.'.join(path)}" if path else f"{description}: {key}"
            out["properties"][key] = _infer_as([d[key] for d in seen if key in d], sub, {})
    return out


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


# -- layering, writing, proving -------------------------------------------------------------------


def layer(values: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Shared defaults (a value every cluster has, shared by at least two) and what each
    cluster sets on top of them: only what differs."""
    if len(values) < 2:
        return {}, values
    first = next(iter(values.values()))
    names = [n for n in first if all(n in d for d in values.values())]
    shared: dict[str, Any] = {}
    for name in names:
        if name == "clusterName":
            continue
        counts = Counter(_canon(d[name]) for d in values.values())
        text, count = counts.most_common(1)[0]
        # A mapping in a cluster's file merges into the shared one instead of replacing it:
        # share mappings only when every cluster has the same.
        if count >= 2 and (count == len(values) or not isinstance(json.loads(text), dict)):
            shared[name] = json.loads(text)
    own = {
        cid: {k: v for k, v in data.items() if k not in shared or _canon(v) != _canon(shared[k])}
        for cid, data in values.items()
    }
    return shared, own


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


CONFIG = """\
# Written by `clustermgr import`: one template plus values for the imported clusters.
templates: [template]
schema: schemas/values.schema.json
values:
  dir: values
  layers: "_*.yaml"
"""


def environment_of(cluster: SourceCluster, given: str | None) -> str | None:
    """The CI environment of an imported cluster: `given`, else an environment word in its
    names (`prod-eu1`, `dev.example.com`), else None."""
    if given:
        return given

    for word in re.split(r"[^a-z0-9]+", f"{cluster.id} {cluster.name}".lower()):
        if word in DEFAULT_ORDER:
            return word
    return None


ENVIRONMENT = {
    "type": "string",
    "description": "The environment of the cluster: its place in the CI promotion order.",
}


def project_files(
    clusters: list[SourceCluster],
    plain: dict[str, set[Path_]],
    environments: dict[str, str] | None = None,
) -> dict[str, str]:
    templates, values, schema = build(clusters, plain)
    for cid, env in (environments or {}).items():
        values[cid]["environment"] = env
    if environments:
        schema["properties"]["environment"] = ENVIRONMENT
        if len(environments) == len(clusters):
            schema["required"].append("environment")
    shared, own = layer(values)
    files = {"clustermgr.yaml": CONFIG, **templates}
    files["schemas/values.schema.json"] = json.dumps(schema, indent=2) + "\n"
    if shared:
        files["values/_defaults.yaml"] = (
            "# What the imported clusters share; each cluster's file sets what differs.\n"
            + dump(shared, sort_keys=False)
        )
    for c in clusters:
        files[f"values/{c.id}.yaml"] = f"# Imported from {c.display}\n" + dump(
            own[c.id], sort_keys=False
        )
    return files


def run(
    paths: list[Path], name_from: str, environment: str | None = None, rounds: int = 20
) -> ImportResult:
    """Import, then prove it: render every cluster from the project and diff it against its
    source; fields that do not come back exactly become plain values, and it goes again."""
    clusters = load(paths, name_from)
    envs = {c.id: env for c in clusters if (env := environment_of(c, environment))}
    plain: dict[str, set[Path_]] = {}
    problems: set[tuple[str, Path_]] = set()
    for attempt in range(1, rounds + 1):
        files = project_files(clusters, plain, envs)
        problems = _round_trip(clusters, files)
        if not problems:
            done = _summary(clusters, files, paths, attempt)
            return done._replace(without_environment=[c.id for c in clusters if c.id not in envs])
        for group, path in problems:
            plain.setdefault(group, set()).add(path)
    shown = "; ".join(f"{group}: {'.'.join(path)}" for group, path in sorted(problems))
    raise ClusterMgrError(f"the imported project does not reproduce its sources ({shown})")


def _round_trip(clusters: list[SourceCluster], files: dict[str, str]) -> set[tuple[str, Path_]]:
    """(group, top of path) of every field that does not render back to its source."""

    wrong: set[tuple[str, Path_]] = set()
    group_of = {
        (cid, str(doc["metadata"]["name"])): group
        for group, members in _groups(clusters)
        for cid, doc in members
    }
    with tempfile.TemporaryDirectory(prefix="clustermgr-import-") as tmp:
        write(Path(tmp), files, force=True)
        project = find_project(Path(tmp))
        renderer = project_renderer(project, RenderSettings())
        for c in clusters:
            values = cluster_values(project, project.cluster(c.id), Overrides())
            docs = []
            for item in renderer.render(values.data):
                docs += load_documents(item.text, item.template, cache=False)
            source: diff.Resources = {("Cluster", c.name): c.cluster}
            source |= {("InstanceGroup", str(d["metadata"]["name"])): d for d in c.groups}
            source |= diff.resources([_doc(d) for d in c.extra])
            for change in diff.compare(source, diff.resources(docs)):
                kind, _, name = change.resource.partition("/")
                top = tuple(p for p in change.path if isinstance(p, str))[:2] or ("spec",)
                if kind == "InstanceGroup" and (c.id, name) in group_of:
                    wrong.add((group_of[(c.id, name)], top))
                elif kind == "Cluster":
                    wrong.add(("Cluster", top))
                else:
                    raise ClusterMgrError(
                        f"{c.id}: {change.resource} {change.path_text()} does not round-trip"
                    )
    return wrong


def _doc(data: dict[str, Any]) -> Any:

    return Document(data, "", {})


def _summary(
    clusters: list[SourceCluster], files: dict[str, str], paths: list[Path], rounds: int
) -> ImportResult:

    template = sum(len(t.encode()) for n, t in files.items() if n.startswith("template/"))
    source_size = 0
    for path in paths:
        found = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
        source_size += sum(f.stat().st_size for f in found)
    per_cluster = {}
    for c in clusters:
        docs = load_documents(files[f"values/{c.id}.yaml"], "values", cache=False)
        per_cluster[c.id] = _leaves(docs[0].data) if docs and docs[0].data else 0
    return ImportResult(
        [c.id for c in clusters], files, template, source_size, per_cluster, rounds, []
    )


def _leaves(value: Any) -> int:
    if isinstance(value, dict) and value:
        return sum(_leaves(v) for v in value.values())
    if isinstance(value, list) and value:
        return sum(_leaves(v) for v in value)
    return 1


def write(root: Path, files: dict[str, str], force: bool) -> None:
    """Write the project below `root`; refuse to overwrite a file unless `force`."""

    existing = sorted(name for name in files if (root / name).exists())
    if existing and not force:
        more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
        raise UsageError(f"would overwrite {', '.join(existing[:3])}{more}: pass --force")
    for name, text in files.items():
        atomic_write(root / name, text)
