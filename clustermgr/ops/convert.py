"""`convert`: kOps Go templates (and their snippets) to Jinja2, proved byte for byte.

Each template is parsed once, converted to Jinja, and rendered by clustermgr's own
environment with the values given. The reference it must equal is `kops toolbox template`
itself when a `kops` is on PATH (the original template, the same values, snippets and
channel); otherwise clustermgr's Go evaluator (held to Go's text/template and Sprig by its
test corpus), and the summary says which. Any difference is reported at the first line that
differs, and nothing is written.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

from clustermgr import limits
from clustermgr.errors import ClusterMgrError, MultipleErrors, TemplateError, UsageError
from clustermgr.files import atomic_write
from clustermgr.gotemplate.convert import convert
from clustermgr.gotemplate.evaluate import Evaluator
from clustermgr.gotemplate.functions import channel_functions
from clustermgr.gotemplate.parse import Tree, parse
from clustermgr.kops import runner
from clustermgr.kops.channel import Channel
from clustermgr.problems import Location
from clustermgr.render import RenderSettings
from clustermgr.render.project import renderer_for_files
from clustermgr.secrets import for_cluster
from clustermgr.values import Values
from clustermgr.yamlio import read_text


class Converted(NamedTuple):
    source: Path
    target: str  # relative to the output folder
    jinja: str


class Reference(NamedTuple):
    """What a conversion is proved against: `kops toolbox template` of this kops version,
    or (None) clustermgr's Go evaluator."""

    kops_version: str | None = None
    channel: str | None = None  # the channel file kops is given (--channel)

    def words(self) -> str:
        if self.kops_version is None:
            return (
                "clustermgr's Go evaluator (no kops on PATH; the evaluator is held to Go's "
                "text/template and Sprig by its test corpus)"
            )
        return f"kops toolbox template (kops {self.kops_version})"


EVALUATOR = Reference()


def reference(channel: str | None) -> Reference:
    """kops when it is on PATH (and answers `kops version --short`), else the evaluator."""
    if shutil.which("kops") is None:
        return EVALUATOR
    try:
        printed = runner.run(
            ["version", "--short"], _quiet, _quiet, capture=4096, timeout=60, announce=False
        )
    except runner.KopsError as exc:
        raise UsageError(f"kops is on PATH but does not run: {exc.message}") from None
    return Reference(printed.strip().splitlines()[0] if printed.strip() else "?", channel)


def _quiet(_line: str) -> None:
    return None


def convert_files(
    templates: list[Path],
    snippet_files: list[Path],
    values: Values,
    fail_on_missing: bool = True,
    channel: Channel | None = None,
    against: Reference = EVALUATOR,
) -> list[Converted]:
    """Convert and prove every template and snippet; a ClusterMgrError on the first file
    that fails either."""
    snippets = {p.name: parse(_bounded(p), str(p)) for p in snippet_files}
    errors: list[ClusterMgrError] = []
    out: list[Converted] = []
    jinja_snippets: dict[str, str] = {}
    for path in snippet_files:
        try:
            jinja_snippets[path.name] = convert(snippets[path.name])
        except ClusterMgrError as exc:
            errors.append(exc)
    trees: list[tuple[Path, Tree]] = []
    for path in templates:
        try:
            tree = parse(_bounded(path), str(path))
            trees.append((path, tree))
            out.append(Converted(path, f"{path.name}.j2", convert(tree, snippets)))
        except ClusterMgrError as exc:
            errors.append(exc)
    if errors:
        raise MultipleErrors(errors) if len(errors) > 1 else errors[0]

    secrets = for_cluster(None, values.data)  # messages quote output lines and values
    for (path, tree), item in zip(trees, out, strict=True):
        evaluator = Evaluator(snippets, fail_on_missing, channel_functions(channel))
        try:
            expected = evaluator.run(tree, values.data)
            got = _render_jinja(
                item.jinja, jinja_snippets, values, fail_on_missing, str(path), channel
            )
            if against.kops_version is not None:
                kops = _render_kops(path, snippet_files, values, fail_on_missing, against)
                if got != kops:
                    raise _difference(evaluator, str(path), kops, got, "kops")
            elif got != expected:
                raise _difference(evaluator, str(path), expected, got)
        except ClusterMgrError as exc:
            raise TemplateError(secrets.hide(exc.message), exc.location) from None
    return out + [
        Converted(path, f"snippets/{path.name}", jinja_snippets[path.name])
        for path in snippet_files
    ]


