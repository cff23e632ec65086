"""Values: layered files merged as kOps merges them, the `--set` grammar, the values schema.

- layers: `Values` (merged data plus the origin of every node) and the merge itself;
- setexpr: the `--set` / `--set-string` grammar;
- build: a cluster's values, the one function every command builds them with;
- names: clusters by the name a person types (a file's name or a kOps name), and the rule
  that no two clusters share a kOps name;
- environments: a cluster's environment and the promotion order;
- schema: JSON Schema validation located in the layer that set the value (imports
  jsonschema, so it is not re-exported here).
"""

from clustermgr.values.build import Overrides, cluster_secrets, cluster_values
from clustermgr.values.environments import clusters_in, environment_of, promotion_order
from clustermgr.values.layers import LayerCache, Origin, Values, build_values, expand_values_paths
from clustermgr.values.names import (
    cluster_names,
    duplicate_names,
    find_cluster,
    kops_name,
    kops_names,
    plain_kops_name,
)

__all__ = [
    "LayerCache",
    "Origin",
    "Overrides",
    "Values",
    "build_values",
    "cluster_names",
    "cluster_secrets",
    "cluster_values",
    "clusters_in",
    "duplicate_names",
    "environment_of",
    "expand_values_paths",
    "find_cluster",
    "kops_name",
    "kops_names",
    "plain_kops_name",
    "promotion_order",
]
