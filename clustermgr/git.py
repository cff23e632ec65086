"""The one way clustermgr asks git: refs are checked before use, failures are usage errors.

`what` names the option that needed git (`--changed-since`, `--against-ref`), so a failure
reads as a problem with that option.
"""

from __future__ import annotations

from pathlib import Path

from clustermgr.errors import UsageError


def run(root: Path, *args: str, what: str) -> str:
    """`git -C ROOT ARGS...`; its standard output, or a UsageError with git's message."""
    return _run(root, args, what).decode("utf-8", errors="replace")


def run_bytes(root: Path, *args: str, what: str) -> bytes:
    return _run(root, args, what)


def _run(root: Path, args: tuple[str, ...], what: str) -> bytes:
    import subprocess  # noqa: PLC0415  # only where git is asked: 2-3 ms of every start-up

    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError(f"{what} needs git on PATH") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", errors="replace").strip() or "git failed"
        if "not a git repository" in message:
            raise UsageError(f"{what} needs the project in a git repository: {root} is not in one")
        raise UsageError(f"{what}: {message}")
    return done.stdout


def commit(root: Path, ref: str, what: str) -> str:
    """The commit `ref` names. A ref that looks like an option is refused before git sees it
    (`--changed-since=--output=x` must not become an option of `git diff`)."""
    if not ref or ref.startswith("-"):
        raise UsageError(f"{what}: {ref!r} is not a git ref")
    try:
        found = run(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", what=what)
    except UsageError:
        found = ""
    if not found.strip():
        raise UsageError(f"{what}: unknown git ref {ref!r}")
    return found.strip()


def toplevel(root: Path, what: str) -> Path:
    return Path(run(root, "rev-parse", "--show-toplevel", what=what).strip()).resolve()


def changed_files(root: Path, ref: str, what: str) -> dict[Path, str]:
    """Files under `root` changed since `ref` (committed, staged or not, and untracked), with
    their status letter (A, M, D, ...)."""
    base = commit(root, ref, what)
    listed = run(root, "diff", "--name-status", "--no-renames", base, "--", ".", what=what)
    untracked = run(root, "ls-files", "--others", "--exclude-standard", "--", ".", what=what)
    top = toplevel(root, what)
    changed: dict[Path, str] = {}
    for line in listed.splitlines():
        status, _, name = line.partition("\t")
        changed[(top / name).resolve()] = status[:1]
    for name in untracked.splitlines():
        changed[(root / name).resolve()] = "A"
    return changed
