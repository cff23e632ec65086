"""Reporters turn results into text for people, CI and GitLab; chosen by name.

The registry below is the one place that knows which reports exist: every `--format` takes its
choices from `formats(kind)`. A reporter is `(subject, ReportOptions) -> str` and lives in the
module named beside it, imported only when used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, NamedTuple


class ReportOptions(NamedTuple):
    command: str = ""  # names the report (JSON `command`, JUnit suites)
    noun: str = "cluster"  # what a group of problems is about: "cluster" or "file"
    color: bool = False
    strict: bool = False  # warnings fail (JUnit failures, exit code)
    show_origin: bool = False  # values: where each value was set
    verbosity: int = 0  # -q: -1 (problems and the summary), -v: 1 (every cluster)


Reporter = Callable[[Any, ReportOptions], str]

PROBLEMS = "problems"  # list[Group]: validate, lint
DIFFS = "diffs"  # list[plan.Reviewed]: diff, apply, set, promote
CHECK = "check"  # CheckReport: check
VALUES = "values"  # Values: values
CLUSTERS = "clusters"  # ClusterListing: list
RULES = "rules"  # list[Rule]: lint --list-rules
OUTDATED = "outdated"  # list[Status]: outdated
DRIFT = "drift"  # drift.Report: drift

_REGISTRY: dict[str, dict[str, str]] = {
    PROBLEMS: {
        "text": "problems:text",
        "parsable": "problems:parsable",
        "json": "problems:json_report",
        "junit": "junit:junit",
        "codequality": "problems:codequality",
    },
    DIFFS: {
        "text": "diffs:text",
        "unified": "diffs:unified",
        "markdown": "diffs:markdown",
        "json": "diffs:json_report",
    },
    CHECK: {"text": "check:text", "markdown": "check:markdown", "json": "check:json_report"},
    VALUES: {"yaml": "values:values_yaml", "json": "values:values_json"},
    CLUSTERS: {"text": "values:clusters_text", "json": "values:clusters_json"},
    RULES: {"text": "rules:rules_text", "json": "rules:rules_json"},
    OUTDATED: {
        "text": "outdated:text",
        "json": "outdated:json_report",
        "markdown": "outdated:markdown",
    },
    DRIFT: {"text": "drift:text", "json": "drift:json_report", "markdown": "drift:markdown"},
}


def formats(kind: str) -> list[str]:
    """The `--format` choices of a kind of report, the default first."""
    return list(_REGISTRY[kind])


def reporter(kind: str, fmt: str) -> Reporter:
    module, _, name = _REGISTRY[kind][fmt].partition(":")
    found: Reporter = getattr(importlib.import_module(f"clustermgr.reporters.{module}"), name)
    return found


def report(kind: str, fmt: str, subject: Any, options: ReportOptions) -> str:
    """`subject` as the report `fmt` of `kind` writes it."""
    return reporter(kind, fmt)(subject, options)
