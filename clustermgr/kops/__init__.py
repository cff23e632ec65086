"""What clustermgr knows about kOps resources: their schemas and kOps' own validation rules."""

API_GROUP = "kops.k8s.io"
API_VERSIONS = ("kops.k8s.io/v1alpha2", "kops.k8s.io/v1alpha3")
REPLACEABLE_KINDS = ("Cluster", "InstanceGroup", "SSHCredential")  # what `kops replace` takes
CONTROL_PLANE_ROLES = ("Master", "ControlPlane")
IG_ROLES = ("Master", "ControlPlane", "APIServer", "Node", "Bastion")
NETWORKING_OPTIONS = frozenset(  # the keys of spec.networking that choose a CNI
    {"classic", "kubenet", "external", "cni", "kopeio", "weave", "flannel", "calico", "canal"}
    | {"kuberouter", "romana", "amazonvpc", "amazonVPC", "cilium", "lyftvpc", "gce", "kindnet"}
)
