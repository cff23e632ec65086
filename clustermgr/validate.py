"""`validate`: per cluster, every problem from the values files to the rendered manifest.

The stages run in order and each reports everything it finds: values files parse, merged
values against the schema, the render, the manifest lint. A stage whose input is broken is
skipped, so one defect is reported once (a missing value is a schema error, not also an
undefined variable in the template).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from clustermgr.errors import ClusterMgrError, ValuesError, YAMLError
from clustermgr.lint import Linter
from clustermgr.pipeline import Overrides, RenderSettings, project_renderer
from clustermgr.problems import ERROR, WARNING, Group, Location, Problem
from clustermgr.project import Cluster, Project
from clustermgr.render import Renderer
from clustermgr.schema import ValuesSchema
from clustermgr.values import LayerCache, Values, expand_values_paths
from clustermgr.yamlio import Document, YPath, format_path, iter_leaves, load_documents

CHECKS = ("yaml", "values", "render", "documents", "structure", "rules")


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
        schema = project.config.schema
        self.schema = None
        if schema and (project.config.schema_explicit or (project.root / schema).exists()):
            path = project.path(schema, "schema")
            self.schema = ValuesSchema(path, project.display(path))
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
        values = self._values(cluster, problems)
        if values is not None and self.schema is not None:
            fallback = Location(self.project.display(cluster.file), 1, 1)
            problems += self.schema.check(values, fallback)
        docs = None
        if values is not None and not any(p.level == ERROR for p in problems):
            docs = self._manifest(values, problems)
        return Checked(Group(cluster.name, problems, CHECKS), values, docs)

    def _values(self, cluster: Cluster, problems: list[Problem]) -> Values | None:
        files = [(path, self.project.display(path)) for path in cluster.layers]
        try:
            files += [
                (p, self.project.display(p))
                for p in expand_values_paths(self.overrides.values_files)
            ]
        except ClusterMgrError as exc:
            problems.append(_problem(exc, "values-file", "yaml"))
            return None
        docs: list[Document] = []
        for path, display in files:
            try:
                docs.append(self.cache.load(path, display))
            except YAMLError as exc:
                problems.append(_problem(exc, "yaml", "yaml"))
        for doc in docs:
            for field, raw, meaning in doc.traps:
                problems.append(
                    Problem(
                        WARNING,
                        "yaml11",
                        f"`{raw}` is {meaning} to kOps and to clustermgr (YAML 1.1); quote it "
                        "if you mean the text",
                        doc.location(field),
                        format_path(field),
                        check="yaml",
                    )
                )
        if len(docs) < len(files):
            return None
        values = Values()
        for doc in docs:
            values.merge_document(doc)
        try:
            for expr in self.overrides.sets:
                values.apply_set(expr)
            for expr in self.overrides.set_strings:
                values.apply_set(expr, as_string=True)
        except ValuesError as exc:
            problems.append(_problem(exc, "set", "values"))
            return None
        values.default("clusterName", cluster.name, f"cluster name {cluster.name!r}")
        return values

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
        problems += self.linter.lint_documents(docs, rendered=_Locator(renderer, values))
        return docs


class _Locator:
    """Where a field of a rendered document was written, and where its value was set.

    The template line is the one line of the template writing that key, when there is only
    one; the values hint names the values file and line holding the same value, when exactly
    one value has it (`(value set at values/prod/eu1.yaml:9:11)`).
    """

    def __init__(self, renderer: Renderer, values: Values) -> None:
        self.renderer = renderer
        self.values = values
        self._leaves: dict[object, list[YPath]] | None = None

    def __call__(self, doc: Document, path: YPath) -> tuple[Location, str]:
        keys = [p for p in path if isinstance(p, str)]
        line = self.renderer.line_of_key(doc.file, keys[-1]) if keys else 0
        return Location(doc.file, line), self._hint(doc, path)

    def _hint(self, doc: Document, path: YPath) -> str:
        value: object = doc.data
        for part in path:
            in_map = isinstance(value, dict) and isinstance(part, str) and part in value
            in_list = isinstance(value, list) and isinstance(part, int) and part < len(value)
            if not (in_map or in_list):
                return ""
            value = value[part]  # type: ignore[index]
        if isinstance(value, bool) or not isinstance(value, (str, int)) or value in ("", 0):
            return ""
        if self._leaves is None:
            self._leaves = {}
            for leaf_path, leaf in iter_leaves(self.values.data):
                if isinstance(leaf, (str, int)) and not isinstance(leaf, bool):
                    self._leaves.setdefault(leaf, []).append(leaf_path)
        found = self._leaves.get(value, [])
        origin = self.values.origin(found[0]) if len(found) == 1 else None
        if origin is None or origin.location is None:
            return ""
        return f" (value set at {origin.source})"


def _problem(exc: ClusterMgrError, rule: str, check: str) -> Problem:
    return Problem(ERROR, rule, exc.message, exc.location, check=check)


def validate_clusters(validator: Validator, names: list[str]) -> list[Group]:
    return [validator.validate(validator.project.cluster(name)) for name in names]


def lint_paths(linter: Linter, paths: list[str], stdin: str | None) -> list[Group]:
    """`lint FILE... | -`: one group per file."""
    from clustermgr.lint import CHECKS as LINT_CHECKS

    groups = []
    for raw in paths:
        if raw == "-":
            problems = linter.lint_text(stdin or "", "<stdin>")
            name = "<stdin>"
        else:
            problems = linter.lint_file(Path(raw), raw)
            name = raw
        groups.append(Group(name, problems, LINT_CHECKS))
    return groups
