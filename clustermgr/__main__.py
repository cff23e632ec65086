"""The `clustermgr` command and `python -m clustermgr`: one process, one command."""

from __future__ import annotations

import contextlib
import gc
import sys
from typing import NoReturn


def main() -> NoReturn:
    # Loading the command line allocates some 100,000 objects and frees almost none, so the
    # collector sweeps them for nothing while they load, and once more as the interpreter
    # exits: about 15 ms of a one-cluster `render`. It stays off while they load; what is
    # alive then is frozen (never swept again), and so is what is alive at the end. A
    # command's own objects (template nodes, parsed values) are young and mostly freed by
    # reference counting: the youngest generation is swept every 10,000 allocations, not 700.
    gc.disable()
    from clustermgr import cli  # noqa: PLC0415  # after the collector is off

    with contextlib.suppress(Exception):  # met again, and reported, where click loads it
        cli.load_command(sys.argv[1:])
    gc.freeze()
    gc.enable()
    gc.set_threshold(10_000, 10, 10)
    try:
        cli.main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    main()
