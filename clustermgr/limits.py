"""Bounds on every input, so that a hostile merge request costs an error, not the runner.

Each limit has a default that no real fleet reaches and can be changed in clustermgr.yaml
(`limits:`, docs/security.md). A run has one project, so the limits in force are
process-wide: the project sets them when it is loaded.
"""

from __future__ import annotations

from typing import NamedTuple

from clustermgr.errors import TemplateError
from clustermgr.problems import Location


class Limits(NamedTuple):
    file_bytes: int = 10_000_000  # any file read: values, templates, manifests, CRDs, snapshots
    depth: int = 100  # nesting of YAML documents and of `--set` keys and indexes
    set_index: int = 1_000  # `--set a[N]=v`: kOps has no cap, Helm 65536; no cluster needs more
    template_bytes: int = 1_000_000  # one template or snippet (Jinja2 or Go): compiled in memory
    template_actions: int = 20_000  # `{{ }}` and `{% %}` tags in one template or snippet
    render_bytes: int = 10_000_000  # one cluster's rendered output
    render_seconds: float = 60.0  # one cluster's render
    run_seconds: float = 3600.0  # every render of one run together
    jobs: int = 64  # `check --jobs`


# The names used in clustermgr.yaml, in the order docs/security.md lists them.
SETTINGS = {
    "fileBytes": "file_bytes",
    "depth": "depth",
    "setIndex": "set_index",
    "templateBytes": "template_bytes",
    "templateActions": "template_actions",
    "renderBytes": "render_bytes",
    "renderSeconds": "render_seconds",
    "runSeconds": "run_seconds",
    "jobs": "jobs",
}

_current = Limits()


def current() -> Limits:
    return _current


def use(limits: Limits) -> None:
    """Put `limits` in force for this process (the project does, when loaded)."""
    global _current
    _current = limits


def check_template(text: str, display: str, opening: tuple[str, ...] = ("{{", "{%")) -> None:
    """A template's size and number of tags, checked before it is compiled: compiling costs
    time and memory in proportion to both (hundreds of thousands of tags take minutes and
    gigabytes), and no real template comes near the limits."""
    bounds = current()
    if len(text) > bounds.template_bytes:
        raise TemplateError(
            f"the template is larger than limits.templateBytes ({bounds.template_bytes:,} "
            "characters)",
            Location(display),
        )
    actions = sum(text.count(tag) for tag in opening)
    if actions > bounds.template_actions:
        raise TemplateError(
            f"the template has {actions:,} tags, more than limits.templateActions "
            f"({bounds.template_actions:,})",
            Location(display),
        )
