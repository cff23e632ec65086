"""No secret reaches any output without --show-secrets: a canary is planted in every place a
value can come from, every command runs in every format, and no output holds it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clustermgr.secrets import Secrets, schema_secrets, secret_key, token
from tests.conftest import FakeKops, Run

NEW = "canary-NEW-7f3a9c"  # the secret in the values (schema-marked writeOnly)
OLD = "canary-OLD-51d2e8"  # the same secret as applied before: the store still holds it
SET = "canary-SET-90be11"  # a secret given with --set on a credential key
GOSSIP = "canary-GOSSIP-4c1d"  # a kOps secret field, written straight in the template


@pytest.fixture
def planted(example: Path, tmp_path: Path, run: Run) -> Path:
    schema_file = example / "schemas" / "values.schema.json"
    schema = json.loads(schema_file.read_text())
    schema["properties"]["webhook"] = {"type": "string", "writeOnly": True, "maxLength": 20}
    schema["properties"]["registry"] = {"type": "object"}
    schema_file.write_text(json.dumps(schema))
    (example / "values" / "dev" / "dev-eu1.yaml").open("a").write(f"webhook: {NEW}\n")
    template = example / "template" / "10-cluster.yaml.j2"
    template.write_text(
        template.read_text().replace(
            "spec:\n",
            "spec:\n  gossipConfig:\n    secret: "
            + GOSSIP
            + "\n  nodeTerminationHandler:\n    webhookURL: {{ webhook }}\n",
            1,
        )
    )
    store = tmp_path / "state"
    rendered = run("-C", str(example), "render", "dev-eu1", "--set", f"webhook={OLD}{'x' * 30}")
    assert rendered.code == 0, rendered.err
    folder = store / "dev-eu1.k8s.example.com"
    (folder / "instancegroup").mkdir(parents=True)
    docs = rendered.out.split("---\n")
    (folder / "config").write_text(docs[0])
    for i, doc in enumerate(docs[1:]):
        (folder / "instancegroup" / f"g{i}").write_text(doc)
    return example


def outputs(run: Run, root: Path, tmp_path: Path) -> dict[str, str]:
    """Every output of every command that could show a value, by a name for the failure."""
    store = str(tmp_path / "state")
    base = ["-C", str(root)]
    found: dict[str, str] = {}
    secret_set = ["--set", f"registry.password={SET}"]
    for variant in ("--output=yaml", "--output=json", "--show-origin"):
        for more in ([], ["--output=json"]) if variant == "--show-origin" else ([],):
            r = run(*base, "values", "dev-eu1", *secret_set, variant, *more)
            found[" ".join(["values", variant, *more])] = r.out + r.err
    for fmt in ("text", "parsable", "json", "junit", "codequality"):
        too_long = "--set", f"webhook={NEW}-longer-than-the-schema-allows"
        r = run(*base, "validate", "dev-eu1", *too_long, "-o", fmt)
        assert r.code == 1, r.out
        found[f"validate {fmt}"] = r.out + r.err
    for fmt in ("text", "unified", "markdown", "json"):
        r = run(*base, "diff", "dev-eu1", "--state", store, *secret_set, "-o", fmt)
        assert r.code == 0, r.err
        found[f"diff {fmt}"] = r.out + r.err
    reports = {k: tmp_path / f"report.{k}" for k in ("md", "json", "xml", "cq")}
    r = run(
        *base,
        "check",
        "dev-eu1",
        "--state",
        store,
        *secret_set,
        "--jobs",
        "1",
        "--report-markdown",
        str(reports["md"]),
        "--json",
        str(reports["json"]),
        "--junit",
        str(reports["xml"]),
        "--codequality",
        str(reports["cq"]),
    )
    found["check"] = r.out + r.err
    found.update({f"check {k}": p.read_text() for k, p in reports.items()})
    r = run(*base, "render", "dev-eu1", "--set", f"webhook={{{NEW}")  # a --set syntax error
    found["render --set error"] = r.out + r.err
    return found


def test_no_output_holds_a_secret(planted: Path, run: Run, tmp_path: Path) -> None:
    seen = outputs(run, planted, tmp_path)
    leaks = {name for name, text in seen.items() for c in (NEW, OLD, SET, GOSSIP) if c in text}
    assert leaks == set()
    diff_json = json.loads(seen["diff json"])
    change = next(
        c for c in diff_json["clusters"][0]["changes"] if c["path"].endswith("webhookURL")
    )
    assert change["old"] == token(OLD + "x" * 30)
    assert change["new"] == token(NEW)
    assert token(NEW) in seen["values --output=yaml"]
    assert "--set registry.password=…" in seen["values --show-origin"]
    assert '"origin": "--set registry.password=…"' in seen["values --show-origin --output=json"]
    assert "webhook: <redacted> is too long" in seen["validate text"]


def test_show_secrets_shows_them(planted: Path, run: Run, tmp_path: Path) -> None:
    store = str(tmp_path / "state")
    shown = run("-C", str(planted), "diff", "dev-eu1", "--state", store, "--show-secrets")
    assert NEW in shown.out and OLD in shown.out
    values = run("-C", str(planted), "values", "dev-eu1", "--show-secrets")
    assert NEW in values.out


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("password", True),
        ("passwd", True),
        ("private-key", True),
        ("privateKey", True),
        ("apiKey", True),
        ("api_key", True),
        ("accessKey", True),
        ("client-key-data", True),
        ("keyData", True),
        ("clientSecret", True),
        ("bearerToken", True),
        ("token", True),
        ("httpTokens", False),
        ("tokenAuthFile", False),
        ("sshKeyName", False),
        ("keyStore", False),
        ("tokenTTL", False),
        ("publicKey", False),
        ("kmsKeyId", False),
    ],
)
def test_credential_key_names(key: str, secret: bool) -> None:
    assert secret_key(key) is secret


def test_kops_secret_fields_hide_old_and_new() -> None:
    secrets = Secrets()
    doc = {"spec": {"gossipConfig": {"secret": "s1"}, "cloudConfig": {"vSpherePassword": "pw"}}}
    hidden = secrets.data(doc, "Cluster")
    assert hidden["spec"]["gossipConfig"]["secret"] == token("s1")
    assert hidden["spec"]["cloudConfig"]["vSpherePassword"] == token("pw")
    assert secrets.data({"spec": {"httpTokens": "required"}}, "InstanceGroup") == {
        "spec": {"httpTokens": "required"}
    }


def test_schema_marks_inside_allof_and_refs_are_found() -> None:

    schema = {
        "$defs": {"s": {"x-sensitive": True}},
        "properties": {
            "a": {"allOf": [{"$ref": "#/$defs/s"}]},
            "b": {"anyOf": [{"type": "string"}, {"writeOnly": True}]},
            "c": {"type": "object", "additionalProperties": {"oneOf": [{"writeOnly": True}]}},
        },
    }
    texts, paths = schema_secrets(schema, {"a": "aaaa", "b": "bbbb", "c": {"k": 12345}, "d": "x"})
    assert texts == {"aaaa", "bbbb", "12345"}
    assert paths == {("a",), ("b",), ("c", "k")}


def test_unified_diff_hides_both_sides(planted: Path, run: Run, tmp_path: Path) -> None:
    shutil.rmtree(tmp_path / "state" / "dev-eu1.k8s.example.com" / "instancegroup")
    r = run(
        "-C",
        str(planted),
        "diff",
        "dev-eu1",
        "--state",
        str(tmp_path / "state"),
        "-o",
        "unified",
    )
    assert f"-    webhookURL: '{token(OLD + 'x' * 30)}'" in r.out or token(OLD + "x" * 30) in r.out
    assert OLD not in r.out and NEW not in r.out


def test_apply_shows_no_secret(
    planted: Path, run: Run, tmp_path: Path, fake_kops: FakeKops
) -> None:
    result = run("-C", str(planted), "apply", "dev-eu1", "--state", str(tmp_path / "state"))
    shown = result.out + result.err
    assert result.code == 0, shown
    assert "webhookURL" in shown
    assert all(c not in shown for c in (NEW, OLD, GOSSIP)), shown
