"""Rendering: the one sandboxed Jinja2 environment and what turns values into a manifest.

- environment: `Renderer`, the sandboxed, strict Jinja2 environment with snippets;
- helpers: the kOps/Sprig-like template functions registered there;
- channel: the Channel* functions over a local kOps channel file;
- manifest: splitting, joining and formatting rendered documents;
- project: a project's renderer, rendering clusters, and `clustermgr template`.
"""

from clustermgr.render.environment import Renderer, SandboxOptions, Source, iter_template_files
from clustermgr.render.manifest import RenderedDocument, join_documents, split_documents
from clustermgr.render.project import (
    RenderSettings,
    TemplateRequest,
    project_renderer,
    render_clusters,
    render_documents,
    render_values,
    run_template,
)

__all__ = [
    "RenderSettings",
    "RenderedDocument",
    "Renderer",
    "SandboxOptions",
    "Source",
    "TemplateRequest",
    "iter_template_files",
    "join_documents",
    "project_renderer",
    "render_clusters",
    "render_documents",
    "render_values",
    "run_template",
    "split_documents",
]
