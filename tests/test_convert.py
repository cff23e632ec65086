"""`convert`: Go templates to Jinja2 that renders the same bytes.

The cases of kOps' own templater tests (pkg/util/templater/templater_test.go and
integration_tests.yml in the kOps repository) are transcribed below as data: each is
converted, then rendered by `clustermgr template`, and must give kOps' expected output (the
four channel-function cases read the entries of kOps' mock channel transcribed below).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from clustermgr.gotemplate.evaluate import Evaluator
from clustermgr.gotemplate.parse import parse
from clustermgr.gotemplate.sprig import SPRIG, sprig_table
from clustermgr.ops.convert import _difference
from tests.conftest import REPO, FakeKops, Run

# (context, snippets, template, expected; None: kOps fails), fail_on_missing
KOPS_CASES: list[tuple[dict[str, Any], dict[str, str], str, str | None, bool]] = [
    ({}, {}, "hello", "hello", True),
    ({}, {}, '{{ lower "Hello" }}', "hello", True),
    ({}, {}, '{{ upper "Hello" }}', "HELLO", True),
    ({"list": ["a", "b", "c"]}, {}, '{{ .list | join "," }}', "a,b,c", True),
    ({"missing": "no"}, {}, "{{ .missing  }}", "no", True),
    ({"is_missing": "no"}, {}, "{{ .missing  }}", None, True),
    (
        {"missing": "no"},
        {"snip": "{{ .is_missing }}"},
        '{{ .missing  }}{{ include "snip" . }}',
        None,
        True,
    ),
    (
        {"line": "this is a line of\ntext"},
        {},
        "{{ .line | indent 2 }}",
        "this is a line of\n  text",
        True,
    ),
    (
        {"name": "world"},
        {"snip": "hello world"},
        'this should say {{ include "snip" . }}',
        "this should say hello world",
        True,
    ),
    (
        {"name": "world"},
        {"one": "hello world", "two": "hello everyone"},
        'this should say {{ include "one" . }} {{ include "two" . }}',
        "this should say hello world hello everyone",
        True,
    ),
    ({"name": "world"}, {}, "hello {{ .name }}", "hello world", True),
    ({"name": "world", "id": 99}, {}, "hello {{ .name }} {{.id}}", "hello world 99", True),
    (
        {"struct": {"id": 1, "name": "test"}},
        {},
        "hello {{ .struct.name }} {{ .struct.id }}",
        "hello test 1",
        True,
    ),
    (
        {"members": [{"Name": "etcd0", "Members": ["1", "2"]}, {"Name": "etcd1"}]},
        {},
        "{{ range .members }}{{ .Name }},{{ end }}",
        "etcd0,etcd1,",
        True,
    ),
    ({}, {}, '{{ default "is missing" .name }}', "is missing", False),
    # integration_tests.yml
    ({"hello": "world"}, {}, "hello {{ .hello }}\n", "hello world\n", True),
    (
        {},
        {},
        '{{ upper "hello" }} world its {{ lower "Me" }}\n',
        "HELLO world its me\n",
        True,
    ),
    (
        {
            "etcd": [
                {"name": "main", "members": ["a1", "b1"]},
                {"name": "events", "members": ["a1", "b1"]},
            ]
        },
        {
            "cluster": "{{- range .etcd -}}\n- name: {{ .name }}\n  members: "
            '{{ .members | join "," }}\n{{ end -}}\n'
        },
        'cluster:\n{{ include "cluster" . -}}\n',
        "cluster:\n- name: main\n  members: a1,b1\n- name: events\n  members: a1,b1\n",
        True,
    ),
    (
        {},
        {"unit": "[Unit]\nName: somename\n\n[Service]\nThis is a service\n"},
        "hooks:\n  name: myservice.service\n  manifest: |\n"
        '    {{ include "unit" . | indent 4 -}}\n',
        "hooks:\n  name: myservice.service\n  manifest: |\n    [Unit]\n    Name: somename\n\n"
        "    [Service]\n    This is a service\n",
        True,
    ),
    (
        {
            "etcd": [
                {"name": "main", "members": ["a1", "b1"]},
                {"name": "events", "members": ["a1", "b1"]},
            ]
        },
        {},
        "cluster:\n{{- range .etcd }}\n- name: {{ .name }}\n  members: {{ .members -}}\n"
        "{{ end }}\n",
        "cluster:\n- name: main\n  members: [a1 b1]\n- name: events\n  members: [a1 b1]\n",
        True,
    ),
]


def convert_and_render(
    run: Run,
    tmp_path: Path,
    context: dict[str, Any],
    snippets: dict[str, str],
    template: str,
    fail_on_missing: bool = True,
) -> tuple[int, str, str]:
    (tmp_path / "snippets").mkdir(exist_ok=True)
    for name, body in snippets.items():
        (tmp_path / "snippets" / name).write_text(body)
    (tmp_path / "cluster.tmpl").write_text(template)
    (tmp_path / "values.yaml").write_text(yaml.safe_dump(context) if context else "{}\n")
    missing = [] if fail_on_missing else ["--no-fail-on-missing"]
    converted = run(
        "convert", "cluster.tmpl", "--snippets", "snippets", "--values", "values.yaml",
        "--out-dir", "out", *missing, cwd=tmp_path,
    )  # fmt: skip
    if converted.code != 0:
        return converted.code, "", converted.err
    converted_snippets = ["--snippets", "out/snippets"] if snippets else []
    rendered = run(
        "template", "--template", "out/cluster.tmpl.j2", *converted_snippets,
        "--values", "values.yaml", *(["--fail-on-missing=false"] if missing else []),
        cwd=tmp_path,
    )  # fmt: skip
    return rendered.code, rendered.out, rendered.err


@pytest.mark.parametrize(("context", "snippets", "template", "expected", "strict"), KOPS_CASES)
def test_kops_templater_cases(
    run: Run,
    tmp_path: Path,
    context: dict[str, Any],
    snippets: dict[str, str],
    template: str,
    expected: str | None,
    strict: bool,
) -> None:
    code, out, err = convert_and_render(run, tmp_path, context, snippets, template, strict)
    if expected is None:
        assert code == 1 and "map has no entry for key" in err
        assert not (tmp_path / "out").exists()  # nothing written
    else:
        assert (code, out) == (0, expected), err


GO_CONSTRUCTS = [
    ("{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}", {"a": 0, "b": "x"}, "B"),
    ("{{ with .m }}{{ .k }}{{ else }}none{{ end }}|{{ with .e }}x{{ else }}none{{ end }}",
     {"m": {"k": 1}, "e": []}, "1|none"),
    ("{{ range $i, $z := .zones }}{{ $i }}={{ $z }} {{ end }}", {"zones": ["a", "b"]}, "0=a 1=b "),
    ("{{ range $k, $v := .m }}{{ $k }}:{{ $v }};{{ end }}", {"m": {"b": 2, "a": 1}}, "a:1;b:2;"),
    ("{{ range .none }}x{{ else }}empty{{ end }}", {"none": []}, "empty"),
    ("{{ $x := .a }}{{ $x }}{{ $.a }}", {"a": "v"}, "vv"),
    ('{{ define "t" }}<{{ . }}>{{ end }}{{ template "t" .a }}', {"a": 3}, "<3>"),
    ("{{/* a comment */}}x  {{- /* trimmed */ -}}  y", {}, "xy"),
    ("a\n{{- .v -}}\nb", {"v": 1}, "a1b"),
    ("{{ and .a .b }} {{ or .a .b }} {{ not .a }}", {"a": 0, "b": "x"}, "0 x true"),
    ('{{ eq .a "x" "y" }} {{ lt 1 2 }} {{ len .l }} {{ index .l 1 }}', {"a": "yy", "l": [1, 2]},
     "false true 2 2"),
    ('{{ printf "%s-%d-%v" "a" 3 .f }} {{ print 1 2 "x" }}', {"f": 1.5}, "a-3-1.5 1 2x"),
    ("{{ .f }} {{ .g }} {{ .t }} {{ .l }}", {"f": 1000000.0, "g": 1.0, "t": True, "l": [1, "a"]},
     "1e+06 1 true [1 a]"),
    ('{{ (index .l 0).name }} {{ .a | default "d" }} {{ "x" | quote }}',
     {"l": [{"name": "nm"}], "a": ""}, 'nm d "x"'),
    ("{{ .items }} {{ .keys }}", {"items": "i", "keys": "k"}, "i k"),
    ("{{ if not .a }}{{ `raw` }}{% raw %}{# x #}{% endraw %}{{ end }}", {"a": False},
     "raw{% raw %}{# x #}{% endraw %}"),
]  # fmt: skip


@pytest.mark.parametrize(("template", "context", "expected"), GO_CONSTRUCTS)
def test_go_constructs(
    run: Run, tmp_path: Path, template: str, context: dict[str, Any], expected: str
) -> None:
    assert convert_and_render(run, tmp_path, context, {}, template) == (0, expected, "")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            'a\n  {{ env "HOME" }}',
            "cluster.tmpl:2:6: error: env reads the environment of the machine rendering: a "
            "render must not depend on the machine; pass the value in through --values or --set",
        ),
        (
            "{{ nosuch .x }}",
            'cluster.tmpl:1:4: error: function "nosuch" has no equivalent in clustermgr (not '
            "converted); write it by hand in the Jinja, or pass its result in as a value",
        ),
        (
            "{{ if .a }}{{ break }}{{ end }}",
            "cluster.tmpl:1:15: error: {{break}} outside {{range}}",
        ),
        ("{{ if .a }}x", "cluster.tmpl:1:4: error: missing {{end}} for this if"),
    ],
)
def test_refused_at_its_place_and_nothing_written(
    run: Run, tmp_path: Path, template: str, message: str
) -> None:
    code, _out, err = convert_and_render(run, tmp_path, {"a": 1, "l": [1]}, {}, template)
    assert (code, err.strip()) == (1, message)
    assert not (tmp_path / "out").exists()


# kOps' mock channel for its templater tests (tests/integration/channel/simple/channel.yaml in
# the kOps repository): the entries the four channel cases read.
MOCK_CHANNEL = """\
spec:
  images:
  - name: 099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-amd64-server-20210315
    providerID: aws
    architectureID: amd64
    kubernetesVersion: ">=1.18.0 <1.27.0"
  - name: 099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-arm64-server-20210315
    providerID: aws
    architectureID: arm64
    kubernetesVersion: ">=1.20.0 <1.27.0"
  cluster:
    kubernetesVersion: v1.4.7
  kubernetesVersions:
  - range: ">=1.5.0"
    recommendedVersion: 1.5.2
    requiredVersion: 1.5.1
  - range: "<1.5.0"
    recommendedVersion: 1.4.8
    requiredVersion: 1.4.2
  kopsVersions:
  - range: ">=1.5.0"
    recommendedVersion: 1.5.1
    requiredVersion: 1.5.0
    kubernetesVersion: 1.5.2
