"""`check` across a fleet: selection by change, shards, workers, the result cache."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from clustermgr import fleet
from clustermgr.errors import UsageError
from clustermgr.fleet import store as fleet_store
from clustermgr.fleet.store import CacheKeys, ResultStore
from clustermgr.project import Cluster, Project, find_project
from clustermgr.validation.validate import Validator
from clustermgr.values import names as names_module
from tests.conftest import REPO, Run


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CLUSTERMGR_CACHE_DIR", str(folder))
    return folder


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text()
    assert old in text, (file, old)
    path.write_text(text.replace(old, new, 1))


def check_json(run: Run, root: Path, *args: str) -> dict[str, object]:
    out = root.parent / "check.json"
    result = run("-C", str(root), "check", *args, "--json", str(out), "--jobs", "1")
    assert result.code in (0, 1), result.err
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def test_changed_since_follows_the_dependency_graph(run: Run, example: Path) -> None:
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    project = find_project(example)
    assert fleet.select_changed(project, "HEAD").names == []
    edit(example, "values/prod/_env.yaml", "maxPods: 64", "maxPods: 60")
    edit(example, "values/dev/dev-eu1.yaml", "t3.medium", "t3.large")
    selection = fleet.select_changed(project, "HEAD")
    assert selection.reasons == {
        "dev-eu1": ["its values file values/dev/dev-eu1.yaml changed"],
        "prod-eu1": ["its layer values/prod/_env.yaml changed"],
        "prod-us1": ["its layer values/prod/_env.yaml changed"],
    }
    (example / "values" / "staging" / "staging-eu1.yaml").unlink()
    (example / "values" / "staging" / "staging-eu2.yaml").write_text("region: x\n")
    edit(example, "template/snippets/instancegroup-common.yaml.j2", "httpTokens", "httpTokens")
    selection = fleet.select_changed(find_project(example), "HEAD")
    assert selection.removed == ["staging-eu1"]
    assert selection.reasons["staging-eu2"] == [
        "its values file values/staging/staging-eu2.yaml changed"
    ]
    edit(example, "schemas/values.schema.json", '"title"', '"title"')
    (example / "schemas" / "values.schema.json").write_text(
        (example / "schemas" / "values.schema.json").read_text() + "\n"
    )
    selection = fleet.select_changed(find_project(example), "HEAD")
    assert selection.names == ["dev-eu1", "prod-eu1", "prod-us1", "staging-eu2"]
    assert "schemas/values.schema.json is used by every cluster" in selection.reasons["dev-eu1"]
    result = run("-C", str(example), "check", "--changed-since", "HEAD", "--explain", "--jobs", "1")
    assert "staging-eu1: removed (its values file was deleted)" in result.err
    assert "staging-eu1  REMOVED  its values file was deleted" in result.out


def test_changed_since_resolves_values_files_as_often_however_many_files_changed(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each changed file is looked up among the values files, resolved once per run (they
    were resolved again for every changed file and cluster: minutes for a large change)."""
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    edit(example, "values/prod/_env.yaml", "maxPods: 64", "maxPods: 60")
    resolved: list[Path] = []
    real = Path.resolve
    monkeypatch.setattr(Path, "resolve", lambda p, *a: resolved.append(p) or real(p, *a))
    counts = []
    for notes in (2, 20):
        for i in range(notes):
            (example / f"notes-{i}.txt").write_text("x\n")
        resolved.clear()
        selection = fleet.select_changed(find_project(example), "HEAD")
        assert selection.names == ["prod-eu1", "prod-us1"]
        counts.append(sum("values" in p.parts for p in resolved))
    assert counts[0] == counts[1] < 20, counts


def test_shards_cover_every_cluster_once(write: Callable[..., Path]) -> None:
    root = write({f"values/c{i:02d}.yaml": "x: " + "1" * (i * 7 % 50) + "\n" for i in range(23)})
    project = find_project(root)
    names = list(project.clusters())
    parts = [fleet.shard(project, names, i, 4) for i in range(1, 5)]
    assert sorted(n for part in parts for n in part) == names
    assert max(len(p) for p in parts) - min(len(p) for p in parts) <= 2
    assert parts == [fleet.shard(project, names, i, 4) for i in range(1, 5)]  # deterministic


