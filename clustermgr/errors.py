"""The one error hierarchy: every failure a user can cause is a ClusterMgrError."""

from __future__ import annotations

from clustermgr.problems import EXIT_PROBLEMS, EXIT_USAGE, Location


class ClusterMgrError(Exception):
    """A failure that stops the command; `location` points at the user's file when known."""

    exit_code = EXIT_PROBLEMS

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class UsageError(ClusterMgrError):
    """The command line asks for something that does not exist (cluster, path, option)."""

    exit_code = EXIT_USAGE


class YAMLError(ClusterMgrError):
    """A YAML file that cannot be read: syntax, duplicate keys, wrong top level."""


class MissingFile(YAMLError):
    """A file that is not there (some readers take that as empty, without a stat first)."""


class ValuesError(ClusterMgrError):
    """Values that cannot be merged or a --set/--set-string expression that does not parse."""


class TemplateError(ClusterMgrError):
    """A template that does not compile or render."""


class ChannelError(ClusterMgrError):
    """A channel file that cannot be read, or a lookup it cannot answer."""


class ConfigError(ClusterMgrError):
    """A clustermgr.yaml that is not valid."""


class DiffError(ClusterMgrError):
    """`diff` could not compare: like diff(1), trouble is 2 and differences are 1."""

    exit_code = EXIT_USAGE


class MultipleErrors(ClusterMgrError):
    """Several independent failures (one per cluster), reported together."""

    def __init__(self, errors: list[ClusterMgrError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors
        self.exit_code = max(e.exit_code for e in errors)
