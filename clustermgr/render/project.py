"""Values to manifest, for project clusters and for the kOps-compatible `template` command.

These functions are the library entry points the CLI wraps; they return data and raise
ClusterMgrError, and never print.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from clustermgr import limits, yamlio
from clustermgr.errors import ClusterMgrError, ConfigError, MultipleErrors, UsageError
from clustermgr.kops import NEWEST_KOPS
from clustermgr.kops.channel import Channel, load_channel
from clustermgr.project import Project
from clustermgr.render.environment import Renderer, SandboxOptions, Source, iter_template_files
from clustermgr.render.manifest import RenderedDocument, format_document, join_documents
from clustermgr.values import (
    LayerCache,
    Overrides,
    Values,
    build_values,
    cluster_secrets,
    cluster_values,
    expand_values_paths,
)
from clustermgr.yamlio import Document, load_documents, read_text


class RenderSettings(NamedTuple):
    fail_on_missing: bool = True
    format_yaml: bool = False
    channel: str | None = None  # overrides the project's channel file
    kops_version: str | None = None


def project_renderer(project: Project, settings: RenderSettings) -> Renderer:
    """A renderer for the project's templates and snippets (all inside the project)."""
    config = project.config
    snippet_dirs = project.snippet_dirs()
    template_paths = project.template_paths()
    channel_path = settings.channel or config.channel
    channel = None
    if channel_path:
        path = Path(channel_path) if settings.channel else project.path(channel_path, "channel")
        kops_version = settings.kops_version or config.kops_version or NEWEST_KOPS
        channel = _channel(path, project.display(path), kops_version)

    def display(file: Path) -> str:
        if not project.inside(file):  # a symlink pointing out of the project
            raise ConfigError(f"{project.display(file)} leads outside the project")
        return project.display(file)

    return _renderer(template_paths, snippet_dirs, display, settings, channel)


def _renderer(
    template_paths: list[Path],
    snippet_dirs: list[Path],
    display: Callable[[Path], str],
    settings: RenderSettings,
    channel: Channel | None,
) -> Renderer:
    templates = list(iter_template_files(template_paths, exclude=snippet_dirs))
    if not templates:
        shown = ", ".join(display(p) for p in template_paths)
        raise ConfigError(f"no template files found in {shown}")
    snippets = [f for d in snippet_dirs for f in iter_template_files([d], exclude=[])]
    return Renderer(
        [Source(f, display(f)) for f in templates],
        [Source(f, display(f)) for f in snippets],
        SandboxOptions(fail_on_missing=settings.fail_on_missing, channel=channel),
    )


def render_values(renderer: Renderer, values: Values, format_yaml: bool) -> str:
    """Render one set of values into manifest text."""
    texts: list[str] = []
    for doc in renderer.render(values.data):
        if format_yaml:
            formatted = format_document(doc)
            if formatted is not None:
                texts.append(formatted)
        else:
            texts.append(doc.text)
    return join_documents(texts)


def render_documents(renderer: Renderer, values: Values) -> list[Document]:
    """Render one set of values into parsed documents (for diffs and imports)."""
    docs: list[Document] = []
    for item in renderer.render(values.data):
        docs += load_documents(item.text, item.template, cache=False)
    return docs


def render_clusters(
    project: Project, names: list[str], overrides: Overrides, settings: RenderSettings
) -> dict[str, str]:
    """Render several clusters; every failing cluster is reported, none is half-done."""
    clusters = [project.cluster(name) for name in names]
    renderer = project_renderer(project, settings)
    cache = LayerCache()
    out: dict[str, str] = {}
    errors: list[ClusterMgrError] = []
    for cluster in clusters:
        values = None
        try:
            values = cluster_values(project, cluster, overrides, cache)
            out[cluster.name] = render_values(renderer, values, settings.format_yaml)
        except ClusterMgrError as exc:
            if values is not None:  # helpers and --format-yaml quote values
                exc.message = cluster_secrets(project, values).hide(exc.message)
            if len(clusters) > 1:
                exc.message = f"[{cluster.name}] {exc.message}"
            errors.append(exc)
    if errors:
        raise errors[0] if len(errors) == 1 else MultipleErrors(errors)
    return out


class TemplateRequest(NamedTuple):
    """`clustermgr template`: the flags of `kops toolbox template`."""

    templates: Sequence[str]
    snippets: Sequence[str] = ()
    overrides: Overrides = Overrides()
    settings: RenderSettings = RenderSettings()
    cluster_name: str | None = None
    syntax: str = "auto"  # go, jinja, or auto: Jinja2 for .j2 files, Go for the others


JINJA_SUFFIXES = (".j2", ".jinja", ".jinja2")


def syntax_of(path: Path, syntax: str) -> str:
    """The template language of a file: `auto` reads kOps' Go templates as Go and clustermgr's
    `.j2` (`.jinja`, `.jinja2`) files as Jinja2."""
    if syntax != "auto":
        return syntax
    return "jinja" if path.suffix in JINJA_SUFFIXES else "go"


