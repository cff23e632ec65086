"""Benchmark: render a synthetic fleet, and the start-up cost of rendering one cluster.

    python bench/render_bench.py [--clusters 1000] [--runs 5] [--keep DIR]

It copies this repository's template, snippets and channel into a temporary project, generates
N clusters (three layers each: project defaults, one of three environments, the cluster's own
file; 3 to 10 InstanceGroups each), then times, in one run and as medians of --runs:

- `clustermgr render --all` for the whole fleet, to /dev/null (the per-cluster figure), and
  `--out-dir` into a fresh folder (dominated by the disk: reported, not judged);
- `clustermgr render CLUSTER` for one cluster;
- `python -c "import jinja2, ruamel.yaml"`, the start-up floor the targets are stated against
  (needs ruamel.yaml installed: pip install ruamel.yaml).

Per-cluster cost = (fleet time - one-cluster time) / (N - 1). Timings are wall clock on this
machine; compare the ratios, not the absolute numbers.
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

REPO = Path(__file__).resolve().parent.parent
ENVIRONMENTS = {"dev": 1, "staging": 1, "prod": 3}  # control-plane zones per environment


def generate(root: Path, clusters: int, seed: int = 7) -> list[str]:
    """Write a project with `clusters` clusters below `root`; return their names."""
    for name in ("template", "channels", "clustermgr.yaml"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy(source, root / name)
    shutil.copy(REPO / "values" / "_defaults.yaml", root / "values" / "_defaults.yaml")
    rng = random.Random(seed)
    names = []
    for env in ENVIRONMENTS:
        folder = root / "values" / env
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "_env.yaml").write_text(
            f"environment: {env}\nkubelet:\n  maxPods: {rng.choice([64, 110])}\n"
        )
    for index in range(clusters):
        env = list(ENVIRONMENTS)[index % 3]
        name = f"{env}-c{index:05d}"
        names.append(name)
        zones = [f"eu-west-1{z}" for z in "abc"]
        groups = max(1, rng.randint(3, 10) - ENVIRONMENTS[env])
        lines = [
            f"clusterName: {name}.k8s.example.com",
            "region: eu-west-1",
            f"networkCIDR: 10.{index % 250}.0.0/16",
            "subnets:",
        ]
        for i, zone in enumerate(zones):
            lines += [
                f"  - zone: {zone}",
                f"    cidr: 10.{index % 250}.{32 * (i + 1)}.0/19",
                f"    utilityCidr: 10.{index % 250}.{4 * i}.0/22",
            ]
        lines += ["controlPlane:", f"  zones: [{', '.join(zones[: ENVIRONMENTS[env]])}]"]
        lines.append("nodeGroups:")
        for g in range(groups):
            lines += [
                f"  pool{g}:",
                f"    machineType: m6i.{rng.choice(['large', 'xlarge', '2xlarge'])}",
                f"    minSize: {rng.randint(0, 3)}",
                f"    maxSize: {rng.randint(4, 40)}",
            ]
        (root / "values" / env / f"{name}.yaml").write_text("\n".join(lines) + "\n")
    return names


def median_seconds(
    command: list[str],
    runs: int,
    cwd: Path,
    fresh: Path | None = None,
    ok_codes: tuple[int, ...] = (0,),
) -> float:
    times = []
    for _ in range(runs):
        if fresh is not None:  # measure writing every file, not skipping unchanged ones
            shutil.rmtree(fresh, ignore_errors=True)
        start = time.perf_counter()
        done = subprocess.run(
            command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        times.append(time.perf_counter() - start)
        if done.returncode not in ok_codes:
            sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="generate the fleet here and keep it")
    args = parser.parse_args()

    clustermgr = str(Path(sys.executable).with_name("clustermgr"))
    root = args.keep or Path(tempfile.mkdtemp(prefix="clustermgr-bench-"))
    (root / "values").mkdir(parents=True, exist_ok=True)
    names = generate(root, args.clusters)
    try:
        out = root / "out"
        fleet = median_seconds([clustermgr, "render", "--all"], args.runs, root)
        files = median_seconds(
            [clustermgr, "render", "--all", "--out-dir", str(out)], args.runs, root, fresh=out
        )
        one = median_seconds([clustermgr, "render", names[-1]], args.runs * 4, root)
        igs = sum(p.read_text().count("kind: InstanceGroup") for p in out.iterdir())
        print(f"fleet: {args.clusters} clusters, {igs} InstanceGroups, 3 layers each")
        print(f"render --all > /dev/null        median {fleet * 1000:8.1f} ms")
        print(f"render --all --out-dir (fresh)  median {files * 1000:8.1f} ms  (disk-bound)")
        print(f"render ONE                      median {one * 1000:8.1f} ms")
        per_cluster = (fleet - one) / max(args.clusters - 1, 1)
        print(f"per cluster beyond start-up     {per_cluster * 1000:15.3f} ms  (target <= 1 ms)")
        try:
            import ruamel.yaml  # noqa: F401, PLC0415  # optional: the baseline needs it
        except ImportError:
            print("baseline skipped: pip install ruamel.yaml to measure it")
            return
        floor = median_seconds(
            [sys.executable, "-c", "import jinja2, ruamel.yaml"], args.runs * 4, root
        )
        print(f"python -c 'import jinja2, ruamel.yaml'  {floor * 1000:8.1f} ms")
        print(f"render ONE / baseline                  {one / floor:8.2f}x  (target <= 1.3x)")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
