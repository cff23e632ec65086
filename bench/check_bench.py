"""Benchmark: `clustermgr check` on a synthetic fleet, against simpler ways of doing the same.

    python bench/check_bench.py [--clusters 1000] [--runs 3] [--jobs 2] [--growth 10000]
                                [--naive 100]

The fleet is render_bench.py's (three layers, 3 to 10 InstanceGroups per cluster) with applied
snapshots in `applied/` where about one cluster in five differs in two documents. Measured in
one run, medians of --runs:

- `check --all` cold (empty cache) and warm (nothing changed), with --jobs workers;
- `check --changed-since HEAD` after touching one cluster's values file;
- peak RSS of the largest process (the parent or one worker);
- `check --all` cold on --growth clusters, as a multiple of the time on --clusters (medians
  of up to three runs each, the two taking turns), and its peak RSS as a multiple of a cold
  run's on --clusters;
- for ratios: `check-jsonschema` on each cluster's merged values (run after each cold check,
  medians of the same runs), and a naive pipeline using the
  same libraries plainly (ruamel.yaml round-trip loading, jsonschema, DeepDiff on whole
  manifests, one cluster at a time), timed on --naive clusters and scaled to --clusters.
  They need `pip install ruamel.yaml deepdiff check-jsonschema`; missing ones are skipped.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import json

from diff_bench import kops_get_form
from render_bench import REPO, generate

from clustermgr.project import find_project
from clustermgr.render.project import RenderSettings, project_renderer
from clustermgr.values import cluster_values
from clustermgr.yamlio import load_documents
from clustermgr.yamlio.emit import dump

BIN = Path(sys.executable).parent


def make_fleet(root: Path, clusters: int) -> list[str]:

    (root / "values").mkdir(parents=True)
    names = generate(root, clusters)
    shutil.copytree(REPO / "schemas", root / "schemas")
    subprocess.run(
        [str(BIN / "clustermgr"), "render", "--all", "--out-dir", "rendered"], cwd=root, check=True
    )
    rng = random.Random(5)
    (root / "applied").mkdir()
    for index, name in enumerate(names):
        text = (root / "rendered" / f"{name}.yaml").read_text()
        docs = [kops_get_form(d.data, rng) for d in load_documents(text, name, cache=False)]
        if index % 5 == 0:
            docs[0]["spec"]["kubernetesVersion"] = "1.32.9"
            docs[-1]["spec"]["maxSize"] += 1
        (root / "applied" / f"{name}.yaml").write_text("---\n".join(dump(d) for d in docs))
    with open(root / "clustermgr.yaml", "a") as config:
        config.write("diff:\n  applied: applied\n")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "fleet"]):
        subprocess.run(
            ["git", "-c", "user.name=b", "-c", "user.email=b@b", *args],
            cwd=root,
            check=True,
            capture_output=True,
        )
    return names


def timed(command: list[str], root: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return took


_PEAK = (
    "import resource, subprocess, sys; "
    "done = subprocess.run(sys.argv[1:], capture_output=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak_rss_mb(command: list[str], root: Path, env: dict[str, str]) -> float:
    """The largest resident set of `command` and its workers (ru_maxrss of the children of a
    process that ran only it)."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, *command], cwd=root, env=env, capture_output=True, text=True
    )
    return int(done.stdout.split()[-1]) / 1024


def check_times(
    root: Path, jobs: int, runs: int, peer_command: list[str] | None = None
) -> dict[str, float]:
    """Medians of cold, warm and one-touched checks; `peer_command` (check-jsonschema) is
    run after each cold check, so that both are measured alike on a machine whose load
    changes."""
    check = [str(BIN / "clustermgr"), "check", "--jobs", str(jobs)]
    cold, warm, touched, peer = [], [], [], []
    for _ in range(runs):
        cache = tempfile.mkdtemp(prefix="clustermgr-cache-")
        env = {**os.environ, "CLUSTERMGR_CACHE_DIR": cache}
        cold.append(timed([*check, "--all"], root, env))
        if peer_command:
            peer.append(timed(peer_command, root, dict(os.environ)))
        warm.append(timed([*check, "--all"], root, env))
        victim = next((root / "values" / "dev").glob("dev-*.yaml"))
        original = victim.read_text()
        victim.write_text(original.replace("minSize: ", "minSize: 1", 1))
        touched.append(timed([*check, "--changed-since", "HEAD"], root, env))
        victim.write_text(original)
        shutil.rmtree(cache, ignore_errors=True)
    times = {
        "cold": statistics.median(cold),
        "warm": statistics.median(warm),
        "changed": statistics.median(touched),
    }
    if peer:
        times["peer"] = statistics.median(peer)
    return times


