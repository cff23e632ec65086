"""What clustermgr knows about kOps resources: their schemas and kOps' own validation rules."""

import os
import re

API_GROUP = "kops.k8s.io"
# The kOps whose rules apply when no kopsVersion is set: the one the built-in field catalogue
# was made from (kops/data/kops-fields.json records it; a test keeps the two equal).
NEWEST_KOPS = "1.37.0-alpha.1"
API_VERSIONS = ("kops.k8s.io/v1alpha2", "kops.k8s.io/v1alpha3")
REPLACEABLE_KINDS = ("Cluster", "InstanceGroup", "SSHCredential")  # what `kops replace` takes
CONTROL_PLANE_ROLES = ("Master", "ControlPlane")
IG_ROLES = ("Master", "ControlPlane", "APIServer", "Node", "Bastion")
NETWORKING_OPTIONS = frozenset(  # the keys of spec.networking that choose a CNI
    {"classic", "kubenet", "external", "cni", "kopeio", "weave", "flannel", "calico", "canal"}
    | {"kuberouter", "romana", "amazonvpc", "amazonVPC", "cilium", "lyftvpc", "gce", "kindnet"}
)


def valid_cluster_name(name: str) -> bool:
    """A DNS-1123 subdomain, as kOps requires of a cluster name (kOps:
    pkg/apis/kops/validation/validation.go, ValidateCluster: IsDNS1123Subdomain). Also what
    keeps a name from walking out of a state store folder (`../x` is not one)."""

    label = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    return len(name) <= 253 and re.fullmatch(rf"{label}(\.{label})*", name) is not None


def state_store_from_env() -> str | None:
    """The state store kOps itself would use: KOPS_STATE_STORE."""
    return os.environ.get("KOPS_STATE_STORE") or None
