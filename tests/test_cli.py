"""The commands end to end, through the console-script entry point, with exact output."""

from __future__ import annotations

import gc
import importlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest

import clustermgr.cli
import clustermgr.render.project
from clustermgr.cli.app import COMMANDS, cli
from clustermgr.problems import EXIT_TABLE, exit_table
from tests.conftest import REPO, Run

EXAMPLE = str(REPO)


def test_version(run: Run) -> None:
    assert run("--version").out == "clustermgr, version 0.1.0\n"


def test_list_shows_layers_in_merge_order(run: Run) -> None:
    result = run("-C", EXAMPLE, "list")
    assert result.code == 0
    assert result.out == (
        "CLUSTER      LAYERS (merged in this order)\n"
        "dev-eu1      values/_defaults.yaml -> values/dev/_env.yaml -> values/dev/dev-eu1.yaml\n"
        "prod-eu1     values/_defaults.yaml -> values/prod/_env.yaml -> values/prod/prod-eu1.yaml\n"
        "prod-us1     values/_defaults.yaml -> values/prod/_env.yaml -> values/prod/prod-us1.yaml\n"
        "staging-eu1  values/_defaults.yaml -> values/staging/_env.yaml -> "
        "values/staging/staging-eu1.yaml\n"
    )
    listed = json.loads(run("-C", EXAMPLE, "list", "-o", "json").out)
    assert listed[0] == {
        "name": "dev-eu1",
        "file": "values/dev/dev-eu1.yaml",
        "layers": ["values/_defaults.yaml", "values/dev/_env.yaml", "values/dev/dev-eu1.yaml"],
    }


def test_values_show_origin(run: Run) -> None:
    result = run(
        "-C", EXAMPLE, "values", "prod-us1", "--show-origin", "--set", "nodeGroups.nodes.minSize=5"
    )
    assert result.code == 0
    lines = result.out.splitlines()
    assert "values/_defaults.yaml:2:16        cloudProvider: aws" in lines
    assert (
        "values/prod/prod-us1.yaml:21:14   nodeGroups.nodes.maxSize: 40  "
        "(overrides values/prod/_env.yaml:16:14, values/_defaults.yaml:27:14)"
    ) in lines
    assert (
        "--set nodeGroups.nodes.minSize=…  nodeGroups.nodes.minSize: 5  "
        "(overrides values/prod/_env.yaml:15:14, values/_defaults.yaml:26:14)"
    ) in lines
    assert (
        "values/prod/_env.yaml:4:5         sshAccess[0]: 10.0.0.0/16  "
        "(overrides sshAccess from values/_defaults.yaml:8:1)"
    ) in lines


def test_values_formats(run: Run) -> None:
    data = json.loads(run("-C", EXAMPLE, "values", "dev-eu1", "-o", "json").out)
    assert data["nodeGroups"] == {
        "nodes": {"machineType": "t3.large", "minSize": 1, "maxSize": 3, "rootVolumeSize": 50}
    }
    assert data["clusterName"] == "dev-eu1.k8s.example.com"
    rows = json.loads(run("-C", EXAMPLE, "values", "dev-eu1", "--show-origin", "-o", "json").out)
    assert rows[0] == {
        "path": "cloudProvider",
        "value": "aws",
        "origin": "values/_defaults.yaml:2:16",
        "overrides": [],
    }
    text = run("-C", EXAMPLE, "values", "dev-eu1").out
    assert text.startswith("cloudProvider: aws\nstateStore: s3://example-kops-state\n")


def test_render_all_to_a_folder(run: Run, tmp_path: Path) -> None:
    result = run("-C", EXAMPLE, "render", "--all", "--out-dir", str(tmp_path / "out"))
    assert result.code == 0, result.err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "dev-eu1.yaml",
        "prod-eu1.yaml",
        "prod-us1.yaml",
        "staging-eu1.yaml",
    ]
    single = run("-C", EXAMPLE, "render", "prod-us1")
    assert single.out == (tmp_path / "out" / "prod-us1.yaml").read_text()
    assert single.out.count("kind: InstanceGroup") == 5  # three control-plane zones, two pools
    assert "ubuntu-noble-24.04-arm64-server" in single.out  # the channel picks arm64 images


