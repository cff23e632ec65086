"""`validate`: per cluster, every problem from the values files to the rendered manifest.

The stages run in order and each reports everything it finds: values files parse, merged
values against the schema, the render, the manifest lint. A stage whose input is broken is
skipped, so one defect is reported once (a missing value is a schema error, not also an
undefined variable in the template).
"""

from __future__ import annotations

from typing import NamedTuple

from clustermgr.errors import ClusterMgrError, YAMLError
from clustermgr.problems import ERROR, VALIDATE_CHECKS, Group, Location, Problem
from clustermgr.project import Cluster, Project
from clustermgr.render import RenderedDocument, Renderer, RenderSettings, project_renderer
from clustermgr.validation.lint import Linter
from clustermgr.values import (
    LayerCache,
    Overrides,
    Values,
    cluster_secrets,
    cluster_values,
    duplicate_names,
)
from clustermgr.values.schema import ValuesSchema
from clustermgr.yamlio import Document, YPath, iter_leaves, load_documents, load_each

CHECKS = VALIDATE_CHECKS


class Checked(NamedTuple):
    group: Group
    values: Values | None
    documents: list[Document] | None  # the render, when it succeeded


class Validator:
    """Shared inputs (renderer, schema, CRDs, parsed layers) loaded once for many clusters."""

    def __init__(
        self,
        project: Project,
        overrides: Overrides,
        settings: RenderSettings,
        linter: Linter,
    ) -> None:
        self.project = project
        self.overrides = overrides
        self.linter = linter
        self.cache = LayerCache(persist=False)
        path = project.schema_path()
        self.schema = ValuesSchema(path, project.display(path)) if path else None
        self._settings = settings
        self._renderer: Renderer | ClusterMgrError | None = None

    def renderer(self) -> Renderer | ClusterMgrError:
        """Built on first use; a template that does not compile fails every cluster alike."""
        if self._renderer is None:
            try:
                self._renderer = project_renderer(self.project, self._settings)
            except ClusterMgrError as exc:
                self._renderer = exc
        return self._renderer

    def validate(self, cluster: Cluster) -> Group:
        return self.check(cluster).group

    def check(self, cluster: Cluster) -> Checked:
        """The problems, and the merged values and rendered documents when they were made."""
        problems: list[Problem] = []
        values = cluster_values(self.project, cluster, self.overrides, self.cache, problems)
        if values is not None and self.schema is not None:
            fallback = Location(self.project.display(cluster.file), 1, 1)
            problems += self.schema.check(values, fallback)
        docs = None
        if values is not None and not any(p.level == ERROR for p in problems):
            docs = self._manifest(values, problems)
        if values is not None and problems:  # messages quote values: never a secret one
            secrets = cluster_secrets(self.project, values, docs or ())
            problems = [p._replace(message=secrets.hide(p.message)) for p in problems]
        return Checked(Group(cluster.name, problems, CHECKS), values, docs)

    def _manifest(self, values: Values, problems: list[Problem]) -> list[Document] | None:
        """Render and lint; the rendered documents, or None when the render failed."""
        renderer = self.renderer()
        if isinstance(renderer, ClusterMgrError):
            problems.append(_problem(renderer, "template", "render"))
            return None
        try:
            rendered = renderer.render(values.data)
        except ClusterMgrError as exc:
            problems.append(_problem(exc, "template", "render"))
            return None
        docs = self._documents(rendered, problems)
        problems += self.linter.lint_documents(docs, rendered=_Locator(renderer, values))
        return docs

    def _documents(
        self, rendered: list[RenderedDocument], problems: list[Problem]
    ) -> list[Document]:
        """The rendered documents read (all in one pass where the fast path takes them; else
        one by one, each YAML error a problem of its own)."""
        together = load_each([(item.text, item.template) for item in rendered])
        if together is not None:
            pairs = zip(together, rendered, strict=True)
            return [doc._replace(number=item.number - 1) for doc, item in pairs]
        docs: list[Document] = []
        for item in rendered:
            try:
                parsed = load_documents(item.text, item.template, cache=False)
            except YAMLError as exc:
                line = exc.location.line if exc.location else 0
                problems.append(
                    Problem(
                        ERROR,
                        "rendered-yaml",
                        f"the rendered output is not valid YAML: {exc.message} "
                        f"(rendered document {item.number}, line {line})",
                        Location(item.template),
                        check="documents",
                    )
                )
                continue
            docs += [d._replace(number=item.number - 1) for d in parsed]
        return docs


class _Locator:
    """Where a field of a rendered document was written, and where its value was set.

    The template line is the one line of the template writing that key, when there is only
    one; the origin is the values line holding the same value, when exactly one value has it
    (or exactly one of those under the same key name: `nonMasqueradeCIDR` for
    spec.nonMasqueradeCIDR, though sshAccess holds the same CIDR).
    """

    def __init__(self, renderer: Renderer, values: Values) -> None:
        self.renderer = renderer
        self.values = values
        self._leaves: dict[object, list[YPath]] | None = None

    def __call__(self, doc: Document, path: YPath) -> tuple[Location, Location | None]:
        keys = [p for p in path if isinstance(p, str)]
        line = self.renderer.line_of_key(doc.file, keys[-1]) if keys else 0
        return Location(doc.file, line), self._origin(doc, path)

    def _origin(self, doc: Document, path: YPath) -> Location | None:
        value: object = doc.data
        for part in path:
            in_map = isinstance(value, dict) and isinstance(part, str) and part in value
            in_list = isinstance(value, list) and isinstance(part, int) and part < len(value)
            if not (in_map or in_list):
                return None
            value = value[part]  # type: ignore[index]
        if isinstance(value, bool) or not isinstance(value, (str, int)) or value in ("", 0):
            return None
        if self._leaves is None:
            self._leaves = {}
            for leaf_path, leaf in iter_leaves(self.values.data):
                if isinstance(leaf, (str, int)) and not isinstance(leaf, bool):
                    self._leaves.setdefault(leaf, []).append(leaf_path)
        found = self._leaves.get(value, [])
        if len(found) > 1:
            found = [f for f in found if _last_key(f) == _last_key(path)]
        origin = self.values.origin(found[0]) if len(found) == 1 else None
        return origin.location if origin is not None else None


def _last_key(path: YPath) -> str | None:
    return next((str(p).lower() for p in reversed(path) if isinstance(p, str)), None)


def _problem(exc: ClusterMgrError, rule: str, check: str) -> Problem:
    return Problem(ERROR, rule, exc.message, exc.location, check=check)


def validate_clusters(validator: Validator, names: list[str]) -> list[Group]:
    """Each named cluster, with the fleet's own rules (duplicate kOps names) added."""

    fleet = duplicate_names(validator.project)
    groups = []
    for name in names:
        group = validator.validate(validator.project.cluster(name))
        extra = fleet.get(group.name, [])
        groups.append(group._replace(problems=[*group.problems, *extra]) if extra else group)
    return groups
