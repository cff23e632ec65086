"""Upgrade waves: the planner's properties, `ci.waves` as configured, the deploy pipeline of
a 200-cluster fleet (GitLab's schema, and its job order as GitLab derives it from stages and
`needs:`), and `health`, the check after each wave, against the fake kops."""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from clustermgr.fleet.waves import CANARY, Environments, plan
from clustermgr.project.configuration import Waves
from tests.conftest import FakeKops, Run
from tests.test_apply import NAME
from tests.test_gitlab import big_fleet, gitlab_schema_errors, jobs

NAMES = st.text("abcdefgh", min_size=1, max_size=6)


@st.composite
def fleets(draw: st.DrawFn) -> tuple[Environments, Waves]:
    env_names = draw(
        st.lists(st.sampled_from(["dev", "qa", "staging", "prod", "dr"]), unique=True, min_size=1)
    )
    clusters = draw(st.lists(NAMES, unique=True, max_size=40))
    envs: Environments = [(env, []) for env in env_names]
    for cluster in clusters:
        envs[draw(st.integers(0, len(envs) - 1))][1].append((cluster, f"{cluster}.k8s.local"))
    canary = draw(st.lists(st.sampled_from(clusters), unique=True, max_size=3)) if clusters else []
    sizes = st.one_of(st.none(), st.integers(1, 7))
    per_env = draw(
        st.lists(
            st.tuples(st.sampled_from(env_names), sizes, st.integers(0, 120)),
            unique_by=lambda x: x[0],
        )
    )
    waves = Waves(True, tuple(canary), draw(sizes), draw(st.integers(0, 120)), True, tuple(per_env))
    return envs, waves


@settings(max_examples=300, deadline=None)
@given(fleets())
def test_the_planner_keeps_its_promises(fleet: tuple[Environments, Waves]) -> None:
    envs, config = fleet
    waves = plan(envs, config)
    planned = [m.cluster for wave in waves for m in wave.members]
    every = [cluster for _, members in envs for cluster, _ in members]
    assert sorted(planned) == sorted(every)  # every cluster, exactly once
    canary = [c for c in every if c in config.canary]
    if canary:  # the canaries first, alone, in promotion order
        assert waves[0].name == CANARY
        assert [m.cluster for m in waves[0].members] == canary
    rest = [w for w in waves if w.name != CANARY]
    assert all(w.name != CANARY for w in waves[1:])
    order = [env for env, _ in envs]
    seen: list[str] = []
    for wave in rest:
        (env,) = {m.environment for m in wave.members}  # one environment per wave
        size = config.size_of(env)
        assert size is None or len(wave.members) <= size
        assert wave.soak == (config.soak_of(env) if wave is not waves[-1] else 0)
        if not seen or seen[-1] != env:
            assert env not in seen  # an environment's waves are together...
            seen.append(env)
    assert seen == [env for env in order if env in seen]  # ...and in promotion order
    for env, members in envs:  # within an environment, clusters keep their order
        mine = [m.cluster for w in rest for m in w.members if m.environment == env]
        assert mine == [c for c, _ in members if c not in config.canary]
    if waves:
        assert waves[-1].soak == 0  # nothing to wait for after the last


def test_without_waves_one_per_environment() -> None:
    envs: Environments = [("dev", [("a", "a.x")]), ("prod", [("b", "b.x"), ("c", "c.x")])]
    assert [(w.name, len(w.members), w.soak) for w in plan(envs, Waves())] == [
        ("dev", 1, 0),
        ("prod", 2, 0),
    ]


WAVES = """\
  waves:
    canary: [dev-eu1]
    size: 34
    soak: 1h
    environments:
      prod: {soak: 2h}
"""


@pytest.fixture
def two_hundred(tmp_path: Path) -> Path:
    root = tmp_path / "fleet"
    big_fleet(root, 196)  # with the example's four: 200, about 67 per environment
    config = root / "clustermgr.yaml"
    config.write_text(config.read_text() + WAVES)
    return root


