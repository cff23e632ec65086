"""The pinned install of clustermgr in CI: a requirements file with exact versions and hashes.

Deploy jobs hold the fleet's cloud credentials, so what they install must be what the team
chose, byte for byte: `pip install --require-hashes --no-deps -r ci/requirements.lock`
installs exactly the files locked here and nothing else (pip refuses a file whose hash
differs, and a package the file does not name). The lock is made from a folder of wheels the
team trusts, typically `pip download clustermgr==X --dest wheels/` from their own index (pip
resolves the dependencies for the job's Python), or clustermgr's own `python -m build`.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

from clustermgr.errors import UsageError
from clustermgr.problems import Location

LOCK = Path("ci") / "requirements.lock"
# PEP 427: {distribution}-{version}(-{build tag})?-{python}-{abi}-{platform}.whl
_WHEEL = re.compile(r"(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl")


class Pin:
    """One locked distribution: its normalised name, version and the hashes of its files."""

    def __init__(self, name: str, version: str) -> None:
        self.name, self.version, self.hashes = name, version, set[str]()

    def line(self) -> str:
        hashes = "".join(f" \\\n    --hash=sha256:{h}" for h in sorted(self.hashes))
        return f"{self.name}=={self.version}{hashes}"


def normalise(name: str) -> str:
    """PEP 503's normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lock(wheels: Path) -> str:
    """The lock file for every wheel in `wheels` (one of them clustermgr's)."""
    if not wheels.is_dir():
        raise UsageError(f"{wheels}: no such folder of wheels")
    pins: dict[tuple[str, str], Pin] = {}
    for path in sorted(wheels.iterdir()):
        if path.suffix == ".whl":
            found = _WHEEL.fullmatch(path.name)
            if found is None:
                raise UsageError(f"not a wheel file name: {path.name}", Location(str(path)))
            _check_wheel(path)
            name, version = normalise(found["name"]), found["version"]
            pin = pins.setdefault((name, version), Pin(name, version))
            pin.hashes.add(hashlib.sha256(path.read_bytes()).hexdigest())
    names = [name for name, _ in pins]
    if "clustermgr" not in names:
        raise UsageError(
            f"{wheels}: no clustermgr wheel (download it with its dependencies: "
            "pip download clustermgr==VERSION --dest DIR)"
        )
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"{wheels}: several versions of {', '.join(twice)}: keep one of each")
    header = (
        "# clustermgr and its dependencies, pinned by hash: what CI jobs install\n"
        "# (`pip install --require-hashes --no-deps -r ci/requirements.lock`).\n"
        "# Written by `clustermgr ci lock`; run it again to upgrade.\n"
    )
    return header + "".join(pin.line() + "\n" for pin in sorted(pins.values(), key=_key))


def _key(pin: Pin) -> str:
    return pin.name


def _check_wheel(path: Path) -> None:
    """A wheel is a zip with a dist-info folder; anything else is refused before it is
    hashed (a renamed file is not what it claims to be)."""
    try:
        with zipfile.ZipFile(path) as archive:
            ok = any(n.split("/", 1)[0].endswith(".dist-info") for n in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        ok = False
    if not ok:
        raise UsageError(f"not a wheel: {path.name}", Location(str(path)))
