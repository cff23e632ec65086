"""Plan files: `apply --plan` runs what `apply --save-plan` showed, or refuses, naming what
moved, before kOps runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FakeKops, Run
from tests.test_apply import NAME, apply_cmd, edit, snapshot


@pytest.fixture
def store(tmp_path: Path) -> Path:
    folder = tmp_path / "state"
    folder.mkdir()
    return folder


def planned(run: Run, example: Path, store: Path, plan: Path) -> None:
    """The cluster applied once, then a change planned and saved."""
    assert apply_cmd(run, example, store, "--yes")[0] == 0
    edit(example, "values/dev/dev-eu1.yaml", "machineType: t3.medium", "machineType: t3.large")
    code, _, err = apply_cmd(run, example, store, "--save-plan", str(plan))
    assert code == 0, err
    assert err.endswith(f"saved the plan of 1 cluster to {plan}\n")


def test_apply_runs_the_saved_plan(
    run: Run, example: Path, fake_kops: FakeKops, store: Path, tmp_path: Path
) -> None:
    plan = tmp_path / "dev.plan"
    planned(run, example, store, plan)
    saved = json.loads(plan.read_text())["clusters"]["dev-eu1"]
    assert saved["steps"][0] == "kops replace -f <render>"
    before = len(fake_kops.calls())
    code, _, err = apply_cmd(run, example, store, "--plan", str(plan), "--yes")
    assert code == 0, err
    done = fake_kops.calls()[before:]
    assert done[0].startswith("replace -f ")
    assert f"update cluster --name {NAME} --state {store} --yes" in done


Move = Callable[[Path, Path], object]


def _edit_store(root: Path, store: Path) -> None:
    """A hand edit of the live cluster after the plan was made."""
    del root
    config = store / NAME / "config"
    config.write_text(config.read_text().replace("\nspec:\n", "\nspec:\n  sshKeyName: hand\n", 1))


@pytest.mark.parametrize(
    ("move", "what", "flags"),
    [
        (
            lambda root, store: edit(root, "values/dev/dev-eu1.yaml", "t3.large", "t3.xlarge"),
            "the render (templates, values or clustermgr)",
            (),
        ),
        (_edit_store, "the state store (someone applied or edited the cluster)", ("--force",)),
        (
            lambda root, store: (root / "channels" / "stable.yaml").write_text(
                (root / "channels" / "stable.yaml").read_text() + "# moved\n"
            ),
            "the kOps channel file",
            (),
        ),
        (
            lambda root, store: edit(root, "clustermgr.yaml", "kopsVersion: 1.34.1", "kopsVersion: 1.34.2"),
            "the kOps version (kopsVersion)",
            (),
        ),
    ],
    ids=["render", "live", "channel", "kops"],
)  # fmt: skip
def test_a_plan_that_moved_is_refused_before_kops_runs(
    run: Run,
    example: Path,
    fake_kops: FakeKops,
    store: Path,
    tmp_path: Path,
    move: Move,
    what: str,
    flags: tuple[str, ...],
) -> None:
    plan = tmp_path / "dev.plan"
    planned(run, example, store, plan)
    move(example, store)
    before, state = len(fake_kops.calls()), snapshot(store)
    code, _, err = apply_cmd(run, example, store, "--plan", str(plan), "--yes", *flags)
    assert code == 1
    assert err.splitlines()[-1] == (
        f"error: dev-eu1: the plan no longer holds: {what} changed since it was made; nothing "
        "was applied (make and review the plan again)"
    )
    assert [c for c in fake_kops.calls()[before:] if not c.startswith("get ")] == []
    assert snapshot(store) == state


def test_what_is_not_a_plan_file_is_refused(
    run: Run, example: Path, fake_kops: FakeKops, store: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.plan"
    bad.write_text('{"format": "something-else"}')
    code, _, err = apply_cmd(run, example, store, "--plan", str(bad), "--yes")
    assert (code, err) == (
        2,
        f"{bad}: error: not a clustermgr plan file: not a clustermgr-plan-1 file\n",
    )
    code, _, err = apply_cmd(run, example, store, "--plan", str(tmp_path / "none"), "--yes")
    assert (code, err) == (2, f"{tmp_path / 'none'}: error: no such file\n")
    other = tmp_path / "other.plan"
    other.write_text(json.dumps({"format": "clustermgr-plan-1", "clusters": {}}))
    assert apply_cmd(run, example, store, "--yes")[0] == 0
    code, _, err = apply_cmd(run, example, store, "--plan", str(other), "--yes")
    assert code == 1
    assert err.splitlines()[-1] == "error: dev-eu1: not in the plan file: nothing was applied"
    code, _, err = apply_cmd(run, example, store, "--plan", str(other), "--save-plan", str(bad))
    assert (code, err) == (2, "error: --save-plan previews: not with --yes or --plan\n")