def test_shard_from_gitlab(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI_NODE_INDEX", "2")
    monkeypatch.setenv("CI_NODE_TOTAL", "3")
    assert fleet.parse_shard(None) == (2, 3)
    assert fleet.parse_shard("1/1") == (1, 1)
    with pytest.raises(UsageError):
        fleet.parse_shard("4/3")


def test_workers_give_the_same_result_in_name_order(run: Run, example: Path) -> None:
    one = run("-C", str(example), "check", "--all", "--jobs", "1", "--no-cache").out
    two = run("-C", str(example), "check", "--all", "--jobs", "2", "--no-cache").out
    assert one == two
    assert [line.split()[0] for line in one.splitlines()[:4]] == [
        "dev-eu1",
        "prod-eu1",
        "prod-us1",
        "staging-eu1",
    ]


def cached_count(run: Run, root: Path, *args: str) -> int:
    return check_json(run, root, "--all", *args)["summary"]["cached"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("file", "old", "new", "stale"),
    [
        ("template/10-cluster.yaml.j2", "channel: stable", "channel: alpha", 4),
        (
            "template/snippets/instancegroup-common.yaml.j2",
            "httpPutResponseHopLimit: 1",
            "httpPutResponseHopLimit: 2",
            4,
        ),
        ("values/_defaults.yaml", "maxPods: 110", "maxPods: 100", 4),
        ("values/prod/_env.yaml", "maxPods: 64", "maxPods: 60", 2),
        ("values/dev/dev-eu1.yaml", "t3.medium", "t3.large", 1),
        ("schemas/values.schema.json", '"maximum": 250', '"maximum": 100', 4),
        (
            "channels/stable.yaml",
            "ubuntu-noble-24.04-amd64-server-20260714",
            "ubuntu-noble-24.04-amd64-server-20260801",
            4,
        ),
        ("clustermgr.yaml", "kopsVersion: 1.34.1", "kopsVersion: 1.34.2", 4),
    ],
)
def test_cache_never_returns_a_stale_result(
    run: Run, example: Path, cache: Path, file: str, old: str, new: str, stale: int
) -> None:
    assert cached_count(run, example) == 0
    assert cached_count(run, example) == 4
    edit(example, file, old, new)
    assert cached_count(run, example) == 4 - stale


def test_cache_keys_include_flags_and_the_comparison_source(
    run: Run, example: Path, cache: Path, tmp_path: Path
) -> None:
    assert cached_count(run, example) == 0
    assert cached_count(run, example, "--set", "kubelet.maxPods=50") == 0
    assert cached_count(run, example, "--set", "kubelet.maxPods=50") == 4
    store = tmp_path / "state"
    store.mkdir()
    assert cached_count(run, example, "--state", str(store)) == 0
    assert cached_count(run, example, "--state", str(store)) == 4
    (store / "dev-eu1.k8s.example.com").mkdir()
    (store / "dev-eu1.k8s.example.com" / "config").write_text(
        "apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata: {name: dev-eu1.k8s.example.com}\n"
    )
    report = check_json(run, example, "--all", "--state", str(store))
    assert report["summary"]["cached"] == 3  # type: ignore[index]
    crds = REPO.parent / "shared" / "kops" / "crds"
    if crds.is_dir():
        shutil.copytree(crds, example / "crds")
        assert cached_count(run, example, "--kops-crds", str(example / "crds")) == 0
        assert cached_count(run, example, "--kops-crds", str(example / "crds")) == 4


def test_fail_on_and_reports(run: Run, example: Path, tmp_path: Path) -> None:
    store = tmp_path / "state"
    store.mkdir()  # empty: every cluster is new, so everything is a change
    base = ["-C", str(example), "check", "--all", "--state", str(store), "--jobs", "1"]
    assert run(*base).code == 0  # differences alone never fail
    assert run(*base, "--fail-on", "changes").code == 1
    assert run(*base, "--fail-on", "destructive").code == 0
    note = tmp_path / "note.md"
    junit = tmp_path / "junit.xml"
    quality = tmp_path / "cq.json"
    assert (
        run(
            *base,
            "--report-markdown",
            str(note),
            "--junit",
            str(junit),
            "--codequality",
            str(quality),
        ).code
        == 0
    )
    text = note.read_text()
    assert text.startswith("### clustermgr check: 4 clusters, 0 invalid, 4 changed")
    assert (
        "| prod-eu1 (new) | ✅ valid | 0 | 0 | 6 | update | — | `kops replace -f <render> --force`"
        "<br>`kops update cluster --yes`<br>`kops replace -f <render with the apply's record>` |"
    ) in text
    assert text.count("<details>") == 4

    assert len(ET.parse(junit).getroot().findall("testsuite")) == 4
    assert json.loads(quality.read_text()) == []


@pytest.mark.parametrize(
    ("args", "err"),
    [
        (["check"], "error: name the clusters to check, or pass --all or --changed-since\n"),
        (
            ["check", "--all", "dev-eu1"],
            "error: cluster names and --all: choose one way to select clusters\n",
        ),
        (
            ["check", "--all", "--changed-since", "HEAD"],
            "error: --all and --changed-since: choose one way to select clusters\n",
        ),
        (
            ["check", "--all", "--state", "x", "--against-ref", "y"],
            "error: use one of --state and --against-ref\n",
        ),
        (["check", "--all", "--shard", "3/2"], "error: --shard '3/2': I must be between 1 and N\n"),
        (
            ["check", "nope"],
            "error: unknown cluster 'nope'; known clusters: dev-eu1, prod-eu1, prod-us1, staging-eu1\n",
        ),
    ],
)
def test_check_usage_errors(run: Run, example: Path, args: list[str], err: str) -> None:
    result = run("-C", str(example), *args)
    assert (result.code, result.err) == (2, err)


def test_check_codequality_names_the_cluster_like_validate(
    run: Run, example: Path, tmp_path: Path
) -> None:
    edit(example, "values/dev/dev-eu1.yaml", "t3.medium", "t3.medium\nbogusKey: 1")
    quality = tmp_path / "cq.json"
    validate_cq = tmp_path / "validate-cq.json"
    assert run("-C", str(example), "check", "dev-eu1", "--codequality", str(quality)).code == 1
    assert (
        run(
            "-C",
            str(example),
            "validate",
            "dev-eu1",
            "-o",
            "codequality",
            "--out-file",
            str(validate_cq),
        ).code
        == 1
    )
    from_check = [i["description"] for i in json.loads(quality.read_text())]
    assert from_check == [i["description"] for i in json.loads(validate_cq.read_text())]
    assert from_check and all(d.startswith("[dev-eu1] ") for d in from_check)


def test_a_shared_input_registered_once_reaches_cache_keys_and_selection(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    extra = example / "policies" / "extra.json"
    extra.parent.mkdir()
    extra.write_text("{}")
    registered = Project.shared_inputs
    monkeypatch.setattr(
        Project,
        "shared_inputs",
        lambda self, kops_crds=None: [*registered(self, kops_crds), extra.parent.resolve()],
    )
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    project = find_project(example)
    before = CacheKeys(project, fleet.CheckRequest()).key("dev-eu1", "dev-eu1")
    extra.write_text('{"changed": true}')
    after = CacheKeys(project, fleet.CheckRequest()).key("dev-eu1", "dev-eu1")
    assert before != after
    selection = fleet.select_changed(project, "HEAD")
    assert selection.names == list(project.clusters())
    assert selection.reasons["dev-eu1"] == ["policies/extra.json is used by every cluster"]


def test_cache_keys_follow_the_store_in_the_environment_and_name_overrides(
    run: Run,
    example: Path,
    cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = tmp_path / "state"
    folder = store / "dev-eu1.k8s.example.com"
    folder.mkdir(parents=True)
    (folder / "config").write_text(
        "apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata: {name: dev-eu1.k8s.example.com}\n"
    )
    monkeypatch.setenv("KOPS_STATE_STORE", str(store))
    assert cached_count(run, example) == 0
    assert cached_count(run, example) == 4
    (folder / "config").write_text((folder / "config").read_text() + "spec: {}\n")
    assert cached_count(run, example) == 3  # the store changed under dev-eu1: recomputed
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("KOPS_STATE_STORE", str(other))
    assert cached_count(run, example) == 0  # another store: nothing is reused
    renamed = ["--set", "clusterName=dev-eu9.k8s.example.com"]
    assert cached_count(run, example, *renamed) == 0
    (other / "dev-eu9.k8s.example.com").mkdir()
    (other / "dev-eu9.k8s.example.com" / "config").write_text((folder / "config").read_text())
    assert cached_count(run, example, *renamed) == 0  # the overridden name's folder is read


def test_a_crash_on_one_cluster_leaves_the_others_and_the_reports(
    run: Run, example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    checked = Validator.check

    def check(self: Validator, cluster: object) -> object:
        if getattr(cluster, "name", "") == "prod-eu1":
            raise ZeroDivisionError("boom")
        return checked(self, cluster)  # type: ignore[arg-type]

    monkeypatch.setattr(Validator, "check", check)
    report = tmp_path / "report.json"
    result = run("-C", str(example), "check", "--all", "--jobs", "1", "--json", str(report))
    assert result.code == 3
    clusters = {c["name"]: c for c in json.loads(report.read_text())["clusters"]}
    assert [p["rule"] for p in clusters["prod-eu1"]["problems"]] == ["internal-error"]
    assert clusters["prod-eu1"]["problems"][0]["message"] == (
        "clustermgr failed on this cluster: ZeroDivisionError: boom"
    )
    assert all(clusters[n]["valid"] for n in ("dev-eu1", "prod-us1", "staging-eu1"))


def test_two_values_files_for_one_kops_cluster(run: Run, example: Path) -> None:
    shutil.copy(
        example / "values" / "prod" / "prod-eu1.yaml", example / "values" / "prod" / "prod-eu2.yaml"
    )
    validate = run("-C", str(example), "validate", "--all", "-o", "parsable")
    assert validate.code == 1
    assert validate.out.splitlines() == [
        "values/prod/prod-eu1.yaml:1:1: [error] kops-name-duplicate: kOps cluster name "
        "'prod-eu1.k8s.example.com' is also the name of prod-eu2 (values/prod/prod-eu2.yaml)",
        "values/prod/prod-eu2.yaml:1:1: [error] kops-name-duplicate: kOps cluster name "
        "'prod-eu1.k8s.example.com' is also the name of prod-eu1 (values/prod/prod-eu1.yaml)",
    ]
    assert run("-C", str(example), "check", "--all", "--jobs", "1").code == 1
    assert run("-C", str(example), "list").code == 1
    gitlab = run("-C", str(example), "ci", "gitlab")
    assert gitlab.code == 1 and "one cluster, one values file" in gitlab.err


def test_no_clusters_is_an_error_naming_where_it_looked(run: Run, example: Path) -> None:
    config = example / "clustermgr.yaml"
    config.write_text(config.read_text().replace("  dir: values ", "  dir: nonexistent "))
    for command in (["validate", "--all"], ["check", "--all"]):
        result = run("-C", str(example), *command)
        assert (result.code, result.err) == (
            1,
            "error: no clusters found under nonexistent/: each *.yaml there is a cluster, "
            "_*.yaml files are shared layers\n",
        )


def test_a_cluster_named_by_its_kops_name(run: Run, example: Path) -> None:
    by_file = run("-C", str(example), "render", "prod-eu1")
    by_kops = run("-C", str(example), "render", "prod-eu1.k8s.example.com")
    assert by_kops.code == 0 and by_kops.out == by_file.out


def test_a_renamed_values_file_is_a_rename(run: Run, example: Path) -> None:
    git(example, "init", "-q")
    git(example, "add", "-A")
    git(example, "commit", "-qm", "base")
    git(example, "mv", "values/dev/dev-eu1.yaml", "values/dev/dev-eu2.yaml")
    selection = fleet.select_changed(find_project(example), "HEAD")
    assert selection.removed == []
    assert selection.reasons == {
        "dev-eu2": [
            "renamed from dev-eu1 (values/dev/dev-eu1.yaml): the same kOps cluster "
            "dev-eu1.k8s.example.com",
            "its values file values/dev/dev-eu2.yaml changed",
        ]
    }
    diff = run("-C", str(example), "diff", "dev-eu2", "--against-ref", "HEAD")
    assert diff.out == "dev-eu2: no changes\n"


def test_check_reports_a_shared_problem_once(run: Run, example: Path, tmp_path: Path) -> None:
    text = (example / "values/_defaults.yaml").read_text()
    (example / "values/_defaults.yaml").write_text(text.replace("maxPods: 110", "maxPods: many"))
    note = tmp_path / "note.md"
    result = run("-C", str(example), "check", "--all", "--report-markdown", str(note))
    assert result.code == 1
    shared = (
        "    values/_defaults.yaml:19:12: [error] schema: kubelet.maxPods: 'many' is not of "
        "type 'integer'"
    )
    lines = result.out.splitlines()
    assert lines[0] == "dev-eu1      INVALID  1 error; not compared"
    assert lines[4:6] == [
        "shared by 2 clusters: dev-eu1, staging-eu1:",  # prod's layer sets its own
        shared,
    ]
    assert result.out.count("maxPods") == 1
    markdown = note.read_text()
    assert markdown.count("maxPods") == 1
    assert "#### Shared by several clusters" in markdown
    assert "(2 clusters: dev-eu1, staging-eu1)" in markdown


def test_a_warm_check_merges_no_values_and_still_sees_duplicate_names(
    run: Run, example: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(
        example / "values" / "prod" / "prod-eu1.yaml", example / "values" / "prod" / "prod-eu2.yaml"
    )
    assert cached_count(run, example) == 0
    merges: list[str] = []
    merged = names_module.cluster_values

    def counted(project: Project, cluster: Cluster, *args: Any) -> Any:
        merges.append(cluster.name)
        return merged(project, cluster, *args)

    monkeypatch.setattr(names_module, "cluster_values", counted)
    report = check_json(run, example, "--all")
    assert (report["summary"]["cached"], merges) == (5, [])  # type: ignore[index]
    duplicates = {
        c["name"]
        for c in report["clusters"]  # type: ignore[attr-defined]
        if any(p["rule"] == "kops-name-duplicate" for p in c["problems"])
    }
    assert duplicates == {"prod-eu1", "prod-eu2"}
    edit(example, "values/prod/prod-eu2.yaml", "clusterName: prod-eu1", "clusterName: prod-eu2")
    report = check_json(run, example, "--all")
    assert merges == []  # the changed cluster's own check gives its name
    rules = {p["rule"] for c in report["clusters"] for p in c["problems"]}  # type: ignore[attr-defined]
    assert "kops-name-duplicate" not in rules
    check_json(run, example, "prod-eu1")  # the others' names: stored by the checks above
    assert merges == []


def test_a_check_of_one_cluster_sees_a_duplicate_among_the_others(
    run: Run, example: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The others' names come from the store, merged only when their layers change."""
    shutil.copy(
        example / "values" / "prod" / "prod-eu1.yaml", example / "values" / "prod" / "prod-eu2.yaml"
    )
    merges: list[str] = []
    merged = names_module.cluster_values

    def counted(project: Project, cluster: Cluster, *args: Any) -> Any:
        merges.append(cluster.name)
        return merged(project, cluster, *args)

    monkeypatch.setattr(names_module, "cluster_values", counted)
    for attempt in range(2):
        report = check_json(run, example, "prod-eu2")
        problems = report["clusters"][0]["problems"]  # type: ignore[index]
        assert [p["message"] for p in problems if p["rule"] == "kops-name-duplicate"] == [
            "kOps cluster name 'prod-eu1.k8s.example.com' is also the name of prod-eu1 "
            "(values/prod/prod-eu1.yaml)"
        ]
        assert sorted(merges) == (
            [] if attempt else ["dev-eu1", "prod-eu1", "prod-us1", "staging-eu1"]
        )
        merges.clear()


def test_a_cached_name_that_could_climb_out_of_the_state_store_is_a_miss(
    run: Run, example: Path, cache: Path
) -> None:
    check_json(run, example, "dev-eu1")  # the others' names are stored
    with sqlite3.connect(cache / "check" / "results.sqlite") as db:
        db.execute("UPDATE names SET name = '../../etc'")
        db.execute("UPDATE results SET data = replace(data, 'dev-eu1.k8s', '../../etc')")
    report = check_json(run, example, "--all")
    # dev-eu1's result is used (its key is made of files), its stored name is not: trusted,
    # the poisoned names would make every cluster a duplicate of the others
    assert report["summary"]["cached"] == 1  # type: ignore[index]
    rules = {p["rule"] for c in report["clusters"] for p in c["problems"]}  # type: ignore[attr-defined]
    assert "kops-name-duplicate" not in rules
    with sqlite3.connect(cache / "check" / "results.sqlite") as db:
        stored = {name for (name,) in db.execute("SELECT name FROM names")}
    assert "dev-eu1.k8s.example.com" in stored  # merged again, and stored
    report = check_json(run, example, "dev-eu1")  # the others' stored names: all poisoned
    assert report["clusters"][0]["problems"] == []  # type: ignore[index]


def test_a_warm_run_reads_only_files_whose_identity_changed(
    example: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Digests are reused by file identity (size, times, inode), as git's index does: a warm
    run reads no file it knows, and any change, even one that keeps the size and restores the
    modification time, is read again (the change time moves)."""
    values = example / "values" / "dev" / "dev-eu1.yaml"
    project = find_project(example)
    store = ResultStore(cache)
    racy = CacheKeys(project, fleet.CheckRequest(), store)
    key = racy.key("dev-eu1")
    # the project's files were written just now: none is remembered (clustermgr's own are)
    assert [name for name, _, _ in racy.hashed if name.startswith(str(example))] == []
    monkeypatch.setattr(fleet_store, "RACY_NS", 0)  # as if they were written long ago
    first = CacheKeys(project, fleet.CheckRequest(), store)
    assert first.key("dev-eu1") == key
    assert any(name == str(values) for name, _, _ in first.hashed)
    store.write_files(first.hashed)

    read: list[str] = []
    real = fleet_store.read_bytes
    monkeypatch.setattr(fleet_store, "read_bytes", lambda p, *a: read.append(str(p)) or b"")
    again = CacheKeys(project, fleet.CheckRequest(), store)
    assert (again.key("dev-eu1"), read, again.hashed) == (key, [], [])
    monkeypatch.setattr(fleet_store, "read_bytes", real)

    text = values.read_text()
    stamp = values.stat()
    values.write_text(text.replace("t3.medium", "t3.xlarge"))  # the same size
    os.utime(values, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # the same mtime
    assert values.stat().st_size == stamp.st_size
    changed = CacheKeys(project, fleet.CheckRequest(), store)
    assert changed.key("dev-eu1") != key


def test_a_damaged_identity_is_no_identity(example: Path, cache: Path) -> None:
    project = find_project(example)
    store = ResultStore(cache)
    key = CacheKeys(project, fleet.CheckRequest(), store).key("dev-eu1")
    values = str(example / "values" / "dev" / "dev-eu1.yaml")
    info = os.stat(values)
    identity = f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}:{info.st_dev}"
    store.write_files([(values, identity, b"short")])
    assert values not in store.read_files()
    assert CacheKeys(project, fleet.CheckRequest(), store).key("dev-eu1") == key


def test_results_of_forked_workers_reach_the_store(run: Run, example: Path, cache: Path) -> None:
    """Workers check (sharing the parent's frozen inputs); the parent stores each result
    once, and the next run takes them all."""
    out = example.parent / "check.json"
    cold = run("-C", str(example), "check", "--all", "--json", str(out), "--jobs", "2")
    assert cold.code in (0, 1), cold.err
    assert json.loads(out.read_text())["summary"]["cached"] == 0
    assert cached_count(run, example) == 4
    with sqlite3.connect(cache / "check" / "results.sqlite") as db:
        assert db.execute("SELECT count(*) FROM results").fetchone() == (4,)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_shared_inputs_that_do_not_load_are_one_error_however_many_workers(
    run: Run, example: Path, cache: Path, jobs: str
) -> None:
    """Workers forked before the shared inputs load (a cold run) meet a broken schema; the
    run reports it as the one error it is, as without workers."""
    (example / "schemas" / "values.schema.json").write_text('{"type": ')
    result = run("-C", str(example), "check", "--all", "--jobs", jobs)
    assert (result.code, result.out) == (1, "")
    assert result.err == "schemas/values.schema.json:1:10: error: invalid JSON: Expecting value\n"


def test_a_render_that_never_ends_is_stopped_in_every_worker(
    run: Run, example: Path, cache: Path
) -> None:
    """Workers keep the alarm's handler installed and arm it per render: each cluster's
    endless render is that cluster's error, and the run ends."""
    (example / "clustermgr.yaml").open("a").write("limits: {renderSeconds: 0.2}\n")
    (example / "template" / "30-loop.yaml.j2").write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n"
    )
    out = example.parent / "check.json"
    result = run("-C", str(example), "check", "--all", "--json", str(out), "--jobs", "2")
    assert result.code == 1, result.err
    clusters = json.loads(out.read_text())["clusters"]
    assert [[p["message"] for p in c["problems"]] for c in clusters] == [
        ["the render took too long (a template that loops for ever?)"]
    ] * 4


def test_workers_keep_rapidyamls_error_printing_from_the_user(example: Path, cache: Path) -> None:
    """Workers make the copy of stderr that parsing puts back once; rapidyaml's own printing
    of an error still never reaches the user, and stderr stays theirs after it."""
    with open(example / "clustermgr.yaml", "a") as config:
        config.write("diff:\n  applied: applied\n")
    (example / "applied").mkdir()
    for name in ("dev-eu1", "prod-eu1", "prod-us1", "staging-eu1"):
        (example / "applied" / f"{name}.yaml").write_text("kind: Cluster\nspec: a: b\n")
    done = subprocess.run(
        [sys.executable, "-m", "clustermgr", "check", "--all", "--jobs", "2"],
        cwd=example, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 1
    assert "ERROR" not in done.stderr and "parse_engine" not in done.stderr, done.stderr
    assert done.stdout.count("mapping values are not allowed in this context") == 4, done.stdout


def test_workers_are_forked_early_only_for_a_cold_run(
    run: Run, example: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run whose first, middle and last clusters have no stored result forks its workers
    before the keys are made; one edited cluster (even the first) forks none."""
    started: list[bool] = []
    real = fleet.pool._start
    monkeypatch.setattr(fleet.pool, "_start", lambda n, warm: started.append(warm) or real(n, warm))
    args = ["-C", str(example), "check", "--all", "--jobs", "2"]
    assert run(*args).code in (0, 1)
    assert started == [True]
    started.clear()
    assert run(*args).code in (0, 1)
    edit(example, "values/dev/dev-eu1.yaml", "t3.medium", "t3.large")  # the first by name
    assert run(*args).code in (0, 1)
    assert started == []