def test_render_clusters_joined_on_stdout(run: Run) -> None:
    both = run("-C", EXAMPLE, "render", "dev-eu1", "staging-eu1").out
    assert (
        both
        == run("-C", EXAMPLE, "render", "dev-eu1").out
        + "---\n"
        + run("-C", EXAMPLE, "render", "staging-eu1").out
    )


def project(write: Callable[..., Path], **values: str) -> Path:
    files = {"template/t.yaml.j2": "name: {{ clusterName }}\nsize: {{ size }}\n"}
    files.update({f"values/{name}.yaml": text for name, text in values.items()})
    return write(files)


def test_failures_are_all_reported_and_nothing_is_written(
    run: Run, write: Callable[..., Path]
) -> None:
    root = project(write, good="size: 1\n", bad1="sise: 1\n", bad2="size: [1\n")
    out = root / "out.yaml"
    out.write_text("previous content\n")
    result = run("-C", str(root), "render", "--all", "--out", str(out))
    assert result.code == 1
    assert result.err == (
        "template/t.yaml.j2:2:10: error: [bad1] undefined value 'size'\n"
        "values/bad2.yaml:2:1: error: [bad2] did not find expected ',' or ']' "
        "(while parsing a flow sequence at line 1)\n"
    )
    assert result.out == ""
    assert out.read_text() == "previous content\n"
    assert not (root / "out").exists()
    result = run("-C", str(root), "render", "--all", "--out-dir", str(root / "out"))
    assert result.code == 1
    assert not (root / "out").exists()


def test_out_file_is_written_whole(run: Run, write: Callable[..., Path]) -> None:
    root = project(write, c1="size: 3\n")
    result = run("-C", str(root), "render", "c1", "--out", str(root / "o" / "c1.yaml"))
    assert result.code == 0
    assert (root / "o" / "c1.yaml").read_text() == "name: c1\nsize: 3\n"
    assert [p.name for p in (root / "o").iterdir()] == ["c1.yaml"]  # no temporary left behind


@pytest.mark.parametrize(
    ("args", "code", "err"),
    [
        (["render", "nope"], 2, "error: unknown cluster 'nope'; known clusters: c1\n"),
        (["render"], 2, "error: name the clusters to render, or pass --all (not both)\n"),
        (
            ["render", "c1", "--values", "missing.yaml"],
            2,
            "error: values file not found: missing.yaml\n",
        ),
        (["render", "c1", "--set", "x"], 1, "error: --set 'x': key 'x' has no value\n"),
        (
            ["render", "c1", "--out", "a", "--out-dir", "b"],
            2,
            "error: --out-file and --out-dir cannot be used together\n",
        ),
    ],
)
def test_usage_and_input_errors(
    run: Run, write: Callable[..., Path], args: list[str], code: int, err: str
) -> None:
    root = project(write, c1="size: 3\n")
    result = run("-C", str(root), *args)
    assert (result.code, result.err) == (code, err)


def test_unknown_option_is_a_usage_error(run: Run) -> None:
    result = run("render", "--frobnicate")
    assert result.code == 2
    assert "No such option '--frobnicate'" in result.err


