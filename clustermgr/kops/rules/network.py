"""kOps' rules for the Cluster's addresses: CIDRs, subnets inside the network, overlaps
(pkg/apis/kops/validation/validation.go, validateSubnets and validateCIDR...)."""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any, NamedTuple

from clustermgr.kops.rules.registry import Hit, Manifest, as_dict, as_list, cloud, rule
from clustermgr.kops.rules.wording import go_value, invalid, required, unsupported
from clustermgr.problems import ERROR
from clustermgr.yamlio import YPath

_SUBNET_TYPES = ("Public", "Private", "DualStack", "Utility")
_RANGES = ("nonMasqueradeCIDR", "serviceClusterIPRange", "podCIDR")


class Network(NamedTuple):
    """A parsed CIDR as integers: range tests are two compares (ipaddress computes a
    network's broadcast address under a lock on each of them), for rules that test every
    subnet against every other."""

    version: int
    first: int  # the network address (host bits cleared)
    last: int  # the broadcast address
    prefixlen: int

    def subnet_of(self, other: Network) -> bool:
        same = self.version == other.version
        return same and other.first <= self.first and self.last <= other.last

    def overlaps(self, other: Network) -> bool:
        same = self.version == other.version
        return same and self.first <= other.last and other.first <= self.last

    @property
    def network_address(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        if self.version == 4:
            return ipaddress.IPv4Address(self.first)
        return ipaddress.IPv6Address(self.first)

    def __str__(self) -> str:
        return f"{self.network_address}/{self.prefixlen}"


def _network(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> Network:
    first = int(net.network_address)
    if net.version == 6 and net.prefixlen >= 96 and first >> 32 == 0xFFFF:
        # Go's IPNet reads an IPv4-mapped network as the IPv4 one (net/ip.go,
        # networkNumberAndMask): ::ffff:10.0.0.0/104 is 10.0.0.0/8
        first &= 0xFFFFFFFF
        return Network(4, first, first | (int(net.hostmask) & 0xFFFFFFFF), net.prefixlen - 96)
    return Network(net.version, first, first | int(net.hostmask), net.prefixlen)


# An IPv4 CIDR as Go and ipaddress both write and read it (no leading zeros): read without
# ipaddress; anything else is read by ipaddress, as kOps' rules need it.
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_PLAIN_V4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}/(3[0-2]|[12][0-9]|[0-9])")


def _parse(raw: Any) -> tuple[Network | None, str]:
    """The network a CIDR names (host bits cleared), and what is wrong with how it is written."""
    if raw is None or raw == "":
        return None, ""
    return _parse_text(str(raw))


@functools.lru_cache(maxsize=4096)  # every rule asks about the same few CIDRs
def _parse_text(raw: str) -> tuple[Network | None, str]:
    """kOps: validation.go, parseCIDR: Go's net.ParseCIDR, with kOps' hints."""
    plain = _PLAIN_V4.fullmatch(raw)
    if plain:
        a, b, c, d, bits = (int(part) for part in plain.groups())
        address = (a << 24) | (b << 16) | (c << 8) | d
        hosts = (1 << (32 - bits)) - 1
        network = Network(4, address & ~hosts, address | hosts, bits)
        return network, "" if address & hosts == 0 else _host_bits(raw, str(network))
    text, slash, prefix = raw.partition("/")
    parsed = None
    if slash and prefix.isascii() and prefix.isdigit() and len(prefix) <= 3:
        try:
            parsed = ipaddress.ip_network(raw, strict=False)
        except ValueError:
            parsed = None
    if parsed is None:
        detail = "Could not be parsed as a CIDR"
        if not slash:
            try:
                ip = ipaddress.ip_address(raw) if "%" not in raw else None
            except ValueError:
                ip = None
            if ip is not None:
                size = 32 if ip.version == 4 and ":" not in raw else 64
                detail += f' (did you mean "{raw}/{size}")'
        return None, invalid(raw, detail)
    network = _network(parsed)
    if ipaddress.ip_address(text) != parsed.network_address:
        # Go prints an IPv4-mapped address as IPv4, beside the mask's own size
        base = parsed.network_address
        mapped = base.ipv4_mapped if isinstance(base, ipaddress.IPv6Address) else None
        return network, _host_bits(raw, f"{mapped or base}/{parsed.prefixlen}")
    return network, ""


def _host_bits(raw: str, network: str) -> str:
    return invalid(raw, f'Network contains bits outside prefix (did you mean "{network}")')


def _cidrs(spec: dict[str, Any]) -> Iterator[tuple[YPath, Any]]:
    """Every CIDR field of a Cluster spec, with its path."""
    for i, subnet in enumerate(as_list(spec.get("subnets"))):
        if isinstance(subnet, dict):
            yield ("spec", "subnets", i, "cidr"), subnet.get("cidr")
    yield ("spec", "networkCIDR"), spec.get("networkCIDR")
    for j, raw in enumerate(as_list(spec.get("additionalNetworkCIDRs"))):
        yield ("spec", "additionalNetworkCIDRs", j), raw
    for key in _RANGES:
        yield ("spec", key), spec.get(key)


def _subnets(spec: dict[str, Any]) -> list[tuple[int, Network]]:
    found = []
    for i, subnet in enumerate(as_list(spec.get("subnets"))):
        if isinstance(subnet, dict):
            net = _parse(subnet.get("cidr"))[0]
            if net is not None:
                found.append((i, net))
    return found


@rule("cidr-invalid", ERROR)
def cidr_invalid(m: Manifest) -> Iterator[Hit]:
    """A CIDR that does not parse, or has host bits set."""
    if m.cluster is None:
        return
    for path, raw in _cidrs(m.cluster.spec()):
        message = _parse(raw)[1]
        if message:
            yield Hit(m.cluster.position, path, message)


@rule("subnet-name-duplicate", ERROR)
def subnet_name_duplicate(m: Manifest) -> Iterator[Hit]:
    """Two subnets share a name."""
    if m.cluster is None:
        return
    names: Counter[str] = Counter()
    for i, subnet in enumerate(as_list(m.cluster.spec().get("subnets"))):
        if not isinstance(subnet, dict):
            continue
        name = repr(subnet.get("name", ""))
        names[name] += 1
        if names[name] == 2:
            yield Hit(
                m.cluster.position,
                ("spec", "subnets", i, "name"),
                f"Duplicate value: {go_value(subnet.get('name'))}",
            )


# The clouds whose clusters need subnets (kOps: validation.go, validateCloudProvider: every
# cloud but DigitalOcean, Hetzner and Linode; bare metal has no provider spec).
_SUBNETS_OPTIONAL = ("digitalocean", "hetzner", "linode", "metal")


@rule("subnets-required", ERROR)
def subnets_required(m: Manifest) -> Iterator[Hit]:
    """No subnets, or a subnet without a name."""
    # kOps: validation.go, validateSubnets and validateSubnet
    if m.cluster is None:
        return
    subnets = as_list(m.cluster.spec().get("subnets"))
    if not subnets and cloud(m.cluster) not in _SUBNETS_OPTIONAL:
        yield Hit(
            m.cluster.position,
            ("spec", "subnets"),
            required("must configure at least one subnet (use --zones)"),
        )
    for i, subnet in enumerate(subnets):
        if isinstance(subnet, dict) and not subnet.get("name"):
            yield Hit(m.cluster.position, ("spec", "subnets", i, "name"), required(""))


@rule("ipv6-non-masquerade", ERROR)
def ipv6_non_masquerade(m: Manifest) -> Iterator[Hit]:
    """An IPv6 nonMasqueradeCIDR other than ::/0."""
    # kOps: validation.go, validateNetworking
    if m.cluster is None:
        return
    masquerade = m.cluster.spec().get("nonMasqueradeCIDR")
    if isinstance(masquerade, str) and ":" in masquerade and masquerade != "::/0":
        yield Hit(
            m.cluster.position,
            ("spec", "nonMasqueradeCIDR"),
            'Forbidden: IPv6 clusters must have a nonMasqueradeCIDR of "::/0"',
        )


@rule("subnet-type", ERROR)
def subnet_type(m: Manifest) -> Iterator[Hit]:
    """A subnet type other than Public, Private, DualStack, Utility."""
    if m.cluster is None:
        return
    for i, subnet in enumerate(as_list(m.cluster.spec().get("subnets"))):
        if isinstance(subnet, dict) and subnet.get("type") not in _SUBNET_TYPES:
            yield Hit(
                m.cluster.position,
                ("spec", "subnets", i, "type"),
                unsupported(subnet.get("type"), _SUBNET_TYPES),
            )


@rule("subnet-outside-network", ERROR)
def subnet_outside_network(m: Manifest) -> Iterator[Hit]:
    """A subnet outside networkCIDR and additionalNetworkCIDRs."""
    # kOps: validation.go, validateSubnet (subnet.BelongsTo: the same family, inside)
    if m.cluster is None:
        return
    spec = m.cluster.spec()
    raw = [spec.get("networkCIDR"), *as_list(spec.get("additionalNetworkCIDRs"))]
    networks = [n for n in (_parse(r)[0] for r in raw) if n is not None]
    if not networks:
        return
    extra = " or an additionalNetworkCIDR" if len(networks) > 1 else ""
    for i, net in _subnets(spec):
        if not any(net.subnet_of(n) for n in networks):
            subnet = as_dict(as_list(spec.get("subnets"))[i])
            yield Hit(
                m.cluster.position,
                ("spec", "subnets", i, "cidr"),
                f"Forbidden: subnet {_go_quote(subnet.get('name'))} cidr "
                f"{_go_quote(subnet.get('cidr'))} is not a subnet of the networkCIDR "
                f"{_go_quote(spec.get('networkCIDR'))}{extra}",
            )


@rule("subnet-overlap", ERROR)
def subnet_overlap(m: Manifest) -> Iterator[Hit]:
    """Two subnets overlap."""
    if m.cluster is None:
        return
    nets = _subnets(m.cluster.spec())
    for a, (i, one) in enumerate(nets):
        for j, other in nets[a + 1 :]:
            if one.overlaps(other):
                yield Hit(
                    m.cluster.position,
                    ("spec", "subnets", j, "cidr"),
                    f"subnet {str(other)!r} overlaps subnet {str(one)!r} "
                    f"(spec.subnets[{i}]); AWS would refuse it",
                )


@rule("subnet-overlaps-range", ERROR)
def subnet_overlaps_range(m: Manifest) -> Iterator[Hit]:
    """A subnet overlaps podCIDR (but with amazonvpc) or serviceClusterIPRange."""
    # kOps: validation.go, validateSubnet (subnet.Overlap)
    if m.cluster is None:
        return
    spec = m.cluster.spec()
    keys: tuple[str, ...] = ("serviceClusterIPRange",)
    if "amazonvpc" not in as_dict(spec.get("networking")):
        keys = ("podCIDR", *keys)
    ranges = [(key, _parse(spec.get(key))[0]) for key in keys]
    for i, one in _subnets(spec):
        subnet = as_dict(as_list(spec.get("subnets"))[i])
        for key, found in ranges:
            if found is not None and one.version == found.version and one.overlaps(found):
                yield Hit(
                    m.cluster.position,
                    ("spec", "subnets", i, "cidr"),
                    f"Forbidden: subnet {_go_quote(subnet.get('name'))} cidr "
                    f"{_go_quote(subnet.get('cidr'))} must not overlap {key} "
                    f"{_go_quote(str(found))}",
                )


# kOps' dynamic IPv6 subnets: `/64#0`, the first /64 of the VPC's block (utils.ParseCIDRNotation)
_CIDR_NOTATION = r"^/(\d+)#([a-f0-9]+)$"


@rule("subnet-ipv6-cidr", ERROR)
def subnet_ipv6_cidr(m: Manifest) -> Iterator[Hit]:
    """A subnet's ipv6CIDR that is not an IPv6 CIDR nor `/N#hex`, or overlaps the services."""
    # kOps: validation.go, validateSubnet and validateIPv6CIDR; upup/pkg/fi/utils/net.go
    if m.cluster is None:
        return
    spec = m.cluster.spec()
    service = _parse(spec.get("serviceClusterIPRange"))[0]
    for i, subnet in enumerate(as_list(spec.get("subnets"))):
        raw = as_dict(subnet).get("ipv6CIDR")
        if raw is None or raw == "":
            continue
        text, path = str(raw), ("spec", "subnets", i, "ipv6CIDR")
        if text.startswith("/"):
            problem = _cidr_notation_problem(text)
            if problem:
                yield Hit(m.cluster.position, path, invalid(text, problem))
            continue
        network, message = _parse_text(text)
        if message:
            yield Hit(m.cluster.position, path, message)
        # an IPv4-mapped address (::ffff:a.b.c.d) is not IPv6 to Go
        if network is None or network.version != 6 or network.first >> 32 == 0xFFFF:
            yield Hit(m.cluster.position, path, invalid(text, "Network is not an IPv6 CIDR"))
        elif service is not None and service.version == 6 and network.overlaps(service):
            yield Hit(
                m.cluster.position,
                path,
                f"Forbidden: ipv6CIDR {_go_quote(text)} must not overlap serviceClusterIPRange "
                f"{_go_quote(str(service))}",
            )


def _cidr_notation_problem(text: str) -> str:
    match = re.fullmatch(r"/([0-9]+)#([a-f0-9]+)", text)
    if match is None:
        pattern = _go_quote(_CIDR_NOTATION)
        reason = f"unable to parse CIDR subnet string {_go_quote(text)} using {pattern}"
    elif int(match[1]) >= 2**63:
        reason = (
            f"unable to convert CIDR subnet new bits to int: {_go_quote(match[1])}: "
            f"strconv.Atoi: parsing {_go_quote(match[1])}: value out of range"
        )
    elif int(match[2], 16) >= 2**63:
        reason = (
            f"unable to convert CIDR subnet net num to int: {_go_quote(match[2])}: "
            f"strconv.ParseInt: parsing {_go_quote(match[2])}: value out of range"
        )
    elif int(match[1]) > 128:
        return "IPv6 CIDR subnet size must be a value between 0 and 128"
    else:
        return ""
    return f"IPv6 CIDR subnet is not parsable: {reason}"


def _go_quote(value: Any) -> str:
    """Go's %q of a string field (an unset one is "")."""
    return json.dumps("" if value is None else str(value), ensure_ascii=False)


@rule("non-masquerade-overlap", ERROR)
def non_masquerade_overlap(m: Manifest) -> Iterator[Hit]:
    """nonMasqueradeCIDR overlaps networkCIDR (unless pods take VPC addresses)."""
    if m.cluster is None:
        return
    spec = m.cluster.spec()
    masq = _parse(spec.get("nonMasqueradeCIDR"))[0]
    network = _parse(spec.get("networkCIDR"))[0]
    # With VPC-native pod networking (amazonvpc, lyftvpc, cilium in ENI mode) pods take VPC
    # addresses, and kOps expects nonMasqueradeCIDR to be the VPC range itself.
    networking = as_dict(spec.get("networking"))
    vpc_native = {"amazonvpc", "amazonVPC", "lyftvpc"} & set(networking)
    eni = as_dict(networking.get("cilium")).get("ipam") == "eni"
    if masq is None or vpc_native or eni:
        return
    if network is not None and masq.version == network.version and masq.overlaps(network):
        yield Hit(
            m.cluster.position,
            ("spec", "nonMasqueradeCIDR"),
            f"Forbidden: nonMasqueradeCIDR {json.dumps(spec.get('nonMasqueradeCIDR'))} cannot "
            f"overlap with networkCIDR {json.dumps(spec.get('networkCIDR'))}",
        )
    if network is None:
        return  # kOps compares the additional CIDRs only beside a networkCIDR
    for i, raw in enumerate(as_list(spec.get("additionalNetworkCIDRs"))):
        extra = _parse(raw)[0]
        if extra is not None and masq.version == extra.version and masq.overlaps(extra):
            yield Hit(
                m.cluster.position,
                ("spec", "nonMasqueradeCIDR"),
                f"Forbidden: nonMasqueradeCIDR {json.dumps(spec.get('nonMasqueradeCIDR'))} "
                f"cannot overlap with additionalNetworkCIDRs[{i}] {json.dumps(str(extra))}",
            )


@rule("pod-cidr-range", ERROR)
def pod_cidr_range(m: Manifest) -> Iterator[Hit]:
    """podCIDR outside nonMasqueradeCIDR."""
    # kOps: pkg/apis/kops/validation/validation.go, validateNetworking
    if m.cluster is None:
        return
    spec = m.cluster.spec()
    pod = _parse(spec.get("podCIDR"))[0]
    masq = _parse(spec.get("nonMasqueradeCIDR"))[0]
    same = pod is not None and masq is not None and pod.version == masq.version
    if same and not pod.subnet_of(masq):  # type: ignore[arg-type, union-attr]
        yield Hit(
            m.cluster.position,
            ("spec", "podCIDR"),
            f"Forbidden: podCIDR {_go_quote(str(pod))} must be a subnet of nonMasqueradeCIDR "
            f"{_go_quote(str(masq))}",
        )


_EGRESS = ("nat", "eipalloc", "i", "tgw", "External")  # kOps: pkg/apis/kops/cluster.go, Egress*


@rule("subnet-egress", ERROR)
def subnet_egress(m: Manifest) -> Iterator[Hit]:
    """A subnet egress of an unknown kind, or on a public IPv4 subnet."""
    # kOps: pkg/apis/kops/validation/validation.go, validateSubnet
    if m.cluster is None:
        return
    for i, subnet in enumerate(as_list(m.cluster.spec().get("subnets"))):
        egress = str(as_dict(subnet).get("egress") or "")
        if not egress:
            continue
        path = ("spec", "subnets", i, "egress")
        if egress.split("-")[0] not in _EGRESS:
            yield Hit(
                m.cluster.position,
                path,
                invalid(
                    egress,
                    "egress must be of type NAT Gateway, NAT Gateway with existing ElasticIP, "
                    "NAT EC2 Instance, Transit Gateway, or External",
                ),
            )
        kind = subnet.get("type")
        ipv6_public = kind == "Public" and subnet.get("ipv6CIDR")
        if egress != "External" and kind not in ("DualStack", "Private") and not ipv6_public:
            yield Hit(
                m.cluster.position,
                path,
                "Forbidden: egress can only be specified for private or IPv6-capable public "
                "subnets",
            )


@rule("subnet-dualstack", ERROR)
def subnet_dualstack(m: Manifest) -> Iterator[Hit]:
    """A DualStack subnet in a cluster that is not IPv6."""
    # kOps: pkg/apis/kops/validation/validation.go, validateSubnet (IsIPv6Only: nonMasqueradeCIDR)
    if m.cluster is None:
        return
    ipv6 = ":" in str(m.cluster.spec().get("nonMasqueradeCIDR") or "")
    for i, subnet in enumerate(as_list(m.cluster.spec().get("subnets"))):
        if as_dict(subnet).get("type") == "DualStack" and not ipv6:
            yield Hit(
                m.cluster.position,
                ("spec", "subnets", i, "type"),
                "Forbidden: subnet type DualStack may only be used in IPv6 clusters",
            )


@rule("subnet-id-mixed", ERROR)
def subnet_id_mixed(m: Manifest) -> Iterator[Hit]:
    """Some subnets name an existing subnet `id` and others do not."""
    # kOps: pkg/apis/kops/validation/validation.go, validateSubnets
    if m.cluster is None:
        return
    subnets = [as_dict(s) for s in as_list(m.cluster.spec().get("subnets"))]
    if not subnets:
        return
    first = bool(subnets[0].get("id"))
    for i, subnet in enumerate(subnets):
        if bool(subnet.get("id")) != first:
            yield Hit(
                m.cluster.position,
                ("spec", "subnets", i, "id"),
                "Forbidden: cannot mix subnets with specified ID and unspecified ID",
            )


@rule("api-lb-internal", ERROR)
def api_lb_internal(m: Manifest) -> Iterator[Hit]:
    """An Internal API load balancer in a cluster without a Private subnet."""
    # kOps: pkg/apis/kops/validation/validation.go, validateClusterSpec (api.loadBalancer)
    if m.cluster is None:
        return
    spec = m.cluster.spec()
    lb = as_dict(as_dict(spec.get("api")).get("loadBalancer"))
    private = any(as_dict(s).get("type") == "Private" for s in as_list(spec.get("subnets")))
    if lb.get("type") == "Internal" and not private:
        yield Hit(
            m.cluster.position,
            ("spec", "api", "loadBalancer", "type"),
            "Forbidden: Internal LoadBalancers must have at least one subnet of type Private",
        )