def _render_jinja(
    text: str,
    snippets: dict[str, str],
    values: Values,
    fail_on_missing: bool,
    display: str,
    channel: Channel | None = None,
) -> str:

    with tempfile.TemporaryDirectory(prefix="clustermgr-convert-") as folder:
        root = Path(folder)
        (root / "snippets").mkdir()
        for name, body in snippets.items():
            (root / "snippets" / name).write_text(body, encoding="utf-8")
        template = root / "template.j2"
        template.write_text(text, encoding="utf-8")
        renderer = renderer_for_files(
            [template],
            [root / "snippets"],
            RenderSettings(fail_on_missing, False, None, None),
            channel,
        )
        try:
            return "".join(t for t, _ in renderer.render_texts(values.data))
        except ClusterMgrError as exc:
            raise TemplateError(
                f"the converted template fails: {exc.message}", Location(display)
            ) from None


def _render_kops(
    path: Path, snippets: list[Path], values: Values, fail_on_missing: bool, against: Reference
) -> str:
    """The original template as `kops toolbox template` renders it (cmd/kops/
    toolbox_template.go): the merged values given as one file (JSON, which is YAML), each
    snippet file, the channel; for one template its output is what it rendered."""
    with tempfile.TemporaryDirectory(prefix="clustermgr-convert-") as folder:  # private: secrets
        given = Path(folder) / "values.yaml"
        given.write_text(json.dumps(values.data), encoding="utf-8")
        args = ["toolbox", "template", "--template", str(path), "--values", str(given)]
        args.append(f"--fail-on-missing={'true' if fail_on_missing else 'false'}")
        for snippet in snippets:
            args += ["--snippets", str(snippet)]
        if against.channel:
            args += ["--channel", against.channel]
        try:
            return runner.run(
                args, _quiet, _quiet, capture=limits.current().render_bytes, announce=False
            )
        except runner.KopsError as exc:
            raise TemplateError(
                f"kops toolbox template fails where the Jinja renders: {exc.message}",
                Location(str(path)),
            ) from None


def _difference(
    evaluator: Evaluator, display: str, expected: str, got: str, reference: str = "Go"
) -> TemplateError:
    offset = next(
        (i for i, (x, y) in enumerate(zip(expected, got, strict=False)) if x != y),
        min(len(expected), len(got)),
    )
    a, b = expected.split("\n"), got.split("\n")
    line = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    go_line = a[line] if line < len(a) else "(end)"
    jinja_line = b[line] if line < len(b) else "(end)"
    where = evaluator.where(offset, expected) if reference == "Go" else None
    return TemplateError(
        f"the conversion does not render the same bytes at output line {line + 1}: "
        f"{reference} {go_line!r}, Jinja {jinja_line!r}; nothing was written",
        where or Location(display),
    )


def check_targets(converted: list[Converted]) -> None:
    """Two files that would be written to one place are an error before anything is written
    (templates of the same name in different folders)."""
    seen: dict[str, Path] = {}
    for item in converted:
        first = seen.setdefault(item.target, item.source)
        if first != item.source:
            raise UsageError(
                f"{first} and {item.source} would both be written to {item.target}: convert "
                "them in separate runs (or rename one)"
            )


def write(folder: Path, converted: list[Converted]) -> list[Path]:
    check_targets(converted)
    written = []
    for item in converted:
        target = folder / item.target
        atomic_write(target, item.jinja)
        written.append(target)
    return written


def _bounded(path: Path) -> str:
    text = read_text(path, str(path))
    limits.check_template(text, str(path), ("{{",))
    return text
