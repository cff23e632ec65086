"""clustermgr's Go templates judged by Go: every case of tests/gotemplates/corpus.yaml against
the output (or the failure) of Go's own text/template + Sprig as `kops toolbox template` runs
them (tools/go-template-reference; the goldens are Go's answers, rebuilt and compared in CI).

Two paths are judged: clustermgr's Go evaluator (what `convert` proves against), and
`convert` followed by rendering the Jinja it writes (what a user runs). Cases where clustermgr
does not give Go's answer yet are listed in KNOWN with the reason; listing one that passes
fails the test, so the list only shrinks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from clustermgr.errors import ClusterMgrError
from clustermgr.gotemplate.evaluate import Evaluator
from clustermgr.gotemplate.parse import parse
from clustermgr.yamlio import mapping_from_text
from tests.conftest import REPO, Run

CORPUS = yaml.safe_load((REPO / "tests/gotemplates/corpus.yaml").read_text(encoding="utf-8"))
GOLDENS: dict[str, dict[str, str]] = json.loads(
    (REPO / "tests/gotemplates/goldens.json").read_text(encoding="utf-8")
)
NAMES = [case["name"] for case in CORPUS]

MISSING = "a Sprig function clustermgr does not have yet (reported at its line)"
KNOWN: dict[str, str] = {
    "yaml-keys-yes-no": "yes and on are both the key true: clustermgr refuses the duplicate",
}
# Only `convert` (its command line and its refusals) stands in the way of these.
KNOWN_CONVERT: dict[str, str] = {
    **KNOWN,
}


def ours(case: dict[str, Any]) -> tuple[str | None, str | None]:
    """clustermgr's Go evaluator on the case: (output, None) or (None, error)."""
    try:
        values = mapping_from_text(case.get("values", ""), "values.yaml", cache=False).data
        if not isinstance(values.get("clusterName"), str):
            values["clusterName"] = case.get("clusterName", "")
        snippets = {n: parse(t, n) for n, t in (case.get("snippets") or {}).items()}
        tree = parse(case["template"], "t.tmpl")
        return Evaluator(snippets, case.get("failOnMissing", True)).run(tree, values), None
    except ClusterMgrError as exc:
        return None, exc.message


def judge(name: str, got: tuple[str | None, str | None]) -> None:
    golden = GOLDENS[name]
    output, error = got
    if "error" in golden:
        assert error is not None, f"Go fails ({golden['error']}); clustermgr printed {output!r}"
    else:
        assert error is None, f"Go prints {golden['output']!r}; clustermgr fails: {error}"
        assert output == golden["output"]


def _mark(name: str, known: dict[str, str]) -> Any:
    reason = known.get(name)
    return (
        pytest.param(name, marks=pytest.mark.xfail(reason=reason, strict=True)) if reason else name
    )


def test_every_case_has_a_golden() -> None:
    assert sorted(GOLDENS) == sorted(NAMES) and len(NAMES) == len(set(NAMES))


@pytest.mark.parametrize("name", [_mark(n, KNOWN) for n in NAMES])
def test_the_evaluator_gives_gos_answer(name: str) -> None:
    case = next(c for c in CORPUS if c["name"] == name)
    judge(name, ours(case))


REGEXP_ERRORS = [n for n in NAMES if n.startswith("regexp-error-")]


@pytest.mark.parametrize("name", REGEXP_ERRORS)
def test_a_bad_regular_expression_is_named_in_gos_words(name: str) -> None:
    """Go's regexp.Compile message, word for word, after the function's name."""
    case = next(c for c in CORPUS if c["name"] == name)
    _, error = ours(case)
    words = GOLDENS[name]["error"].partition("error calling ")[2]
    assert error == words


def lay_out(case: dict[str, Any], folder: Path) -> tuple[list[str], bool]:
    """The case's files in `folder` (t.tmpl, values.yaml, snip/), and the flags that pass them
    as kops toolbox template takes them; whether there are snippets."""
    (folder / "t.tmpl").write_text(case["template"], encoding="utf-8")
    (folder / "values.yaml").write_text(case.get("values", "") or "{}\n", encoding="utf-8")
    args = ["--values", "values.yaml"]
    if case.get("clusterName"):
        args += ["--name", case["clusterName"]]
    if not case.get("failOnMissing", True):
        args.append("--no-fail-on-missing")
    snippets = case.get("snippets") or {}
    if snippets:
        (folder / "snip").mkdir()
        for file, text in snippets.items():
            (folder / "snip" / file).write_text(text, encoding="utf-8")
    return args, bool(snippets)


@pytest.mark.parametrize("name", [_mark(n, KNOWN_CONVERT) for n in NAMES])
def test_convert_then_render_gives_gos_answer(name: str, run: Run, tmp_path: Path) -> None:
    args, snippets = lay_out(next(c for c in CORPUS if c["name"] == name), tmp_path)
    snippet_args = ["--snippets", "snip"] if snippets else []
    converted = run("convert", "t.tmpl", "--out-dir", "out", *args, *snippet_args, cwd=tmp_path)
    if converted.code != 0:
        judge(name, (None, converted.err))
        return
    snippet_args = ["--snippets", "out/snippets"] if snippets else []
    rendered = run("template", "--template", "out/t.tmpl.j2", *args, *snippet_args, cwd=tmp_path)
    judge(name, (rendered.out, None) if rendered.code == 0 else (None, rendered.err))


@pytest.mark.parametrize("name", [_mark(n, KNOWN) for n in NAMES])
def test_template_renders_go_templates_as_kops(name: str, run: Run, tmp_path: Path) -> None:
    """`clustermgr template` with kOps' Go template as it is: the drop-in for
    `kops toolbox template`, held to Go's answers."""
    args, snippets = lay_out(next(c for c in CORPUS if c["name"] == name), tmp_path)
    snippet_args = ["--snippets", "snip"] if snippets else []
    rendered = run("template", "--template", "t.tmpl", *args, *snippet_args, cwd=tmp_path)
    judge(name, (rendered.out, None) if rendered.code == 0 else (None, rendered.err))
