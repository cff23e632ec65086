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

from clustermgr.ops.importer.project import ImportResult, environment_of, run, write
from clustermgr.ops.importer.sources import SourceCluster, load

__all__ = ["ImportResult", "SourceCluster", "environment_of", "load", "run", "write"]