"""
CHANNEL_CASES = [
    ("{{ ChannelRecommendedKopsKubernetesVersion }}", "1.5.2"),
    ('{{ ChannelRecommendedKubernetesUpgradeVersion "1.4.2" }}', "1.4.8"),
    (
        '{{ ChannelRecommendedImage "aws" "1.19.2" "amd64" }}',
        "099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-amd64-server-20210315",
    ),
    (
        '{{ ChannelRecommendedImage "aws" "1.20.2" "arm64" }}',
        "099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-arm64-server-20210315",
    ),
]


@pytest.mark.parametrize(("template", "expected"), CHANNEL_CASES)
def test_kops_channel_cases(run: Run, tmp_path: Path, template: str, expected: str) -> None:
    (tmp_path / "channel.yaml").write_text(MOCK_CHANNEL)
    (tmp_path / "cluster.tmpl").write_text(template)
    channel = ["--channel", "channel.yaml", "--kops-version", "1.34.0"]
    converted = run("convert", "cluster.tmpl", "--out-dir", "out", *channel, cwd=tmp_path)
    assert converted.code == 0, converted.err
    rendered = run("template", "--template", "out/cluster.tmpl.j2", *channel, cwd=tmp_path)
    assert (rendered.code, rendered.out) == (0, expected), rendered.err


def test_the_docs_list_every_sprig_function_with_its_status() -> None:
    assert sprig_table() in (REPO / "docs" / "templates.md").read_text()
    assert len(SPRIG) == 208


@pytest.mark.parametrize(
    ("template", "context", "expected"),
    [
        ('{{ "FooBar" | snakecase }} {{ kebabcase "fooBar" }}', {}, "foo_bar foo-bar"),
        ('{{ (split "$" "a$b")._1 }} {{ splitList "," "x,y" | join "+" }}', {}, "b x+y"),
        ("{{ dig \"a\" \"b\" \"none\" .m }} {{ .l | uniq | len }}", {"m": {"a": {"b": 7}}, "l": [1, 1]},
         "7 1"),
        ('{{ semverCompare ">=1.30.0" "1.31.2" }} {{ max 3 9 2 }}', {}, "true 9"),
        ('{{ list 1 2 | toJson }} {{ dict "k" "v" | toJson }}', {}, '[1,2] {"k":"v"}'),
    ],
)  # fmt: skip
def test_sprig_functions(
    run: Run, tmp_path: Path, template: str, context: dict[str, Any], expected: str
) -> None:
    assert convert_and_render(run, tmp_path, context, {}, template) == (0, expected, "")


def test_a_difference_is_placed_at_the_template_line(tmp_path: Path) -> None:

    tree = parse("a: {{ .x }}\nb: 1\nc: 2\n", "t.tmpl")
    evaluator = Evaluator({})
    expected = evaluator.run(tree, {"x": 1})
    error = _difference(evaluator, "t.tmpl", expected, "a: 1\nb: 1\nc: 3\n")
    assert str(error.location) == "t.tmpl:3"
    assert error.message == (
        "the conversion does not render the same bytes at output line 3: Go 'c: 2', Jinja "
        "'c: 3'; nothing was written"
    )
    value = _difference(evaluator, "t.tmpl", expected, "a: 9\nb: 1\nc: 2\n")
    assert str(value.location) == "t.tmpl:1:6"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # Go's regexp is RE2: linear time, so this ends at once (with no match)
        ('{{ regexMatch "(a+)+$" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!" }}', "false"),
        # regexp.Expand: `$1x` is the group named `1x` (none: empty), `${1}x` group 1 then x
        ('{{ regexReplaceAll "(a)(b)" "abab" "$1x" }}', ""),
        ('{{ regexReplaceAll "(a)(b)" "abab" "${1}x" }}', "axax"),
        ('{{ regexReplaceAll "(?P<n>a)" "ab" "[$n]" }}', "[a]b"),
    ],
)
def test_regular_expressions_as_go_reads_them(
    run: Run, tmp_path: Path, template: str, expected: str
) -> None:
    assert convert_and_render(run, tmp_path, {}, {}, template) == (0, expected, "")


def test_a_null_prints_as_go_prints_it(run: Run, tmp_path: Path) -> None:
    code, out, _err = convert_and_render(run, tmp_path, {"x": None}, {}, "[{{ .x }}]")
    assert (code, out) == (0, "[<no value>]")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ " + "(" * 500 + "1" + ")" * 500 + " }}", "parentheses nest deeper than 100"),
        ("{{ if 1 }}" * 300 + "{{ end }}" * 300, "blocks nest deeper than 100"),
        (
            '{{ define "a" }}{{ template "a" . }}{{ end }}{{ template "a" . }}',
            "templates call each other deeper than 50",
        ),
        # Go's lexer: one character between single quotes (text/template/parse/lex.go)
        ("{{ 'ab' }}", "malformed character constant: 'ab'"),
        ('{{ "a" ' + '| printf "%s" ' * 20000 + "}}", "a pipeline of more than 40 commands"),
        # a Go function's panic is text/template's "error calling" (text/template/funcs.go)
        ("{{ div 1 0 }}", "error calling div: integer division or modulo by zero"),
        ("{{ until 1000000000 | len }}", "until: builds 1,000,000,000 items, more than clustermgr allows (1,000,000)"),
        ('{{ mustRegexMatch "(" "x" }}', "mustRegexMatch: error parsing regexp: missing closing ): `(`"),
        (
            "\n".join(
                [f'{{{{ define "t{i}" }}}}{{{{ template "t{i + 1}" . }}}}{{{{ template "t{i + 1}" . }}}}{{{{ end }}}}' for i in range(30)]
                + ['{{ define "t30" }}x{{ end }}{{ template "t0" . }}']
            ),
            "the template runs more than 5,000,000 steps",
        ),
    ],
)  # fmt: skip
def test_hostile_templates_are_bounded(
    run: Run, tmp_path: Path, template: str, message: str
) -> None:
    code, _out, err = convert_and_render(run, tmp_path, {}, {}, template)
    assert code == 1 and err.rstrip().endswith(f"error: {message}"), err
    assert not (tmp_path / "out").exists()


def test_a_failing_proof_never_prints_a_secret(run: Run, tmp_path: Path) -> None:
    code, _out, err = convert_and_render(
        run,
        tmp_path,
        {"password": "canary-s3cr3t", "l": "x"},
        {},
        "{{ .password }}{{ range .l }}{{ end }}",
    )
    assert code == 1 and "range can't iterate over x" in err
    code, _out, err = convert_and_render(
        run, tmp_path, {"token": "canary-s3cr3t"}, {}, "{{ range .token }}{{ end }}"
    )
    assert code == 1 and "canary-s3cr3t" not in err and "<redacted" in err


def test_a_missing_template_file(run: Run, tmp_path: Path) -> None:
    result = run("convert", "nope.tmpl", "--out-dir", "out", cwd=tmp_path)
    assert (result.code, result.err) == (2, "error: no such template file or folder: nope.tmpl\n")


def test_a_folder_of_templates_and_outputs_that_would_collide(run: Run, tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "cluster.tmpl").write_text(f"x: {folder}\n")
    ok = run("convert", "a", "--out-dir", "out", cwd=tmp_path)
    assert ok.code == 0, ok.err
    assert (tmp_path / "out" / "cluster.tmpl.j2").read_text() == "x: a\n"
    assert ok.err.startswith("1 template proved: the Jinja renders the same bytes as clustermgr's")
    clash = run("convert", "a/cluster.tmpl", "b/cluster.tmpl", "--out-dir", "out2", cwd=tmp_path)
    assert (clash.code, clash.err) == (
        2,
        "error: a/cluster.tmpl and b/cluster.tmpl would both be written to cluster.tmpl.j2: "
        "convert them in separate runs (or rename one)\n",
    )
    assert not (tmp_path / "out2").exists()


@pytest.fixture(scope="module")
def go_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tools/go-template-reference built: Go's text/template + Sprig, as kOps renders."""
    sprig = Path("/usr/share/gocode/src/github.com/Masterminds/sprig")
    if shutil.which("go") is None or not sprig.is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI builds the Go reference: install golang-go and Sprig (.ci/run)")
        pytest.skip(
            "Go and Sprig are not installed (golang-go, golang-github-masterminds-sprig-dev)"
        )
    spec = importlib.util.spec_from_file_location(
        "goldens", REPO / "tools" / "go-template-reference" / "goldens.py"
    )
    assert spec is not None and spec.loader is not None
    goldens = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(goldens)
    built: Path = goldens.build(tmp_path_factory.mktemp("go-reference"))
    return built


