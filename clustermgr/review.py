"""`diff`: a cluster's render against its last applied manifest, as change records.

The applied side comes from one source per run (sources.py): a file, a state store, the
project at a git ref, or the project's `diff.applied` folder of snapshots.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, NamedTuple

from clustermgr import diff, sources
from clustermgr.errors import UsageError
from clustermgr.pipeline import Overrides, RenderSettings, cluster_values, project_renderer
from clustermgr.project import Project, find_project
from clustermgr.render import Renderer
from clustermgr.values import Values
from clustermgr.yamlio import Document, load_documents

# kOps fields whose values are credentials, by key name.
_SENSITIVE_KEY = re.compile(r"(?i)(password|secret|token|private_?key|credential)")


class Against(NamedTuple):
    """Exactly one of these names the applied side."""

    file: Path | None = None
    state: str | None = None
    ref: str | None = None


class ClusterDiff(NamedTuple):
    name: str
    changes: list[diff.Change]
    old: diff.Resources
    new: diff.Resources


class Options(NamedTuple):
    ignore: tuple[str, ...] = ()
    show_secrets: bool = False


def diff_clusters(
    project: Project,
    names: list[str],
    against: Against,
    overrides: Overrides,
    options: Options,
) -> list[ClusterDiff]:
    renderer = project_renderer(project, RenderSettings())
    out = []
    with AppliedSource(project, against) as source:
        for name in names:
            cluster = project.cluster(name)
            values = cluster_values(project, cluster, overrides)
            out.append(
                compare_cluster(project, name, values, _render(renderer, values), source, options)
            )
    return out


def compare_cluster(
    project: Project,
    name: str,
    values: Values,
    rendered: list[Document],
    source: AppliedSource,
    options: Options,
) -> ClusterDiff:
    """One cluster's render against what the source says is applied."""
    new = diff.resources(rendered)
    cluster_name = str(values.data.get("clusterName", name))
    old = diff.resources(source.documents(name, cluster_name))
    ignore = [*project.config.diff_ignore, *options.ignore]
    changes = diff.compare(old, new, ignore, project.config.diff_list_keys)
    if not options.show_secrets:
        changes = redact(changes, sensitive_values(project, values))
    return ClusterDiff(name, changes, old, new)


def diff_files(old: Path, new: Path, options: Options) -> ClusterDiff:
    """`diff --from FILE --to FILE`: two manifests, no project."""
    before = diff.resources(sources.from_file(old))
    after = diff.resources(sources.from_file(new))
    changes = diff.compare(before, after, list(options.ignore))
    if not options.show_secrets:
        changes = redact(changes, set())
    return ClusterDiff(f"{old} -> {new}", changes, before, after)


def _render(renderer: Renderer, values: Values) -> list[Document]:
    docs: list[Document] = []
    for item in renderer.render(values.data):
        docs += load_documents(item.text, item.template, cache=False)
    return docs


class AppliedSource:
    """The applied side for many clusters; a git ref is extracted once, on entering."""

    def __init__(self, project: Project, against: Against) -> None:
        self.project = project
        self.against = against
        self._old: Project | None = None
        self._renderer: Renderer | None = None
        self._context: Any = None

    def __enter__(self) -> AppliedSource:
        if self.against.ref is not None:
            self._context = sources.project_at_ref(self.project.root, self.against.ref)
            self._old = find_project(self._context.__enter__())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)

    def configured(self) -> bool:
        """Whether there is anything to compare with (check runs without a source)."""
        a = self.against
        return (
            any(x is not None for x in a)
            or bool(self.project.config.diff_applied)
            or bool(
                (store := sources.state_store_from_env())
                and not store.startswith(sources.REMOTE_SCHEMES)
            )
        )

    def documents(self, name: str, cluster_name: str) -> list[Document]:
        against, project = self.against, self.project
        if against.file is not None:
            return sources.from_file(against.file)
        if against.state is not None:
            return sources.from_state_store(sources.local_state_store(against.state), cluster_name)
        if self._old is not None:
            if name not in self._old.clusters():
                return []  # a new cluster: everything is added
            if self._renderer is None:
                self._renderer = project_renderer(self._old, RenderSettings())
            old_values = cluster_values(self._old, self._old.cluster(name), Overrides())
            return _render(self._renderer, old_values)
        if project.config.diff_applied:
            folder = project.path(project.config.diff_applied, "diff.applied", must_exist=False)
            snapshot = folder / f"{name}.yaml"
            return (
                sources.from_file(snapshot, project.display(snapshot)) if snapshot.exists() else []
            )
        store = sources.state_store_from_env()
        if store and not store.startswith(sources.REMOTE_SCHEMES):
            return sources.from_state_store(sources.local_state_store(store), cluster_name)
        raise UsageError(
            "nothing to compare with: pass --against FILE, --state DIR or --against-ref REF "
            "(or set diff.applied in clustermgr.yaml)"
        )


def sensitive_values(project: Project, values: Values) -> set[str]:
    """Values whose schema property is `writeOnly: true` or `x-sensitive: true`."""
    schema_path = project.config.schema
    if not schema_path or not (project.root / schema_path).is_file():
        return set()
    try:
        schema = json.loads((project.root / schema_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    found: set[str] = set()
    _collect(schema, schema, values.data, found, 0)
    return {v for v in found if len(v) >= 4}  # too short to find safely in other text


def _collect(root: Any, schema: Any, value: Any, found: set[str], depth: int) -> None:
    if not isinstance(schema, dict) or depth > 50:
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        _collect(root, target, value, found, depth + 1)
    if schema.get("writeOnly") is True or schema.get("x-sensitive") is True:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            found.add(str(value))
        return
    if isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            _collect(root, sub, item, found, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _collect(root, schema.get("items"), item, found, depth + 1)


def redact(changes: list[diff.Change], secrets: set[str]) -> list[diff.Change]:
    """Secrets shown as `<redacted sha256:1a2b3c4d, 412 bytes>` on both sides: a reviewer sees
    that they changed, not what they are."""
    out = []
    for change in changes:
        keys = [p for p in change.path if isinstance(p, str)]
        sensitive = bool(keys) and bool(_SENSITIVE_KEY.search(keys[-1]))
        out.append(
            change._replace(
                old=_hide(change.old, secrets, sensitive), new=_hide(change.new, secrets, sensitive)
            )
        )
    return out


def _hide(value: Any, secrets: set[str], sensitive: bool) -> Any:
    if isinstance(value, dict):
        return {
            k: _hide(v, secrets, sensitive or bool(_SENSITIVE_KEY.search(str(k))))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_hide(v, secrets, sensitive) for v in value]
    if value is None or isinstance(value, bool):
        return value
    text = str(value)
    if sensitive or any(secret in text for secret in secrets):
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        return f"<redacted sha256:{digest}, {len(text.encode())} bytes>"
    return value