def test_two_hundred_clusters_in_waves(run: Run, two_hundred: Path, tmp_path: Path) -> None:
    out = tmp_path / "deploy.yml"
    result = run("-C", str(two_hundred), "ci", "gitlab", "--deploy", "--out-file", str(out))
    assert result.code == 0, result.err
    assert gitlab_schema_errors(out) == ""
    doc = yaml.safe_load(out.read_text())
    waves = ["canary", "dev-1", "dev-2", "staging-1", "staging-2", "prod-1", "prod-2"]
    soaked = waves[:-1]
    assert doc["stages"] == ["dry-run"] + [
        stage
        for wave in waves
        for stage in (
            f"update-{wave}", f"roll-preview-{wave}", f"roll-{wave}", f"validate-{wave}",
            *([f"soak-{wave}"] if wave in soaked else []),
        )
    ]  # fmt: skip
    found = jobs(out.read_text())
    assert len(found) < 500
    assert found["soak:prod-1"] == {
        "stage": "soak-prod-1",
        "image": "python:3.11",
        "variables": {"GIT_STRATEGY": "none"},
        "when": "delayed",
        "start_in": "120 minutes",
        "script": ["echo 'wave prod-1 soaked for 120 minutes'"],
    }
    assert found["soak:canary"]["start_in"] == "60 minutes"
    assert found["validate:dev-eu1"]["script"] == [
        'clustermgr health $CLUSTERS --state "$KOPS_STATE_STORE" --wait 15m'
    ]

    # Which wave deploys each cluster: from the update jobs' stages and variables.
    wave_of: dict[str, str] = {}
    for key, job in found.items():
        if key.startswith("update:"):
            for cluster in job["variables"]["CLUSTERS"].split():
                assert cluster not in wave_of  # exactly once
                wave_of[cluster] = job["stage"].removeprefix("update-")
    assert len(wave_of) == 200 and wave_of["dev-eu1"] == "canary"
    for wave in waves[1:]:
        members = [c for c, w in wave_of.items() if w == wave]
        assert 0 < len(members) <= 34
    assert {w for c, w in wave_of.items() if c in ("prod-eu1", "prod-us1")} <= {"prod-1", "prod-2"}

    # The order GitLab runs them in: a job with `needs:` after those jobs, one without after
    # every job of the earlier stages. Every job of a wave (its validation and soak included)
    # comes before any update of a later wave; a failed one stops them.
    stages = doc["stages"]

    @cache
    def before(key: str) -> frozenset[str]:
        job = found[key]
        if "needs" in job:
            direct = set(job["needs"])
        else:
            mine = stages.index(job["stage"])
            direct = {k for k, j in found.items() if stages.index(j["stage"]) < mine}
        return frozenset(direct.union(*(before(k) for k in direct)))

    def wave_jobs(wave: str) -> set[str]:
        return {k for k, j in found.items() if j["stage"].endswith(f"-{wave}")}

    for earlier, later in itertools.pairwise(waves):
        for update in (k for k in wave_jobs(later) if k.startswith("update:")):
            assert wave_jobs(earlier) <= before(update), (earlier, update)
    for key in wave_jobs("prod-1"):
        if key.startswith("validate:"):
            assert found[key]["needs"] == [key.replace("validate:", "roll:")]
    # manual gates where configured: prod and staging wait for a click, dev does not
    assert (
        found[next(k for k in wave_jobs("prod-2") if k.startswith("update:"))]["when"] == "manual"
    )
    assert "when" not in found[next(k for k in wave_jobs("dev-1") if k.startswith("update:"))]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("  waves:\n    soak: 1 hour\n", "clustermgr.yaml:16:11: error: ci.waves.soak: expected a time such as 45m, 2h, 1h30m or 1d, at most a week (GitLab's longest delay)"),
        ("  waves:\n    soak: 8d\n", "clustermgr.yaml:16:11: error: ci.waves.soak: expected a time such as 45m, 2h, 1h30m or 1d, at most a week (GitLab's longest delay)"),
        ("  waves:\n    size: 0\n", "clustermgr.yaml:16:11: error: ci.waves.size: expected a whole number of clusters, at least 1"),
        ("  waves:\n    sise: 3\n", "clustermgr.yaml:16:5: error: unknown setting 'ci.waves.sise' (did you mean 'ci.waves.size'?)"),
        ("  waves:\n    canary: [nope]\n", "clustermgr.yaml: error: ci.waves.canary: no cluster named 'nope'"),
        ("  waves:\n    environments:\n      prod: {size: x}\n", "clustermgr.yaml:17:20: error: ci.waves.environments.prod.size: expected a whole number of clusters, at least 1"),
    ],
)  # fmt: skip
def test_wave_settings_are_checked(run: Run, example: Path, setting: str, message: str) -> None:
    config = example / "clustermgr.yaml"
    config.write_text(config.read_text() + setting)
    result = run("-C", str(example), "ci", "gitlab", "--deploy")
    assert (result.code, result.err.splitlines()[-1]) == (1, message)


def _health(run: Run, root: Path, store: Path, *args: str) -> Any:
    return run("-C", str(root), "health", "dev-eu1", "--state", str(store), *args)


def test_health_validates_the_live_cluster(
    run: Run, example: Path, fake_kops: FakeKops, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "state"
    store.mkdir()
    missing = _health(run, example, store)
    assert missing.code == 1
    assert missing.err.endswith(
        f"error: {NAME} is not healthy: kops validate cluster failed with exit code 1:\n"
        f'Error: cluster "{NAME}" not found\n'
    )
    assert run("-C", str(example), "apply", "dev-eu1", "--state", str(store), "--yes").code == 0
    seen = tmp_path / "kubeconfigs.log"
    monkeypatch.setenv("FAKE_KOPS_KUBECONFIG_LOG", str(seen))
    before = len(fake_kops.calls())
    healthy = _health(run, example, store, "--wait", "10m")
    assert healthy.code == 0, healthy.err
    assert healthy.out.splitlines()[-1] == f"Your cluster {NAME} is ready"
    export, validate = fake_kops.calls()[before:]
    assert export.startswith(
        f"export kubecfg --name {NAME} --state {store} --admin=1h --kubeconfig "
    )
    assert validate.startswith(
        f"validate cluster --name {NAME} --state {store} --wait 10m --count 3"
    )
    exported = export.split("--kubeconfig ")[1]
    assert seen.read_text() == f"validate KUBECONFIG={exported}\n"  # the short-lived one
    assert not Path(exported).exists()  # removed after the run
    monkeypatch.setenv("FAKE_KOPS_UNHEALTHY", "node node-1 is not ready")
    sick = _health(run, example, store)
    assert sick.code == 1
    assert sick.err.endswith(
        f"error: {NAME} is not healthy: kops validate cluster failed with exit code 1:\n"
        "Error: validation failed: wait time exceeded during validation\n"
    )
    assert "node node-1 is not ready" in sick.out  # kOps' table of validation errors
    bad = _health(run, example, store, "--wait", "soon")
    assert (bad.code, bad.err) == (
        2,
        "error: --wait 'soon': expected a duration such as 10m, 1h or 1h30m\n",
    )
