"""A cluster's values, built one way for every command: its layers, `--values` files, `--set`,
`--set-string`, then the `clusterName` fallback.

`render`, `values`, `diff` and `apply` want the first failure as an error; `validate` and
`check` want every problem of every layer. Both go through `cluster_values`, so a merge rule
cannot differ between them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, overload

from clustermgr.errors import ClusterMgrError, ValuesError, YAMLError
from clustermgr.problems import ERROR, WARNING, Problem
from clustermgr.project import Cluster, Project
from clustermgr.secrets import Secrets, for_documents
from clustermgr.values.layers import LayerCache, Values, expand_values_paths
from clustermgr.yamlio import Document, format_path


class Overrides(NamedTuple):
    """What the command line adds on top of a cluster's layers."""

    values_files: Sequence[str] = ()
    sets: Sequence[str] = ()
    set_strings: Sequence[str] = ()


@overload
def cluster_values(
    project: Project,
    cluster: Cluster,
    overrides: Overrides | None = ...,
    cache: LayerCache | None = ...,
    problems: None = ...,
) -> Values: ...
@overload
def cluster_values(
    project: Project,
    cluster: Cluster,
    overrides: Overrides | None,
    cache: LayerCache | None,
    problems: list[Problem],
) -> Values | None: ...
def cluster_values(
    project: Project,
    cluster: Cluster,
    overrides: Overrides | None = None,
    cache: LayerCache | None = None,
    problems: list[Problem] | None = None,
) -> Values | None:
    """The merged values of one cluster.

    Without `problems`, the first failure is raised. With a list, every failure is appended
    to it as a located problem (with YAML 1.1 surprises as warnings) and None is returned
    when the values could not be built.
    """
    overrides = overrides or Overrides()
    cache = cache or LayerCache()
    try:
        extra = expand_values_paths(overrides.values_files)
    except ClusterMgrError as exc:
        _fail(problems, exc, "values-file", "yaml")
        return None
    files = [(path, project.display(path)) for path in (*cluster.layers, *extra)]
    docs: list[Document] = []
    for path, display in files:
        try:
            docs.append(cache.load(path, display))
        except YAMLError as exc:
            _fail(problems, exc, "yaml", "yaml")
    if problems is not None:
        problems += _traps(docs)
    if len(docs) < len(files):
        return None
    values = Values()
    for doc in docs:
        values.merge_document(doc)
    try:
        for expr in overrides.sets:
            values.apply_set(expr)
        for expr in overrides.set_strings:
            values.apply_set(expr, as_string=True)
    except ValuesError as exc:
        _fail(problems, exc, "set", "values")
        return None
    values.default("clusterName", cluster.name, f"cluster name {cluster.name!r}")
    return values


def _fail(problems: list[Problem] | None, exc: ClusterMgrError, rule: str, check: str) -> None:
    if problems is None:
        raise exc
    problems.append(Problem(ERROR, rule, exc.message, exc.location, check=check))


def _traps(docs: list[Document]) -> list[Problem]:
    return [
        Problem(
            WARNING,
            "yaml11",
            f"`{raw}` is {meaning} to kOps and to clustermgr (YAML 1.1); quote it "
            "if you mean the text",
            doc.location(field),
            format_path(field),
            check="yaml",
        )
        for doc in docs
        for field, raw, meaning in doc.traps
    ]


def cluster_secrets(project: Project, values: Values, docs: Iterable[Any] = ()) -> Secrets:
    """The secrets of one cluster (see clustermgr.secrets): from its values, by the project's
    schema and by key name, and from the kOps secret fields of its rendered `docs`."""
    return for_documents(project.schema_data(), values.data, docs)
