"""What kOps will do with a cluster's changes, decided once (model.py) from the diff: the
changes counted, the groups rolled, kOps' refusals and the ordered kOps commands (steps.py)."""

from clustermgr.plan.model import (
    REFUSED_RULE,
    Plan,
    Reviewed,
    build,
    counted,
    of,
    refusal_problems,
    review,
    roles_of,
)
from clustermgr.plan.steps import RECORD, ROLL, Step

__all__ = [
    "RECORD",
    "REFUSED_RULE",
    "ROLL",
    "Plan",
    "Reviewed",
    "Step",
    "build",
    "counted",
    "of",
    "refusal_problems",
    "review",
    "roles_of",
]
