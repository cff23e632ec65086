"""Hostile input from a merge request: every reproducer gives a located error (exit 1 or 2) or
a correct result; never a traceback, an internal error, a hang or a half-written file."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from clustermgr.diff import Against
from clustermgr.files import read_bytes
from clustermgr.fleet import CheckRequest
from clustermgr.fleet import store as store_module
from clustermgr.fleet.store import CacheKeys
from clustermgr.project import find_project
from tests.conftest import Run

LONG = "9" * 5000


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        # go-yaml v2's own words (kOps: vendor/gopkg.in/yaml.v2/resolve.go, resolve)
        ("a: !!int ''\n", "values/_zz.yaml:1:4: error: cannot decode !!null `` as a !!int\n"),
        ("a: !!float x\n", "values/_zz.yaml:1:4: error: cannot decode !!str `x` as a !!float\n"),
        (
            "a: !!bool maybe\n",
            "values/_zz.yaml:1:4: error: cannot decode !!str `maybe` as a !!bool\n",
        ),
        (
            "a: &a\n  <<: *a\n",
            "values/_zz.yaml:1:4: error: nested deeper than 100 levels (limits.depth)\n",
        ),
        ("a: \udcff\n", "values/_zz.yaml: error: not UTF-8 text (byte 3)\n"),
    ],
)
def test_values_files(run: Run, example: Path, layer: str, expected: str) -> None:
    (example / "values" / "_zz.yaml").write_bytes(layer.encode("utf-8", "surrogateescape"))
    result = run("-C", str(example), "values", "dev-eu1")
    assert (result.code, result.err) == (1, expected)


@pytest.mark.parametrize(
    ("layer", "shown"),
    [("a: 0b_\n", 'a: "0b_"'), ("a: 0x_\n", 'a: "0x_"'), (f"a: {LONG}\n", f'a: "{LONG}"')],
)
def test_numbers_go_cannot_read_are_text(run: Run, example: Path, layer: str, shown: str) -> None:
    # go-yaml v2: not an int64/uint64, not a float in range: the scalar stays text
    (example / "values" / "_zz.yaml").write_text(layer)
    result = run("-C", str(example), "values", "dev-eu1")
    assert result.code == 0 and shown in result.out.splitlines()


@pytest.mark.parametrize(
    ("args", "code", "err"),
    [
        (["--set", "a[1]=3,a=1", "--show-origin"], 0, ""),
        (
            ["--set", "a" + "[0]" * 1000 + "=1"],
            1,
            "keys and indexes nest deeper than 100 levels (limits.depth)",
        ),
        (
            ["--set", "k0[65536]=1"],
            1,
            "index of 65536 is greater than the maximum of 1000 (limits.setIndex)",
        ),
        (["--set", "a=" + "9" * 4301], 0, ""),
        (
            ["--values", "/dev/zero"],
            1,
            "/dev/zero: error: not a regular file (a FIFO or a device?)",
        ),
    ],
)
def test_values_arguments(run: Run, example: Path, args: list[str], code: int, err: str) -> None:
    result = run("-C", str(example), "values", "dev-eu1", *args)
    assert result.code == code, result.err
    assert err in result.err
    assert "internal error" not in result.err


def test_a_fifo_is_refused_not_waited_for(run: Run, example: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "values.yaml"
    os.mkfifo(fifo)
    result = run("-C", str(example), "values", "dev-eu1", "--values", str(fifo))
    assert (result.code, result.err) == (
        1,
        f"{fifo}: error: not a regular file (a FIFO or a device?)\n",
    )


def test_a_file_over_the_limit(run: Run, example: Path) -> None:
    (example / "clustermgr.yaml").open("a").write("limits: {fileBytes: 1000}\n")
    (example / "values" / "_zz.yaml").write_text("a: " + "x" * 2000 + "\n")
    result = run("-C", str(example), "values", "dev-eu1")
    assert result.err == (
        "values/_zz.yaml: error: file too large: 2,004 bytes, more than limits.fileBytes (1,000)\n"
    )


@pytest.mark.parametrize(
    "manifest",
    [
        "apiVersion: kops.k8s.io/v1alpha2\nkind: [Cluster]\nmetadata: {name: x}\n",
        "apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata: {name: c.example.com}\n"
        "spec: {subnets: [{name: [1]}], etcdClusters: [{name: main, etcdMembers: "
        "[{name: a, instanceGroup: [1]}]}]}\n---\napiVersion: kops.k8s.io/v1alpha2\n"
        "kind: InstanceGroup\nmetadata: {name: [1]}\nspec: {subnets: [[1]], role: [x]}\n",
        "apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata: {name: {a: 1}}\nspec: 5\n",
    ],
)
def test_odd_names_and_shapes_in_lint(run: Run, tmp_path: Path, manifest: str) -> None:
    (tmp_path / "m.yaml").write_text(manifest)
    result = run("lint", str(tmp_path / "m.yaml"), "-o", "parsable")
    assert result.code == 1 and "internal error" not in result.err
    assert result.out.startswith("m.yaml:") or str(tmp_path) in result.out


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (
            "apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nspec: 5\n",
            "not a valid kOps manifest:",
        ),
        (
            "apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata: {}\nspec: {}\n",
            "not a valid kOps manifest:",
        ),
    ],
)
def test_import_of_invalid_sources(run: Run, tmp_path: Path, manifest: str, message: str) -> None:
    (tmp_path / "c.yaml").write_text(manifest)
    result = run("import", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "out"))
    assert result.code == 1 and message in result.err
    assert not (tmp_path / "out").exists()


def test_a_symlink_out_of_the_project_is_not_read(run: Run, example: Path, tmp_path: Path) -> None:
    (tmp_path / "kubeconfig").write_text("token: very-secret\n")
    (example / "values" / "dev" / "_zz.yaml").symlink_to(tmp_path / "kubeconfig")
    result = run("-C", str(example), "values", "dev-eu1")
    assert result.code == 1 and "very-secret" not in result.out + result.err
    assert "values/dev/_zz.yaml leads outside the project" in result.err


def test_a_snapshot_leading_out_of_the_project_is_not_read(
    run: Run, example: Path, tmp_path: Path
) -> None:
    """A snapshot that is a symlink out of the project (its folder, inside, is resolved once;
    the file itself is still looked at)."""
    outside = tmp_path / "outside.yaml"
    outside.write_text("kind: Secret\ndata: {token: very-secret}\n")
    with open(example / "clustermgr.yaml", "a") as config:
        config.write("diff:\n  applied: applied\n")
    (example / "applied").mkdir()
    (example / "applied" / "dev-eu1.yaml").write_text("")  # checked first: its folder known
    (example / "applied" / "staging-eu1.yaml").symlink_to(outside)
    result = run("-C", str(example), "check", "--all", "--jobs", "1")
    assert result.code != 0 and "very-secret" not in result.out + result.err
    assert "applied/staging-eu1.yaml leads outside the project" in result.out + result.err


def test_cluster_name_cannot_walk_out_of_the_state_store(
    run: Run, example: Path, tmp_path: Path
) -> None:
    result = run(
        "-C",
        str(example),
        "diff",
        "dev-eu1",
        "--state",
        str(tmp_path),
        "--set",
        "clusterName=../loot",
    )
    assert result.code == 2
    assert "'../loot' is not a kOps cluster name" in result.err


def test_git_refs_are_not_options(run: Run, example: Path, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(example)], check=True)
    out = tmp_path / "out.txt"
    result = run("-C", str(example), "check", f"--changed-since=--output={out}")
    assert result.code == 2 and not out.exists()
    assert result.err == f"error: --changed-since: '--output={out}' is not a git ref\n"


def test_against_ref_with_a_symlink_leaving_the_project(run: Run, example: Path) -> None:
    git = ["git", "-C", str(example), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    (example / "values" / "link.txt").symlink_to("/etc/passwd")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    result = run("-C", str(example), "diff", "--all", "--against-ref", "HEAD")
    assert result.code == 0, result.err
    assert "dev-eu1: no changes" in result.out


@pytest.mark.parametrize(
    ("args", "err"),
    [
        (["--jobs", "1000"], "error: --jobs 1000: at most 64 (limits.jobs in clustermgr.yaml)\n"),
        (
            ["--shard", "1/100000000"],
            "error: --shard 1/100000000: more shards than the project has clusters (4)\n",
        ),
    ],
)
def test_check_bounds(run: Run, example: Path, args: list[str], err: str) -> None:
    result = run("-C", str(example), "check", "--all", *args)
    assert (result.code, result.err) == (2, err)


def test_damaged_cache_is_recomputed(
    run: Run, example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    (cache / "check").mkdir(parents=True, mode=0o700)
    cache.chmod(0o700)
    (cache / "check" / "results.sqlite").write_bytes(b"not a database" * 100)
    monkeypatch.setenv("CLUSTERMGR_CACHE_DIR", str(cache))
    result = run("-C", str(example), "check", "--all", "--jobs", "1")
    assert result.code == 0, result.err
    assert result.out.endswith(
        "4 checked (0 from cache): 0 invalid, not compared (pass --state or --against-ref, "
        "or set diff.applied)\n"
    )


def test_a_foreign_cache_is_not_used(
    run: Run, example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    (cache / "yaml").mkdir(parents=True)
    (cache / "yaml").chmod(0o777)
    monkeypatch.setenv("CLUSTERMGR_CACHE_DIR", str(cache))
    result = run("-C", str(example), "values", "dev-eu1")
    assert result.code == 0
    assert result.err == (
        f"warning: cache folder {cache}/yaml is not yours alone (owner or group/world-writable): "
        "it is not used\n"
    )


def test_template_output_that_is_not_text(run: Run, example: Path) -> None:
    (example / "template" / "30-x.yaml.j2").write_text('x: {{ "\\ud800" }}\n')
    result = run("-C", str(example), "render", "dev-eu1", "--out", str(example / "out.yaml"))
    assert result.err == (
        "template/30-x.yaml.j2: error: the output holds a character that is not text (U+D800)\n"
    )
    assert not (example / "out.yaml").exists()


def test_gitlab_variables_are_not_expanded(run: Run, example: Path) -> None:
    values = example / "values" / "dev" / "dev-eu1.yaml"
    text = values.read_text()
    values.write_text(text.replace("clusterName: dev-eu1.k8s.example.com", "clusterName: $HOME.x"))
    result = run("-C", str(example), "ci", "gitlab")
    assert result.code == 1
    assert result.err == "error: cluster 'dev-eu1': '$HOME.x' is not a kOps cluster name\n"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "a: 1\nx: {{ " + "(" * 100 + "1" + ")" * 100 + " }}\n",
            "template/99-deep.yaml.j2:2: error: template syntax error: brackets nest deeper than 50",
        ),
        (
            "x: {{ 1" + "+1" * 20000 + " }}\n",
            "template/99-deep.yaml.j2: error: the template's expressions are too deeply nested or "
            "too long to compile",
        ),
    ],
)
def test_templates_too_deep_to_compile(
    run: Run, example: Path, tmp_path: Path, template: str, message: str
) -> None:
    (example / "template" / "99-deep.yaml.j2").write_text(template)
    rendered = run("-C", str(example), "render", "dev-eu1")
    assert (rendered.code, rendered.err.splitlines()[-1]) == (1, message)
    report = tmp_path / "report.json"
    checked = run("-C", str(example), "check", "--all", "--json", str(report))
    assert checked.code == 1 and report.is_file()  # every cluster reported, no internal error


@pytest.mark.parametrize(
    ("args", "err"),
    [
        (
            ["../../../outside", "--env", "dev"],
            "cluster name '../../../outside' is not a DNS label",
        ),
        (["x", "--env", "/abs"], "environment '/abs': folder '' is not a DNS label"),
        (["x", "--env", "../up"], "environment '../up': folder '..' is not a DNS label"),
        (["_x", "--env", "dev"], "cluster name '_x' is not a DNS label"),
        (["Bad Name", "--env", "dev"], "cluster name 'Bad Name' is not a DNS label"),
        (
            ["ok", "--env", "dev", "--kops-name", "zz.example.com\nsshAccess: [0.0.0.0/0]"],
            "--kops-name 'zz.example.com\\nsshAccess: [0.0.0.0/0]': not a DNS name kOps accepts",
        ),
    ],
)
def test_new_names_are_checked_at_the_door(
    run: Run, example: Path, args: list[str], err: str
) -> None:
    before = sorted(p for p in example.parent.rglob("*"))
    result = run("-C", str(example), "new", *args)
    assert result.code == 2 and result.err.startswith(f"error: {err}"), result.err
    assert sorted(p for p in example.parent.rglob("*")) == before


def test_a_configured_snapshot_folder_that_is_not_there(run: Run, example: Path) -> None:
    with open(example / "clustermgr.yaml", "a") as config:
        config.write("diff:\n  applied: nowhere\n")
    for command in (["diff", "dev-eu1"], ["check", "--all"]):
        result = run("-C", str(example), *command)
        assert result.code in (1, 2) and result.code != 0
        assert result.err == "clustermgr.yaml: error: diff.applied: 'nowhere' does not exist\n"


def test_a_missing_store_is_one_error_however_it_is_named(
    run: Run, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag = run("-C", str(example), "check", "--all", "--state", "/missing/store")
    monkeypatch.setenv("KOPS_STATE_STORE", "/missing/store")
    env = run("-C", str(example), "check", "--all")
    assert (flag.code, env.code) == (2, 2)
    assert flag.err == "error: state store not found: /missing/store\n"
    assert env.err == "error: state store not found: /missing/store (KOPS_STATE_STORE)\n"


def test_check_cache_keys_hold_the_admin_ssh_keys_and_the_code(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "state"
    keys = store / "dev-eu1.k8s.example.com" / "pki" / "ssh" / "public" / "admin"
    keys.mkdir(parents=True)
    (keys / "a1").write_text("ssh-ed25519 AAAAold\n")
    (store / "dev-eu1.k8s.example.com" / "config").write_text("kind: Cluster\n")
    project = find_project(example)
    request = CheckRequest(against=Against(state=str(store)))
    before = CacheKeys(project, request).key("dev-eu1", "dev-eu1.k8s.example.com")
    (keys / "a1").write_text("ssh-ed25519 AAAAswapped\n")
    swapped = CacheKeys(project, request).key("dev-eu1", "dev-eu1.k8s.example.com")
    assert swapped != before
    code = tmp_path / "code.py"
    code.write_text("x = 1\n")
    monkeypatch.setattr(store_module, "code_files", lambda: (("code.py", str(code)),))
    before = CacheKeys(project, request).key("dev-eu1", "dev-eu1.k8s.example.com")
    code.write_text("x = 2\n")  # other code, the same size
    assert CacheKeys(project, request).key("dev-eu1", "dev-eu1.k8s.example.com") != before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "x: 1\n" * 1_900_000,  # 9.5 MB: under limits.fileBytes, over templateBytes
            "template/99-big.yaml.j2: error: the template is larger than limits.templateBytes "
            "(1,000,000 characters)",
        ),
        (
            "{{ x }}\n" * 20_001,
            "template/99-big.yaml.j2: error: the template has 20,001 tags, more than "
            "limits.templateActions (20,000)",
        ),
    ],
)
def test_templates_are_bounded_before_they_compile(
    run: Run, example: Path, tmp_path: Path, text: str, message: str
) -> None:
    (example / "template" / "99-big.yaml.j2").write_text(text)
    started = time.monotonic()
    rendered = run("-C", str(example), "render", "dev-eu1")
    assert (rendered.code, rendered.err.splitlines()[-1]) == (1, message)
    checked = run("-C", str(example), "check", "--all", "--json", str(tmp_path / "r.json"))
    assert checked.code == 1 and (tmp_path / "r.json").is_file()
    go = tmp_path / "big.tmpl"
    go.write_text(text.replace("{{ x }}", "{{ .x }}"))
    converted = run("convert", str(go), "--out-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert converted.code == 1 and "limits.template" in converted.err
    assert time.monotonic() - started < 30


def test_a_file_longer_than_stat_says_is_read_whole() -> None:
    """read_bytes asks for the size stat gave (read(n) allocates n bytes), then for the rest:
    /proc files say 0 bytes and hold more, as a file growing while it is read does."""
    status = read_bytes("/proc/self/status")
    assert status.startswith(b"Name:") and b"\nPid:" in status
