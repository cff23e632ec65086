"""Go's net/netip and net/url parsers, for their error words: kOps quotes them in its
validation messages (kindnet's masquerade CIDRs, containerd's package URLs). Each function
follows Go's source (go/src/net/netip/netip.go, go/src/net/url/url.go) and returns "" where Go
parses; tests compare them with Go itself (tools/go-template-reference)."""

from __future__ import annotations

import json


def _quote(text: str) -> str:
    """strconv.Quote for the printable text these errors hold (JSON agrees there, except
    that Go writes control characters as \\x.. and JSON as \\u00..)."""
    quoted = json.dumps(text, ensure_ascii=False)
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 and c not in "\t\n\r" else c for c in quoted)


def parse_prefix_error(text: str) -> str:
    """netip.ParsePrefix(text)'s error; "" when it parses."""
    head = f"netip.ParsePrefix({_quote(text)}): "
    slash = text.rfind("/")
    if slash < 0:
        return head + "no '/'"
    address, bits = text[:slash], text[slash + 1 :]
    problem = parse_addr_error(address)
    if problem:
        return head + problem
    six = ":" in address
    if six and "%" in address:
        return head + "IPv6 zones cannot be present in a prefix"
    if not _atoi(bits):
        return head + "bad bits after slash: " + _quote(bits)
    if int(bits) < 0 or int(bits) > (128 if six else 32):
        return head + "prefix length out of range"
    return ""


def _atoi(text: str) -> bool:
    """strconv.Atoi accepts it: an optional sign, then ASCII digits (leading zeros too)."""
    body = text[1:] if text[:1] in ("+", "-") else text
    return bool(body) and all("0" <= c <= "9" for c in body)


def parse_addr_error(text: str) -> str:
    """netip.ParseAddr(text)'s error; "" when it parses."""
    for c in text:
        if c == ".":
            return _addr(text, *_ipv4(text))
        if c == ":":
            return _addr(text, *_ipv6(text))
        if c == "%":
            return _addr(text, "missing IPv6 address", "")
    return _addr(text, "unable to parse IP", "")


def _addr(text: str, message: str, at: str) -> str:
    if not message:
        return ""
    tail = f" (at {_quote(at)})" if at else ""
    return f"ParseAddr({_quote(text)}): {message}{tail}"


def _ipv4(s: str) -> tuple[str, str]:
    """netip.go parseIPv4: (message, at)."""
    value, fields, digits = 0, 0, 0
    for i, c in enumerate(s):
        if "0" <= c <= "9":
            if digits == 1 and value == 0:
                return "IPv4 field has octet with leading zero", ""
            value, digits = value * 10 + int(c), digits + 1
            if value > 255:
                return "IPv4 field has value >255", ""
        elif c == ".":
            if i == 0 or i == len(s) - 1 or s[i - 1] == ".":
                return "IPv4 field must have at least one digit", s[i:]
            if fields == 3:
                return "IPv4 address too long", ""
            fields, value, digits = fields + 1, 0, 0
        else:
            return "unexpected character", s[i:]
    if fields < 3:
        return "IPv4 address too short", ""
    return "", ""


def _ipv6(text: str) -> tuple[str, str]:
    """netip.go parseIPv6: (message, at)."""
    s, percent, zone = text.partition("%")
    if percent and not zone:
        return "zone must be a non-empty string", ""
    filled, ellipsis = 0, -1
    if s.startswith("::"):
        ellipsis, s = 0, s[2:]
        if not s:
            return "", ""
    while filled < 16:
        off, acc = 0, 0
        while off < len(s) and s[off] in "0123456789abcdefABCDEF":
            acc = acc * 16 + int(s[off], 16)
            if acc > 0xFFFF:
                return "IPv6 field has value >=2^16", s
            off += 1
        if off == 0:
            return "each colon-separated field must have at least one digit", s
        if off < len(s) and s[off] == ".":
            if ellipsis < 0 and filled != 12:
                return "embedded IPv4 address must replace the final 2 fields of the address", s
            if filled + 4 > 16:
                return "too many hex fields to fit an embedded IPv4 at the end of the address", s
            message, at = _ipv4(s)
            if message:
                return _addr(s, message, at), s
            s, filled = "", filled + 4
            break
        filled += 2
        s = s[off:]
        if not s:
            break
        if s[0] != ":":
            return "unexpected character, want colon", s
        if len(s) == 1:
            return "colon must be followed by more characters", s
        s = s[1:]
        if s[0] == ":":
            if ellipsis >= 0:
                return "multiple :: in address", s
            ellipsis, s = filled, s[1:]
            if not s:
                break
    if s:
        return "trailing garbage after address", s
    if filled < 16 and ellipsis < 0:
        return "address string too short", ""
    if filled >= 16 and ellipsis >= 0:
        return "the :: must expand to at least one field of zeros", ""
    return "", ""


# The ASCII punctuation a URL host may hold unescaped (url.go, shouldEscape in encodeHost).
_HOST_PUNCTUATION = set("-_.~!$&'()*+,;=:[]<>\"")


def parse_url_error(raw: str) -> str:
    """url.Parse(raw)'s error (`parse "u": ...`); "" when it parses. Userinfo and bracketed
    IPv6 hosts are taken as Go takes the common cases: a zone is not checked."""
    url, hash_, fragment = raw.partition("#")
    problem = _url(url)
    if problem:
        return f"parse {_quote(url)}: {problem}"
    if hash_:
        problem = _unescape(fragment, host=False)
        if problem:
            return f"parse {_quote(raw)}: {problem}"
    return ""


def _url(raw: str) -> str:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        return "net/url: invalid control character in URL"
    if raw == "*":
        return ""
    scheme, rest = "", raw
    for i, c in enumerate(raw):
        if c.isascii() and c.isalpha():
            continue
        if c.isascii() and (c.isdigit() or c in "+-."):
            if i == 0:
                break
            continue
        if c == ":":
            if i == 0:
                return "missing protocol scheme"
            scheme, rest = raw[:i], raw[i + 1 :]
        break
    rest = rest.partition("?")[0]  # the query (a lone trailing "?" too) is not checked
    if not rest.startswith("/"):
        if scheme:
            return ""  # opaque
        if ":" in rest.partition("/")[0]:
            return "first path segment in URL cannot contain colon"
    if (scheme or not rest.startswith("///")) and rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        problem = _host(authority.rpartition("@")[2])
        if problem:
            return problem
    return _unescape(rest, host=False)


def _host(host: str) -> str:
    if host.startswith("["):
        close = host.rfind("]")
        if close < 0:
            return "missing ']' in host"
        port = host[close + 1 :]
    else:
        colon = host.rfind(":")
        port = host[colon:] if colon >= 0 else ""
    if port and (port[0] != ":" or not all("0" <= c <= "9" for c in port[1:])):
        return f"invalid port {_quote(port)} after host"
    return _unescape(host, host=True)


def _unescape(s: str, host: bool) -> str:
    i = 0
    while i < len(s):
        c = s[i]
        if c == "%":
            hexdigits = "0123456789abcdefABCDEF"
            if i + 2 >= len(s) or s[i + 1] not in hexdigits or s[i + 2] not in hexdigits:
                return "invalid URL escape " + _quote(s[i : i + 3])
            if host and int(s[i + 1], 16) < 8 and s[i : i + 3] != "%25":
                return "invalid URL escape " + _quote(s[i : i + 3])
            i += 3
            continue
        if host and c.isascii() and not c.isalnum() and c not in _HOST_PUNCTUATION:
            return "invalid character " + _quote(c) + " in host name"
        i += 1
    return ""
