"""What checking one cluster produces, and the headline numbers of a whole check."""

from __future__ import annotations

from typing import NamedTuple

from clustermgr.diff.applied import Against
from clustermgr.diff.engine import Change
from clustermgr.plan import Plan
from clustermgr.problems import (
    ERROR,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_PROBLEMS,
    VALIDATE_CHECKS,
    WARNING,
    Group,
    Problem,
)
from clustermgr.values import Overrides


class CheckRequest(NamedTuple):
    """Everything besides the project that decides a check's result."""

    overrides: Overrides = Overrides()
    against: Against = Against()
    ignore: tuple[str, ...] = ()
    kops_crds: str | None = None
    show_secrets: bool = False


class ClusterResult(NamedTuple):
    name: str
    problems: list[Problem]
    changes: list[Change] | None  # None: nothing to compare with
    plan: Plan | None  # None: nothing to compare with
    cached: bool = False
    kops_name: str | None = None  # from the values the check built; None: not known

    def group(self) -> Group:
        """The problems as validate reports them: one JUnit test case per check (the diff
        too, where it ran or failed to)."""
        compared = self.plan is not None or any(p.check == "diff" for p in self.problems)
        checks = VALIDATE_CHECKS
        return Group(self.name, self.problems, (*checks, "diff") if compared else checks)

    def valid(self) -> bool:
        return not any(p.level == ERROR for p in self.problems)


class FleetCounts(NamedTuple):
    checked: int
    invalid: int
    warnings: int
    changed: int
    to_roll: int
    risky: int
    cached: int
    blocked: int = 0


def counts(results: list[ClusterResult]) -> FleetCounts:
    """The headline numbers of a check."""
    summaries = [r.plan for r in results if r.plan is not None]
    return FleetCounts(
        checked=len(results),
        invalid=sum(not r.valid() for r in results),
        warnings=sum(p.level == WARNING for r in results for p in r.problems),
        changed=sum(bool(s.changes) for s in summaries),
        to_roll=sum(s.impact not in ("none", "update") for s in summaries),
        risky=sum(bool(s.flags) for s in summaries),
        blocked=sum(s.blocked for s in summaries),
        cached=sum(r.cached for r in results),
    )


FAIL_ON = ("changes", "refused", "destructive")
INTERNAL_ERROR = "internal-error"  # the rule of a cluster clustermgr itself failed on


def exit_code(results: list[ClusterResult], fail_on: tuple[str, ...] = ()) -> int:
    """3 when clustermgr failed on a cluster, 1 when the check fails, else 0."""

    if any(p.rule == INTERNAL_ERROR for r in results for p in r.problems):
        return EXIT_INTERNAL
    return EXIT_PROBLEMS if failed(results, fail_on) else EXIT_OK


def failed(results: list[ClusterResult], fail_on: tuple[str, ...] = ()) -> bool:
    """Whether a check fails: an invalid cluster, a plan kOps refuses (blocked), or a
    difference of a `--fail-on` kind."""
    if any(not r.valid() for r in results):
        return True
    for r in results:
        s = r.plan
        if s is None:
            continue
        if s.blocked:
            return True
        if any((kind == "changes" and s.changes) or kind in s.flags for kind in fail_on):
            return True
    return False
