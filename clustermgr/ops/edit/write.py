"""Writing an edit so that it cannot half-happen: every file is checked against the bytes the
edit was computed from (someone else's change is refused, never overwritten), replaced
atomically through its real path (a symlink stays a symlink), with its mode, and with Ctrl-C
and SIGTERM held back until the last file is in place. Concurrent edits of one project take
turns through a lock on the project folder."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

from clustermgr.files import atomic_write
from clustermgr.ops.edit.plan import EditError, Plan
from clustermgr.project import Project


def write(project: Project, plan: Plan) -> list[str]:
    """Write every changed file; the files written, as shown."""
    with _locked(project.root), _signals_held():
        targets = {file: _real(project, file) for file in plan.changed}
        for file, target in targets.items():
            _check(project, file, target, plan.digests.get(file, ""))
        for file, (_, after) in plan.changed.items():
            atomic_write(targets[file], after)
    return [project.display(f) for f in plan.changed]


def _real(project: Project, file: Path) -> Path:
    """Where the bytes are: a symlink's target, which must be inside the project."""
    target = file.resolve() if file.is_symlink() else file
    if not project.inside(target):
        raise EditError(f"{project.display(file)} leads outside the project: nothing written")
    return target


def _check(project: Project, file: Path, target: Path, digest: str) -> None:
    shown = project.display(file)
    try:
        raw = target.read_bytes()
        mode = target.stat().st_mode
    except FileNotFoundError:
        raw, mode = b"", 0o644
    now = hashlib.sha256(raw).hexdigest() if raw else ""
    if now != digest:
        raise EditError(
            f"{shown} changed since this edit read it (another edit?): nothing written; "
            "run the command again to edit what it holds now"
        )
    if raw and not mode & stat.S_IWUSR:
        raise EditError(f"{shown} is read-only: nothing written")
    if not os.access(target.parent, os.W_OK):
        raise EditError(f"{project.display(target.parent)} is not writable: nothing written")


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the files are in place (SIGKILL cannot: each file is still
    either old or new, never half-written)."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError):  # not on this platform, or not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
