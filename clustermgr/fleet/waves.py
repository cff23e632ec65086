"""Upgrade waves: the order a deploy pipeline takes the fleet in, as GKE rollout sequencing
and Argo CD's progressive syncs do: the canary clusters first, alone; then each environment
in promotion order, in waves of at most `size` clusters; a soak time after each wave.

A pure function of the environments (in promotion order) and `ci.waves`: every cluster is in
exactly one wave, the canary wave comes first, no wave of an environment is larger than its
size, and an environment's waves all come before the next environment's.
"""

from __future__ import annotations

from typing import NamedTuple

from clustermgr.errors import ConfigError
from clustermgr.project.configuration import Waves

CANARY = "canary"

# [(environment, [(cluster, kOps cluster name), ...]), ...] in promotion order
Environments = list[tuple[str, list[tuple[str, str]]]]


class Member(NamedTuple):
    cluster: str
    kops_name: str
    environment: str


class Wave(NamedTuple):
    name: str  # names its stages: `canary`, the environment, or `ENV-N` of several
    members: tuple[Member, ...]
    soak: int  # minutes to wait after it before the next wave starts (0: none)


def plan(envs: Environments, settings: Waves) -> list[Wave]:
    """The waves, in order. Without `ci.waves`, one wave per environment and no soak."""
    canary = set(settings.canary)
    waves: list[Wave] = []
    first = [Member(c, k, env) for env, members in envs for c, k in members if c in canary]
    if first:
        waves.append(Wave(CANARY, tuple(first), settings.soak))
    for env, members in envs:
        rest = [Member(c, k, env) for c, k in members if c not in canary]
        if not rest:
            continue
        size = settings.size_of(env) or len(rest)
        chunks = [tuple(rest[i : i + size]) for i in range(0, len(rest), size)]
        for n, chunk in enumerate(chunks, 1):
            name = env if len(chunks) == 1 else f"{env}-{n}"
            waves.append(Wave(name, chunk, settings.soak_of(env)))
    if waves:  # nothing comes after the last wave to wait for
        waves[-1] = waves[-1]._replace(soak=0)
    names = [w.name for w in waves]
    clash = next((n for n in names if names.count(n) > 1), None)
    if clash is not None:
        raise ConfigError(
            f"two waves are named {clash!r} (an environment's name is also a wave's): "
            "rename the environment"
        )
    return waves
