"""Environment membership and promotion order: one core function each (values/environments.py),
used by `set --env`, `promote` and the GitLab pipeline alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustermgr.errors import ConfigError, UsageError
from clustermgr.ops import edit
from clustermgr.project import find_project
from clustermgr.values import clusters_in, environment_of, promotion_order


def test_clusters_in_an_environment(example: Path) -> None:
    project = find_project(example)
    assert clusters_in(project, "prod") == ["prod-eu1", "prod-us1"]
    assert environment_of(project, project.cluster("dev-eu1")) == "dev"
    with pytest.raises(UsageError, match="no cluster has environment: qa"):
        clusters_in(project, "qa")


def test_promotion_order_is_the_configured_one_else_the_usual_words(example: Path) -> None:
    project = find_project(example)
    assert promotion_order(project, ["prod", "dev", "staging"]) == ["dev", "staging", "prod"]
    with pytest.raises(ConfigError, match=r"environments qa are not in ci\.environments"):
        promotion_order(project, ["qa", "prod"])
    project.config.ci_environments = []
    assert promotion_order(project, ["prod", "zeta", "dev", "qa"]) == ["dev", "qa", "prod", "zeta"]


def test_edit_targets(example: Path) -> None:
    project = find_project(example)
    assert edit.targets(project, [], False, "prod") == ["prod-eu1", "prod-us1"]
    assert edit.targets(project, ["prod-us1.k8s.example.com"], False, None) == ["prod-us1"]
    assert len(edit.targets(project, [], True, None)) == 4
    with pytest.raises(UsageError, match="one of them"):
        edit.targets(project, ["dev-eu1"], True, None)
