"""Benchmark this tree against a git ref, alternating the two in one run, and print medians and
ratios (this tree / the ref): the guard for every change on the check path.

    python bench/compare.py [--ref main] [--clusters 1000] [--runs 5] [--jobs 2] [--record]
                            [--venvs]

Both trees are installed without dependencies into folders of their own (`pip install
--no-deps --target`), and run by this Python with those folders first on PYTHONPATH, so they
share the installed dependencies and differ only in clustermgr's code. With --venvs, each tree
gets a virtual environment of its own with the dependencies its own pyproject.toml names (for
a change that adds, drops or bumps one; slower to set up). The fleet is
check_bench.py's (render_bench.py's clusters, applied snapshots, a git repository). Measured,
each as the median of --runs, A and B taking turns within each run:

- `check --all` cold (empty cache), warm (nothing changed), one cluster touched;
- `check --changed-since HEAD` with one cluster touched;
- `render CLUSTER` (start-up and one cluster).

With --record, the result is also written to bench/results/latest.md and into the README's
performance section (between its `bench:begin`/`bench:end` markers; a test keeps the two
equal), so what the README says is what the last recorded run measured.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_bench import make_fleet
from render_bench import REPO


def install(source: Path, target: Path, venv: bool = False) -> Path:
    """`source` installed at `target`; the Python that runs it."""
    if not venv:
        pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target)]
        subprocess.run([*pip, "."], cwd=source, check=True, capture_output=True)
        return Path(sys.executable)
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True, capture_output=True)
    python = target / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "."]
    subprocess.run(pip, cwd=source, check=True, capture_output=True)
    return python


def tree_of(ref: str, folder: Path) -> Path:
    """The ref's files (git archive), without touching this checkout."""
    folder.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=REPO, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


class Side:
    def __init__(self, name: str, site: Path, python: Path) -> None:
        self.name, self.site, self.python = name, site, python

    def command(self, *args: str) -> list[str]:
        # the tree's own entry point, as the console script runs it (its start-up is measured)
        return [str(self.python), "-m", "clustermgr", *args]

    def env(self, cache: str) -> dict[str, str]:
        own = {} if self.python != Path(sys.executable) else {"PYTHONPATH": str(self.site)}
        return {**os.environ, **own, "CLUSTERMGR_CACHE_DIR": cache}


def timed(side: Side, root: Path, cache: str, *args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(side.command(*args), cwd=root, env=side.env(cache), capture_output=True)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{side.name}: {' '.join(args)} failed:\n{done.stderr.decode()[-2000:]}")
    return took


def measure(side: Side, root: Path, jobs: int, victim: Path) -> dict[str, float]:
    check = ("check", "--jobs", str(jobs))
    cache = tempfile.mkdtemp(prefix="clustermgr-cache-")
    try:
        out = {"cold": timed(side, root, cache, *check, "--all")}
        out["warm"] = timed(side, root, cache, *check, "--all")
        original = victim.read_text()
        victim.write_text(original.replace("minSize: ", "minSize: 1", 1))
        out["one touched"] = timed(side, root, cache, *check, "--all")
        out["--changed-since"] = timed(side, root, cache, *check, "--changed-since", "HEAD")
        victim.write_text(original)
        out["render ONE"] = timed(side, root, cache, "render", victim.stem)
        return out
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def run(sides: list[Side], root: Path, runs: int, jobs: int) -> dict[str, dict[str, float]]:
    victim = next((root / "values" / "dev").glob("dev-*.yaml"))
    samples: dict[str, dict[str, list[float]]] = {s.name: {} for s in sides}
    for index in range(runs):
        order = sides if index % 2 == 0 else sides[::-1]  # alternate who goes first
        for side in order:
            for key, value in measure(side, root, jobs, victim).items():
                samples[side.name].setdefault(key, []).append(value)
    return {
        name: {key: statistics.median(values) for key, values in found.items()}
        for name, found in samples.items()
    }


def table(medians: dict[str, dict[str, float]], a: str, b: str) -> str:
    rows = [f"| measure | {a} | {b} | ratio {a}/{b} |", "| --- | ---: | ---: | ---: |"]
    for key in medians[a]:
        x, y = medians[a][key], medians[b][key]
        rows.append(f"| {key} | {x:.3f} s | {y:.3f} s | {x / y:.2f} |")
    return "\n".join(rows)


RESULTS = REPO / "bench" / "results" / "latest.md"
README = REPO / "README.md"
BEGIN, END = "<!-- bench:begin -->\n", "<!-- bench:end -->"


def record(report: str) -> None:
    """The report as bench/results/latest.md and as the README's performance section."""
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(report)
    text = README.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    README.write_text(f"{head}{BEGIN}{report}{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ref", default="main", help="the git ref to compare with")
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--record", action="store_true", help="write it into the README")
    parser.add_argument("--venvs", action="store_true", help="a virtual environment each")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="clustermgr-compare-"))
    try:
        this = install(REPO, work / "this", args.venvs)
        ref = install(tree_of(args.ref, work / "ref-src"), work / "ref", args.venvs)
        root = work / "fleet"
        make_fleet(root, args.clusters)
        sides = [Side("this", work / "this", this), Side(args.ref, work / "ref", ref)]
        medians = run(sides, root, args.runs, args.jobs)
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        report = (
            f"`bench/compare.py --ref {args.ref} --runs {args.runs}` on {commit}: "
            f"{args.clusters} clusters, --jobs {args.jobs}, {os.cpu_count()} cores, medians "
            f"of {args.runs} alternating runs.\n\n{table(medians, 'this', args.ref)}\n"
        )
        print(report)
        if args.record:
            record(report)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
