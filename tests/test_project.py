from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from clustermgr.errors import ConfigError, UsageError
from clustermgr.project import find_project
from clustermgr.project.discovery import _walk
from clustermgr.render.project import RenderSettings, project_renderer


def test_clusters_and_their_layers(write: Callable[..., Path]) -> None:
    root = write(
        {
            "values/_defaults.yaml": "",
            "values/_zz.yaml": "",
            "values/prod/_env.yaml": "",
            "values/prod/eu/_region.yaml": "",
            "values/prod/eu/prod-eu1.yaml": "",
            "values/dev/dev1.yml": "",
            "values/notes.txt": "",
        }
    )
    project = find_project(root)
    clusters = project.clusters()
    assert list(clusters) == ["dev1", "prod-eu1"]
    assert [project.display(p) for p in clusters["prod-eu1"].layers] == [
        "values/_defaults.yaml",
        "values/_zz.yaml",
        "values/prod/_env.yaml",
        "values/prod/eu/_region.yaml",
        "values/prod/eu/prod-eu1.yaml",
    ]
    assert [project.display(p) for p in clusters["dev1"].layers] == [
        "values/_defaults.yaml",
        "values/_zz.yaml",
        "values/dev/dev1.yml",
    ]


def test_found_from_a_subfolder(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write(
        {"clustermgr.yaml": "values: {dir: clusters}\n", "clusters/a.yaml": "", "x/y/.keep": ""}
    )
    monkeypatch.chdir(root / "x" / "y")
    project = find_project()
    assert project.root == root.resolve()
    assert list(project.clusters()) == ["a"]


def test_unknown_cluster_suggests(write: Callable[..., Path]) -> None:
    project = find_project(write({"values/prod-eu1.yaml": ""}))
    with pytest.raises(
        UsageError, match=r"unknown cluster 'prod-eu' \(did you mean 'prod-eu1'\?\)"
    ):
        project.cluster("prod-eu")
    with pytest.raises(UsageError, match="unknown cluster 'zzz'; known clusters: prod-eu1"):
        project.cluster("zzz")


def test_duplicate_cluster_names(write: Callable[..., Path]) -> None:
    project = find_project(write({"values/a/x.yaml": "", "values/b/x.yaml": ""}))
    with pytest.raises(
        ConfigError, match=r"cluster 'x' is defined twice: values/a/x\.yaml and values/b/x\.yaml"
    ):
        project.clusters()


def test_config_errors_are_located(write: Callable[..., Path]) -> None:
    root = write({"clustermgr.yaml": "template: [t]\n"})
    with pytest.raises(ConfigError) as info:
        find_project(root)
    assert (
        str(info.value)
        == "clustermgr.yaml:1:1: unknown setting 'template' (did you mean 'templates'?)"
    )
    (root / "clustermgr.yaml").write_text("values:\n  dir: [a]\n")
    with pytest.raises(ConfigError) as info:
        find_project(root)
    assert str(info.value) == "clustermgr.yaml:2:3: values.dir: expected a string"


def test_paths_must_stay_inside_the_project(write: Callable[..., Path]) -> None:
    root = write({"clustermgr.yaml": "templates: [../elsewhere]\n"})
    with pytest.raises(ConfigError) as info:
        find_project(root).path("../elsewhere", "templates")
    assert str(info.value) == "clustermgr.yaml: templates: '../elsewhere' is outside the project"


def test_configured_snippet_folder_must_exist(write: Callable[..., Path]) -> None:

    root = write({"clustermgr.yaml": "snippets: [snips]\n", "template/t.j2": "a: 1\n"})
    with pytest.raises(ConfigError) as info:
        project_renderer(find_project(root), RenderSettings())
    assert str(info.value) == "clustermgr.yaml: snippets: 'snips' does not exist"


def test_the_values_walk_lists_what_os_walk_lists(tmp_path: Path) -> None:
    """Discovery walks the values folder itself (keeping each entry's type from the listing);
    what it visits, and in which order, is os.walk's: parents first, names in order,
    dotfiles and symlinked folders not entered, any non-folder a file."""
    root = tmp_path / "values"
    for folder in ("b/x", "a", "a/.hidden", ".git", "c"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for file in ("_l.yaml", "b/z.yml", "b/y.yaml", "b/x/w.yaml", "a/v.yaml", "a/u.txt",
                 "a/.h.yaml", ".git/t.yaml", "c/s.yaml"):  # fmt: skip
        (root / file).write_text("a: 1\n")
    (root / "linked").symlink_to(root / "b", target_is_directory=True)
    (root / "c" / "broken.yaml").symlink_to(tmp_path / "nowhere.yaml")
    expected = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        names = sorted(f for f in files if f.endswith((".yaml", ".yml")) and f[0] != ".")
        expected.append((folder, names))
    walked = [(f, [e.name for e in entries]) for f, entries in _walk(str(root), print)]
    assert walked == expected


def _found(root: Path, name: str, index_first: bool) -> tuple[str, object]:
    project = find_project(root)
    try:
        if index_first:
            project.clusters()
        cluster = project.cluster(name)
    except (ConfigError, UsageError) as exc:
        return type(exc).__name__, str(exc)
    return "cluster", (cluster.name, [project.display(p) for p in cluster.layers])


FLEET = {
    "values/_defaults.yaml": "",
    "values/prod/_env.yaml": "",
    "values/prod/eu/_region.yaml": "",
    "values/prod/eu/_zz.yml": "",
    "values/prod/eu/prod-eu1.yaml": "",
    "values/prod/prod-us1.yml": "",
    "values/dev/dev.1.yaml": "",  # a name with a dot
    "values/dev/.hidden.yaml": "",
    "values/dev/notes.txt": "",
    "values/odd.yaml/inner.yaml": "",  # a folder, whatever its name
    "values/.git/old.yaml": "",
}
NAMES = ["prod-eu1", "prod-us1", "dev.1", "inner", "_env", "_defaults", ".hidden", "hidden",
         "old", "notes", "odd", "prod-eu", "prod/eu/prod-eu1", "", "..", "prod-eu1.yaml"]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_one_cluster_is_found_as_the_index_finds_it(write: Callable[..., Path], name: str) -> None:
    """`cluster(name)` on a fresh project looks for the one file (one walk, nothing indexed);
    whatever it answers, a cluster and its layers or an error, is what the index answers."""
    root = write(FLEET)
    (root / "values" / "linked").symlink_to(root / "values" / "prod", target_is_directory=True)
    assert _found(root, name, index_first=False) == _found(root, name, index_first=True)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"values/a/x.yaml": "", "values/b/x.yaml": ""}, "values/a/x.yaml and values/b/x.yaml"),
        ({"values/x.yml": "", "values/x.yaml": ""}, "values/x.yaml and values/x.yml"),
        ({"values/x.yaml": "", "values/a/b/x.yml": ""}, "values/x.yaml and values/a/b/x.yml"),
    ],
)
def test_one_cluster_defined_twice_is_refused_as_the_index_refuses_it(
    write: Callable[..., Path], files: dict[str, str], message: str
) -> None:
    root = write(files)
    expected = ("ConfigError", f"cluster 'x' is defined twice: {message}")
    assert _found(root, "x", index_first=False) == expected
    assert _found(root, "x", index_first=True) == expected


def test_one_cluster_is_judged_by_its_own_files_only(
    write: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A layer it reads that leads outside the project refuses it; another folder's broken
    file does not (the index, which reads every file, refuses the whole fleet)."""
    root = write({"values/a/_l.yaml": "", "values/a/x.yaml": "", "values/b/y.yaml": ""})
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.yaml"
    outside.write_text("token: t\n")
    (root / "values" / "b" / "_bad.yaml").symlink_to(outside)
    assert _found(root, "x", index_first=False) == (
        "cluster",
        ("x", ["values/a/_l.yaml", "values/a/x.yaml"]),
    )
    refused = "values/b/_bad.yaml leads outside the project (a symlink?); values.dir reads only"
    kind, message = _found(root, "y", index_first=False)
    assert (kind, str(message).startswith(refused)) == ("ConfigError", True)
    kind, message = _found(root, "x", index_first=True)
    assert (kind, str(message).startswith(refused)) == ("ConfigError", True)
