from __future__ import annotations

import json
import re
import signal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from clustermgr.errors import TemplateError
from clustermgr.render.environment import Renderer, SandboxOptions, Source
from clustermgr.render.failures import keep_alarm_handler
from clustermgr.render.helpers import SPRIG_FUNCTIONS
from clustermgr.render.manifest import split_documents
from tests.conftest import REPO


def render(
    tmp_path: Path,
    template: str,
    values: dict[str, Any] | None = None,
    snippets: dict[str, str] | None = None,
    strict: bool = True,
) -> str:
    (tmp_path / "t.j2").write_text(template)
    sources = []
    for name, text in (snippets or {}).items():
        (tmp_path / name).write_text(text)
        sources.append(Source(tmp_path / name, f"snippets/{name}"))
    renderer = Renderer(
        [Source(tmp_path / "t.j2", "t.j2")], sources, SandboxOptions(fail_on_missing=strict)
    )
    return "---\n".join(d.text for d in renderer.render(values or {}))


def fails(tmp_path: Path, template: str, **kwargs: Any) -> str:
    with pytest.raises(TemplateError) as info:
        render(tmp_path, template, **kwargs)
    return str(info.value)


def test_values_are_variables_and_keys_win_over_dict_methods(tmp_path: Path) -> None:
    values = {"name": "c1", "m": {"items": "key", "values": [1]}}
    assert render(tmp_path, "a: {{ name }}\nb: {{ m.items }}\nc: {{ m.values }}\n", values) == (
        "a: c1\nb: key\nc: [1]\n"
    )
    assert render(
        tmp_path, "{% for k, v in m.items() %}{{ k }} {% endfor %}\n", {"m": {"x": 1}}
    ) == ("x \n")


def test_undefined_values_are_named_in_full_with_their_location(tmp_path: Path) -> None:
    template = "a: 1\nb: {{ nodes.maxSize }}\n"
    assert fails(tmp_path, template, values={"nodes": {"minSize": 1}}) == (
        "t.j2:2:7: undefined value 'nodes.maxSize'"
    )
    assert fails(tmp_path, "x: {{ missing }}\n") == "t.j2:1:7: undefined value 'missing'"


def test_missing_chains_still_take_a_default(tmp_path: Path) -> None:
    assert render(tmp_path, "{{ a.b.c | default('d') }}\n") == "d\n"
    assert render(tmp_path, "{{ 'yes' if a is defined else 'no' }}\n") == "no\n"


def test_no_fail_on_missing_renders_nothing(tmp_path: Path) -> None:
    assert render(tmp_path, "a: {{ missing }}\nb: {{ x.y.z }}\n", strict=False) == "a: \nb: \n"


def test_documents_split_and_empty_ones_dropped(tmp_path: Path) -> None:
    (tmp_path / "t.j2").write_text("---\n# only a comment\n---\na: 1\n---   \n\n---\nb: 2\n")
    renderer = Renderer([Source(tmp_path / "t.j2", "t.j2")], [], SandboxOptions())
    docs = renderer.render({})
    assert [(d.text, d.number, d.line) for d in docs] == [("a: 1\n", 1, 4), ("b: 2\n", 2, 8)]


