"""What every reporter shares: the palette, plurals, how a problem and a change are shown,
and cutting a merge-request note to GitLab's limit without leaving anything open."""

from __future__ import annotations

import difflib
from typing import Any

from clustermgr.diff.engine import ADDED, CHANGED, DOC_ADDED, DOC_REMOVED, REMOVED, Change
from clustermgr.kops.impact import ROLL_IG
from clustermgr.problems import Problem
from clustermgr.text import count as count  # re-exported for the reporters
from clustermgr.text import cut_note as cut_note
from clustermgr.yamlio import dump, scalar


class Palette:
    """ANSI colours, or nothing: one switch for every coloured report."""

    RED, GREEN, YELLOW, DIM, BOLD = "\033[31m", "\033[32m", "\033[33m", "\033[2m", "\033[1m"
    RESET = "\033[0m"

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, code: str, text: str) -> str:
        return f"{code}{text}{self.RESET}" if self.enabled else text


def describe(problem: Problem, at_origin: bool = False) -> str:
    """The message, prefixed with the document and field when the location cannot show them,
    and with the other of its two places (values line, template line) when it has both:
    `at_origin` reports are placed at the values line (placed())."""
    message = problem.message
    if problem.origin is not None:
        other = problem.location if at_origin else problem.origin
        message += f" ({'written at' if at_origin else 'value set at'} {other})"
    if problem.source and (problem.document or problem.path):
        where = " ".join(x for x in (problem.document, problem.path) if x)
        return f"{where}: {message}"
    return message


def affected(names: tuple[str, ...], most: int = 5) -> str:
    """`4 clusters: a, b, c, d` (the first `most` names, then how many more)."""
    shown = ", ".join(names[:most])
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return f"{count(len(names), 'cluster')}: {shown}{more}"


def impact_words(change: Change) -> str:
    """`roll IG nodes, destructive`: the impact of one change with its flags."""
    impact = change.impact
    if impact == ROLL_IG:
        impact = f"roll IG {', '.join(change.groups) or change.resource.split('/', 1)[1]}"
    return ", ".join([impact, *change.flags])


def change_lines(change: Change) -> list[tuple[str, str]]:
    """(sign, text) lines showing a change: `-` old, `+` new; multi-line text diffed by line."""
    old, new = change.old, change.new
    if (
        change.type == CHANGED
        and isinstance(old, str)
        and isinstance(new, str)
        and ("\n" in old or "\n" in new)
    ):
        diffed = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2)
        return [(line[:1], line[1:]) for line in list(diffed)[2:] if not line.startswith("@@")]
    out: list[tuple[str, str]] = []
    if change.type in (REMOVED, CHANGED, DOC_REMOVED):
        out += [("-", line) for line in _show(old)]
    if change.type in (ADDED, CHANGED, DOC_ADDED):
        out += [("+", line) for line in _show(new)]
    return out


def _show(value: Any) -> list[str]:
    if isinstance(value, (dict, list)) and value:
        return dump(value).rstrip("\n").split("\n")
    if isinstance(value, str) and "\n" in value:
        return value.rstrip("\n").split("\n")
    return [scalar(value)]
