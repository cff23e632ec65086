"""Splitting a fleet between parallel CI jobs (GitLab's `parallel:`)."""

from __future__ import annotations

import os

from clustermgr.errors import UsageError
from clustermgr.project import Project


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """`I/N` (1-based, as GitLab's CI_NODE_INDEX/CI_NODE_TOTAL)."""
    if text is None:
        node, nodes = os.environ.get("CI_NODE_INDEX"), os.environ.get("CI_NODE_TOTAL")
        if not (node and nodes):
            return None
        text = f"{node}/{nodes}"
    first, _, second = text.partition("/")
    try:
        index, total = int(first), int(second)
    except ValueError:
        raise UsageError(f"--shard {text!r}: expected I/N, e.g. 2/4") from None
    if not 1 <= index <= total:
        raise UsageError(f"--shard {text!r}: I must be between 1 and N")
    return index, total


def shard(project: Project, names: list[str], index: int, total: int) -> list[str]:
    """This shard's clusters: a deterministic split that balances the estimated work (values
    bytes), largest first onto the least-loaded shard; every cluster in exactly one shard."""
    clusters = project.clusters()

    def cost(name: str) -> int:
        return sum(p.stat().st_size for p in clusters[name].layers if p.exists())

    loads = [0] * total
    mine = []
    for name in sorted(names, key=lambda n: (-cost(n), n)):
        target = min(range(total), key=lambda i: (loads[i], i))
        loads[target] += cost(name) + 1
        if target == index - 1:
            mine.append(name)
    return sorted(mine)
