"""`set` and `promote` never lose data: paths address what is there, every edit is proved
before it lands, and a write cannot half-happen (each case of the issue that asked for it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clustermgr.ops import edit
from tests.conftest import Run

PROD = "values/prod/prod-eu1.yaml"
ACCESS = "kubernetesApiAccess:\n  - 10.0.0.0/8  # office\n  - 192.0.2.0/24\n  - 198.51.100.0/24\n"


def append(root: Path, file: str, text: str) -> None:
    path = root / file
    path.write_text(path.read_text() + text)


def values(run: Run, root: Path, cluster: str) -> str:
    result = run("-C", str(root), "values", cluster, "-o", "json")
    assert result.code == 0, result.err
    return result.out


def test_a_list_element_by_index_changes_that_element_only(run: Run, example: Path) -> None:
    append(example, PROD, ACCESS)
    result = run("-C", str(example), "set", "kubernetesApiAccess[1]=203.0.113.0/24", "prod-eu1")
    assert result.code == 0, result.err
    assert (
        (example / PROD)
        .read_text()
        .endswith(
            "kubernetesApiAccess:\n  - 10.0.0.0/8  # office\n  - 203.0.113.0/24\n  - 198.51.100.0/24\n"
        )
    )


def test_an_index_past_the_end_names_the_length(run: Run, example: Path) -> None:
    append(example, PROD, ACCESS)
    before = (example / PROD).read_text()
    result = run("-C", str(example), "set", "kubernetesApiAccess[3]=203.0.113.0/24", "prod-eu1")
    assert (result.code, result.err) == (
        2,
        "error: prod-eu1: kubernetesApiAccess has 3 items; [3] is past its end\n",
    )
    assert (example / PROD).read_text() == before


def test_an_element_by_a_key_of_its_own(run: Run, example: Path) -> None:
    before = (example / PROD).read_text()
    result = run(
        "-C", str(example), "set", "subnets[zone=eu-west-1b].utilityCidr=10.30.8.0/22", "prod-eu1"
    )
    # the right element, and kOps refuses a subnet's new range: blocked, nothing written
    assert result.code == 1, result.err
    assert "   - zone: eu-west-1b\n     cidr: 10.30.64.0/19\n-    utilityCidr: 10.30.4.0/22\n" in (
        result.out
    )
    assert "+    utilityCidr: 10.30.8.0/22\n" in result.out
    assert (example / PROD).read_text() == before
    missing = run("-C", str(example), "set", "subnets[zone=mars-1a].cidr=x", "prod-eu1")
    assert missing.err == (
        "error: prod-eu1: no element of subnets has zone=mars-1a "
        "(there: eu-west-1a, eu-west-1b, eu-west-1c)\n"
    )


def test_an_index_into_a_key_the_file_lacks_is_refused(run: Run, example: Path) -> None:
    result = run("-C", str(example), "set", "nope[0]=1", "prod-eu1")
    assert (result.code, result.err) == (
        2,
        "error: prod-eu1: nope is not there: nope[0] addresses an element of a list that does "
        "not exist (an element is edited in the file that sets its list)\n",
    )


def test_a_whole_list_is_replaced_by_a_list(run: Run, example: Path) -> None:
    append(example, PROD, ACCESS)
    result = run("-C", str(example), "set", "kubernetesApiAccess={203.0.113.0/24}", "prod-eu1")
    assert result.code == 0, result.err
    assert (example / PROD).read_text().endswith("kubernetesApiAccess:\n  - 203.0.113.0/24\n")


def test_set_file_and_unset(run: Run, example: Path, tmp_path: Path) -> None:
    source = tmp_path / "access.yaml"
    source.write_text("- 203.0.113.0/24\n- 198.51.100.7/32\n")
    result = run(
        "-C", str(example), "set", "--set-file", f"sshAccess={source}", "prod-eu1",
        "--layer", "cluster",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert '"203.0.113.0/24"' in values(run, example, "prod-eu1")
    append(example, PROD, "kubelet:\n  maxPods: 64\n")
    refused = run("-C", str(example), "set", "--unset", "kubelet.maxPods", "prod-eu1")
    assert refused.err == (
        "error: kubelet.maxPods is also set in values/_defaults.yaml, values/prod/_env.yaml "
        "for prod-eu1: unset it there too, or set a value instead\n"
    )
    gone = run("-C", str(example), "set", "--unset", "kubelet.anonymousAuth", "dev-eu1")
    assert gone.code == 2 and "is also set" not in gone.err


def test_crlf_bom_and_a_missing_final_newline_are_kept(run: Run, example: Path) -> None:
    path = example / "values/dev/dev-eu1.yaml"
    text = "\ufeff" + path.read_text().replace("\n", "\r\n").removesuffix("\r\n")
    path.write_bytes(text.encode())
    result = run("-C", str(example), "set", "region=eu-central-1", "dev-eu1", "--layer", "cluster")
    assert result.code in (0, 1), result.err
    after = path.read_bytes().decode()
    assert after == text.replace("region: eu-west-1", "region: eu-central-1")


def test_a_symlinked_values_file_stays_a_symlink(run: Run, example: Path) -> None:
    real = example / "values/dev/real.yaml.txt"
    link = example / "values/dev/dev-eu1.yaml"
    real.write_text(link.read_text())
    link.unlink()
    link.symlink_to(real.name)
    result = run("-C", str(example), "set", "region=eu-central-1", "dev-eu1")
    assert result.code in (0, 1), result.err
    assert link.is_symlink() and "region: eu-central-1" in real.read_text()


def test_a_read_only_file_is_a_clear_error(run: Run, example: Path) -> None:
    path = example / "values/dev/dev-eu1.yaml"
    path.chmod(0o444)
    result = run("-C", str(example), "set", "region=eu-central-1", "dev-eu1")
    assert result.err.splitlines()[-1] == (
        "error: values/dev/dev-eu1.yaml is read-only: nothing written"
    )
    assert "eu-west-1" in path.read_text()


def test_a_file_changed_after_it_was_read_is_not_overwritten(
    run: Run, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = example / "values/dev/dev-eu1.yaml"
    real_preview = edit.preview

    def meddle(project: object, plan: object) -> object:
        done = real_preview(project, plan)  # type: ignore[arg-type]
        path.write_text(path.read_text() + "# someone else\n")
        return done

    monkeypatch.setattr(edit, "preview", meddle)
    result = run("-C", str(example), "set", "region=eu-central-1", "dev-eu1")
    assert result.err.splitlines()[-1] == (
        "error: values/dev/dev-eu1.yaml changed since this edit read it (another edit?): "
        "nothing written; run the command again to edit what it holds now"
    )
    assert path.read_text().endswith("# someone else\n") and "eu-west-1" in path.read_text()


def test_a_value_an_anchor_shares_is_refused_with_the_other_users(run: Run, example: Path) -> None:
    path = example / "values/dev/_env.yaml"
    text = path.read_text().replace("nodeGroups:\n  nodes:", "nodeGroups:\n  nodes: &nodes")
    path.write_text(text + "  extra: *nodes\n")
    result = run("-C", str(example), "set", "nodeGroups.nodes.maxSize=4", "dev-eu1")
    assert (result.code, result.err) == (
        2,
        "error: values/dev/_env.yaml: nodeGroups.nodes is shared through a YAML anchor with "
        "nodeGroups.extra: the edit would change them too; edit the anchor itself, or pass "
        "--layer to set the value in another file\n",
    )
    assert path.read_text() == text + "  extra: *nodes\n"


def test_promote_follows_the_promotion_order(run: Run, example: Path) -> None:
    skip = run("-C", str(example), "promote", "kubelet.maxPods", "--from", "dev", "--to", "prod")
    assert (skip.code, skip.err) == (
        2,
        "error: promoting from dev to prod skips staging (the order is dev -> staging -> prod): "
        "promote to staging first, or pass --skip-stages\n",
    )
    back = run("-C", str(example), "promote", "kubelet.maxPods", "--from", "prod", "--to", "dev")
    assert back.err == (
        "error: dev comes before prod in the promotion order (dev -> staging -> prod): "
        "promote goes forward\n"
    )
    forced = run(
        "-C", str(example), "promote", "kubelet.maxPods", "--from", "dev", "--to", "prod",
        "--skip-stages", "--dry-run",
    )  # fmt: skip
    assert forced.code in (0, 1), forced.err
    none = run("-C", str(example), "promote", "nope.x", "--from", "dev", "--to", "staging")
    assert none.err == "error: dev-eu1 has no value nope.x: nothing to promote\n"


def test_concurrent_sets_never_lose_an_edit(example: Path) -> None:
    """Two sets at once on one file: each lands, or one is refused (never silently lost)."""
    exe = [sys.executable, "-m", "clustermgr", "-C", str(example), "set"]
    env = {**os.environ, "NO_COLOR": "1"}
    for attempt in range(3):
        first = subprocess.Popen(
            [*exe, f"nodeGroups.nodes.minSize={attempt + 1}", "dev-eu1"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        second = subprocess.Popen(
            [*exe, f"nodeGroups.nodes.rootVolumeSize={60 + attempt}", "dev-eu1"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        errs = [p.communicate(timeout=60)[1].decode() for p in (first, second)]
        text = (example / "values/dev/_env.yaml").read_text()
        landed = [f"minSize: {attempt + 1}" in text, f"rootVolumeSize: {60 + attempt}" in text]
        for ok, err in zip(landed, errs, strict=True):
            assert ok or "changed since this edit read it" in err, err


@pytest.mark.parametrize("delay", [0.15, 0.3, 0.45, 0.6, 0.75, 0.9])
def test_a_killed_set_leaves_every_file_old_or_new(example: Path, delay: float) -> None:
    files = sorted((example / "values").rglob("*.yaml"))
    before = {p: p.read_bytes() for p in files}
    change = ["kubernetesVersion=1.34.10", "--all", "--layer", "cluster"]
    process = subprocess.Popen(
        [sys.executable, "-m", "clustermgr", "-C", str(example), "set", *change],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    for path in files:
        now = path.read_bytes()
        if now != before[path]:
            text = now.decode()
            assert "kubernetesVersion: 1.34.10" in text
            assert text.replace("kubernetesVersion: 1.34.10\n", "") == before[path].decode()
    leftovers = [p for p in (example / "values").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
