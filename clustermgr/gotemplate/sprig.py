"""Which of Sprig's functions kOps offers, and which clustermgr refuses on purpose (they read
the machine, the clock or randomness)."""

from __future__ import annotations

from clustermgr.gotemplate.functions import FUNCTIONS

# Read the machine, the clock or randomness: never in a render (docs/security.md).
REFUSED = {
    "env": "reads the environment of the machine rendering",
    "expandenv": "reads the environment of the machine rendering",
    "now": "depends on the clock",
    "date": "depends on the clock",
    "dateInZone": "depends on the clock",
    "htmlDate": "depends on the clock",
    "unixEpoch": "depends on the clock",
    "ago": "depends on the clock",
    "randAlpha": "is random",
    "randAlphaNum": "is random",
    "randNumeric": "is random",
    "randAscii": "is random",
    "randInt": "is random",
    "uuidv4": "is random",
    "shuffle": "is random",
    "genPrivateKey": "is random",
    "genCA": "is random",
    "genSelfSignedCert": "is random",
    "genSignedCert": "is random",
    "getHostByName": "reads the network",
    "randBytes": "is random",
    "genCAWithKey": "makes key material",
    "genSelfSignedCertWithKey": "makes key material",
    "genSignedCertWithKey": "makes key material",
    "buildCustomCert": "makes key material",
    "bcrypt": "is random",
    "htpasswd": "is random",
    "derivePassword": "makes secrets",
    "encryptAES": "makes secrets",
    "decryptAES": "reads secrets",
}


def refused(name: str) -> str | None:
    """Why a function is refused on purpose, or None."""
    reason = REFUSED.get(name)
    return f"{name} {reason}: a render must not depend on the machine" if reason else None


# Sprig's text functions, as kOps vendors them (vendor/github.com/Masterminds/sprig/v3/
# functions.go in the kOps repository; `hello` left out).
SPRIG = """ago date date_in_zone date_modify dateInZone dateModify duration durationRound htmlDate
htmlDateInZone must_date_modify mustDateModify mustToDate now toDate unixEpoch abbrev abbrevboth
trunc trim upper lower title untitle substr repeat trimall trimAll trimSuffix trimPrefix nospace
initials randAlphaNum randAlpha randAscii randNumeric swapcase shuffle snakecase camelcase
kebabcase wrap wrapWith contains hasPrefix hasSuffix quote squote cat indent nindent replace
plural sha1sum sha256sum sha512sum adler32sum toString atoi int64 int float64 seq toDecimal split
splitList splitn toStrings until untilStep add1 add sub div mod mul randInt add1f addf subf divf
mulf biggest max min maxf minf ceil floor round join sortAlpha default empty coalesce all any
compact mustCompact fromJson toJson toPrettyJson toRawJson mustFromJson mustToJson
mustToPrettyJson mustToRawJson ternary deepCopy mustDeepCopy typeOf typeIs typeIsLike kindOf
kindIs deepEqual env expandenv getHostByName base dir clean ext isAbs osBase osClean osDir osExt
osIsAbs b64enc b64dec b32enc b32dec tuple list dict get set unset hasKey pluck keys pick omit
merge mergeOverwrite mustMerge mustMergeOverwrite values append mustAppend prepend mustPrepend
first mustFirst rest mustRest last mustLast initial mustInitial reverse mustReverse uniq mustUniq
without mustWithout has mustHas slice mustSlice concat dig chunk mustChunk bcrypt htpasswd
genPrivateKey derivePassword buildCustomCert genCA genCAWithKey genSelfSignedCert
genSelfSignedCertWithKey genSignedCert genSignedCertWithKey encryptAES decryptAES randBytes uuidv4
semver semverCompare fail regexMatch mustRegexMatch regexFindAll mustRegexFindAll regexFind
mustRegexFind regexReplaceAll mustRegexReplaceAll regexReplaceAllLiteral
mustRegexReplaceAllLiteral regexSplit mustRegexSplit regexQuoteMeta urlParse urlJoin""".split()  # noqa: SIM905


def sprig_table() -> str:
    """The table of docs/templates.md: every Sprig function kOps offers, by what `convert`
    does with it."""
    same = [n for n in SPRIG if n in FUNCTIONS]
    refused_ = [n for n in SPRIG if n in REFUSED]
    missing = [n for n in SPRIG if n not in FUNCTIONS and n not in REFUSED]
    rows = [
        ("converted (Go's semantics, `go.NAME`)", same),
        ("refused on purpose: clock, randomness, environment, network, key material", refused_),
        ("not available: reported at its line; write it by hand", missing),
    ]
    lines = ["| status | Sprig functions |", "| --- | --- |"]
    lines += [f"| {title} ({len(names)}) | {', '.join(names)} |" for title, names in rows]
    return "\n".join(lines) + "\n"
