"""Go's regular expressions: RE2 syntax (linear time, whatever the pattern), read here by RE2
itself, with Go's error words. Templates (Sprig's regex functions) and kOps' checks (Calico's
interface regular expressions) both report a bad pattern as Go's regexp.Compile does:
"error parsing regexp: missing closing ): `(`"."""

from __future__ import annotations

import re
from typing import Any

# RE2's error text -> Go's regexp/syntax ErrorCode text (go/src/regexp/syntax/parse.go). RE2
# and Go share one parser design, so the two agree on which fragment is wrong.
_GO_WORDS = {
    "missing )": "missing closing )",
    "unexpected )": "unexpected )",
    "missing ]": "missing closing ]",
    "bad repetition operator": "invalid nested repetition operator",
    "no argument for repetition operator": "missing argument to repetition operator",
    "invalid character class range": "invalid character class range",
    "invalid character class": "invalid character class",
    "invalid escape sequence": "invalid escape sequence",
    "invalid named capture group": "invalid named capture",
    "invalid repetition size": "invalid repeat count",
    "invalid perl operator": "invalid or unsupported Perl syntax",
    "invalid UTF-8": "invalid UTF-8",
    "pattern too large - compile failed": "expression too large",
    "pattern too large - reverse compile failed": "expression too large",
}
# `\C` (any byte) is RE2's and not Go's; outside a class Go calls it an invalid escape.
_ANY_BYTE = re.compile(r"(?<!\\)(?:\\\\)*\\C")


class RegexpError(Exception):
    """A pattern Go's regexp.Compile refuses; str() is Go's own message."""


def compile_go(pattern: str) -> Any:
    """The pattern compiled as Go compiles it, or RegexpError with Go's words. Go's
    `(?<name>` (Go 1.22) is RE2's `(?P<name>`."""
    import re2  # noqa: PLC0415  # 3 ms, only for inputs that hold a regular expression

    if _ANY_BYTE.search(pattern) and "[" not in pattern:
        raise RegexpError("error parsing regexp: invalid escape sequence: `\\C`")
    options = re2.Options()
    options.log_errors = False  # a bad pattern is our error message, not RE2's log line
    try:
        return re2.compile(re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern), options)
    except re2.error as exc:
        raw = exc.args[0] if exc.args else b""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        raise RegexpError(go_words(text)) from None


def go_words(re2_text: str) -> str:
    """RE2's "missing ): (" as Go's "error parsing regexp: missing closing ): `(`"."""
    if re2_text == "trailing \\":
        return "error parsing regexp: trailing backslash at end of expression: ``"
    reason, sep, fragment = re2_text.partition(": ")
    words = _GO_WORDS.get(reason)
    if words is None:
        return f"error parsing regexp: {re2_text}"
    return f"error parsing regexp: {words}" + (f": `{fragment}`" if sep else "")
