"""Splitting a fleet between parallel CI jobs (GitLab's `parallel:`)."""

from __future__ import annotations

import heapq
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
        if len(first) > 9 or len(second) > 9:
            raise ValueError
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
    if total > max(len(clusters), 1):
        raise UsageError(
            f"--shard {index}/{total}: more shards than the project has clusters ({len(clusters)})"
        )
    sizes = {name: sum(_size(p) for p in clusters[name].layers) for name in names}
    loads = [(0, i) for i in range(total)]  # (load, shard): the least-loaded shard first
    mine = []
    for name in sorted(names, key=lambda n: (-sizes[n], n)):
        load, target = heapq.heappop(loads)
        heapq.heappush(loads, (load + sizes[name] + 1, target))
        if target == index - 1:
            mine.append(name)
    return sorted(mine)


def _size(path: os.PathLike[str]) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