def naive(root: Path, names: list[str]) -> float | None:
    """One cluster at a time with the libraries used plainly; seconds for `names`."""
    try:
        # optional: the naive baseline is skipped without them
        import jsonschema  # noqa: PLC0415
        from deepdiff import DeepDiff  # noqa: PLC0415
        from ruamel.yaml import YAML  # noqa: PLC0415
    except ImportError:
        return None

    project = find_project(root)
    renderer = project_renderer(project, RenderSettings())
    yaml = YAML(typ="rt")

    def merge(into: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
        for key, value in layer.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = value
        return into

    start = time.perf_counter()
    for name in names:
        values: dict[str, Any] = {}
        for layer in project.cluster(name).layers:
            merge(values, json.loads(json.dumps(yaml.load(layer.read_text()) or {})))
        schema = json.loads((root / "schemas" / "values.schema.json").read_text())
        list(jsonschema.Draft202012Validator(schema).iter_errors(values))
        text = "---\n".join(d.text for d in renderer.render(values))
        new = [json.loads(json.dumps(d)) for d in yaml.load_all(text)]
        old = [
            json.loads(json.dumps(d))
            for d in yaml.load_all((root / "applied" / f"{name}.yaml").read_text())
        ]
        DeepDiff(old, new, ignore_order=True)
    return time.perf_counter() - start


def peer_command(root: Path) -> list[str] | None:
    """check-jsonschema on each cluster's merged values (what the schema is written for: a
    cluster's own file alone lacks what its layers set), written as JSON files first."""
    checker = BIN / "check-jsonschema"
    if not checker.exists():
        return None

    project = find_project(root)
    merged = root.parent / f"{root.name}-merged"  # outside the fleet: no untracked file in it
    merged.mkdir(exist_ok=True)
    for name, cluster in project.clusters().items():
        data = cluster_values(project, cluster).data
        (merged / f"{name}.json").write_text(json.dumps(data))
    files = sorted(str(p) for p in merged.iterdir())
    return [str(checker), "--schemafile", "schemas/values.schema.json", *files]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--growth", type=int, default=10000, help="0 to skip")
    parser.add_argument("--naive", type=int, default=100, help="0 to skip")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="clustermgr-bench-"))
    try:
        root = work / "fleet"
        names = make_fleet(root, args.clusters)
        other = peer_command(root)
        times = check_times(root, args.jobs, args.runs, other)
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows = [
            ("check --all, cold", f"{times['cold']:.2f} s", "<= 3 s"),
            ("check --all, warm (cache)", f"{times['warm']:.2f} s", "<= 0.5 s"),
            ("check --changed-since, one cluster touched", f"{times['changed']:.2f} s", "<= 0.5 s"),
            ("peak RSS (largest process)", f"{rss_mb:.0f} MB", "<= 300 MB"),
        ]
        if args.growth:
            big = work / "big"
            make_fleet(big, args.growth)
            # medians of up to three cold runs each, the two fleets taking turns
            command = [str(BIN / "clustermgr"), "check", "--all", "--jobs", str(args.jobs)]
            big_runs, small_runs = [], []
            for _ in range(min(args.runs, 3)):
                for fleet, runs in ((big, big_runs), (root, small_runs)):
                    env = {**os.environ, "CLUSTERMGR_CACHE_DIR": tempfile.mkdtemp()}
                    runs.append(timed(command, fleet, env))
            grown, small = statistics.median(big_runs), statistics.median(small_runs)
            rows.append(
                (
                    f"check --all, cold, {args.growth} clusters",
                    f"{grown:.2f} s ({grown / small:.1f}x {small:.2f} s)",
                    "<= 10x",
                )
            )
            check = [str(BIN / "clustermgr"), "check", "--all", "--jobs", str(args.jobs)]
            fresh = {**os.environ, "CLUSTERMGR_CACHE_DIR": tempfile.mkdtemp()}
            grown_mb = peak_rss_mb(check, big, fresh)
            small_mb = peak_rss_mb(
                check, root, {**fresh, "CLUSTERMGR_CACHE_DIR": tempfile.mkdtemp()}
            )
            rows.append(
                (
                    f"peak RSS, cold, {args.growth} clusters",
                    f"{grown_mb:.0f} MB ({grown_mb / small_mb:.1f}x {small_mb:.0f} MB)",
                    "<= 2x",
                )
            )
        plain = naive(root, names[: args.naive]) if args.naive else None
        if plain is not None:
            scaled = plain * args.clusters / min(args.naive, len(names))
            rows.append(
                (
                    "naive pipeline (scaled)",
                    f"{scaled:.1f} s ({scaled / times['cold']:.0f}x slower)",
                    ">= 10x",
                )
            )
        if "peer" in times:
            rows.append(
                (
                    "check-jsonschema, merged values only",
                    f"{times['peer']:.2f} s ({times['peer'] / times['cold']:.2f}x check's time)",
                    "slower than check",
                )
            )
        print(f"fleet: {args.clusters} clusters, --jobs {args.jobs}, medians of {args.runs} runs")
        width = max(len(r[0]) for r in rows)
        for label, value, target in rows:
            print(f"  {label:<{width}}  {value:<28} target {target}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