def test_internal_errors_are_short_unless_debug(
    run: Run, write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:

    def boom(*args: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(clustermgr.render.project, "render_values", boom)
    root = project(write, c1="size: 3\n")
    result = run("-C", str(root), "render", "c1")
    assert (result.code, result.err) == (
        3,
        "clustermgr: internal error: RuntimeError: kaput\nre-run with --debug for the traceback\n",
    )
    result = run("--debug", "-C", str(root), "render", "c1")
    assert result.code == 3
    assert "Traceback (most recent call last)" in result.err


# -- the kOps-compatible `template` command ----------------------------------------------------


@pytest.fixture
def kops_layout(write: Callable[..., Path]) -> Path:
    return write(
        {
            "tpl/cluster.yaml.j2": "name: {{ clusterName }}\nversion: {{ k8s }}\n",
            "tpl/ig.yaml.j2": "---\n{{ include('ig', ig) }}\n",
            "snippets/ig": "ig: {{ name }}\nsize: {{ size }}\n",
            "a.yaml": "k8s: 1.33.0\nig: {name: nodes, size: 1}\n",
            "b.yaml": "ig: {size: 2}\n",
        }
    )


def test_template_like_kops(run: Run, kops_layout: Path) -> None:
    result = run(
        "template",
        "--template",
        "tpl",
        "--snippets",
        "snippets",
        "--values",
        "a.yaml,b.yaml",
        "--set",
        "ig.size=3",
        "--set-string",
        "k8s=1.34.0",
        "--name",
        "c.example.com",
        cwd=kops_layout,
    )
    assert result.code == 0, result.err
    # Byte for byte what kOps writes: each template's output joined with `---\n`, nothing
    # added or taken away (the second template starts with its own `---` and ends blank).
    assert result.out == ("name: c.example.com\nversion: 1.34.0\n---\n---\nig: nodes\nsize: 3\n\n")


def test_template_output_and_format(run: Run, kops_layout: Path) -> None:
    result = run(
        "template",
        "--template",
        "tpl/cluster.yaml.j2,tpl/ig.yaml.j2",
        "--snippets",
        "snippets",
        "--values",
        "a.yaml",
        "--values",
        "b.yaml",
        "--format-yaml",
        "--output",
        "out.yaml",
        "--name",
        "c",
        cwd=kops_layout,
    )
    assert (result.code, result.out) == (0, "")
    assert (kops_layout / "out.yaml").read_text() == (
        "name: c\nversion: 1.33.0\n---\nig: nodes\nsize: 2\n"
    )


def test_template_fail_on_missing_false(run: Run, kops_layout: Path) -> None:
    result = run(
        "template", "--template", "tpl/cluster.yaml.j2", "--fail-on-missing=false", cwd=kops_layout
    )
    assert (result.code, result.out) == (0, "name: \nversion: \n")
    result = run("template", "--template", "tpl/cluster.yaml.j2", cwd=kops_layout)
    # kOps sets clusterName to --name, "" without it (cmd/kops/toolbox_template.go): the first
    # undefined value is the next one
    assert (result.code, result.err) == (
        1,
        "tpl/cluster.yaml.j2:2:13: error: undefined value 'k8s'\n",
    )


def test_template_config_value(run: Run, kops_layout: Path) -> None:
    assert (
        run("template", "--values", "a.yaml", "--config-value", "k8s", cwd=kops_layout).out
        == "1.33.0\n"
    )
    assert run("template", "--values", "a.yaml", "--config-value", "ig", cwd=kops_layout).out == (
        '{"name": "nodes", "size": 1}\n'
    )
    assert (
        run("template", "--values", "a.yaml", "--config-value", "ig.size", cwd=kops_layout).out
        == "1\n"
    )
    assert (
        run("template", "--values", "a.yaml", "--config-value", "nope", cwd=kops_layout).out
        == "null\n"
    )


def test_template_format_yaml_names_the_template(run: Run, write: Callable[..., Path]) -> None:
    root = write({"t.yaml": "a: 1\n---\nb: [\n"})
    result = run("template", "--template", "t.yaml", "--format-yaml", cwd=root)
    assert result.code == 1
    assert result.err == (
        "t.yaml: error: the rendered output is not valid YAML: did not find expected node content "
        "(while parsing a flow node at line 2) (rendered document 2, line 2)\n"
    )


@pytest.mark.parametrize(
    "template",
    [
        # a kOps Go template, as kops toolbox template reads it
        'image: {{ ChannelRecommendedImage "aws" "1.33.0" "arm64" }}\n'
        "k8s: {{ ChannelRecommendedKopsKubernetesVersion }}\n",
        # the same in clustermgr's Jinja2 (a .j2 file)
        "image: {{ ChannelRecommendedImage('aws', '1.33.0', 'arm64') }}\n"
        "k8s: {{ ChannelRecommendedKopsKubernetesVersion() }}\n",
    ],
    ids=["go", "jinja"],
)
def test_template_channel_functions(
    run: Run, write: Callable[..., Path], kops_data: Path, template: str
) -> None:
    name = "t.yaml" if "(" not in template else "t.yaml.j2"
    root = write({name: template})
    result = run(
        "template",
        "--template",
        name,
        "--channel",
        str(kops_data / "channels" / "stable"),
        "--kops-version",
        "1.33.0",
        cwd=root,
    )
    assert result.code == 0, result.err
    assert result.out == (
        "image: 099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20260714\n"
        "k8s: 1.33.13\n"
    )


def test_template_missing_paths(run: Run, tmp_path: Path) -> None:
    assert run("template", "--template", "nope", cwd=tmp_path).err == (
        "error: --template: no such file or directory: nope\n"
    )
    assert run("template", cwd=tmp_path).code == 2


def test_unchanged_outputs_are_not_rewritten(run: Run, write: Callable[..., Path]) -> None:
    root = project(write, c1="size: 3\n", c2="size: 4\n")
    out = root / "out"
    assert run("-C", str(root), "render", "--all", "--out-dir", str(out)).code == 0

    os.utime(out / "c1.yaml", (1, 1))
    os.utime(out / "c2.yaml", (1, 1))
    (root / "values" / "c2.yaml").write_text("size: 5\n")
    assert run("-C", str(root), "render", "--all", "--out-dir", str(out)).code == 0
    assert (out / "c1.yaml").stat().st_mtime == 1  # same content: left alone
    assert (out / "c2.yaml").read_text() == "name: c2\nsize: 5\n"


# -- lint ---------------------------------------------------------------------------------------

MANIFEST = """\
apiVersion: kops.k8s.io/v1alpha2
kind: InstanceGroup
metadata:
  name: nodes
spec:
  role: Node
  minSize: 3
  maxSize: 2
  associatePublicIp: yes
"""


def test_lint_file_and_stdin(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m.yaml").write_text(MANIFEST)
    result = run("lint", "m.yaml", "-o", "parsable", cwd=tmp_path)
    assert (result.code, result.out) == (
        1,
        "m.yaml:8:12: [error] ig-size: Invalid value: 2: maxSize must be greater than or equal to "
        "minSize.\n"
        'm.yaml:9:22: [warning] yaml11: `yes` is the boolean true to kOps (YAML 1.1); write "yes" '
        "if you mean the text\n",
    )

    monkeypatch.setattr("sys.stdin", io.StringIO(MANIFEST.replace("maxSize: 2", "maxSize: 5")))
    result = run("lint", "-", cwd=tmp_path)
    assert result.code == 0
    assert result.out.endswith("1 file checked, 0 failing: 0 errors, 1 warning\n")
    monkeypatch.setattr("sys.stdin", io.StringIO(MANIFEST.replace("maxSize: 2", "maxSize: 5")))
    assert run("lint", "-", "--strict", cwd=tmp_path).code == 1


def test_lint_writes_reports_atomically(run: Run, tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(MANIFEST)
    result = run("lint", "m.yaml", "-o", "junit", "--out-file", "r.xml", cwd=tmp_path)
    assert (result.code, result.out) == (1, "")
    assert (tmp_path / "r.xml").read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml", "r.xml"]


@pytest.mark.parametrize(
    ("args", "err"),
    [
        (["lint", "nope.yaml"], "error: no such file: nope.yaml\n"),
        (
            ["lint", "m.yaml", "--kops-crds", "nowhere"],
            "error: --kops-crds: no such directory: nowhere\n",
        ),
        (
            ["validate", "--all", "nope"],
            "error: name the clusters to validate, or pass --all (not both)\n",
        ),
        (["validate", "nope"], "error: unknown cluster 'nope'; known clusters: c1\n"),
    ],
)
def test_lint_and_validate_usage_errors(
    run: Run, write: Callable[..., Path], args: list[str], err: str
) -> None:
    root = project(write, c1="size: 3\n")
    (root / "m.yaml").write_text(MANIFEST)
    result = run("-C", str(root), *args, cwd=root)
    assert (result.code, result.err) == (2, err)


def test_lint_with_the_real_crds(run: Run, kops_data: Path) -> None:
    files = sorted(str(p) for p in (kops_data / "manifests").glob("*.yaml"))
    crds = str(kops_data / "crds")
    # kOps' own test manifests, linted for the kOps they come from
    result = run("lint", "--kops-crds", crds, "--kops-version", "1.37.0", "-o", "json", *files)
    assert result.code == 0
    assert json.loads(result.out)["summary"]["errors"] == 0


def test_every_command_is_in_the_lazy_table() -> None:

    for module in set(COMMANDS.values()):
        importlib.import_module(f"clustermgr.cli.{module}")
    assert set(cli.commands) == set(COMMANDS)
    for name, command in cli.commands.items():
        assert command.callback is not None
        assert command.callback.__module__ == f"clustermgr.cli.{COMMANDS[name]}" or name == "ci"


@pytest.mark.parametrize(
    ("args", "loaded"),
    [
        (["render", "dev-eu1"], ["rendering"]),
        (["-C", "render", "list"], ["authoring"]),  # -C's value is a folder, not a command
        (["--debug", "-C", "x", "check", "--all"], ["checking"]),
        (["--version"], []),
        (["no-such-command"], []),
    ],
)
def test_load_command_imports_the_named_command_only(args: list[str], loaded: list[str]) -> None:
    code = (
        "import sys; from clustermgr.cli import load_command; "
        f"load_command({args!r}); "
        "print(sorted(m for m in sys.modules if m.startswith('clustermgr.cli.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = sorted(["clustermgr.cli.app", *(f"clustermgr.cli.{m}" for m in loaded)])
    assert done.stdout == f"{modules}\n"


def _entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    """`clustermgr render --help` through the console script's main(), in this process; the
    collector's settings it changes are put back."""
    import clustermgr.__main__ as entry  # noqa: PLC0415  # its main() is the process's

    monkeypatch.setattr(sys, "argv", ["clustermgr", "render", "--help"])
    threshold = gc.get_threshold()
    try:
        with pytest.raises(SystemExit):
            entry.main()
    finally:
        gc.unfreeze()
        gc.enable()
        gc.set_threshold(*threshold)


def test_the_entry_point_collects_garbage_while_the_command_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[bool, bool, int]] = []

    def command() -> None:
        seen.append((gc.isenabled(), gc.get_freeze_count() > 0, gc.get_threshold()[0]))
        sys.exit(0)

    monkeypatch.setattr(clustermgr.cli, "main", command)
    _entry_point(monkeypatch)
    assert seen == [(True, True, 10_000)]  # on, with what start-up loaded frozen


def test_a_command_that_fails_to_load_is_reported_by_main(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Loading the command early is only a head start: a failure there is left for
    `clustermgr.cli.main`, which meets it again and says so in one line (no traceback)."""

    def broken(args: list[str]) -> None:
        raise RuntimeError("broken module")

    ran: list[bool] = []
    monkeypatch.setattr(clustermgr.cli, "load_command", broken)
    monkeypatch.setattr(clustermgr.cli, "main", lambda: ran.append(True) or sys.exit(0))
    _entry_point(monkeypatch)
    assert ran == [True]


def test_templates_cannot_reach_outside_the_project(
    run: Run, write: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.txt"
    outside.write_text("token: hunter2\n")
    root = project(write, c1="size: 1\n")
    (root / "template" / "leak.yaml.j2").symlink_to(outside)
    result = run("-C", str(root), "render", "c1")
    assert (result.code, result.out) == (1, "")
    assert result.err == "error: template/leak.yaml.j2 leads outside the project\n"


def test_list_says_where_clusters_come_from(run: Run, tmp_path: Path) -> None:
    (tmp_path / "values").mkdir()  # a project with no cluster yet
    result = run("-C", str(tmp_path), "list")
    assert (result.code, result.out, result.err) == (
        1,
        "",
        "error: no clusters found under values/: each *.yaml there is a cluster, _*.yaml "
        "files are shared layers\n",
    )


def test_honest_summaries(run: Run, example: Path, tmp_path: Path) -> None:
    check = run("-C", str(example), "check", "dev-eu1", "--jobs", "1")
    assert check.out.splitlines()[0].endswith("ok       0 errors; not compared")
    store = tmp_path / "state"
    store.mkdir()
    pull = run(
        "-C",
        str(example),
        "pull",
        "dev-eu1",
        "--state",
        str(store),
        "--out-dir",
        str(tmp_path / "out"),
    )
    assert pull.code == 2
    assert pull.err == (
        f"error: dev-eu1: the state store has no cluster dev-eu1.k8s.example.com "
        f"(no {store}/dev-eu1.k8s.example.com/config)\n"
    )
    assert not (tmp_path / "out").exists()

    sys.stdin, saved = io.StringIO(""), sys.stdin
    try:
        lint = run("lint", "-", "-o", "parsable")
    finally:
        sys.stdin = saved
    assert (lint.code, lint.out) == (1, "<stdin>: [error] yaml: no manifest on standard input\n")
    nulled = run("-C", str(example), "render", "dev-eu1", "--set", "clusterName=null")
    assert (nulled.code, nulled.err) == (
        1,
        "template/10-cluster.yaml.j2:5: error: renders null into the output (None): the value "
        "is missing or null\n",
    )


def test_values_show_origin_refuses_yaml(run: Run) -> None:
    result = run("-C", EXAMPLE, "values", "dev-eu1", "--show-origin", "-o", "yaml")
    assert result.code == 2
    assert result.err == "error: --show-origin prints text or -o json, not yaml\n"
    records = json.loads(run("-C", EXAMPLE, "values", "dev-eu1", "--show-origin", "-o", "json").out)
    assert records[0] == {
        "path": "cloudProvider",
        "value": "aws",
        "origin": "values/_defaults.yaml:2:16",
        "overrides": [],
    }


def _commands() -> list[tuple[str, click.Command]]:

    ctx = click.Context(cli)
    found = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            sub = click.Context(command)
            found += [
                (f"{name} {s}", command.get_command(sub, s)) for s in command.list_commands(sub)
            ]
        else:
            found.append((name, command))
    return [(n, c) for n, c in found if c is not None]


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_every_option_has_help_and_every_command_an_example(
    name: str, command: click.Command
) -> None:
    undocumented = [
        p.name
        for p in command.params
        if isinstance(p, click.Option) and not p.hidden and not p.help
    ]
    assert undocumented == []
    assert "Examples:" in (command.help or ""), name


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["values", "dev-eu1", "--show-origin"],
        ["validate", "dev-eu1", "--set", "x=1"],
        ["check", "dev-eu1"],
        ["diff", "dev-eu1", "--set", "kubernetesVersion=1.34.2", "--against", "APPLIED"],
    ],
)
def test_color_always_colours_a_pipe_and_never_does_not(
    run: Run, args: list[str], tmp_path: Path
) -> None:
    applied = tmp_path / "applied.yaml"
    run("-C", EXAMPLE, "render", "dev-eu1", "--out-file", str(applied))
    args = [str(applied) if a == "APPLIED" else a for a in args]
    coloured = run("-C", EXAMPLE, *args, "--color", "always")
    plain = run("-C", EXAMPLE, *args, "--color", "never")
    assert "\033[" in coloured.out
    assert "\033[" not in plain.out
    assert re.sub(r"\033\[[0-9;]*m", "", coloured.out) == plain.out


def test_template_takes_the_cluster_like_kops(
    run: Run, kops_layout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = ["template", "--template", "tpl/cluster.yaml.j2", "--values", "a.yaml"]
    positional = run(*base, "pos.example.com", cwd=kops_layout)
    assert positional.out == "name: pos.example.com\nversion: 1.33.0\n"
    monkeypatch.setenv("KOPS_CLUSTER_NAME", "env.example.com")
    assert run(*base, cwd=kops_layout).out == "name: env.example.com\nversion: 1.33.0\n"
    twice = run(*base, "a.example.com", "--name", "b.example.com", cwd=kops_layout)
    assert (twice.code, twice.err) == (
        2,
        "error: cluster name given twice: 'a.example.com' and --name 'b.example.com'\n",
    )


def test_outside_a_project_says_so(run: Run, tmp_path: Path) -> None:
    for command in (["render", "--all"], ["list"], ["check", "--all"]):
        result = run(*command, cwd=tmp_path)
        assert (result.code, result.err) == (
            2,
            f"error: not a clustermgr project: no clustermgr.yaml in {tmp_path.resolve()} or "
            "above, and no values/ folder (clustermgr init writes a project; -C DIR runs in "
            "another folder)\n",
        )


def test_a_set_without_a_key_is_an_error(run: Run, example: Path) -> None:
    result = run("-C", str(example), "render", "dev-eu1", "--set", "=1")
    assert (result.code, result.err) == (1, "error: --set '=…': a key is missing before '='\n")


@pytest.mark.parametrize(("code", "command"), [(c, e) for c, _, e in EXIT_TABLE if e])
def test_every_exit_code_row(run: Run, example: Path, code: int, command: str) -> None:
    assert run("-C", str(example), *shlex.split(command)).code == code


def test_an_internal_error_exits_3_with_a_short_note(
    run: Run, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(clustermgr.render.project, "render_clusters", boom)
    monkeypatch.setattr("clustermgr.cli.rendering.render_clusters", boom)
    result = run("-C", str(example), "render", "dev-eu1")
    assert (result.code, result.err) == (
        3,
        "clustermgr: internal error: RuntimeError: a bug\nre-run with --debug for the traceback\n",
    )


def test_the_exit_code_table_is_generated() -> None:
    assert exit_table() in (REPO / "docs" / "exit-codes.md").read_text()


def test_o_is_the_output_format_as_in_kubectl(run: Run, example: Path) -> None:
    """`-o/--output FORMAT` as kubectl and helm spell it; files are `--out-file`."""
    listed = run("-C", str(example), "list", "-o", "json")
    assert listed.code == 0 and json.loads(listed.out)[0]["name"] == "dev-eu1"
    assert not (example / "json").exists()
    wrong = run("-C", str(example), "list", "-o", "clusters.json")
    assert wrong.code == 2
    assert wrong.err.splitlines()[-1] == (
        "Error: Invalid value for '-o' / '--output': 'clusters.json' is not a format (choose "
        "from text, json); to write a file, use --out-file FILE"
    )
    old = run("-C", str(example), "list", "--format", "json", "--out-file", str(example / "l"))
    assert (old.code, old.out) == (0, "")
    assert old.err == "warning: --format is deprecated; use -o/--output FORMAT\n"
    assert json.loads((example / "l").read_text())[0]["name"] == "dev-eu1"
