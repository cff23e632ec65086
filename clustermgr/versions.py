"""Semantic versions and the two range dialects kOps templates meet.

- blang/semver ranges (kOps channel files): `>=1.4.0 <1.5.0` (space = AND), `||` (OR),
  operators `< <= > >= = == != !`, `x` wildcards; versions inside a range are strict.
- Masterminds/semver constraints (Sprig's `semverCompare`): `,` or space = AND, `||`, `~`, `^`,
  hyphen ranges, `x`/`*` wildcards, loose versions; a prerelease version only matches a
  comparator that itself names a prerelease.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache, total_ordering

_LOOSE = (
    r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


@cache
def _pattern(source: str) -> re.Pattern[str]:
    """Compiled on first use, to keep module import cheap."""
    return re.compile(source)


class VersionError(ValueError):
    """A version or range that does not parse."""


@total_ordering
class Version:
    """A semantic version; ordered by semver precedence (build metadata ignored)."""

    __slots__ = ("build", "major", "minor", "patch", "pre")

    def __init__(
        self, major: int, minor: int, patch: int, pre: tuple[str, ...] = (), build: str = ""
    ) -> None:
        self.major, self.minor, self.patch, self.pre, self.build = major, minor, patch, pre, build

    def __repr__(self) -> str:
        return f"Version({str(self)!r})"

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            text += "-" + ".".join(self.pre)
        if self.build:
            text += "+" + self.build
        return text

    def _key(self) -> tuple[object, ...]:
        # A release sorts after its prereleases; numeric identifiers before alphanumeric ones.
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, not self.pre, pre)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __lt__(self, other: Version) -> bool:
        return self._key() < other._key()


def parse_strict(text: str) -> Version:
    """blang's Parse: exactly MAJOR.MINOR.PATCH[-pre][+build] (no regex: this runs for every
    channel lookup, and compiling one costs more than a render)."""
    core, plus, build = text.partition("+")
    core, dash, pre = core.partition("-")
    numbers = core.split(".")
    if (
        len(numbers) != 3
        or not all(_number(n) for n in numbers)
        or (dash and not _identifiers(pre))
        or (plus and not _identifiers(build))
    ):
        raise VersionError(f"invalid version {text!r}")
    major, minor, patch = (int(n) for n in numbers)
    return Version(major, minor, patch, tuple(pre.split(".")) if dash else (), build)


def _number(part: str) -> bool:
    return part.isascii() and part.isdigit() and (part == "0" or part[0] != "0")


def _identifiers(text: str) -> bool:
    return all(
        part and part.isascii() and all(c.isalnum() or c == "-" for c in part)
        for part in text.split(".")
    )


@lru_cache(maxsize=1024)  # the rules ask about the same few versions for every cluster
def parse_tolerant(text: str) -> Version:
    """blang's ParseTolerant, as kOps parses Kubernetes versions: `v1.33` is 1.33.0."""
    text = text.strip().removeprefix("v")
    parts = [_strip_zeros(p) for p in text.split(".", 2)]
    if len(parts) < 3:
        if any(c in parts[-1] for c in "+-"):
            raise VersionError(f"short version {text!r} cannot carry a prerelease or build")
        parts += ["0"] * (3 - len(parts))
    return parse_strict(".".join(parts))


def blang_error(text: str, tolerant: bool = False) -> str:
    """What blang/semver v4's Parse (or ParseTolerant) says about a version it refuses, in its
    words (blang/semver v4 semver.go); "" when it parses. Only for messages: off the hot path."""
    if tolerant:
        text = text.strip().removeprefix("v")
        parts = [_strip_zeros(p) for p in text.split(".", 2)]
        if len(parts) < 3:
            if any(c in parts[-1] for c in "+-"):
                return "Short version cannot contain PreRelease/Build meta data"
            parts += ["0"] * (3 - len(parts))
        text = ".".join(parts)
    if not text:
        return "Version string empty"
    parts = text.split(".", 2)
    if len(parts) != 3:
        return "No Major.Minor.Patch elements found"
    patch, plus, build = parts[2].partition("+")
    patch, dash, pre = patch.partition("-")
    for part, label in ((parts[0], "Major"), (parts[1], "Minor"), (patch, "Patch")):
        if not _digits(part):
            return f"Invalid character(s) found in {label.lower()} number {_go_quote(part)}"
        if len(part) > 1 and part[0] == "0":
            return f"{label} number must not contain leading zeroes {_go_quote(part)}"
        if _uint_error(part):
            return _uint_error(part)
    for part in pre.split(".") if dash else ():
        if not part:
            return "Prerelease is empty"
        if _digits(part) and len(part) > 1 and part[0] == "0":
            return f"Numeric PreRelease version must not contain leading zeroes {_go_quote(part)}"
        if not _alphanumeric(part):
            return f"Invalid character(s) found in prerelease {_go_quote(part)}"
    for part in build.split(".") if plus else ():
        if not part:
            return "Build meta data is empty"
        if not _alphanumeric(part):
            return f"Invalid character(s) found in build meta data {_go_quote(part)}"
    return ""


