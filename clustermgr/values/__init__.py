"""Values: layered files merged as kOps merges them, the `--set` grammar, the values schema.

- layers: `Values` (merged data plus the origin of every node) and the merge itself;
- setexpr: the `--set` / `--set-string` grammar;
- build: a cluster's values, the one function every command builds them with;
- schema: JSON Schema validation located in the layer that set the value (imports
  jsonschema, so it is not re-exported here).
"""

from clustermgr.values.build import Overrides, cluster_values
from clustermgr.values.layers import LayerCache, Origin, Values, build_values, expand_values_paths

__all__ = [
    "LayerCache",
    "Origin",
    "Overrides",
    "Values",
    "build_values",
    "cluster_values",
    "expand_values_paths",
]
