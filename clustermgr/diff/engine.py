"""A semantic diff of two kOps manifests: normalise, match, compare, weigh the impact.

Normalisation (both sides, `old` being what is applied, `new` the render):
- documents are matched by (kind, metadata.name);
- `metadata.creationTimestamp`, `metadata.generation` and clustermgr's own
  `clustermgr.k8s.io/*` annotations are never compared;
- `spec.configBase` and the InstanceGroup label `kops.k8s.io/cluster` are dropped from `old`
  when `new` lacks them (kOps fills them in);
- role `Master` reads as `ControlPlane`, and key `master` as `control-plane` in
  `additionalPolicies` and `externalPolicies` (kOps' rename);
- `iam.legacy: false` is the same as no `legacy`;
- defaults kOps' v1alpha2 decoder fills are dropped from `old` when `new` lacks them:
  `spec.topology.dns.type: Public`, `spec.authorization.rbac: {}`, `spec.api: {}`,
  `spec.api.dns: {}`, `spec.networking.flannel.backend: udp` (and the containers they leave
  empty);
- what kOps' PerformAssignments fills in on create (kops/assignments.py) is dropped from `old`
  when `new` lacks it: `etcdClusters[].manager.backupRetentionDays: 90`, `masterPublicName:
  api.<cluster>`, `networkCIDR`, `nonMasqueradeCIDR` (the default or the VPC's range), and
  subnet `cidr`s;
- an SSHCredential's `publicKey` is compared as `type base64` (no comment, no spacing);
- lists of mappings are matched by identity (see IDENTITY; else a unique name, key or id), so a
  reordering is no change; lists kOps treats as sets (SETS) are compared as sets.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any, NamedTuple

from clustermgr.diff.weigh import ADDED as ADDED
from clustermgr.diff.weigh import CHANGED as CHANGED
from clustermgr.diff.weigh import DOC_ADDED as DOC_ADDED
from clustermgr.diff.weigh import DOC_REMOVED as DOC_REMOVED
from clustermgr.diff.weigh import REMOVED as REMOVED
from clustermgr.diff.weigh import cross_flags, weigh
from clustermgr.kops import impact as impacts
from clustermgr.kops.assignments import unassign
from clustermgr.yamlio import Document, Match, Part, format_path

# Lists of mappings and the key that identifies their items (paths with [] for list items).
IDENTITY = {
    "spec.subnets": "name",
    "spec.etcdClusters": "name",
    "spec.etcdClusters[].etcdMembers": "name",
    "spec.hooks": "name",
    "spec.fileAssets": "name",
    "spec.additionalUserData": "name",
    "spec.volumes": "device",
    "spec.volumeMounts": "device",
    "spec.iam.serviceAccountExternalPermissions": "name",
}
SETS = {
    "spec.sshAccess",
    "spec.kubernetesApiAccess",
    "spec.nodePortAccess",
    "spec.additionalNetworkCIDRs",
    "spec.additionalSans",
    "spec.api.loadBalancer.additionalSecurityGroups",
    "spec.subnets",  # an InstanceGroup's subnets
    "spec.zones",
    "spec.additionalSecurityGroups",
    "spec.taints",
    "spec.mixedInstancesPolicy.instances",
}
_OWN = "clustermgr.k8s.io/"  # clustermgr's own records (last applied, its impact)
_DECODER_DEFAULTS: list[tuple[tuple[str, ...], Any]] = [
    (("spec", "topology", "dns", "type"), "Public"),
    (("spec", "topology", "dns"), {}),  # what is left once the default type is gone
    (("spec", "topology"), {}),
    (("spec", "authorization", "rbac"), {}),
    (("spec", "authorization"), {}),
    (("spec", "api", "dns"), {}),
    (("spec", "api"), {}),
]


class Change(NamedTuple):
    resource: str  # Kind/name
    path: tuple[Part, ...]
    type: str
    old: Any = None
    new: Any = None
    impact: str = impacts.NONE
    flags: tuple[str, ...] = ()
    why: str = ""
    ignored: bool = False
    source: str = ""  # the kOps file the impact rests on
    groups: tuple[str, ...] = ()  # the InstanceGroups a `roll IG` change rolls

    def path_text(self) -> str:
        return format_path(self.path)


def _pattern(path: tuple[Part, ...]) -> str:
    """The path with list items as [] (for the tables above)."""
    out = ""
    for part in path:
        out += "[]" if isinstance(part, (int, Match)) else (f".{part}" if out else part)
    return out


Resources = dict[tuple[str, str], dict[str, Any]]


def resources(docs: list[Document]) -> Resources:
    """Documents by (kind, name); empty documents skipped."""
    out: Resources = {}
    for doc in docs:
        data = doc.data
        if not isinstance(data, dict):
            continue
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        out[(str(data.get("kind", "")), str((meta or {}).get("name", "")))] = data
    return out


def compare(
    old: Resources,
    new: Resources,
    ignore: list[str] | None = None,
    list_keys: dict[str, str] | None = None,
) -> list[Change]:
    """Every change from `old` (applied) to `new` (rendered), in document then field order."""
    keys = {**IDENTITY, **(list_keys or {})}
    changes: list[Change] = []
    order = list(new) + [k for k in old if k not in new]
    for kind, name in sorted(order, key=lambda k: (k[0] != "Cluster", k[0], k[1])):
        resource = f"{kind}/{name}"
        if (kind, name) not in old:
            added = Change(resource, (), DOC_ADDED, None, new[(kind, name)])
            changes.append(weigh(added, kind, old, new))
            continue
        if (kind, name) not in new:
            gone = Change(resource, (), DOC_REMOVED, old[(kind, name)], None)
            changes.append(weigh(gone, kind, old, new))
            continue
        before, after = normalise(old[(kind, name)], new[(kind, name)])
        if before == after:  # the common case, and the cheap one
            continue
        for change in _walk(before, after, (), resource, keys):
            changes.append(weigh(change, kind, old, new))
    cross_flags(changes)
    rules = ignore or []
    return [c._replace(ignored=_ignored(c, rules)) for c in changes]


def normalise(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both documents with what kOps adds or rewrites taken out (module docstring). Only the
    containers on the way to an edit are copied: inputs are never modified."""
    old, new = _both_sides(old), _both_sides(new)
    if not _has(new, ("spec", "configBase")):
        old = _without(old, ("spec", "configBase"))
    label = ("metadata", "labels", "kops.k8s.io/cluster")
    if not _has(new, label):
        old = _without(old, label)
        if _get(old, ("metadata", "labels")) == {} and not _has(new, ("metadata", "labels")):
            old = _without(old, ("metadata", "labels"))
    if old.get("kind") == "Cluster":
        old = unassign(old, new)
        # the decoder defaults only a Cluster's spec (v1alpha2/defaults.go, SetDefaults_ClusterSpec)
        for path, default in _DECODER_DEFAULTS:
            if not _has(new, path) and _get(old, path, _MISSING) == default:
                old = _without(old, path)
    if old.get("kind") == "SSHCredential":
        old, new = _ssh_key(old), _ssh_key(new)
    return old, new