def _digits(part: str) -> bool:
    # blang's containsOnly(s, numbers): true for "" too, then strconv.ParseUint fails
    return all("0" <= c <= "9" for c in part)


def _uint_error(part: str) -> str:
    """strconv.ParseUint(part, 10, 64)'s error for digits (or nothing)."""
    if not part:
        return 'strconv.ParseUint: parsing "": invalid syntax'
    if int(part) >= 2**64:
        return f"strconv.ParseUint: parsing {_go_quote(part)}: value out of range"
    return ""


def _alphanumeric(part: str) -> bool:
    return all(c.isascii() and (c.isalnum() or c == "-") for c in part)


def _go_quote(text: str) -> str:
    """Go's %q for the plain ASCII text versions hold (JSON's escaping agrees there)."""
    import json  # noqa: PLC0415  # only for messages

    return json.dumps(text, ensure_ascii=False)


def parse_kubernetes(text: str) -> Version:
    """A Kubernetes version as kOps reads `kubernetesVersion`: blang's ParseTolerant, else a
    release URL `.../v1.N.x...` as 1.N.0 (kOps: pkg/apis/kops/util/versions.go,
    ParseKubernetesVersion)."""
    try:
        return parse_tolerant(text)
    except VersionError:
        match = re.search(r"/v1\.(\d+)\.", text)
        if match is None:
            raise
        return parse_strict(f"1.{int(match.group(1))}.0")


def _strip_zeros(part: str) -> str:
    """blang: leading zeros go, but a part must still start with a digit (`0-alpha.1`)."""
    if len(part) < 2:
        return part
    stripped = part.lstrip("0")
    return stripped if stripped[:1].isdigit() else "0" + stripped


def parse_loose(text: str) -> Version:
    """Masterminds' NewVersion: optional `v`, minor and patch."""
    match = _pattern(_LOOSE).match(text.strip())
    if not match:
        raise VersionError(f"invalid semantic version {text!r}")
    return _from_match(match)


def _from_match(match: re.Match[str]) -> Version:
    major, minor, patch, pre, build = match.groups()
    return Version(
        int(major),
        int(minor or 0),
        int(patch or 0),
        tuple(pre.split(".")) if pre else (),
        build or "",
    )


Predicate = Callable[[Version], bool]

# ---------------------------------------------------------------------------------------------
# blang ranges


def parse_range(text: str) -> Predicate:
    """A blang/semver range as a predicate."""
    tokens: list[str] = []
    for raw in text.split(" "):
        raw = raw.strip()
        if not raw:
            continue
        if tokens and tokens[-1] in ("<", "<=", ">", ">=", "=", "==", "!=", "!"):
            tokens[-1] += raw  # "> 1.2.3" means ">1.2.3"
        else:
            tokens.append(raw)
    groups: list[list[str]] = [[]]
    for token in tokens:
        if token == "||":
            groups.append([])
        else:
            groups[-1].append(token)
    if any(not group for group in groups):
        raise VersionError(f"invalid range {text!r}: empty part around '||'")
    ors = [[_blang_comparator(p) for p in _expand_wildcards(group)] for group in groups]
    return lambda v: any(all(c(v) for c in ands) for ands in ors)


