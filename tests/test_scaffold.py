"""init, new and completion: the way into a project."""

from __future__ import annotations

from pathlib import Path

from click.shell_completion import ShellComplete

from clustermgr.cli import cli
from tests.conftest import REPO, Run


def test_init_writes_a_project_that_validates_and_renders(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "fleet"
    result = run("init", str(folder))
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == (
        f"next: cd {folder} && clustermgr validate --all && clustermgr render --all"
    )
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == [
        "channels/stable.yaml",
        "clustermgr.yaml",
        "schemas/values.schema.json",
        "template/cluster.yaml.j2",
        "values/_defaults.yaml",
        "values/dev/_env.yaml",
        "values/dev/dev-1.yaml",
    ]
    checked = run("-C", str(folder), "validate", "--all")
    assert checked.code == 0, checked.out + checked.err
    rendered = run("-C", str(folder), "render", "dev-1")
    assert rendered.code == 0, rendered.err
    assert "kind: Cluster\n" in rendered.out
    assert "kind: InstanceGroup\n" in rendered.out


def test_init_overwrites_nothing(run: Run, tmp_path: Path) -> None:
    (tmp_path / "clustermgr.yaml").write_text("mine\n")
    result = run("init", str(tmp_path))
    assert result.code == 2
    assert result.err == (
        f"error: init writes a new project; these exist already: {tmp_path}/clustermgr.yaml\n"
    )
    assert (tmp_path / "clustermgr.yaml").read_text() == "mine\n"
    assert not (tmp_path / "values").exists()


def test_new_copies_the_cluster_owned_keys(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "fleet"
    run("init", str(folder))
    result = run("-C", str(folder), "new", "dev-2", "--env", "dev", "--from", "dev-1")
    assert result.code == 0, result.err
    assert result.out == "wrote values/dev/dev-2.yaml\n"
    own = (folder / "values/dev/dev-1.yaml").read_text().splitlines()
    new = (folder / "values/dev/dev-2.yaml").read_text().splitlines()
    assert new[0] == "clusterName: dev-2." + own[0].split(": ")[1].split(".", 1)[1]
    assert new[1:] == own[1:]
    assert run("-C", str(folder), "validate", "dev-2").code == 0


def test_new_refuses_a_name_in_use(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "fleet"
    run("init", str(folder))
    again = run("-C", str(folder), "new", "dev-1", "--env", "dev")
    assert again.code == 2
    assert again.err == "error: cluster 'dev-1' exists already: values/dev/dev-1.yaml\n"
    kops_name = (folder / "values/dev/dev-1.yaml").read_text().splitlines()[0].split(": ")[1]
    taken = run("-C", str(folder), "new", "dev-9", "--env", "dev", "--kops-name", kops_name)
    assert taken.code == 2
    assert taken.err == f"error: kOps name {kops_name!r} is in use by cluster 'dev-1'\n"
    assert not (folder / "values/dev/dev-9.yaml").exists()


def test_completion_script(run: Run) -> None:
    result = run("completion", "bash")
    assert result.code == 0
    assert "_CLUSTERMGR_COMPLETE=bash_complete" in result.out
    assert "complete -o nosort -F _clustermgr_completion clustermgr" in result.out


def _complete(args: list[str], incomplete: str) -> list[str]:
    completer = ShellComplete(cli, {}, "clustermgr", "_CLUSTERMGR_COMPLETE")
    return [item.value for item in completer.get_completions(args, incomplete)]


def test_completion_of_commands_and_clusters() -> None:
    assert "render" in _complete([], "re")
    assert _complete(["-C", str(REPO), "render"], "prod") == ["prod-eu1", "prod-us1"]
    assert _complete(["diff", "-o"], "j") == ["json"]


def test_completion_outside_a_project_offers_no_clusters(tmp_path: Path) -> None:
    assert _complete(["-C", str(tmp_path), "render"], "") == []


def test_an_init_project_knows_its_channel(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "fleet"
    run("init", str(folder))
    result = run("-C", str(folder), "outdated", "--all")
    assert (result.code, result.out) == (
        0,
        "dev-1  1.34.1    upgrade to 1.34.10\n1 cluster: 1 outdated\n",
    )
