"""Reporters turn groups of problems into text for people, CI and GitLab; chosen by name.

REPORTERS is the one registry: `--format` takes its choices from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from clustermgr.problems import Group


class Options(NamedTuple):
    command: str  # "validate" or "lint": names the report
    color: bool = False
    strict: bool = False  # warnings fail (JUnit failures, exit code)


Reporter = Callable[[list[Group], Options], str]


def _text(groups: list[Group], options: Options) -> str:
    from clustermgr.reporters.text import text

    return text(groups, options)


def _parsable(groups: list[Group], options: Options) -> str:
    from clustermgr.reporters.text import parsable

    return parsable(groups, options)


def _json(groups: list[Group], options: Options) -> str:
    from clustermgr.reporters.data import json_report

    return json_report(groups, options)


def _codequality(groups: list[Group], options: Options) -> str:
    from clustermgr.reporters.data import codequality

    return codequality(groups, options)


def _junit(groups: list[Group], options: Options) -> str:
    from clustermgr.reporters.junit import junit

    return junit(groups, options)


REPORTERS: dict[str, Reporter] = {
    "text": _text,
    "parsable": _parsable,
    "json": _json,
    "junit": _junit,
    "codequality": _codequality,
}
