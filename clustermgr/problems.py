"""Locations in user files and the exit codes every command shares."""

from __future__ import annotations

from typing import NamedTuple

EXIT_OK = 0
EXIT_PROBLEMS = 1  # the inputs have problems: bad YAML, template errors, bad --set
EXIT_USAGE = 2  # unknown option, unknown cluster, missing path
EXIT_INTERNAL = 3  # a bug in clustermgr

# The one table of exit codes: docs/exit-codes.md is generated from it, and a test runs each
# row's example on the example project (code, meaning, an example that exits so).
EXIT_TABLE: tuple[tuple[int, str, str], ...] = (
    (EXIT_OK, "success", "validate --all"),
    (
        EXIT_PROBLEMS,
        "the inputs have problems (bad YAML, duplicate keys, schema or template errors, a bad "
        "`--set`), a check fails, a plan kOps refuses (blocked), or `diff --exit-code` finds "
        "differences",
        "validate staging-eu1 --set nodeGroups.nodes.maxSize=many",
    ),
    (
        EXIT_USAGE,
        "usage errors: an unknown option or cluster, a missing file, folder, state store or git "
        "ref, not a clustermgr project; `diff` exits 2 for any trouble reading its inputs",
        "render no-such-cluster",
    ),
    (
        EXIT_INTERNAL,
        "an internal error in clustermgr (a short note; `--debug` shows the traceback)",
        "",
    ),
)


def exit_table() -> str:
    """docs/exit-codes.md's table."""
    rows = ["| code | meaning | for example |", "| --- | --- | --- |"]
    for code, meaning, example in EXIT_TABLE:
        shown = f"`clustermgr {example}`" if example else "—"
        rows.append(f"| {code} | {meaning} | {shown} |")
    return "\n".join(rows) + "\n"


class Location(NamedTuple):
    """A place in a file (1-based line and column); line 0 means the whole file."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        if not self.col:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.col}"


ERROR = "error"
WARNING = "warning"
LEVELS = (ERROR, WARNING)


class Problem(NamedTuple):
    """One finding: what is wrong, how bad, which rule, and where a person fixes it."""

    level: str  # ERROR or WARNING
    rule: str  # a stable id, e.g. "schema", "ig-subnet-unknown"
    message: str
    location: Location | None = None
    path: str = ""  # the field inside the document or values, e.g. spec.subnets[0].cidr
    document: str = ""  # Kind/name of the manifest document, when there is one
    source: str = ""  # the template that produced the document (validate)
    check: str = ""  # the stage that found it: yaml, values, render, kinds, structure, rules
    # For a rendered field: the values line that set its value, when clustermgr can tell; the
    # place a reviewer changes (location stays the template line that wrote the field).
    origin: Location | None = None

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        loc = self.location or Location("")
        return (loc.file, loc.line, loc.col, LEVELS.index(self.level), self.rule, self.message)


def placed(problem: Problem) -> Location | None:
    """Where a merge-request annotation goes: the values line behind a value, else the
    problem's own location."""
    return problem.origin or problem.location


# The checks a report lists for each file (lint) and each cluster (validate), in order: every
# one is a JUnit test case whether it fails or not.
LINT_CHECKS = ("yaml", "documents", "structure", "rules")
VALIDATE_CHECKS = ("yaml", "values", "render", "documents", "structure", "rules")


class Group(NamedTuple):
    """The problems of one cluster (validate) or one file (lint), with the checks that ran."""

    name: str
    problems: list[Problem]
    checks: tuple[str, ...]  # every check that ran, failing or not (JUnit test cases)

    def errors(self) -> int:
        return sum(p.level == ERROR for p in self.problems)

    def warnings(self) -> int:
        return sum(p.level == WARNING for p in self.problems)


class Shared(NamedTuple):
    """A problem found, word for word at the same place, in several groups."""

    problem: Problem
    groups: tuple[str, ...]


def fold(groups: list[Group]) -> tuple[list[Group], list[Shared]]:
    """Report each problem once: those found identically (same place, rule and words) in more
    than one group, with the groups they affect; and the groups with their own problems left.
    A bad line in a shared layer is one problem for a thousand clusters, not a thousand."""
    seen: dict[Problem, list[str]] = {}
    for group in groups:
        for p in dict.fromkeys(group.problems):
            if placed(p) is not None:
                seen.setdefault(p, []).append(group.name)
    shared = {p: names for p, names in seen.items() if len(names) > 1}
    own = [g._replace(problems=[p for p in g.problems if p not in shared]) for g in groups]
    folded = [Shared(p, tuple(names)) for p, names in shared.items()]
    return own, sorted(folded, key=lambda s: s.problem.sort_key())


def exit_code(groups: list[Group], strict: bool) -> int:
    """0 when nothing failed; 1 on errors, or on warnings too with --strict."""
    failing = sum(g.errors() + (g.warnings() if strict else 0) for g in groups)
    return EXIT_PROBLEMS if failing else EXIT_OK