def _split_by_lines(text: str) -> list[tuple[str, int]]:
    """The definition, line by line: a separator is a line `---` with blanks or a comment
    after it; a document is what lies between, kept when a line holds more than a comment."""
    pieces: list[tuple[list[str], int]] = [([], 1)]
    for number, line in enumerate(text.split("\n"), 1):
        if re.fullmatch(r"---[ \t]*(?:#.*)?", line):
            pieces.append(([], number + 1))
        else:
            pieces[-1][0].append(line)
    found = []
    for lines, first in pieces:
        if any(re.match(r"[ \t]*[^\s#]", line) for line in lines):
            lead = next(i for i, line in enumerate(lines) if line)
            found.append(("\n".join(lines).strip("\n") + "\n", first + lead))
    return found


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["---", "--- # c", "---\t ", "----", " ---", "---x", "a: ---", "", "  ", "# c", "a: 1"]
        ),
        max_size=12,
    )
)
def test_documents_split_where_a_line_is_a_separator(lines: list[str]) -> None:
    text = "\n".join(lines)
    got = [(d.text, d.line) for d in split_documents(text, "t")]
    assert got == _split_by_lines(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["---", "--- # c", "---\t ", "---  ", "", "  ", "# c", "a: 1", "b: x---y", "c: --- d"]
        ),
        max_size=12,
    )
)
def test_documents_split_where_libyaml_starts_one(lines: list[str]) -> None:
    """On a YAML stream, the documents are libyaml's (PyYAML's C parser, which knows YAML's
    document markers): the same data in the same order, empty ones left out, each starting
    where libyaml finds its first node. (A marker with content after it, `--- x`, and the
    end marker `...` are YAML's but not separators here; a template writes neither.)"""
    text = "".join(f"{line}\n" for line in lines)
    stream = zip(
        yaml.load_all(text, Loader=yaml.CSafeLoader),
        yaml.compose_all(text, Loader=yaml.CSafeLoader),
        strict=True,
    )
    reference = [(data, node) for data, node in stream if data is not None]
    docs = split_documents(text, "t")
    assert [yaml.load(d.text, Loader=yaml.CSafeLoader) for d in docs] == [
        data for data, _ in reference
    ]
    for doc, (_, node) in zip(docs, reference, strict=True):  # comments, blanks before it
        lines_before = next(
            i for i, line in enumerate(doc.text.split("\n")) if line.strip()[:1] not in ("", "#")
        )
        assert doc.line + lines_before == node.start_mark.line + 1


def test_kops_indent_rule(tmp_path: Path) -> None:
    values = {"text": "first\nsecond\n\nfourth\n"}
    assert (
        render(tmp_path, "x: {{ text | indent(2) }}", values) == "x: first\n  second\n\n  fourth\n"
    )
    assert (
        render(tmp_path, "x: {{ indent(2, text) }}", values) == "x: first\n  second\n\n  fourth\n"
    )
    assert render(tmp_path, "x:{{ text | nindent(2) }}", values) == (
        "x:\n  first\n  second\n  \n  fourth\n  \n"
    )


def test_snippets_with_and_without_context(tmp_path: Path) -> None:
    snippets = {"name.txt": "{{ greeting }} {{ who }}", "ctx.txt": "{{ ctx }}/{{ a }}"}
    out = render(
        tmp_path,
        'one: {{ include("name.txt") }}\ntwo: {{ include("ctx.txt", {"a": 1}) }}\n',
        {"greeting": "hi", "who": "all"},
        snippets,
    )
    assert out == 'one: hi all\ntwo: {"a": 1}/1\n'


def test_macros_of_a_snippet_imported_see_the_globals(tmp_path: Path) -> None:
    """`{% import %}` and `{% from %}` of a snippet: its macros, with every helper."""
    macros = {
        "m.j2": "{% macro name(x) %}{{ x | upper }}-{{ trimSuffix('-', 'a-') }}{% endmacro %}"
    }
    template = (
        '{% import "m.j2" as m %}{% from "m.j2" import name %}a: {{ m.name(v) }}/{{ name("z") }}\n'
    )
    assert render(tmp_path, template, {"v": "b"}, macros) == "a: B-a/Z-a\n"


def test_snippet_keeps_its_final_newline_as_go_does(tmp_path: Path) -> None:
    out = render(tmp_path, 'a:\n  {{ include("s") | indent(2) }}b: 1\n', {}, {"s": "x: 1\n"})
    assert out == "a:\n  x: 1\nb: 1\n"


def test_snippet_errors(tmp_path: Path) -> None:
    assert fails(tmp_path, '{{ include("nope") }}', snippets={"s": ""}) == (
        "t.j2:1: unknown snippet 'nope' (snippets: s)"
    )
    assert (
        fails(
            tmp_path,
            '{{ include("a") }}',
            snippets={"a": '{{ include("b") }}', "b": '{{ include("a") }}'},
        )
        == "snippets/b:1: include cycle: a -> b -> a (included from snippets/a:1, t.j2:1)"
    )
    assert fails(tmp_path, 'x\n{{ include("s") }}', snippets={"s": "\n{{ oops }}"}) == (
        "snippets/s:2:4: undefined value 'oops' (included from t.j2:2)"
    )


