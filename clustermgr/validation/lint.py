"""The manifest lint: documents as `kops replace` sees them, their structure, kOps' rules.

Works on any kOps YAML (`kops get -o yaml` output, a render) and returns problems located in
the file; `validate` runs it on each cluster's render.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from clustermgr.errors import YAMLError
from clustermgr.kops import API_GROUP, API_VERSIONS, REPLACEABLE_KINDS
from clustermgr.kops import rules as kops_rules
from clustermgr.kops.crds import Schema
from clustermgr.kops.structure import BUILTIN, check
from clustermgr.problems import ERROR, WARNING, Group, Location, Problem
from clustermgr.project import Project
from clustermgr.yamlio import Document, YPath, format_path, load_documents
from clustermgr.yamlio.emit import scalar

CHECKS = ("yaml", "documents", "structure", "rules")
# For rendered documents: the place a field came from, and a hint for the message.
Locator = Callable[[Document, YPath], tuple[Location, str]]
# Objects kOps takes beside its own: "additional objects", behind KOPS_FEATURE_FLAGS=ClusterAddons.
_WELL_KNOWN_EXTRA = {"KubeSchedulerConfiguration": "kubescheduler.config.k8s.io"}


class Linter:
    """Lints manifests against the CRD schemas when given, else the built-in field knowledge."""

    def __init__(self, crds: dict[str, Schema] | None = None) -> None:
        self.schemas = crds if crds else BUILTIN
        self.unknown_fields = bool(crds)  # the built-in picture is partial: no unknown-field noise

    def lint_text(self, text: str, file: str) -> list[Problem]:
        try:
            docs = load_documents(text, file)
        except YAMLError as exc:
            return [Problem(ERROR, "yaml", exc.message, exc.location, check="yaml")]
        return self.lint_documents(docs)

    def lint_file(self, path: Path, display: str) -> list[Problem]:
        from clustermgr.yamlio import read_text

        try:
            text = read_text(path, display)
        except YAMLError as exc:
            return [Problem(ERROR, "yaml", exc.message, exc.location, check="yaml")]
        return self.lint_text(text, display)

    def lint_documents(
        self, docs: list[Document], rendered: Locator | None = None
    ) -> list[Problem]:
        """Every problem of a manifest made of `docs` (one Cluster and its InstanceGroups).

        `rendered`: the documents came from templates (their `file`); lines of the output are
        not lines of a template, so this says where a field was written and where its value
        came from (see validate).
        """
        problems: list[Problem] = []
        kops_docs: list[tuple[kops_rules.Doc, Document]] = []

        def add(
            doc: Document, level: str, rule: str, path: YPath, message: str, check: str
        ) -> None:
            key = rule in ("unknown-field",)  # the key itself is what is wrong
            if rendered is not None:
                location, hint = rendered(doc, path)
                message += hint
            else:
                location = doc.location(path, key)
            source = doc.file if rendered else ""
            field = format_path(path)
            problems.append(
                Problem(level, rule, message, location, field, _label(doc), source, check)
            )

        for doc in docs:
            for path, raw, meaning in doc.traps:
                add(
                    doc,
                    WARNING,
                    "yaml11",
                    path,
                    f"`{raw}` is {meaning} to kOps (YAML 1.1); write {scalar(raw)} if you mean "
                    "the text",
                    "yaml",
                )
            data = doc.data
            if data is None:
                add(
                    doc,
                    WARNING,
                    "document-empty",
                    (),
                    "empty document: kOps cannot decode an empty part between `---` lines",
                    "documents",
                )
                continue
            if not isinstance(data, dict):
                add(
                    doc,
                    ERROR,
                    "document-not-mapping",
                    (),
                    "a document must be a mapping",
                    "documents",
                )
                continue
            api, kind = data.get("apiVersion"), data.get("kind")
            if kind in _WELL_KNOWN_EXTRA and str(api).startswith(_WELL_KNOWN_EXTRA[kind]):
                add(
                    doc,
                    WARNING,
                    "additional-object",
                    ("kind",),
                    f"{kind} is not a kOps resource: kOps accepts it only as an additional "
                    "object, with KOPS_FEATURE_FLAGS=ClusterAddons",
                    "documents",
                )
                continue
            if not isinstance(api, str) or not api.startswith(API_GROUP + "/"):
                add(
                    doc,
                    ERROR,
                    "api-version",
                    ("apiVersion",) if api else (),
                    f"apiVersion must be {API_VERSIONS[0]}: kops replace would refuse "
                    f"{api or 'a document without one'}",
                    "documents",
                )
                continue
            if api not in API_VERSIONS:
                add(
                    doc,
                    ERROR,
                    "api-version",
                    ("apiVersion",),
                    f"unsupported apiVersion {api!r}: use {' or '.join(API_VERSIONS)}",
                    "documents",
                )
            if kind not in REPLACEABLE_KINDS:
                add(
                    doc,
                    ERROR,
                    "kind-unsupported",
                    ("kind",) if kind else (),
                    f"kops replace would refuse kind {kind!r}: it takes "
                    + ", ".join(REPLACEABLE_KINDS),
                    "documents",
                )
                continue
            name = (
                (data.get("metadata") or {}).get("name")
                if isinstance(data.get("metadata"), dict)
                else None
            )
            if not name:
                add(
                    doc,
                    ERROR,
                    "metadata-name",
                    ("metadata",),
                    "Required value: metadata.name must be set",
                    "documents",
                )
            schema = self.schemas.get(str(kind))
            if schema:
                for level, rule, path, message in check(data, schema, self.unknown_fields):
                    add(doc, level, rule, path, message, "structure")
            kops_docs.append(
                (kops_rules.Doc(str(kind), str(name or ""), data, len(kops_docs)), doc)
            )

        clusters = [d for d, _ in kops_docs if d.kind == "Cluster"]
        if len(clusters) > 1:
            first = next(doc for d, doc in kops_docs if d is clusters[1])
            add(
                first,
                ERROR,
                "cluster-multiple",
                ("kind",),
                "a manifest holds one Cluster; found another",
                "rules",
            )
        manifest = kops_rules.Manifest(
            clusters[0] if clusters else None,
            [d for d, _ in kops_docs if d.kind == "InstanceGroup"],
        )
        by_position = {d.position: doc for d, doc in kops_docs}
        for finding in kops_rules.check(manifest):
            add(
                by_position[finding.doc.position],
                finding.level,
                finding.rule,
                finding.path,
                finding.message,
                "rules",
            )
        return sorted(problems, key=Problem.sort_key)


def _label(doc: Document) -> str:
    data = doc.data
    if not isinstance(data, dict):
        return f"document {doc.number + 1}"
    meta = data.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return (
        f"{data.get('kind', '?')}/{name}"
        if name
        else str(data.get("kind", f"document {doc.number + 1}"))
    )


def lint_paths(linter: Linter, paths: list[str], stdin: str | None) -> list[Group]:
    """`lint FILE... | -`: one group per file."""
    groups = []
    for raw in paths:
        if raw == "-":
            problems = linter.lint_text(stdin or "", "<stdin>")
            name = "<stdin>"
        else:
            problems = linter.lint_file(Path(raw), raw)
            name = raw
        groups.append(Group(name, problems, CHECKS))
    return groups


def make_linter(project: Project | None, kops_crds: str | Path | None = None) -> Linter:
    """A linter with the CRDs of `--kops-crds`, else of the project's `kopsCrds` setting."""
    from clustermgr.kops.crds import load_crds

    folder = project.crds_dir(kops_crds) if project is not None else kops_crds
    return Linter(load_crds(Path(folder)) if folder is not None else None)
