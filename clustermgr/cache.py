"""The per-user cache: parsed YAML and reduced CRDs by content hash, check results in SQLite.

Caches are an optimisation and never an input: the folder must be owned by the user and
writable by nobody else (a folder that is not is ignored), every entry carries a digest of
its payload that is checked before it is decoded, and an entry that fails the check is a
miss. Entries hold plain data (marshal of dicts, lists and scalars), never code.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
from pathlib import Path
from typing import Any

_DIGEST = 32  # sha256 of the payload, in front of it
NOTICES: list[str] = []  # said once per run by the command line (the core never prints)


def cache_dir(kind: str) -> Path | None:
    """A per-user cache folder (CLUSTERMGR_CACHE_DIR, else $XDG_CACHE_HOME/clustermgr); None
    when caching is off (CLUSTERMGR_CACHE_DIR set empty), or the folder cannot be made or
    is not safely ours."""
    root = os.environ.get("CLUSTERMGR_CACHE_DIR")
    if root is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "clustermgr")
    if not root:
        return None
    folder = Path(root, kind)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        infos = [Path(root).stat(), folder.stat()]
    except OSError:
        return None
    if any(i.st_uid != os.geteuid() or i.st_mode & 0o022 for i in infos):
        notice = (
            f"cache folder {folder} is not yours alone (owner or group/world-writable): "
            "it is not used"
        )
        if notice not in NOTICES:
            NOTICES.append(notice)
        return None  # another user could plant entries here
    return folder


@functools.cache
def code_files() -> tuple[tuple[str, str], ...]:
    """clustermgr's own code and data as installed: (name inside the package, path), in a
    fixed order. A cached check result is keyed by their contents (fleet/store.py), so it is
    never served to code that would compute it otherwise, even at the same version number.
    (Parse caches keep their format tag: they are asked per file.)"""
    package = os.path.dirname(os.path.abspath(__file__))
    found = []
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".json")):
                path = os.path.join(folder, name)
                found.append((os.path.relpath(path, package), path))
    return tuple(found)


class ContentCache:
    """Values keyed by the content they were computed from (and a format tag that changes
    when the computation does)."""

    def __init__(self, kind: str, version: bytes) -> None:
        self.folder = cache_dir(kind)
        self.version = version

    def _entry(self, content: bytes) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / hashlib.sha256(self.version + content).hexdigest()

    def get(self, content: bytes) -> Any:
        """The stored value, or None for a miss, a damaged entry or caching turned off."""
        entry = self._entry(content)
        if entry is None:
            return None
        try:
            raw = entry.read_bytes()
        except OSError:
            return None
        payload = raw[_DIGEST:]
        if len(raw) < _DIGEST or hashlib.sha256(payload).digest() != raw[:_DIGEST]:
            return None
        try:
            return marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            return None

    def put(self, content: bytes, value: Any) -> None:
        entry = self._entry(content)
        if entry is None:
            return
        tmp = entry.with_name(f".{entry.name}.{os.getpid()}")
        try:
            payload = marshal.dumps(value)
            tmp.write_bytes(hashlib.sha256(payload).digest() + payload)
            os.replace(tmp, entry)
        except (OSError, ValueError):
            tmp.unlink(missing_ok=True)
