"""The manifest lint: documents as `kops replace` sees them, their structure, kOps' rules.

Works on any kOps YAML (`kops get -o yaml` output, a render) and returns problems located in
the file; `validate` runs it on each cluster's render.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from clustermgr.errors import UsageError, YAMLError
from clustermgr.kops import NEWEST_KOPS
from clustermgr.kops import rules as kops_rules
from clustermgr.kops.crds import Schema, builtin, load_crds
from clustermgr.kops.rules import Finding
from clustermgr.kops.structure import check
from clustermgr.problems import ERROR, LINT_CHECKS, WARNING, Group, Location, Problem
from clustermgr.project import Project
from clustermgr.versions import VersionError, parse_tolerant
from clustermgr.yamlio import Document, YPath, format_path, load_documents, read_text
from clustermgr.yamlio.emit import scalar

CHECKS = LINT_CHECKS
# For rendered documents: the template line that wrote a field, and the values line that set
# its value (when one can be told).
Locator = Callable[[Document, YPath], tuple[Location, Location | None]]


class Linter:
    """Lints manifests against the kOps CRDs given (`--kops-crds`), else against the field
    catalogue clustermgr ships (made from the CRDs of the kOps version it names).

    `unknown_level`: a field kOps does not know is a warning in a file from elsewhere (`lint`)
    and an error in your own render (`validate`: kOps would drop it silently)."""

    def __init__(
        self,
        crds: dict[str, Schema] | None = None,
        unknown_level: str = WARNING,
        kops_version: str | None = None,
        for_replace: bool = False,
    ) -> None:
        if crds:
            self.schemas = crds
        else:
            self.schemas = builtin()[1]
        self.unknown_level = unknown_level

        # no kopsVersion: the newest kOps clustermgr knows (the CLI says so once)
        self.kops_version = _minor(kops_version or NEWEST_KOPS)
        self.for_replace = for_replace

    def lint_text(self, text: str, file: str) -> list[Problem]:
        try:
            docs = load_documents(text, file)
        except YAMLError as exc:
            return [Problem(ERROR, "yaml", exc.message, exc.location, check="yaml")]
        return self.lint_documents(docs)

    def lint_file(self, path: Path, display: str) -> list[Problem]:

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
        found: list[tuple[Finding, str]] = [
            (Finding(position, WARNING, "yaml11", path, _trap_message(raw, meaning)), "yaml")
            for position, doc in enumerate(docs)
            for path, raw, meaning in doc.traps
        ]
        manifest = kops_rules.build([doc.data for doc in docs], self.kops_version, self.for_replace)
        found += [(f, "documents") for f in kops_rules.run(manifest, "documents")]
        for kops_doc in manifest.kops:
            schema = self.schemas.get(kops_doc.kind)
            if schema:
                findings = check(kops_doc.data, schema, self.unknown_level, kops_doc.position)
                found += [(f, "structure") for f in findings]
        found += [(f, "rules") for f in kops_rules.run(manifest, "rules")]
        problems = [self._problem(docs[f.position], f, stage, rendered) for f, stage in found]
        return sorted(problems, key=Problem.sort_key)

    def _problem(
        self, doc: Document, finding: Finding, stage: str, rendered: Locator | None
    ) -> Problem:
        origin = None
        if rendered is not None:
            location, origin = rendered(doc, finding.path)
        else:  # an unknown field is located at its key: the key itself is what is wrong
            location = doc.location(finding.path, finding.rule == "unknown-field")
        return Problem(
            finding.level,
            finding.rule,
            finding.message,
            location,
            format_path(finding.path),
            _label(doc),
            doc.file if rendered else "",
            stage,
            origin,
        )


def _trap_message(raw: str, meaning: str) -> str:
    return f"`{raw}` is {meaning} to kOps (YAML 1.1); write {scalar(raw)} if you mean the text"


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
            name = "<stdin>"
            problems = (
                linter.lint_text(stdin or "", name)
                if (stdin or "").strip()
                else [Problem(ERROR, "yaml", "no manifest on standard input", Location(name))]
            )
        else:
            problems = linter.lint_file(Path(raw), raw)
            name = raw
        groups.append(Group(name, problems, CHECKS))
    return groups


def _minor(version: str) -> tuple[int, int]:

    try:
        parsed = parse_tolerant(version)
    except VersionError:
        raise UsageError(f"kOps version {version!r} is not a version") from None
    return parsed.major, parsed.minor


def make_linter(
    project: Project | None,
    kops_crds: str | Path | None = None,
    for_replace: bool = False,
    kops_version: str | None = None,
) -> Linter:
    """A linter with the CRDs of `--kops-crds`, else of the project's `kopsCrds` setting,
    else the built-in catalogue; for a manifest clustermgr will `kops replace` (validate,
    check, apply) unknown fields are the project's `unknownFields` level, else warnings."""
    unknown_level = project.config.unknown_fields if project and for_replace else WARNING
    kops_version = kops_version or (project.config.kops_version if project else None)

    folder = project.crds_dir(kops_crds) if project is not None else kops_crds
    crds = None
    if folder is not None:
        configured = project is not None and kops_crds is None  # the setting, not the flag
        inside = project.root if configured and project else None
        crds = load_crds(Path(folder), inside)
    return Linter(crds, unknown_level, kops_version, for_replace)
