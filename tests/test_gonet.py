"""Go's parse errors, as kOps quotes them, judged by Go: every input of
tests/gotemplates/parsers.yaml against what Go's net/netip, net/url and regexp answered, and
how kOps' parseCIDR (net.ParseCIDR) reads a CIDR field (tools/go-parse-reference; the goldens
are rebuilt and compared in CI)."""

from __future__ import annotations

import json

import pytest
import yaml

from clustermgr.gonet import parse_prefix_error, parse_url_error
from clustermgr.goregexp import RegexpError, compile_go
from clustermgr.kops.rules.network import _parse_text
from clustermgr.kops.rules.wording import invalid
from tests.conftest import REPO

INPUTS: dict[str, list[str]] = yaml.safe_load(
    (REPO / "tests/gotemplates/parsers.yaml").read_text(encoding="utf-8")
)
GOLDENS: dict[str, dict[str, str]] = json.loads(
    (REPO / "tests/gotemplates/parsers.json").read_text(encoding="utf-8")
)


def _regexp_error(pattern: str) -> str:
    try:
        compile_go(pattern)
    except RegexpError as exc:
        return str(exc)
    return ""


def _kops_cidr(text: str) -> str:
    """What the CIDR rules read: kOps' detail when refused, else the network."""
    network, message = _parse_text(text)
    if message:
        return message.removeprefix(invalid(text, ""))
    return f"network {network}"


OURS = {
    "prefix": parse_prefix_error,
    "url": parse_url_error,
    "regexp": _regexp_error,
    "cidr": _kops_cidr,
}
CASES = [(parser, text) for parser, texts in INPUTS.items() for text in texts]


def test_every_input_has_gos_answer() -> None:
    assert {p: sorted(t) for p, t in INPUTS.items()} == {
        p: sorted(answers) for p, answers in GOLDENS.items()
    }


@pytest.mark.parametrize(("parser", "text"), CASES, ids=[f"{p}:{t}" for p, t in CASES])
def test_gives_gos_words(parser: str, text: str) -> None:
    assert OURS[parser](text) == GOLDENS[parser][text]


def test_the_inputs_hold_refusals_and_acceptances() -> None:
    for parser, answers in GOLDENS.items():
        accepted = [a for a in answers.values() if a == "" or a.startswith("network ")]
        assert 0 < len(accepted) < len(answers), parser
