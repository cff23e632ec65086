"""A small `aws` for tests: `aws s3 cp --recursive [--only-show-errors] [--exclude PATTERN]
s3://BUCKET/PREFIX/ DEST` copies $FAKE_S3_ROOT/BUCKET/PREFIX to DEST as the AWS CLI does (a
prefix with nothing under it copies nothing and succeeds). Every call goes to $FAKE_AWS_LOG."""

from __future__ import annotations

import fnmatch
import os
import shutil
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    log = os.environ.get("FAKE_AWS_LOG")
    if log:
        with open(log, "a") as handle:
            handle.write(" ".join(argv) + "\n")
    if argv[:3] != ["s3", "cp", "--recursive"]:
        sys.exit(f"fake aws: {' '.join(argv)} is not implemented")
    rest, excludes = argv[3:], []
    while rest[0].startswith("--"):
        if rest[0] == "--exclude":
            excludes.append(rest[1])
            rest = rest[2:]
        else:
            rest = rest[1:]
    source, dest = rest
    root = Path(os.environ["FAKE_S3_ROOT"]) / source.removeprefix("s3://")
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and not any(fnmatch.fnmatch(relative, e) for e in excludes):
            target = Path(dest) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)


if __name__ == "__main__":
    main(sys.argv[1:])