def test_syntax_errors_name_file_and_line(tmp_path: Path) -> None:
    assert fails(tmp_path, "a: 1\n{% for x in y %}\n") == (
        "t.j2:2: template syntax error: Unexpected end of template. Jinja was looking for the "
        "following tags: 'endfor' or 'else'. The innermost block that needs to be closed is 'for'."
    )


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ ''.__class__ }}", "access to attribute '__class__' of 'str' object is unsafe."),
        (
            "{{ x.__init__.__globals__ }}",
            "access to attribute '__init__' of 'int' object is unsafe.",
        ),
        (
            "{{ 'a' * 100000000 }}",
            "'*' would build 100,000,000 characters, more than limits.renderBytes (10,000,000)",
        ),
        (
            "{{ '%0500000000d' % 1 }}",
            "'%' would build 500,000,000 characters, more than limits.renderBytes (10,000,000)",
        ),
        (
            "{{ 'x' | center(500000000) }}",
            "center would build 500,000,000 characters, more than limits.renderBytes (10,000,000)",
        ),
        (
            "{{ 'x'.ljust(500000000) }}",
            "str.ljust would build 500,000,000 characters, more than limits.renderBytes (10,000,000)",
        ),
        (
            "{{ ('a' * 9000000).replace('a', 'bb') }}",
            "str.replace would build 18,000,000 characters, more than limits.renderBytes (10,000,000)",
        ),
        (
            "{{ (['a' * 3000000] * 4) | join }}",
            "join would build 12,000,000 characters, more than limits.renderBytes (10,000,000)",
        ),
        (
            "{{ ('a' * 6000000) ~ ('b' * 6000000) }}",
            "'~' would build 12,000,000 characters, more than limits.renderBytes (10,000,000)",
        ),
        (
            "{% set ns = namespace(x='ab') %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}",
            "'~' would build 16,777,216 characters, more than limits.renderBytes (10,000,000)",
        ),
        (
            "{% for i in range(100000) %}{% for j in range(1000) %}abcdefghij{% endfor %}{% endfor %}",
            "the output would be larger than limits.renderBytes (10,000,000 characters)",
        ),
        ("{{ 2 ** 100000 }}", "'**' exponent larger than 1000"),
        (
            "{{ range(10000000) | list }}",
            "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).",
        ),
    ],
)
def test_sandbox(tmp_path: Path, template: str, message: str) -> None:
    where = "t.j2" if message.startswith("the output") else "t.j2:1"
    assert fails(tmp_path, template, values={"x": 1}) == (
        f"{where}: not allowed in the template sandbox: {message}"
    ).replace("not allowed in the template sandbox: Range", "OverflowError: Range")


def test_templates_cannot_include_files(tmp_path: Path) -> None:
    assert fails(tmp_path, '{% include "/etc/passwd" %}') == "t.j2:1: TemplateNotFound: /etc/passwd"


@pytest.mark.parametrize(
    ("template", "values", "expected"),
    [
        ("{{ m | toYaml }}", {"m": {"b": [1, "x"], "a": "yes"}}, 'a: "yes"\nb:\n- 1\n- x'),
        ("{{ toYaml(m) }}", {"m": {"b": 1}}, "b: 1"),
        ("{{ m | toJson }}", {"m": {"b": 1, "a": [True, None]}}, '{"a":[true,null],"b":1}'),
        ("{{ 'hi' | b64enc }}/{{ 'aGk=' | b64dec }}", {}, "aGk=/hi"),
        (
            "{{ 'x' | sha256sum }}",
            {},
            "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
        ),
        ("{{ 'a\"b' | quote }} {{ 'x' | squote }}", {}, '"a\\"b" \'x\''),
        ("{{ ' x ' | trim | upper }}{{ 'AB' | lower }}", {}, "Xab"),
        ("{{ 'a-b' | replace('-', '.') }}", {}, "a.b"),
        ("{{ 'a,b' | split(',') | join('+') }}", {}, "a+b"),
        ("{{ split(',', 'a,b') }}", {}, '["a", "b"]'),
        ("{{ 'v1.2.3' | regexReplaceAll('^v(\\\\d+)', '${1}x') }}", {}, "1x.2.3"),
        ("{{ regexReplaceAll('a(.)', 'xaby', '$1') }}", {}, "xby"),
        ("{{ '1.31.2' | semverCompare('>=1.30') }}", {}, "true"),
        ("{{ semverCompare('<1.30', '1.31.2') }}", {}, "false"),
        ("{{ 'eu-west-1a' | trimPrefix('eu-west-1') }}", {}, "a"),
        ("{{ trimSuffix('.com', 'x.com') }}", {}, "x"),
        ("{{ required('need x', 'ok') }}", {}, "ok"),
        ("{{ ternary('a', 'b', false) }}", {}, "b"),
        ("{{ ['b', 'a', 'b'] | uniq | join }}", {}, "ba"),
        ("{{ {'b': 1, 'a': 2} | keys }}", {}, '["a", "b"]'),
        # Values print as YAML reads them back (docs/templates.md, "How values print")
        ("{{ flag }}/{{ off }}", {"flag": True, "off": False}, "true/false"),
        ("{{ n }} {{ m }} {{ k }}", {"n": 1.0, "m": 2.5, "k": 7}, "1 2.5 7"),
        ("{{ v }}", {"v": {"k": [1, "x", None]}}, '{"k": [1, "x", null]}'),
        ("{{ upper('Hello') }} {{ lower('Hello') }} {{ 'x' | upper }}", {}, "HELLO hello X"),
    ],
)
def test_helpers(tmp_path: Path, template: str, values: dict[str, Any], expected: str) -> None:
    assert render(tmp_path, template + "\n", values) == expected + "\n"


