"""Benchmark: `validate --all` on the synthetic fleet of render_bench.py.

    python bench/validate_bench.py [--clusters 1000] [--runs 5] [--crds ../shared/kops/crds]

Measures, in one run and as medians of --runs:

- `clustermgr render --all` and `clustermgr validate --all` (values files, schema, render,
  manifest lint against the CRDs): their difference per cluster is the cost of validation;
- loading the cached Cluster CRD schema, in-process;
- `check-jsonschema` validating the same cluster values files against the same schema, for a
  ratio (it checks each file alone, clustermgr the merged layers: clustermgr does more work).
  Needs `pip install check-jsonschema`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from render_bench import REPO, generate, median_seconds

from clustermgr.kops.crds import _load


def crd_load_ms(crds: Path, runs: int) -> float:

    file = crds / "kops.k8s.io_clusters.yaml"
    _load(file)  # make sure the cache is warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        _load(file)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--crds", type=Path, default=REPO.parent / "shared" / "kops" / "crds")
    args = parser.parse_args()

    bin_dir = Path(sys.executable).parent
    clustermgr = str(bin_dir / "clustermgr")
    root = Path(tempfile.mkdtemp(prefix="clustermgr-bench-"))
    (root / "values").mkdir()
    generate(root, args.clusters)
    shutil.copytree(REPO / "schemas", root / "schemas")  # clustermgr.yaml names it
    crds = ["--kops-crds", str(args.crds)] if args.crds.is_dir() else []
    try:
        render = median_seconds([clustermgr, "render", "--all"], args.runs, root)
        validate = median_seconds([clustermgr, "validate", "--all", *crds], args.runs, root)
        per_cluster = (validate - render) / args.clusters
        print(f"fleet: {args.clusters} clusters; CRDs: {'yes' if crds else 'no (built-in)'}")
        print(f"render --all                   median {render * 1000:8.1f} ms")
        print(f"validate --all                 median {validate * 1000:8.1f} ms")
        print(
            f"validation per cluster (1 core)       {per_cluster * 1000:8.3f} ms  (target <= 2 ms)"
        )
        if crds:
            print(
                f"cached Cluster CRD schema load        {crd_load_ms(args.crds, 20):8.3f} ms  "
                "(target <= 10 ms)"
            )
        checker = bin_dir / "check-jsonschema"
        if not checker.exists():
            print("check-jsonschema skipped: pip install check-jsonschema to compare")
            return
        files = sorted(str(p) for p in (root / "values").rglob("*.yaml") if p.name[0] != "_")
        schema = str(root / "schemas" / "values.schema.json")
        peer = median_seconds(
            [str(checker), "--schemafile", schema, *files], args.runs, root, ok_codes=(0, 1)
        )
        print(f"check-jsonschema (cluster files)  median {peer * 1000:8.1f} ms")
        print(f"validate --all / check-jsonschema       {validate / peer:8.2f}x  (below 1: faster)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
