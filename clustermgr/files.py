"""File-system helpers: lexical directory walks and atomic writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from clustermgr import limits
from clustermgr.errors import ClusterMgrError, MissingFile, YAMLError
from clustermgr.problems import Location


def read_bytes(path: str | Path, display: str | None = None) -> bytes:
    """A regular file's content, at most `limits.file_bytes` of it. FIFOs, devices and
    folders are refused before they are read (a FIFO would block, /dev/zero never ends).

    Read with the os module: open (never blocking), fstat, one read of the size fstat gave,
    close; Python's buffered file adds a stat, a terminal test and a seek, and reads in 4 KB
    pieces (this runs several times per cluster)."""
    name = display or str(path)
    limit = limits.current().file_bytes
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise MissingFile("no such file", Location(name)) from None
    except IsADirectoryError:
        raise YAMLError("is a directory, not a file", Location(name)) from None
    except OSError as exc:
        raise YAMLError(f"cannot read: {exc.strerror}", Location(name)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise YAMLError("is a directory, not a file", Location(name))
        if not stat.S_ISREG(info.st_mode):
            raise YAMLError("not a regular file (a FIFO or a device?)", Location(name))
        if info.st_size > limit:
            raise YAMLError(_too_large(info.st_size, limit), Location(name))
        # a short read of a regular file is its end; a full one means it grew since fstat
        chunks = [os.read(fd, info.st_size + 1)]
        size = len(chunks[0])
        while size > info.st_size and size <= limit and chunks[-1]:
            chunks.append(os.read(fd, limit + 1 - size))
            size += len(chunks[-1])
    except OSError as exc:
        raise YAMLError(f"cannot read: {exc.strerror}", Location(name)) from None
    finally:
        os.close(fd)
    if size > limit:  # grew while we read it
        raise YAMLError(_too_large(size, limit), Location(name))
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _too_large(size: int, limit: int) -> str:
    return f"file too large: {size:,} bytes, more than limits.fileBytes ({limit:,})"


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
        if stat.S_ISREG(os.stat(path).st_mode) and path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    import tempfile  # noqa: PLC0415  # writers only: 3 ms of a warm check's start-up

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
