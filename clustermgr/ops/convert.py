"""`convert`: kOps Go templates (and their snippets) to Jinja2, proved byte for byte.

Each template is parsed once; the tree is run by the Go-semantics evaluator (the reference)
and converted to Jinja, which clustermgr's own environment renders with the same values. Any
difference is reported at the first line that differs, and nothing is written.
"""

from __future__ import annotations

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


def convert_files(
    templates: list[Path],
    snippet_files: list[Path],
    values: Values,
    fail_on_missing: bool = True,
    channel: Channel | None = None,
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
            if got != expected:
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


def _difference(evaluator: Evaluator, display: str, expected: str, got: str) -> TemplateError:
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
    return TemplateError(
        f"the conversion does not render the same bytes at output line {line + 1}: Go "
        f"{go_line!r}, Jinja {jinja_line!r}; nothing was written",
        evaluator.where(offset, expected) or Location(display),
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