def test_required_fails_with_its_message(tmp_path: Path) -> None:
    assert fails(tmp_path, "a: {{ x.y | required('x.y is needed') }}", values={"x": {}}) == (
        "t.j2:1: x.y is needed"
    )


def test_channel_functions_need_a_channel(tmp_path: Path) -> None:
    assert fails(tmp_path, "{{ ChannelRecommendedKopsKubernetesVersion() }}") == (
        "t.j2:1: no channel file: set `channel:` in clustermgr.yaml or pass --channel"
    )


def test_a_render_that_never_ends_is_stopped(tmp_path: Path) -> None:
    (tmp_path / "t.j2").write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n"
    )
    renderer = Renderer([Source(tmp_path / "t.j2", "t.j2")], [], SandboxOptions(timeout=0.3))
    with pytest.raises(TemplateError) as info:
        renderer.render({})
    assert str(info.value) == "t.j2:1: the render took too long (a template that loops for ever?)"


GO_CALL = re.compile(r'\{\{ (\w+)((?: (?:"(?:[^"\\]|\\.)*"|-?\d+|true|false))*) \}\}\n?')


def test_sprig_functions_give_gos_answers_in_jinja(tmp_path: Path) -> None:
    """Sprig's functions are one table with Go's semantics: the Go corpus' calls of them
    with literal arguments, written as Jinja2 function calls, print what Go printed (the
    goldens of tools/go-template-reference: Go's text/template + Sprig)."""
    corpus = yaml.safe_load((REPO / "tests/gotemplates/corpus.yaml").read_text())
    goldens = json.loads((REPO / "tests/gotemplates/goldens.json").read_text())
    checked = []
    for case in corpus:
        found = GO_CALL.fullmatch(case["template"])
        golden = goldens[case["name"]]
        if not found or found.group(1) not in SPRIG_FUNCTIONS or case.get("values"):
            continue
        if "output" not in golden or golden["output"].startswith("["):  # Go prints lists its way
            continue
        args = re.findall(r'"(?:[^"\\]|\\.)*"|-?\d+|true|false', found.group(2))
        jinja = f"{{{{ {found.group(1)}({', '.join(args)}) }}}}\n"
        # (an output that is only an empty line renders as no output at all)
        checked.append((case["name"], render(tmp_path, jinja).rstrip("\n"), golden["output"]))
    assert len(checked) >= 6
    assert [(name, out) for name, out, _ in checked] == [(name, want) for name, _, want in checked]


def test_the_render_alarm_puts_back_the_handler_it_replaced(tmp_path: Path) -> None:
    """A render installs its alarm handler for its duration only: what was there before
    (a test runner's, a caller's) is there after; a worker's own stays."""

    def mine(_signum: int, _frame: object) -> None:
        pass

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        assert render(tmp_path, "a: 1\n") == "a: 1\n"
        assert signal.getsignal(signal.SIGALRM) is mine
        keep_alarm_handler()
        kept = signal.getsignal(signal.SIGALRM)
        assert render(tmp_path, "a: 1\n") == "a: 1\n"
        assert signal.getsignal(signal.SIGALRM) is kept
    finally:
        signal.signal(signal.SIGALRM, previous)