_BLANG_OPS: dict[str, Callable[[Version, Version], bool]] = {
    "": lambda a, b: a == b,
    "=": lambda a, b: a == b,
    "==": lambda a, b: a == b,
    "!": lambda a, b: a != b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def _split_op(part: str) -> tuple[str, str]:
    for i, char in enumerate(part):
        if char.isdigit():
            return part[:i], part[i:]
    raise VersionError(f"invalid range part {part!r}: no version")


def _blang_comparator(part: str) -> Predicate:
    op, version_text = _split_op(part)
    if op not in _BLANG_OPS:
        raise VersionError(f"invalid operator {op!r} in {part!r}")
    bound = parse_strict(version_text)
    compare = _BLANG_OPS[op]
    return lambda v: compare(v, bound)


def _expand_wildcards(parts: list[str]) -> list[str]:
    """blang's expandWildcardVersion: `1.2.x` becomes `>=1.2.0 <1.3.0`, and so on."""
    out: list[str] = []
    for part in parts:
        if "x" not in part:
            out.append(part)
            continue
        op, text = _split_op(part)
        pieces = text.split(".")
        if len(pieces) != 3 or "x" in pieces[0] or ("x" in pieces[1] and pieces[2] != "x"):
            raise VersionError(f"invalid wildcard version {text!r}")
        flat = [p if p != "x" else "0" for p in pieces]
        minor_wild = pieces[1] == "x"
        bumped = f"{int(flat[0]) + 1}.0.0" if minor_wild else f"{flat[0]}.{int(flat[1]) + 1}.0"
        base = ".".join(flat)
        if op == ">":
            out.append(">=" + bumped)
        elif op == ">=":
            out.append(">=" + base)
        elif op == "<":
            out.append("<" + base)
        elif op == "<=":
            out.append("<" + bumped)
        elif op in ("", "=", "=="):
            out += [">=" + base, "<" + bumped]
        elif op in ("!=", "!"):
            out += ["<" + base, ">=" + bumped]  # blang ANDs these: such a range never matches
        else:
            raise VersionError(f"invalid operator {op!r} in {part!r}")
    return out


# ---------------------------------------------------------------------------------------------
# Masterminds constraints

_MM_PART = (
    r"^\s*(=|!=|>=|=>|<=|=<|>|<|~>|~|\^)?\s*v?((?:\d+|[xX*])(?:\.(?:\d+|[xX*]))?(?:\.(?:\d+|[xX*]))?"
    r"(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\s*$"
)


def semver_compare(constraint: str, version: str) -> bool:
    """Sprig's semverCompare: does `version` satisfy the Masterminds `constraint`?"""
    return parse_constraint(constraint)(parse_loose(version))


def parse_constraint(text: str) -> Predicate:
    ors: list[list[Predicate]] = []
    for group in text.split("||"):
        group = re.sub(r"(\S+)\s+-\s+(\S+)", r">=\1,<=\2", group.strip())  # hyphen range
        group = re.sub(r"(=|!=|>=|=>|<=|=<|>|<|~>|~|\^)\s+", r"\1", group)
        parts = [p for p in re.split(r"[,\s]+", group) if p]
        if not parts:
            raise VersionError(f"invalid constraint {text!r}")
        ors.append([_mm_comparator(p, text) for p in parts])
    return lambda v: any(all(c(v) for c in ands) for ands in ors)


def _mm_comparator(part: str, whole: str) -> Predicate:
    match = _pattern(_MM_PART).match(part)
    if not match:
        raise VersionError(f"invalid constraint {whole!r} (at {part!r})")
    op = match.group(1) or "="
    text = match.group(2)
    fields = re.split(r"[-+]", text, maxsplit=1)[0].split(".")
    wild = next((i for i, f in enumerate(fields) if f in "xX*"), len(fields))
    nums = [int(f) if i < wild else 0 for i, f in enumerate(fields)] + [0] * (3 - len(fields))
    rest = text[len(".".join(fields)) :]
    base = parse_loose(".".join(str(n) for n in nums[:3]) + rest)
    has_pre = bool(base.pre)
    exact = wild  # how many leading fields were given before any wildcard

    def upper(level: int) -> Version:
        if level <= 0:
            return Version(10**9, 0, 0)
        if level == 1:
            return Version(base.major + 1, 0, 0, ("0",))
        return Version(base.major, base.minor + 1, 0, ("0",))

    if op in ("=",):
        check: Predicate = (
            (lambda v: v == base) if exact >= 3 else (lambda v: base <= v < upper(exact))
        )
    elif op == "!=":
        check = (lambda v: v != base) if exact >= 3 else (lambda v: not base <= v < upper(exact))
    elif op == ">":
        check = (lambda v: v > base) if exact >= 3 else (lambda v: v >= upper(exact))
    elif op in (">=", "=>"):
        check = lambda v: v >= base  # noqa: E731
    elif op == "<":
        check = lambda v: v < base  # noqa: E731
    elif op in ("<=", "=<"):
        check = (lambda v: v <= base) if exact >= 3 else (lambda v: v < upper(exact))
    elif op in ("~", "~>"):
        top = upper(1 if exact <= 1 else 2)
        check = lambda v: base <= v < top  # noqa: E731
    else:  # "^": the left-most non-zero field may not change
        if base.major > 0 or exact <= 1:
            top = upper(1)
        elif base.minor > 0 or exact == 2:
            top = upper(2)
        else:
            top = Version(0, 0, base.patch + 1, ("0",))
        check = lambda v: base <= v < top  # noqa: E731

    def predicate(v: Version) -> bool:
        if v.pre and not has_pre:
            return False
        return check(v)

    return predicate
