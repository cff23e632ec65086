"""Validation: the manifest lint, and the end-to-end validate of a project's clusters.

- lint: any kOps manifest as `kops replace` would see it (documents, structure, kOps' rules);
- validate: a cluster from its values files to its rendered, linted manifest.
"""

from clustermgr.validation.lint import CHECKS as LINT_CHECKS
from clustermgr.validation.lint import Linter, lint_paths, make_linter
from clustermgr.validation.validate import CHECKS, Checked, Validator, validate_clusters

__all__ = [
    "CHECKS",
    "LINT_CHECKS",
    "Checked",
    "Linter",
    "Validator",
    "lint_paths",
    "make_linter",
    "validate_clusters",
]
