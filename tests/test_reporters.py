"""Each reporter on the same problems: exact text, valid JUnit XML, GitLab Code Quality JSON."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from clustermgr.problems import ERROR, WARNING, Group, Location, Problem, exit_code
from clustermgr.reporters import PROBLEMS, ReportOptions, report

GROUPS = [
    Group(
        "prod-eu1",
        [
            Problem(
                WARNING,
                "yaml11",
                "`on` is the boolean true",
                Location("values/a.yaml", 3, 7),
                "x",
                check="yaml",
            ),
            Problem(
                ERROR, "schema", "x: bad", Location("values/a.yaml", 2, 5), "x", check="values"
            ),
            Problem(
                ERROR,
                "subnet-overlap",
                "subnets overlap",
                Location("template/c.j2"),
                "spec.subnets[1].cidr",
                "Cluster/c.example.com",
                "template/c.j2",
                "rules",
            ),
        ],
        ("yaml", "values", "rules"),
    ),
    Group("dev-eu1", [], ("yaml", "values", "rules")),
]


def test_text() -> None:
    out = report(PROBLEMS, "text", GROUPS, ReportOptions("validate"))
    assert out == (
        "prod-eu1\n"
        "  template/c.j2      error    Cluster/c.example.com spec.subnets[1].cidr: subnets overlap  (subnet-overlap)\n"
        "  values/a.yaml:2:5  error    x: bad  (schema)\n"
        "  values/a.yaml:3:7  warning  `on` is the boolean true  (yaml11)\n"
        "\n"
        "2 clusters checked, 1 failing: 2 errors, 1 warning\n"
    )
    colored = report(PROBLEMS, "text", GROUPS, ReportOptions("validate", color=True))
    assert "\033[31merror  \033[0m" in colored


def test_parsable() -> None:
    assert report(PROBLEMS, "parsable", GROUPS, ReportOptions("validate")).splitlines() == [
        "template/c.j2: [error] subnet-overlap: Cluster/c.example.com spec.subnets[1].cidr: subnets overlap",
        "values/a.yaml:2:5: [error] schema: x: bad",
        "values/a.yaml:3:7: [warning] yaml11: `on` is the boolean true",
    ]


def test_json_is_stable() -> None:
    data = json.loads(report(PROBLEMS, "json", GROUPS, ReportOptions("validate")))
    assert data["version"] == 1
    assert data["ok"] is False
    assert [g["name"] for g in data["groups"]] == ["prod-eu1", "dev-eu1"]
    assert data["groups"][0]["problems"][0]["template"] == "template/c.j2"


def test_junit() -> None:
    root = ET.fromstring(report(PROBLEMS, "junit", GROUPS, ReportOptions("validate")))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("6", "2")
    suite = root.find("testsuite[@name='prod-eu1']")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == ["yaml", "values", "rules"]
    assert cases["yaml"].find("failure") is None  # a warning alone does not fail...
    assert cases["yaml"].findtext("system-out") == (
        "values/a.yaml:3:7: [warning] yaml11: `on` is the boolean true"
    )
    failure = cases["values"].find("failure")
    assert failure is not None and failure.get("message") == "1 problem(s)"
    strict = ET.fromstring(
        report(PROBLEMS, "junit", GROUPS, ReportOptions("validate", strict=True))
    )
    assert strict.get("failures") == "3"  # ...unless --strict


def test_codequality() -> None:
    issues = json.loads(report(PROBLEMS, "codequality", GROUPS, ReportOptions("validate")))
    assert len(issues) == 3
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["location"]["lines"]["begin"] >= 1
        assert len(issue["fingerprint"]) == 32
    assert issues[0]["severity"] == "major" and issues[2]["severity"] == "minor"
    assert issues[0]["location"] == {"path": "template/c.j2", "lines": {"begin": 1}}
    again = json.loads(report(PROBLEMS, "codequality", GROUPS, ReportOptions("validate")))
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in issues]


def test_exit_code() -> None:
    assert exit_code(GROUPS, strict=False) == 1
    only_warning = [Group("x", [GROUPS[0].problems[0]], ("yaml",))]
    assert exit_code(only_warning, strict=False) == 0
    assert exit_code(only_warning, strict=True) == 1


SHARED = Problem(
    ERROR,
    "schema",
    "kubelet.maxPods: bad",
    Location("values/_defaults.yaml", 19, 12),
    check="values",
)
RENDERED = Problem(
    ERROR,
    "non-masquerade-overlap",
    "overlaps networkCIDR",
    Location("template/c.j2", 40),
    "spec.nonMasqueradeCIDR",
    "Cluster/a.example.com",
    "template/c.j2",
    "rules",
    Location("values/_defaults.yaml", 7, 20),
)
FLEET = [
    Group(f"c{n}", [SHARED, RENDERED._replace(document=f"Cluster/c{n}")], ("values", "rules"))
    for n in range(1, 8)
]


def test_a_shared_problem_is_reported_once_in_text() -> None:
    assert report(PROBLEMS, "text", FLEET[:2], ReportOptions("validate")) == (
        "c1\n"
        "  template/c.j2:40  error    Cluster/c1 spec.nonMasqueradeCIDR: overlaps networkCIDR "
        "(value set at values/_defaults.yaml:7:20)  (non-masquerade-overlap)\n"
        "\n"
        "c2\n"
        "  template/c.j2:40  error    Cluster/c2 spec.nonMasqueradeCIDR: overlaps networkCIDR "
        "(value set at values/_defaults.yaml:7:20)  (non-masquerade-overlap)\n"
        "\n"
        "shared by 2 clusters: c1, c2\n"
        "  values/_defaults.yaml:19:12  error    kubelet.maxPods: bad  (schema)\n"
        "\n"
        "2 clusters checked, 2 failing: 3 errors, 0 warnings\n"
    )


def test_a_rendered_problem_is_placed_at_its_values_line() -> None:
    lines = report(PROBLEMS, "parsable", FLEET, ReportOptions("validate")).splitlines()
    assert lines[0] == (
        "values/_defaults.yaml:7:20: [error] non-masquerade-overlap: Cluster/c1 "
        "spec.nonMasqueradeCIDR: overlaps networkCIDR (written at template/c.j2:40)"
    )
    assert lines[-1] == (
        "values/_defaults.yaml:19:12: [error] schema: kubelet.maxPods: bad "
        "(in 7 clusters: c1, c2, c3, c4, c5 and 2 more)"
    )
    assert len(lines) == 8


def test_codequality_once_per_problem_with_stable_fingerprints() -> None:
    options = ReportOptions("check", "cluster")
    issues = json.loads(report(PROBLEMS, "codequality", FLEET, options))
    assert len(issues) == 8
    shared = issues[-1]
    assert shared["description"] == (
        "[7 clusters: c1, c2, c3, c4, c5 and 2 more] kubelet.maxPods: bad"
    )
    assert shared["location"] == {"path": "values/_defaults.yaml", "lines": {"begin": 19}}
    assert issues[0]["location"] == {"path": "values/_defaults.yaml", "lines": {"begin": 7}}
    # Equal place, rule and words: equal fingerprint, whichever clusters share it.
    fewer = json.loads(report(PROBLEMS, "codequality", FLEET[:2], options))
    assert fewer[-1]["fingerprint"] == shared["fingerprint"]
    moved = SHARED._replace(location=Location("values/_defaults.yaml", 25, 12))
    elsewhere = [g._replace(problems=[moved]) for g in FLEET[:2]]
    assert (
        json.loads(report(PROBLEMS, "codequality", elsewhere, options))[0]["fingerprint"]
        == (shared["fingerprint"])
    )


def test_junit_lists_a_shared_problem_once() -> None:
    root = ET.fromstring(report(PROBLEMS, "junit", FLEET[:3], ReportOptions("validate")))
    shared = root.find("testsuite[@name='shared']")
    assert shared is not None
    (case,) = shared.findall("testcase")
    assert case.findtext("failure") == (
        "values/_defaults.yaml:19:12: [error] schema: kubelet.maxPods: bad\n"
        "in 3 clusters: c1, c2, c3"
    )
    values = root.find("testsuite[@name='c1']/testcase[@name='values']/failure")
    assert values is not None
    assert values.text == "1 shared with other clusters (see 'shared')"
    assert (root.get("tests"), root.get("failures")) == ("7", "7")
