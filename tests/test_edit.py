"""`set`: values changed where they are set, every other byte of the file kept."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest

from clustermgr.ops.edit import Change
from clustermgr.ops.edit import edit_text as edit_changes
from clustermgr.yamlio import iter_leaves, load_mapping
from tests.conftest import Run


def edit_text(text: str, pairs: list[tuple[Any, Any]], display: str, schema: Any = None) -> str:
    return edit_changes(text, [Change(tuple(p), v) for p, v in pairs], display, schema)[0]


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_set_for_an_environment_edits_one_line(run: Run, example: Path) -> None:
    env = example / "values/prod/_env.yaml"
    before = {p: p.read_text() for p in (example / "values").rglob("*.yaml")}
    result = run("-C", str(example), "set", "kubernetesVersion=1.34.10", "--env", "prod")
    assert result.code == 0, result.err
    assert changed_lines(before[env], env.read_text()) == ["+kubernetesVersion: 1.34.10"]
    assert all(p.read_text() == text for p, text in before.items() if p != env)
    assert result.out.startswith("--- a/values/prod/_env.yaml\n+++ b/values/prod/_env.yaml\n")
    assert "prod-eu1: 1 change in 1 resource — impact: roll all (control plane first)" in result.out
    assert "prod-us1: 1 change in 1 resource" in result.out
    assert result.out.endswith("2 clusters checked, 0 failing: 0 errors, 0 warnings\n")
    assert result.err == "wrote values/prod/_env.yaml\n"


def test_a_shared_layer_is_judged_by_effect(run: Run, example: Path) -> None:
    # prod-us1 merges values/prod/_env.yaml too, but sets its own maxSize: it does not change
    env = example / "values/prod/_env.yaml"
    before = env.read_text()
    result = run("-C", str(example), "set", "nodeGroups.nodes.maxSize=30", "prod-eu1")
    assert (result.code, result.err) == (0, "wrote values/prod/_env.yaml\n")
    assert changed_lines(before, env.read_text()) == ["-    maxSize: 20", "+    maxSize: 30"]
    assert "prod-us1" not in result.out


def test_an_edit_reaching_clusters_not_named_is_refused(run: Run, example: Path) -> None:
    result = run("-C", str(example), "set", "nodeGroups.nodes.minSize=5", "prod-eu1")
    assert (result.code, result.err) == (
        2,
        "error: values/prod/_env.yaml is shared by clusters not named, and the edit would "
        "change their values (prod-us1: nodeGroups.nodes.minSize): name them as well, or pass "
        "--layer cluster to write the value in each named cluster's own file\n",
    )
    own = run(
        "-C", str(example), "set", "nodeGroups.nodes.minSize=5", "prod-eu1", "--layer", "cluster"
    )
    assert own.code == 0, own.err
    text = (example / "values/prod/prod-eu1.yaml").read_text()
    assert text.endswith("nodeGroups:\n  nodes:\n    minSize: 5\n")


def test_dry_run_writes_nothing_and_a_schema_error_exits_1(run: Run, example: Path) -> None:
    env = example / "values/prod/_env.yaml"
    before = env.read_text()
    dry = run("-C", str(example), "set", "kubelet.maxPods=1000", "--env", "prod", "--dry-run")
    assert dry.code == 1
    assert "kubelet.maxPods: 1000 is greater than the maximum of 250" in dry.out
    assert dry.err == "dry run: nothing written\n"
    assert env.read_text() == before
    real = run("-C", str(example), "set", "kubelet.maxPods=1000", "--env", "prod")
    assert real.code == 1  # the edit stays, with the located problem
    assert changed_lines(before, env.read_text()) == ["-  maxPods: 64", "+  maxPods: 1000"]


def test_every_example_file_keeps_all_but_the_edited_line(example: Path) -> None:
    for path in sorted((example / "values").rglob("*.yaml")):
        text = path.read_text()
        leaves = [
            (p, v)
            for p, v in iter_leaves(load_mapping(path, str(path)).data)
            if isinstance(v, (int, str)) and not isinstance(v, bool) and p
        ]
        leaf, value = leaves[-1]
        new = value + 1 if isinstance(value, int) else f"{value}x"
        after = edit_text(text, [(leaf, new)], str(path))
        assert len(changed_lines(text, after)) == 2, (path, changed_lines(text, after))


@pytest.mark.parametrize(
    ("value", "written"),
    [("on", 'k: "on"\n'), ("1e3", 'k: "1e3"\n'), ("plain", "k: plain\n"), (True, "k: true\n")],
)
def test_text_kops_would_read_otherwise_is_quoted(value: object, written: str) -> None:
    assert edit_text("k: x\n", [(("k",), value)], "f.yaml") == written


def test_comments_and_quoting_are_kept() -> None:
    text = "# head\na: 'quoted'  # why\nb:\n  - 1\n\n# tail\nc: 2\n"
    assert edit_text(text, [(("a",), "new")], "f.yaml") == (
        "# head\na: 'new'     # why\nb:\n  - 1\n\n# tail\nc: 2\n"  # the comment keeps its column
    )


def test_promote_copies_the_value_to_the_next_environment(run: Run, example: Path) -> None:
    env = example / "values/prod/_env.yaml"
    before = env.read_text()
    result = run(
        "-C", str(example), "promote", "kubernetesVersion", "--from", "staging", "--to", "prod"
    )
    assert result.code == 0, result.err
    assert changed_lines(before, env.read_text()) == ["+kubernetesVersion: 1.34.10"]
    assert "prod-us1: 1 change in 1 resource — impact: roll all (control plane first)" in result.out
    dev = example / "values/dev/dev-eu1.yaml"
    dev.write_text(dev.read_text() + "kubernetesVersion: 1.33.2\n")
    other = example / "values/dev/dev-eu2.yaml"
    other.write_text(
        dev.read_text().replace("dev-eu1.k8s", "dev-eu2.k8s").replace("1.33.2", "1.33.3")
    )
    split = run(
        "-C", str(example), "promote", "kubernetesVersion", "--from", "dev", "--to", "staging"
    )
    assert (split.code, split.err) == (
        2,
        "error: the clusters to promote from disagree on kubernetesVersion (dev-eu1: '1.33.2'; "
        "dev-eu2: '1.33.3')\n",
    )


def test_a_new_key_goes_where_the_schema_lists_it() -> None:
    schema = {"properties": {"a": {}, "b": {}, "c": {"properties": {"x": {}, "y": {}}}}}
    text = "# top\na: 1\nc:\n  y: 2\n"
    assert edit_text(text, [(("b",), 5), (("c", "x"), 0)], "f.yaml", schema) == (
        "# top\na: 1\nb: 5\nc:\n  x: 0\n  y: 2\n"
    )


def test_imported_values_files_keep_all_but_the_edited_line(
    run: Run, kops_data: Path, tmp_path: Path
) -> None:
    sources = sorted((kops_data / "manifests").glob("*.yaml"))[:12]
    fleet = tmp_path / "fleet"
    assert run("import", *map(str, sources), "--out-dir", str(fleet)).code == 0
    edited = 0
    for path in sorted((fleet / "values").rglob("*.yaml")):
        text = path.read_text()
        leaves = [
            (p, v)
            for p, v in iter_leaves(load_mapping(path, str(path)).data)
            if isinstance(v, (int, str)) and not isinstance(v, bool) and p
        ]
        if not leaves:
            continue
        leaf, value = leaves[len(leaves) // 2]
        new = value + 1 if isinstance(value, int) else f"{value}x"
        after = edit_text(text, [(leaf, new)], str(path))
        assert len(changed_lines(text, after)) == 2, (path.name, changed_lines(text, after))
        edited += 1
    assert edited >= 10


def test_a_secret_set_is_never_printed(run: Run, example: Path) -> None:
    canary = "canary-s3cr3t-value"
    result = run("-C", str(example), "set", f"registry.password={canary}", "dev-eu1", "--dry-run")
    assert result.code == 1  # the example's schema has no registry
    assert canary not in result.out + result.err
    assert "+  password: <redacted sha256:" in result.out


@pytest.mark.parametrize(
    ("args", "err"),
    [
        (["set", "kubernetesVersion=1.34.1"], "name the clusters, or pass --all or --env (one of them)"),
        (["set", "x=1", "dev-eu1", "--all"], "name the clusters, or pass --all or --env (one of them)"),
        (["set", "dev-eu1"], "name at least one KEY=VALUE (or --set-file, --unset)"),
        (["set", "x=1", "--env", "nope"], "no cluster has environment: nope"),
        (["promote", "kubernetesVersion", "--from", "dev", "--to", "nope"], "no cluster has environment: nope"),
        (
            ["set", "nodeGroups.nodes.maxSize=1", "dev-eu1", "--layer", "values/nope.yaml"],
            "--layer values/nope.yaml: not one of the cluster's layers",
        ),
    ],
)  # fmt: skip
def test_edit_usage_errors(run: Run, example: Path, args: list[str], err: str) -> None:
    before = {p: p.read_text() for p in (example / "values").rglob("*.yaml")}
    result = run("-C", str(example), *args)
    assert (result.code, result.err) == (2, f"error: {err}\n")
    assert {p: p.read_text() for p in (example / "values").rglob("*.yaml")} == before