def _ssh_key(doc: dict[str, Any]) -> dict[str, Any]:
    """An SSH public key as `type base64`: the comment and the spacing are not the key."""
    key = _get(doc, ("spec", "publicKey"))
    if isinstance(key, str):
        return _with(doc, ("spec", "publicKey"), " ".join(key.split()[:2]))
    return doc


def _both_sides(doc: dict[str, Any]) -> dict[str, Any]:
    for key in ("creationTimestamp", "generation"):
        doc = _without(doc, ("metadata", key))
    annotations = _get(doc, ("metadata", "annotations"))
    if isinstance(annotations, dict) and any(k.startswith(_OWN) for k in annotations):
        kept = {k: v for k, v in annotations.items() if not k.startswith(_OWN)}
        doc = (
            _with(doc, ("metadata", "annotations"), kept)
            if kept
            else _without(doc, ("metadata", "annotations"))
        )
    if doc.get("metadata") == {}:
        doc = _without(doc, ("metadata",))
    if _get(doc, ("spec", "role")) == "Master":
        doc = _with(doc, ("spec", "role"), "ControlPlane")
    for key in ("additionalPolicies", "externalPolicies"):
        policies = _get(doc, ("spec", key))
        if isinstance(policies, dict) and "master" in policies:
            renamed = {("control-plane" if k == "master" else k): v for k, v in policies.items()}
            doc = _with(doc, ("spec", key), renamed)
    if _get(doc, ("spec", "iam", "legacy"), _MISSING) is False:
        doc = _without(doc, ("spec", "iam", "legacy"))
    return doc


def _has(data: Any, path: tuple[str, ...]) -> bool:
    return _get(data, path, _MISSING) is not _MISSING


_MISSING = object()


def _get(data: Any, path: tuple[str, ...], default: Any = None) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return default
        data = data[part]
    return data


