"""Build the Go references (GOPATH mode: Debian's golang-go and Sprig, no module download) and
write the goldens of the Go-template corpus and of Go's parsers (tools/go-parse-reference).

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
PARSERS = REPO / "tests" / "gotemplates" / "parsers.yaml"
PARSER_GOLDENS = REPO / "tests" / "gotemplates" / "parsers.json"


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


def build(folder: Path, source: Path = HERE) -> Path:
    binary = folder / source.name
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": "/usr/share/gocode",
        "GOCACHE": str(folder / "cache"),
    }
    subprocess.run(["go", "build", "-o", str(binary), "."], cwd=source, env=env, check=True)
    return binary


def answers(binary: Path, given: object) -> str:
    done = subprocess.run(
        [str(binary)], input=json.dumps(given), capture_output=True, text=True, check=True
    )
    return json.dumps(json.loads(done.stdout), indent=2, sort_keys=True, ensure_ascii=False)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        templates = answers(build(Path(folder)), cases())
        parsers = yaml.safe_load(PARSERS.read_text(encoding="utf-8"))
        parsed = answers(build(Path(folder), HERE.parent / "go-parse-reference"), parsers)
    written = {GOLDENS: templates, PARSER_GOLDENS: parsed}
    if "--check" in sys.argv[1:]:
        stale = [p for p, text in written.items() if p.read_text(encoding="utf-8") != text + "\n"]
        for path in stale:
            print(f"{path.relative_to(REPO)} differs from what Go answers now", file=sys.stderr)
        if stale:
            return 1
        print("goldens match Go's text/template + Sprig and Go's parsers")
        return 0
    for path, text in written.items():
        path.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
