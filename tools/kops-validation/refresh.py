"""Refresh the map of kOps' validation: every error site of `pkg/apis/kops/validation` at one
kOps release, listed by Go's own parser (sites.go), and clustermgr's answer to each.

    python tools/kops-validation/refresh.py KOPS_GIT_DIR [--release v1.37.0-alpha.1]

Writes docs/kops-validation/sites.json (the reference: never edited by hand) and adds every
new site to docs/kops-validation/coverage.json as "missing" (a site that is gone is
reported and dropped), then regenerates docs/kops-validation.md. Needs git and Go
(`GO111MODULE=off`, no module download).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))
from tests.kops_coverage import COVERAGE, SITES, render_table, site_ids  # noqa: E402

PACKAGE = "pkg/apis/kops/validation"


def extract(git_dir: str, release: str) -> tuple[str, list[dict[str, object]]]:
    commit = subprocess.run(
        ["git", "--git-dir", git_dir, "rev-parse", f"{release}^{{commit}}"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    archive = subprocess.run(
        ["git", "--git-dir", git_dir, "archive", commit, PACKAGE], check=True, capture_output=True
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        out = subprocess.run(
            ["go", "run", str(HERE / "sites.go"), str(Path(folder) / PACKAGE)],
            check=True, capture_output=True, text=True,
            env={**os.environ, "GO111MODULE": "off"},
        ).stdout  # fmt: skip
    return commit, json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("git_dir", help="a clone (or bare mirror) of kubernetes/kops")
    parser.add_argument("--release", default="v1.37.0-alpha.1")
    args = parser.parse_args()
    commit, sites = extract(args.git_dir, args.release)
    data = {"release": args.release, "commit": commit, "package": PACKAGE, "sites": sites}
    SITES.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    ids = site_ids(sites)
    old = json.loads(COVERAGE.read_text()) if COVERAGE.exists() else {}
    for gone in sorted(set(old) - set(ids)):
        print(f"gone from {args.release}: {gone} (was {old[gone]})")
    coverage = {i: old.get(i, "missing") for i in ids}
    COVERAGE.write_text(json.dumps(coverage, indent=0, ensure_ascii=False) + "\n")
    (REPO / "docs" / "kops-validation.md").write_text(render_table())
    print(f"{len(ids)} sites of {PACKAGE} at {args.release} ({commit[:12]})")


if __name__ == "__main__":
    main()