def test_convert_is_proved_against_kops_when_it_is_on_path(
    run: Run,
    tmp_path: Path,
    fake_kops: FakeKops,
    go_reference: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With kops on PATH the reference is `kops toolbox template` itself (here the fake,
    which renders with Go's text/template + Sprig), and the summary says so; when it prints
    something else, nothing is written and the message names kops."""
    monkeypatch.setenv("FAKE_KOPS_GO_REFERENCE", str(go_reference))
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "ig").write_text("name: {{ .name | upper }}\n")
    (tmp_path / "cluster.tmpl").write_text(
        'cluster: {{ .clusterName }}\nsize: {{ .nodes.max }}\n{{ include "ig" (dict "name" "a") }}'
    )
    (tmp_path / "values.yaml").write_text("clusterName: x.k8s.local\nnodes: {max: 1000000}\n")
    args = ("convert", "cluster.tmpl", "--snippets", "snippets", "--values", "values.yaml")
    done = run(*args, "--out-dir", "out", cwd=tmp_path)
    assert done.code == 0, done.err
    assert done.err == (
        "1 template proved: the Jinja renders the same bytes as kops toolbox template "
        "(kops 1.37.0-alpha.1) with the values given\n"
    )
    (call,) = [c for c in fake_kops.calls() if c.startswith("toolbox")]
    assert call.startswith("toolbox template --template cluster.tmpl --values ")
    assert call.endswith("--fail-on-missing=true --snippets snippets/ig")
    monkeypatch.setenv("FAKE_KOPS_TOOLBOX_SUFFIX", "extra: 1\n")
    differs = run(*args, "--out-dir", "out2", cwd=tmp_path)
    assert (differs.code, differs.err) == (
        1,
        "cluster.tmpl: error: the conversion does not render the same bytes at output line 4: "
        "kops 'extra: 1', Jinja ''; nothing was written\n",
    )
    assert not (tmp_path / "out2").exists()


def test_without_kops_the_summary_names_the_evaluator(run: Run, tmp_path: Path) -> None:
    (tmp_path / "t.tmpl").write_text("x: {{ .a }}\n")
    (tmp_path / "v.yaml").write_text("a: 1\n")
    done = run("convert", "t.tmpl", "--values", "v.yaml", "--out-dir", "out", cwd=tmp_path)
    assert done.err == (
        "1 template proved: the Jinja renders the same bytes as clustermgr's Go evaluator (no "
        "kops on PATH; the evaluator is held to Go's text/template and Sprig by its test "
        "corpus) with the values given\n"
    )
