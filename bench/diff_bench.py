"""Benchmark: the diff step on the synthetic fleet of render_bench.py.

    python bench/diff_bench.py [--clusters 1000] [--runs 5]

Applied snapshots are the fleet's renders as `kops get -o yaml` would print them (timestamps,
configBase, role Master, lists reordered); about one cluster in five differs in two documents.
Measured in one run: the compare step per unchanged and per changed cluster (in-process,
medians over clusters, one core), and `clustermgr diff --all` end to end.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from render_bench import REPO, generate, median_seconds

from clustermgr import diff
from clustermgr.yamlio import dump, load_documents


def kops_get_form(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    doc["metadata"]["creationTimestamp"] = "2025-01-01T00:00:00Z"
    doc["metadata"]["generation"] = 3
    spec = doc["spec"]
    if doc["kind"] == "Cluster":
        spec.setdefault("configBase", f"s3://state/{doc['metadata']['name']}")
        rng.shuffle(spec["subnets"])
    elif spec.get("role") == "ControlPlane":
        spec["role"] = "Master"
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    clustermgr = str(Path(sys.executable).with_name("clustermgr"))
    root = Path(tempfile.mkdtemp(prefix="clustermgr-bench-"))
    (root / "values").mkdir()
    names = generate(root, args.clusters)
    shutil.copytree(REPO / "schemas", root / "schemas")  # diff reads it to find secrets
    try:
        subprocess.run(
            [clustermgr, "render", "--all", "--out-dir", str(root / "rendered")],
            cwd=root,
            check=True,
        )
        rng = random.Random(3)
        changed: set[str] = set()
        pairs = {}
        for index, name in enumerate(names):
            text = (root / "rendered" / f"{name}.yaml").read_text()
            new = diff.resources(load_documents(text, name, cache=False))
            old_docs = [kops_get_form(d.data, rng) for d in load_documents(text, name, cache=False)]
            if index % 5 == 0:  # two documents differ
                changed.add(name)
                old_docs[0]["spec"]["kubernetesVersion"] = "1.32.9"
                old_docs[-1]["spec"]["maxSize"] += 1
            (root / "applied").mkdir(exist_ok=True)
            (root / "applied" / f"{name}.yaml").write_text("---\n".join(dump(d) for d in old_docs))
            pairs[name] = (
                diff.resources(
                    load_documents(
                        (root / "applied" / f"{name}.yaml").read_text(), name, cache=False
                    )
                ),
                new,
            )
        same, different = [], []
        for name, (old, new) in pairs.items():
            start = time.perf_counter()
            changes = diff.compare(old, new)
            took = time.perf_counter() - start
            (different if name in changed else same).append(took)
            assert bool(changes) == (name in changed), name
        with open(root / "clustermgr.yaml", "a") as config:
            config.write("diff:\n  applied: applied\n")
        whole = median_seconds([clustermgr, "diff", "--all"], args.runs, root)
        print(f"fleet: {args.clusters} clusters, {len(changed)} differ in two documents")
        print(
            f"compare, unchanged cluster   median {statistics.median(same) * 1000:8.3f} ms  "
            "(target <= 1 ms)"
        )
        print(
            f"compare, changed cluster     median {statistics.median(different) * 1000:8.3f} ms"
            "  (target <= 4 ms)"
        )
        print(f"diff --all (render + read + compare + report)  median {whole * 1000:8.1f} ms")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
