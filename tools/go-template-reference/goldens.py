"""Build the Go reference (GOPATH mode: Debian's golang-go and Sprig, no module download) and
write the goldens of the Go-template corpus.

    python tools/go-template-reference/goldens.py [--check]

With --check, compare with the committed goldens instead of writing them (exit 1 on any
difference): CI rebuilds them from Go itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CORPUS = REPO / "tests" / "gotemplates" / "corpus.yaml"
GOLDENS = REPO / "tests" / "gotemplates" / "goldens.json"


def cases() -> list[dict[str, object]]:
    found = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    return [
        {
            "name": c["name"],
            "template": c["template"],
            "values": c.get("values", ""),
            "snippets": c.get("snippets", {}),
            "failOnMissing": c.get("failOnMissing", True),
            "clusterName": c.get("clusterName", ""),
        }
        for c in found
    ]


def build(folder: Path) -> Path:
    binary = folder / "go-template-reference"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": "/usr/share/gocode",
        "GOCACHE": str(folder / "cache"),
    }
    subprocess.run(["go", "build", "-o", str(binary), "."], cwd=HERE, env=env, check=True)
    return binary


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        binary = build(Path(folder))
        done = subprocess.run(
            [str(binary)], input=json.dumps(cases()), capture_output=True, text=True, check=True
        )
    goldens = json.dumps(json.loads(done.stdout), indent=2, sort_keys=True, ensure_ascii=False)
    if "--check" in sys.argv[1:]:
        if GOLDENS.read_text(encoding="utf-8") != goldens + "\n":
            print(
                "tests/gotemplates/goldens.json differs from what Go renders now", file=sys.stderr
            )
            return 1
        print("goldens match Go's text/template + Sprig")
        return 0
    GOLDENS.write_text(goldens + "\n", encoding="utf-8")
    print(f"wrote {GOLDENS.relative_to(REPO)} ({len(cases())} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
