"""Fifty-odd mistakes a newcomer makes on a fresh `clustermgr init` project: each gives one
clear message (its last line asserted here, what a terminal shows above the prompt) and
the exit code of docs/exit-codes.md (2: usage, 1: the inputs have problems)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Run

MISTAKES = [
    ('render nope', 2, "error: unknown cluster 'nope'; known clusters: dev-1"),
    ('render dev1', 2, "error: unknown cluster 'dev1' (did you mean 'dev-1'?)"),
    ('render dev-1 --set', 2, "Error: Option '--set' requires an argument."),
    ('render dev-1 --set a', 1, "error: --set 'a': key 'a' has no value"),
    ('render dev-1 --set =1', 1, "error: --set '=…': a key is missing before '='"),
    ('render dev-1 --set a.=1', 1, "error: --set 'a.=…': a key is missing before '='"),
    ('render dev-1 --set-string', 2, "Error: Option '--set-string' requires an argument."),
    ('render dev-1 --values missing.yaml', 2, 'error: values file not found: missing.yaml'),
    ('render dev-1 -o json', 2, "Error: No such option '-o'."),
    ('render dev-1 --out-dir x --out-file y', 2, 'error: --out-file and --out-dir cannot be used together'),
    ('render', 2, 'error: name the clusters to render, or pass --all (not both)'),
    ('render --all dev-1', 2, 'error: name the clusters to render, or pass --all (not both)'),
    ('validate', 2, 'error: name the clusters to validate, or pass --all (not both)'),
    ('validate dev-1 --all', 2, 'error: name the clusters to validate, or pass --all (not both)'),
    ('validate --all --kops-version banana', 2, "error: kOps version 'banana' is not a version"),
    ('validate dev-1 -o xml', 2, "Error: Invalid value for '-o' / '--output': 'xml' is not a format (choose from text, parsable, json, junit, codequality); to write a file, use --out-file FILE"),
    ('validate dev-1 --kops-crds /nope', 2, 'error: --kops-crds: no such directory: /nope'),
    ('lint', 2, 'error: name the files to lint (- for standard input), or pass --list-rules'),
    ('lint missing.yaml', 2, 'error: no such file: missing.yaml'),
    ('lint --kops-version 1.99', 2, 'error: name the files to lint (- for standard input), or pass --list-rules'),
    ('diff dev-1', 2, 'error: nothing to compare with: pass --against FILE, --state DIR or --against-ref REF (or set diff.applied in clustermgr.yaml)'),
    ('diff dev-1 --against missing.yaml', 2, 'error: no such file: missing.yaml'),
    ('diff dev-1 --state /nope', 2, 'error: state store not found: /nope'),
    ('diff dev-1 --against-ref nope', 2, 'error: --against-ref needs the project in a git repository: {root} is not in one'),
    ('diff dev-1 --state /tmp --against-ref HEAD', 2, 'error: use one of --against, --state and --against-ref'),
    ('check', 2, 'error: name the clusters to check, or pass --all or --changed-since'),
    ('check --all dev-1', 2, 'error: cluster names and --all: choose one way to select clusters'),
    ('check --all --changed-since HEAD', 2, 'error: --all and --changed-since: choose one way to select clusters'),
    ('check --jobs 0 --all', 2, "Error: Invalid value for '--jobs': 0 is not in the range x>=1."),
    ('check --jobs 99 --all', 2, 'error: --jobs 99: at most 64 (limits.jobs in clustermgr.yaml)'),
    ('check --all --fail-on banana', 2, "Error: Invalid value for '--fail-on': 'banana' is not one of 'changes', 'refused', 'destructive'."),
    ('check --all --shard 0/2', 2, "error: --shard '0/2': I must be between 1 and N"),
    ('new', 2, "Error: Missing argument 'CLUSTER'."),
    ('new Bad_Name --env dev', 2, "error: cluster name 'Bad_Name' is not a DNS label: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit (e.g. prod-eu2)"),
    ('new dev-1 --env dev', 2, "error: cluster 'dev-1' exists already: values/dev/dev-1.yaml"),
    ('set', 2, "Error: Missing argument 'KEY=VALUE... [CLUSTER...]'."),
    ('set foo.bar=1', 2, 'error: name the clusters, or pass --all or --env (one of them)'),
    ('set foo.bar=1 nope', 2, "error: unknown cluster 'nope'; known clusters: dev-1"),
    ('set nokey dev-1', 2, 'error: name at least one KEY=VALUE (or --set-file, --unset)'),
    ('promote', 2, "Error: Missing argument 'KEY...'."),
    ('apply', 2, "Error: Missing argument 'CLUSTERS...'."),
    ('apply dev-1', 2, 'error: pass --state STORE (or set KOPS_STATE_STORE)'),
    ('apply dev-1 --state /nope', 2, 'error: kops is not on PATH: install kOps to apply or roll clusters'),
    ('roll dev-1', 2, 'error: pass --state STORE (or set KOPS_STATE_STORE)'),
    ('list -o yaml', 2, "Error: Invalid value for '-o' / '--output': 'yaml' is not a format (choose from text, json); to write a file, use --out-file FILE"),
    ('list --out-file', 2, "Error: Option '--out-file' requires an argument."),
    ('values nope', 2, "error: unknown cluster 'nope'; known clusters: dev-1"),
    ('values dev-1 --show-origin -o yaml', 2, 'error: --show-origin prints text or -o json, not yaml'),
    ('outdated', 2, 'error: name the clusters to check, or pass --all or --changed-since'),
    ('ci gitlab --changed-since HEAD', 2, 'error: --changed-since goes with --deploy'),
    ('ci lock', 2, "Error: Missing option '--wheels'."),
    ('ci lock --wheels /nope', 2, 'error: /nope: no such folder of wheels'),
    ('import', 2, "Error: Missing argument 'SOURCES...'."),
    ('import /nope.yaml --out-dir z', 2, 'error: no such file or folder: /nope.yaml'),
    ('template', 2, 'error: --template is required (a file or a directory of templates)'),
    ('template --template missing', 2, 'error: --template: no such file or directory: missing'),
    ('convert missing.tmpl --out-dir t', 2, 'error: no such template file or folder: missing.tmpl'),
    ('pull dev-1', 2, "Error: Missing option '--out-dir'."),
    ('frobnicate', 2, "Error: No such command 'frobnicate'."),
    ('-C /nope list', 2, 'error: -C: no such directory: /nope'),
    ('--frob', 2, "Error: No such option '--frob'."),
]  # fmt: skip


@pytest.fixture
def project(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh `init` project (one cluster, dev-1), its CI install pinned, no kops."""
    root = tmp_path / "fleet"
    assert run("init", str(root)).code == 0
    (root / "ci").mkdir()
    (root / "ci" / "requirements.lock").write_text("clustermgr==0.1.0 --hash=sha256:" + "0" * 64)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # git, and no kops
    monkeypatch.delenv("KOPS_STATE_STORE", raising=False)
    return root


@pytest.mark.parametrize(("command", "code", "last"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_newcomers_mistake(
    run: Run, project: Path, monkeypatch: pytest.MonkeyPatch, command: str, code: int, last: str
) -> None:
    monkeypatch.chdir(project)
    args = command.split() if command.startswith("-C") else ["-C", str(project), *command.split()]
    result = run(*args)
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert (result.code, lines[-1] if lines else "") == (code, last.format(root=project))


def test_there_are_fifty_mistakes() -> None:
    assert len(MISTAKES) >= 50
