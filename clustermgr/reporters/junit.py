"""JUnit XML as GitLab's test report reads it: a testsuite per cluster or file, a testcase per
check; a check with errors (or warnings, with --strict) is a failure listing them. A problem
several clusters share is listed once, in a `shared` testsuite naming them; the clusters'
failing checks point to it."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from clustermgr.problems import ERROR, Group, Problem, fold
from clustermgr.reporters import ReportOptions
from clustermgr.reporters.base import affected, describe


def junit(groups: list[Group], options: ReportOptions) -> str:
    root = ET.Element("testsuites", name=f"clustermgr {options.command}")
    total = failures = 0
    own, shared = fold(groups)
    for group, mine in zip(groups, own, strict=True):
        suite = ET.SubElement(root, "testsuite", name=group.name)
        suite_failures = 0
        for check in group.checks:
            found = [p for p in group.problems if p.check == check]
            case = ET.SubElement(suite, "testcase", name=check, classname=group.name)
            failing = [p for p in found if p.level == ERROR or options.strict]
            listed = [p for p in mine.problems if p.check == check]
            lines = [_line(p) for p in sorted(listed, key=Problem.sort_key)]
            if len(listed) < len(found):
                lines.append(
                    f"{len(found) - len(listed)} shared with other clusters (see 'shared')"
                )
            if failing:
                suite_failures += 1
                failure = ET.SubElement(
                    case, "failure", message=f"{len(failing)} problem(s)", type=failing[0].level
                )
                failure.text = "\n".join(lines)
            elif lines:
                ET.SubElement(case, "system-out").text = "\n".join(lines)
        suite.set("tests", str(len(group.checks)))
        suite.set("failures", str(suite_failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        total += len(group.checks)
        failures += suite_failures
    if shared:
        suite = ET.SubElement(root, "testsuite", name="shared")
        suite_failures = 0
        for s in shared:
            p = s.problem
            case = ET.SubElement(
                suite, "testcase", name=f"{p.location} {p.rule}", classname="shared"
            )
            text = f"{_line(p)}\nin {affected(s.groups, most=len(s.groups))}"
            if p.level == ERROR or options.strict:
                suite_failures += 1
                failure = ET.SubElement(case, "failure", message="1 problem(s)", type=p.level)
                failure.text = text
            else:
                ET.SubElement(case, "system-out").text = text
        suite.set("tests", str(len(shared)))
        suite.set("failures", str(suite_failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        total += len(shared)
        failures += suite_failures
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _line(p: Problem) -> str:
    where = str(p.location) if p.location else "-"
    return f"{where}: [{p.level}] {p.rule}: {describe(p)}"
