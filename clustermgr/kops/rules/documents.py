"""The shape of a manifest as `kops replace -f` reads it: mappings of kOps' API group and the
kinds it takes, each with a name, one Cluster. Documents that fail these rules are left out
of the structure and kOps rules (they would only repeat the same problem)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clustermgr.kops import API_GROUP, API_VERSIONS, REPLACEABLE_KINDS
from clustermgr.kops.rules.registry import Doc, Hit, Manifest, as_dict, rule
from clustermgr.problems import ERROR, WARNING

# Objects kOps takes beside its own: "additional objects", behind KOPS_FEATURE_FLAGS=ClusterAddons.
_WELL_KNOWN_EXTRA = {"KubeSchedulerConfiguration": "kubescheduler.config.k8s.io"}


def _spec(data: dict[str, Any]) -> dict[str, Any]:
    spec = data.get("spec")
    return spec if isinstance(spec, dict) else {}


def build(
    documents: list[Any], kops_version: tuple[int, int] | None = None, for_replace: bool = False
) -> Manifest:
    """The manifest of a stream of documents: which of them are kOps v1alpha2 resources."""
    kops = [
        Doc(str(data["kind"]), _name(data), data, position, _spec(data))
        for position, data in enumerate(documents)
        if _in_group(data)
        and data.get("apiVersion") not in _REFUSED_VERSIONS
        and data.get("kind") in REPLACEABLE_KINDS
    ]
    clusters = [d for d in kops if d.kind == "Cluster"]
    groups = [d for d in kops if d.kind == "InstanceGroup"]
    version = kops_version or (1, 37)
    return Manifest(
        documents, clusters[0] if clusters else None, groups, kops, version, for_replace
    )


# kOps decodes v1alpha3 too, but its fields and paths differ: clustermgr checks v1alpha2 only.
_REFUSED_VERSIONS = ("kops.k8s.io/v1alpha3",)


def _name(data: dict[str, Any]) -> str:
    name = as_dict(data.get("metadata")).get("name")
    return "" if name is None else str(name)


def _extra(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    kind, api = data.get("kind"), data.get("apiVersion")
    return (
        isinstance(kind, str)
        and kind in _WELL_KNOWN_EXTRA
        and str(api).startswith(_WELL_KNOWN_EXTRA[kind])
    )


def _in_group(data: Any) -> bool:
    """A mapping of kOps' API group (any version; `kops/` is kOps' own alias of the group)."""
    if not isinstance(data, dict) or _extra(data):
        return False
    api = data.get("apiVersion")
    return isinstance(api, str) and api.startswith((API_GROUP + "/", "kops/"))


@rule("document-empty", WARNING, "documents")
def document_empty(m: Manifest) -> Iterator[Hit]:
    """A document between `---` lines holds nothing."""
    for position, data in enumerate(m.documents):
        if data is None:
            yield Hit(
                position,
                (),
                "empty document: kOps cannot decode an empty part between `---` lines",
            )


@rule("document-not-mapping", ERROR, "documents")
def document_not_mapping(m: Manifest) -> Iterator[Hit]:
    """A document is a list or a scalar instead of a mapping."""
    for position, data in enumerate(m.documents):
        if data is not None and not isinstance(data, dict):
            yield Hit(position, (), "a document must be a mapping")


@rule("additional-object", WARNING, "documents")
def additional_object(m: Manifest) -> Iterator[Hit]:
    """A non-kOps object: kops create -f takes it as an additional object, kops replace never."""
    for position, data in enumerate(m.documents):
        if _extra(data) and m.for_replace:
            # kOps: cmd/kops/replace.go refuses any other kind ("unhandled kind")
            yield Hit(
                position,
                ("kind",),
                f"kops replace refuses {data['kind']} (unhandled kind): keep additional objects "
                "out of the manifest clustermgr replaces",
                ERROR,
            )
        elif _extra(data):
            yield Hit(
                position,
                ("kind",),
                f"{data['kind']} is not a kOps resource: kOps accepts it only as an additional "
                "object, with KOPS_FEATURE_FLAGS=ClusterAddons",
            )


@rule("api-version", ERROR, "documents")
def api_version(m: Manifest) -> Iterator[Hit]:
    """apiVersion is not one of kOps' (kops.k8s.io/v1alpha2, v1alpha3)."""
    for position, data in enumerate(m.documents):
        if not isinstance(data, dict) or _extra(data):
            continue
        api = data.get("apiVersion")
        if not _in_group(data):
            yield Hit(
                position,
                ("apiVersion",) if api else (),
                f"apiVersion must be {API_VERSIONS[0]}: kops replace would refuse "
                f"{api or 'a document without one'}",
            )
        elif api in _REFUSED_VERSIONS:
            yield Hit(
                position,
                ("apiVersion",),
                f"clustermgr checks {API_VERSIONS[0]} documents, not {api}: write v1alpha2 "
                "(kOps stores and prints v1alpha2; `kops get -o yaml` converts)",
            )
        elif api not in (*API_VERSIONS, "kops/v1alpha2"):
            yield Hit(
                position,
                ("apiVersion",),
                f"unsupported apiVersion {api!r}: use {' or '.join(API_VERSIONS)}",
            )


@rule("kind-unsupported", ERROR, "documents")
def kind_unsupported(m: Manifest) -> Iterator[Hit]:
    """A kind `kops replace` does not take (it takes Cluster, InstanceGroup, SSHCredential)."""
    for position, data in enumerate(m.documents):
        if _in_group(data) and data.get("kind") not in REPLACEABLE_KINDS:
            kind = data.get("kind")
            yield Hit(
                position,
                ("kind",) if kind else (),
                f"kops replace would refuse kind {kind!r}: it takes "
                + ", ".join(REPLACEABLE_KINDS),
            )


@rule("metadata-name", ERROR, "documents")
def metadata_name(m: Manifest) -> Iterator[Hit]:
    """A kOps resource without metadata.name."""
    for doc in m.kops:
        if not as_dict(doc.data.get("metadata")).get("name"):
            yield Hit(doc.position, ("metadata",), "Required value: metadata.name must be set")


@rule("cluster-multiple", ERROR)
def cluster_multiple(m: Manifest) -> Iterator[Hit]:
    """A manifest holds more than one Cluster."""
    clusters = [d for d in m.kops if d.kind == "Cluster"]
    if len(clusters) > 1:
        yield Hit(clusters[1].position, ("kind",), "a manifest holds one Cluster; found another")
