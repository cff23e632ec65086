"""kOps' own validation, offline: the checks `kops replace` and `kops update cluster` would
make, and a few they miss. One function per rule id, in modules by subject; RULES is the table
(`clustermgr lint --list-rules`). Messages follow kOps' wording where kOps has one.
"""

from clustermgr.kops.rules import (  # register rules
    access,
    addons,
    apilb,
    cluster,
    cni,
    components,
    documents,
    groups,
    igspec,
    network,
)
from clustermgr.kops.rules.documents import build
from clustermgr.kops.rules.registry import (
    RULES,
    Doc,
    Finding,
    Hit,
    Manifest,
    Rule,
    readme_table,
    register,
    rule,
    run,
    table,
)
from clustermgr.problems import ERROR, WARNING

# Found while reading a file, and by the structure walker (kops/structure.py).
register("yaml", ERROR, "yaml", "The file is not valid YAML (syntax, duplicate keys, bounds).")
register("yaml11", WARNING, "yaml", "A plain scalar that YAML 1.1 (kOps) reads as a non-string.")
register("field-type", ERROR, "structure", "A field of the wrong type for the kOps API.")
register("field-value", ERROR, "structure", "A value outside the field's allowed values.")
register("field-format", ERROR, "structure", "A string that does not match the field's pattern.")
register("field-required", ERROR, "structure", "A field the kOps API requires is missing.")
register("unknown-field", WARNING, "structure", "A field kOps does not know (and would drop).")

__all__ = [
    "RULES",
    "Doc",
    "Finding",
    "Hit",
    "Manifest",
    "Rule",
    "access",
    "addons",
    "apilb",
    "build",
    "cluster",
    "cni",
    "components",
    "documents",
    "groups",
    "igspec",
    "network",
    "readme_table",
    "register",
    "rule",
    "run",
    "table",
]
