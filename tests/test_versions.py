from __future__ import annotations

import pytest

from clustermgr.versions import (
    VersionError,
    blang_error,
    parse_range,
    parse_strict,
    parse_tolerant,
    semver_compare,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v1.33", "1.33.0"),
        ("1.33.2", "1.33.2"),
        (" v1.2.3-beta.1 ", "1.2.3-beta.1"),
        ("1", "1.0.0"),
    ],
)
def test_tolerant(text: str, expected: str) -> None:
    assert str(parse_tolerant(text)) == expected


def test_tolerant_refuses_short_prerelease() -> None:
    with pytest.raises(VersionError):
        parse_tolerant("1.2-beta")


def test_ordering() -> None:
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
    ]
    versions = [parse_strict(v) for v in ordered]
    assert sorted(reversed(versions)) == versions


@pytest.mark.parametrize(
    ("range_", "version", "expected"),
    [
        (">=1.4.0 <1.5.0", "1.4.9", True),
        (">=1.4.0 <1.5.0", "1.5.0", False),
        ("<1.11.0 || >=2.0.0", "2.1.0", True),
        ("<1.11.0 || >=2.0.0", "1.12.0", False),
        ("1.2.x", "1.2.7", True),
        (">1.2.x", "1.3.0", True),
        (">1.2.x", "1.2.9", False),
        ("<=1.x.x", "1.99.0", True),
        ("!1.2.3", "1.2.3", False),
        (">= 1.2.3", "1.2.3", True),
        (">=1.36.0-alpha.1", "1.36.0-alpha.2", True),
    ],
)
def test_blang_ranges(range_: str, version: str, expected: bool) -> None:
    assert parse_range(range_)(parse_strict(version)) is expected


def test_blang_range_versions_are_strict() -> None:
    with pytest.raises(VersionError):
        parse_range(">=1.4")


@pytest.mark.parametrize(
    ("constraint", "version", "expected"),
    [
        (">=1.20", "1.25.3", True),
        (">=1.20, <1.25", "1.25.0", False),
        (">= 1.20 < 1.25", "1.24.9", True),
        ("~1.2", "1.2.9", True),
        ("~1.2", "1.3.0", False),
        ("^1.2.3", "1.9.0", True),
        ("^1.2.3", "2.0.0", False),
        ("^0.2.3", "0.3.0", False),
        ("1.2.x", "1.2.5", True),
        ("1.2 - 1.4.5", "1.4.5", True),
        ("1.2 - 1.4.5", "1.4.6", False),
        (">=1.20", "1.25.0-beta.1", False),
        (">=1.25.0-0", "1.25.0-beta.1", True),
        ("<1.25 || >=1.30", "1.31.0", True),
        ("!=1.2.3", "v1.2.4", True),
    ],
)
def test_semver_compare(constraint: str, version: str, expected: bool) -> None:
    assert semver_compare(constraint, version) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v1.34.0-alpha.1", "1.34.0-alpha.1"),
        ("1.036.01", "1.36.1"),
        ("v1.36.0-rc.1", "1.36.0-rc.1"),
    ],
)
def test_tolerant_prerelease_and_zeros(text: str, expected: str) -> None:
    assert str(parse_tolerant(text)) == expected


@pytest.mark.parametrize(
    "text", ["1.02.3", "1.2.3-", "1.2.3+", "1.2", "1.2.3.4", "v1.2.3", "1.2.3-a..b", "1.2.3-é"]
)
def test_strict_refuses(text: str) -> None:
    with pytest.raises(VersionError):
        parse_strict(text)


def test_strict_prerelease_and_build() -> None:
    version = parse_strict("1.2.3-alpha-1.7+build.5")
    assert (version.major, version.minor, version.patch, version.pre, version.build) == (
        1,
        2,
        3,
        ("alpha-1", "7"),
        "build.5",
    )


@pytest.mark.parametrize(
    ("text", "tolerant", "words"),
    [  # blang/semver v4 semver.go, Parse and ParseTolerant (kOps reads versions with it)
        ("", False, "Version string empty"),
        ("1.7", False, "No Major.Minor.Patch elements found"),
        ("v1.7.0", False, 'Invalid character(s) found in major number "v1"'),
        ("01.2.3", False, 'Major number must not contain leading zeroes "01"'),
        ("1.02.3", False, 'Minor number must not contain leading zeroes "02"'),
        ("1.2.x", False, 'Invalid character(s) found in patch number "x"'),
        ("1..3", False, 'strconv.ParseUint: parsing "": invalid syntax'),
        ("1.2.3-", False, "Prerelease is empty"),
        ("1.2.3-01", False, 'Numeric PreRelease version must not contain leading zeroes "01"'),
        ("1.2.3-a_b", False, 'Invalid character(s) found in prerelease "a_b"'),
        ("1.2.3+", False, "Build meta data is empty"),
        ("1.2.3+a_b", False, 'Invalid character(s) found in build meta data "a_b"'),
        ("1.2.3", False, ""),
        ("v1.7", True, ""),
        (" 1.07.0 ", True, ""),
        ("1.7-rc", True, "Short version cannot contain PreRelease/Build meta data"),
    ],
)
def test_blang_words(text: str, tolerant: bool, words: str) -> None:
    assert blang_error(text, tolerant) == words
