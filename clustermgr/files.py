"""File-system helpers: lexical directory walks and atomic writes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from clustermgr.errors import ClusterMgrError
from clustermgr.problems import Location


def walk_files(root: Path) -> list[Path]:
    """Every regular file below `root`, recursively, in lexical path order; dotfiles skipped."""
    found = [
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    return sorted(found, key=lambda p: p.relative_to(root).parts)


def atomic_write(path: Path, text: str) -> bool:
    """Write through a temporary file in the same folder and rename it into place, so a reader
    (or a failed run) never sees a half-written file. A file that already holds `text` is left
    alone (its modification time too, for make-like tools); returns whether it was written."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ClusterMgrError(f"cannot write: {exc.strerror}", Location(str(path))) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        return True
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ClusterMgrError(f"cannot write: {exc.strerror}", Location(str(path))) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
