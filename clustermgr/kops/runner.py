"""Running the `kops` binary: each command announced before it runs, its output streamed as
text (bytes that are not UTF-8 replaced), only a bounded tail kept for the error message, a
timeout that ends a hung kops, and its failure turned into an error carrying that tail."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Mapping
from typing import IO

from clustermgr.errors import ClusterMgrError, UsageError

Output = Callable[[str], None]  # receives each line (and the announcement of each command)
TAIL_LINES = 20  # of stderr, in the error message
DEFAULT_TIMEOUT = 3600.0  # seconds; `--kops-timeout`


class KopsError(ClusterMgrError):
    """kops failed (or was stopped): its last lines of stderr are in the message, and kept
    as data (`tail`) for callers that must recognise one of kOps' own messages."""

    def __init__(self, message: str, code: int | None = None, tail: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code = code  # kops' exit code; None when it was stopped or never ran to the end
        self.tail = tail


def cluster_not_found(error: KopsError, cluster: str) -> bool:
    """Whether kops failed because the state store has no such cluster, as kOps itself says
    it: its client returns Kubernetes' NotFound for the Cluster resource, which cobra prints
    as `Error: Cluster.kops.k8s.io "NAME" not found` (kOps: pkg/client/simple/vfsclientset/
    cluster.go, ClusterVFS.Get: errors.NewNotFound(GroupResource{kops.k8s.io, Cluster})).
    Nothing else counts: a warning that happens to say "not found" is not this."""
    wanted = f'Error: Cluster.kops.k8s.io "{cluster}" not found'
    return error.code not in (None, 0) and any(line.strip() == wanted for line in error.tail)


def kops_path() -> str:
    return program_path("kops")


def program_path(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        if program == "kops":
            raise UsageError("kops is not on PATH: install kOps to apply or roll clusters")
        raise UsageError(f"{program} is not on PATH: the preview of an S3 state store needs it")
    return found


def command_line(args: list[str], program: str = "kops") -> str:
    return f"$ {program} " + " ".join(shlex.quote(a) for a in args)


def run(
    args: list[str],
    out: Output,
    err: Output,
    *,
    capture: int = 0,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
    announce: bool = True,
    program: str = "kops",
) -> str:
    """Run `kops ARGS` (or `program ARGS`), streaming stdout to `out` and stderr to `err`.
    With `capture` > 0, stdout is returned instead of shown (at most `capture` bytes; more is
    an error)."""
    command = [program_path(program), *args]
    if announce:
        out(command_line(args, program))
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=None if env is None else {**os.environ, **env},
        start_new_session=True,  # a timeout ends kops and whatever it started
    )
    assert process.stdout is not None and process.stderr is not None
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    kept: list[bytes] = []
    state = {"size": 0, "over": False}

    def keep(line: bytes) -> None:
        if state["size"] + len(line) > capture:
            state["over"] = True
            return
        state["size"] += len(line)
        kept.append(line)

    reader = threading.Thread(target=_pump, args=(process.stderr, err, tail.append), daemon=True)
    reader.start()
    fired = threading.Event()

    def expire() -> None:
        fired.set()
        _stop(process)

    timer = threading.Timer(timeout, expire)
    timer.start()
    try:
        if capture:
            for line in process.stdout:
                keep(line)
        else:
            _pump(process.stdout, out, None)
        code = process.wait()
    except BaseException:
        _stop(process)
        raise
    finally:
        timer.cancel()
        reader.join(timeout=5)
    name = " ".join(args[:2]) if len(args) > 1 and not args[1].startswith("-") else args[0]
    if code != 0:
        detail = "\n".join(tail).strip()
        reason = (
            f"was stopped after {timeout:g} s (--kops-timeout)"
            if fired.is_set()
            else f"failed with exit code {code}"
        )
        raise KopsError(
            f"{program} {name} {reason}" + (f":\n{detail}" if detail else ""),
            None if fired.is_set() else code,
            tuple(tail),
        )
    if state["over"]:
        raise KopsError(f"{program} {name} printed more than {capture:,} bytes")
    return b"".join(kept).decode("utf-8", errors="replace")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End kops and its children (it runs in its own session)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _pump(stream: IO[bytes], show: Output, keep: Callable[[str], None] | None) -> None:
    for raw in stream:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if len(line) > 10_000:
            line = line[:10_000] + " …"
        if keep is not None:
            keep(line)
        show(line)
