"""Locations in user files and the exit codes every command shares."""

from __future__ import annotations

from typing import NamedTuple

EXIT_OK = 0
EXIT_PROBLEMS = 1  # the inputs have problems: bad YAML, template errors, bad --set
EXIT_USAGE = 2  # unknown option, unknown cluster, missing path
EXIT_INTERNAL = 3  # a bug in clustermgr


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