def _with(data: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of `data` with `path` set; only the dicts along the path are copied."""
    copy = dict(data)
    if len(path) == 1:
        copy[path[0]] = value
    else:
        child = data.get(path[0])
        copy[path[0]] = _with(child if isinstance(child, dict) else {}, path[1:], value)
    return copy


def _without(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """A copy of `data` without `path` (itself when there is nothing to remove)."""
    if not _has(data, path):
        return data
    copy = dict(data)
    if len(path) == 1:
        del copy[path[0]]
    else:
        copy[path[0]] = _without(data[path[0]], path[1:])
    return copy


def _walk(
    old: Any, new: Any, path: tuple[Part, ...], resource: str, keys: dict[str, str]
) -> Iterator[Change]:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            sub = (*path, key)
            if key not in new:
                yield Change(resource, sub, REMOVED, old[key], None)
            elif key not in old:
                yield Change(resource, sub, ADDED, None, new[key])
            else:
                yield from _walk(old[key], new[key], sub, resource, keys)
        return
    if isinstance(old, list) and isinstance(new, list):
        yield from _walk_list(old, new, path, resource, keys)
        return
    yield Change(resource, path, CHANGED, old, new)


def _walk_list(
    old: list[Any], new: list[Any], path: tuple[Part, ...], resource: str, keys: dict[str, str]
) -> Iterator[Change]:
    pattern = _pattern(path)
    scalars = all(not isinstance(x, (dict, list)) for x in old + new)
    if scalars and pattern in SETS:
        for item in old:
            if item not in new:
                yield Change(resource, path, REMOVED, item, None)
        for item in new:
            if item not in old:
                yield Change(resource, path, ADDED, None, item)
        return
    key = keys.get(pattern) or _natural_key(old, new)
    if key and _keyed(old, key) and _keyed(new, key):
        before = {item[key]: item for item in old}
        after = {item[key]: item for item in new}
        for value in list(before) + [v for v in after if v not in before]:
            sub = (*path, Match(key, value))
            if value not in after:
                yield Change(resource, sub, REMOVED, before[value], None)
            elif value not in before:
                yield Change(resource, sub, ADDED, None, after[value])
            else:
                yield from _walk(before[value], after[value], sub, resource, keys)
        return
    # No identity: items equal on both sides pair off wherever they are (a reordering is no
    # change); the rest pair by position among themselves.
    unmatched_old = list(range(len(old)))
    unmatched_new = []
    for j, item in enumerate(new):
        i = next((i for i in unmatched_old if old[i] == item), None)
        if i is None:
            unmatched_new.append(j)
        else:
            unmatched_old.remove(i)
    for i, j in zip(unmatched_old, unmatched_new, strict=False):
        yield from _walk(old[i], new[j], (*path, j), resource, keys)
    for i in unmatched_old[len(unmatched_new) :]:
        yield Change(resource, (*path, i), REMOVED, old[i], None)
    for j in unmatched_new[len(unmatched_old) :]:
        yield Change(resource, (*path, j), ADDED, None, new[j])


def _natural_key(old: list[Any], new: list[Any]) -> str:
    for key in ("name", "key", "id"):
        if _keyed(old, key) and _keyed(new, key):
            return key
    return ""


def _keyed(items: list[Any], key: str) -> bool:
    if not all(isinstance(x, dict) and isinstance(x.get(key), (str, int)) for x in items):
        return False
    values = [x[key] for x in items]
    return len(values) == len(set(values))


def _ignored(change: Change, rules: list[str]) -> bool:
    """`Kind/name:path` globs, e.g. `InstanceGroup/*:spec.image`; a rule on a path covers
    everything below it."""
    path = change.path_text()
    for rule in rules:
        target, _, field = rule.partition(":")
        if not fnmatch.fnmatchcase(change.resource, target or "*"):
            continue
        if (
            not field
            or fnmatch.fnmatchcase(path, field)
            or path.startswith(field + ".")
            or (path.startswith(field + "["))
        ):
            return True
    return False


def canonical(value: Any, path: tuple[Part, ...] = ()) -> Any:
    """Lists of mappings sorted by their identity and set-like lists sorted, as the comparison
    sees them: for the unified view."""
    if isinstance(value, dict):
        return {k: canonical(v, (*path, k)) for k, v in value.items()}
    if not isinstance(value, list):
        return value
    items = [canonical(v, (*path, 0)) for v in value]
    pattern = _pattern(path)
    if pattern in SETS and all(not isinstance(x, (dict, list)) for x in items):
        return sorted(items, key=str)
    key = IDENTITY.get(pattern) or _natural_key(items, items)
    if key and _keyed(items, key):
        return sorted(items, key=lambda x: str(x[key]))
    return items
