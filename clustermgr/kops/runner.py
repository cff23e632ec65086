"""Running the `kops` binary: each command announced before it runs, its output streamed, its
failure turned into an error carrying the end of kOps' stderr."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable
from typing import IO

from clustermgr.errors import ClusterMgrError, UsageError

Output = Callable[[str], None]  # receives each line (and the announcement of each command)


def kops_path() -> str:
    found = shutil.which("kops")
    if found is None:
        raise UsageError("kops is not on PATH: install kOps to apply or roll clusters")
    return found


def run(args: list[str], out: Output, err: Output) -> str:
    """Run `kops ARGS`; stream stdout to `out` and stderr to `err`; return stdout."""
    command = [kops_path(), *args]
    out("$ kops " + " ".join(_quote(a) for a in args))
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
    )
    stdout: list[str] = []
    stderr: list[str] = []
    assert process.stdout is not None and process.stderr is not None
    reader = threading.Thread(target=_pump, args=(process.stderr, stderr, err))
    reader.start()
    _pump(process.stdout, stdout, out)
    reader.join()
    code = process.wait()
    if code != 0:
        tail = "\n".join(line.rstrip("\n") for line in stderr[-10:]).strip()
        detail = f":\n{tail}" if tail else ""
        raise ClusterMgrError(
            f"kops {args[0]} {args[1] if len(args) > 1 else ''}".rstrip()
            + f" failed with exit code {code}{detail}"
        )
    return "".join(stdout)


def _pump(stream: IO[str], keep: list[str], show: Output) -> None:
    for line in stream:
        keep.append(line)
        show(line.rstrip("\n"))


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)
