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