def template_values(request: TemplateRequest) -> Values:
    files = [(p, str(p)) for p in expand_values_paths(request.overrides.values_files)]
    values = build_values(files, request.overrides.sets, request.overrides.set_strings)
    # kOps: a clusterName that is not text is replaced by --name, which defaults to ""
    # (cmd/kops/toolbox_template.go, RunToolBoxTemplate)
    if not isinstance(values.data.get("clusterName"), str):
        values.data.pop("clusterName", None)
        source = "--name" if request.cluster_name else "the empty --name"
        values.default("clusterName", request.cluster_name or "", source)
    return values


def renderer_for_files(
    templates: list[Path],
    snippet_dirs: list[Path],
    settings: RenderSettings,
    channel: Channel | None = None,
) -> Renderer:
    """A renderer of template files outside any project (convert's proof)."""
    return _renderer(templates, snippet_dirs, str, settings, channel)


def channel_file(path: str, kops_version: str | None) -> Channel:
    """A channel file named on the command line (--channel)."""
    return _channel(Path(path), path, kops_version or NEWEST_KOPS)


def run_template(request: TemplateRequest) -> str:
    """Render like `kops toolbox template`, without any project configuration: each template
    file in its own language (Go for kOps' templates, Jinja2 for `.j2`), in the order given."""
    values = template_values(request)
    snippet_dirs = [_existing(p, "--snippets") for p in request.snippets]
    template_paths = [_existing(p, "--template") for p in request.templates]
    settings = request.settings
    channel = None
    if settings.channel:
        kops = settings.kops_version or NEWEST_KOPS
        channel = _channel(Path(settings.channel), settings.channel, kops)
    files = list(iter_template_files(template_paths, snippet_dirs))
    if not files:
        raise ConfigError(f"no template files found in {', '.join(request.templates)}")
    syntaxes = {f: syntax_of(f, request.syntax) for f in files}
    jinja = [f for f in files if syntaxes[f] == "jinja"]
    rendered: dict[Path, str] = {}
    if jinja:
        renderer = _renderer(jinja, snippet_dirs, str, settings, channel)
        rendered.update(zip(jinja, (t for t, _ in renderer.render_texts(values.data)), strict=True))
    go = [f for f in files if syntaxes[f] == "go"]
    if go:
        rendered.update(_render_go(go, snippet_dirs, values, settings, channel))
    return kops_join([(rendered[f], str(f)) for f in files], settings.format_yaml)


def _render_go(
    templates: list[Path],
    snippet_dirs: list[Path],
    values: Values,
    settings: RenderSettings,
    channel: Channel | None,
) -> dict[Path, str]:
    """kOps' Go templates as kOps renders them: Go's text/template semantics and functions,
    snippets in the template's set (clustermgr/gotemplate)."""
    # the Go evaluator loads only when a Go template is rendered: `render` never needs it
    from clustermgr.gotemplate.evaluate import Evaluator  # noqa: PLC0415
    from clustermgr.gotemplate.functions import channel_functions  # noqa: PLC0415
    from clustermgr.gotemplate.parse import parse  # noqa: PLC0415

    snippets = {}
    for file in iter_template_files(snippet_dirs, []):
        text = read_text(file, str(file))
        limits.check_template(text, str(file), ("{{",))
        snippets[file.name] = parse(text, str(file))
    out = {}
    for file in templates:
        text = read_text(file, str(file))
        limits.check_template(text, str(file), ("{{",))
        evaluator = Evaluator(snippets, settings.fail_on_missing, channel_functions(channel))
        out[file] = evaluator.run(parse(text, str(file)), values.data)
    return out


def kops_join(texts: list[tuple[str, str]], format_yaml: bool) -> str:
    """The output of `kops toolbox template`, byte for byte: each template's non-empty output
    split on `---\n` and joined again with it (nothing added); with --format-yaml each piece
    re-emitted with sorted keys and empty ones dropped (kOps' cmd/kops/toolbox_template.go)."""
    pieces: list[str] = []
    for text, display in texts:
        if not text:
            continue
        if not format_yaml:
            pieces.append(text)
            continue
        for number, piece in enumerate(text.split("---\n"), 1):
            formatted = format_document(RenderedDocument(piece, display, number, 1))
            if formatted is not None:
                pieces.append(formatted)
    return join_documents(pieces)


def _existing(raw: str, flag: str) -> Path:
    path = Path(raw).expanduser()
    if not path.exists():
        raise UsageError(f"{flag}: no such file or directory: {raw}")
    return path


def _channel(path: Path, display: str, kops_version: str | None) -> Channel:
    if not path.is_file():
        raise UsageError(f"channel file not found: {display}")
    return load_channel(path, display, kops_version)


def config_value(values: Values, key: str) -> str:
    """`--config-value KEY`: that merged value (a dotted path reaches nested keys), or null."""
    value: Any
    try:
        value = values.get((key,)) if key in values.data else values.get(tuple(key.split(".")))
    except KeyError:
        return "null\n"
    if isinstance(value, str):
        return value + "\n"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False) + "\n"
    return str(yamlio.scalar(value)) + "\n"
