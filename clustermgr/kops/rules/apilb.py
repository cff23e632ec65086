"""kOps' rules for the API load balancer and the subnets' extra routes on AWS, and for the
load-balancer settings only AWS takes. Messages are kOps' own (pkg/apis/kops/validation/aws.go,
awsValidateCluster and the functions it calls; validation.go, validateClusterSpec and
validateSubnet); locations are the v1alpha2 fields.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from typing import Any

from clustermgr.kops.rules.registry import Hit, Manifest, as_dict, as_list, cloud, rule
from clustermgr.kops.rules.wording import invalid, required, unsupported
from clustermgr.problems import ERROR
from clustermgr.yamlio import YPath

_LB: YPath = ("spec", "api", "loadBalancer")
# kOps: validation.go, validateClusterSpec: what only AWS's load balancer takes
_AWS_ONLY = (
    "class",
    "idleTimeoutSeconds",
    "securityGroupOverride",
    "additionalSecurityGroups",
    "sslCertificate",
    "sslPolicy",
    "crossZoneLoadBalancing",
    "accessLog",
)


def _set(lb: dict[str, Any], key: str) -> bool:
    """Set as kOps reads it: a pointer or slice not nil, a string not empty."""
    value = lb.get(key)
    return value not in (None, "") and not (key == "additionalSecurityGroups" and value is None)


@rule("api-lb-aws-only", ERROR)
def api_lb_aws_only(m: Manifest) -> Iterator[Hit]:
    """An API load-balancer setting only AWS takes, on another cloud."""
    if m.cluster is None or cloud(m.cluster) == "aws":
        return
    lb = m.cluster.spec().get("api", {})
    lb = as_dict(as_dict(lb).get("loadBalancer"))
    for key in _AWS_ONLY:
        if _set(lb, key):
            yield Hit(m.cluster.position, (*_LB, key), f"Forbidden: {key} is only supported on AWS")


def _ip4(text: str) -> ipaddress.IPv4Address | None:
    """Go's net.ParseIP(...).To4() (an IPv4-mapped IPv6 address is IPv4 too)."""
    if "%" in text:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        return address.ipv4_mapped
    return address


_SUBNET_POINTERS = (("privateIPv4Address", "privateIPv4Address"), ("allocationId", "allocationID"))


def _subnet_json(subnet: dict[str, Any]) -> dict[str, Any]:
    """kOps' internal LoadBalancerSubnetSpec as json.Marshal writes it (the bad value of
    some messages): name, then the pointers that are set."""
    out: dict[str, Any] = {}
    if subnet.get("name"):
        out["name"] = subnet["name"]
    for key, internal in (
        ("privateIPv4Address", "privateIPv4Address"),
        ("allocationId", "allocationID"),
    ):
        if key in subnet:
            out[internal] = subnet[key]
    return out


@rule("api-lb", ERROR)
def api_lb(m: Manifest) -> Iterator[Hit]:
    """An AWS API load balancer kOps refuses: class, security groups, SSL, subnets, DNS."""
    # kOps: aws.go, awsValidateCluster, awsValidateTopologyDNS, awsValidateSecurityGroupOverride,
    # awsValidateSSLPolicy, awsValidateLoadBalancerSubnets
    if m.cluster is None or cloud(m.cluster) != "aws":
        return
    spec, at = m.cluster.spec(), m.cluster.position
    lb = as_dict(spec.get("api")).get("loadBalancer")
    if not isinstance(lb, dict):
        return
    kind, network = lb.get("class") or "", lb.get("class") == "Network"
    if kind and kind not in ("Classic", "Network"):
        yield Hit(at, (*_LB, "class"), unsupported(kind, ("Classic", "Network")))
    none_dns = as_dict(as_dict(spec.get("topology")).get("dns")).get("type") == "None"
    if none_dns and not network:
        yield Hit(
            at, (*_LB, "type"), "Forbidden: topology.dns.type=none requires Network Load Balancer"
        )
    override = lb.get("securityGroupOverride")
    if isinstance(override, str):
        if not override.strip():
            detail = "security group override cannot be empty, if specified"
            yield Hit(at, (*_LB, "securityGroupOverride"), invalid(override, detail))
        elif not override.startswith("sg-"):
            detail = "security group override does not match the expected AWS format"
            yield Hit(at, (*_LB, "securityGroupOverride"), invalid(override, detail))
    internal = lb.get("type") == "Internal"
    if network and lb.get("useForInternalApi") is True and internal:
        yield Hit(
            at,
            (*_LB, "useForInternalApi"),
            "Forbidden: useForInternalAPI cannot be used with internal NLB due lack of "
            "hairpinning support",
        )
    if lb.get("sslCertificate") and not network:
        yield Hit(
            at,
            (*_LB, "sslCertificate"),
            "Forbidden: sslCertificate requires a network load balancer. See "
            "https://github.com/kubernetes/kops/blob/master/permalinks/acm_nlb.md",
        )
    if lb.get("sslPolicy") is not None:
        if not network:
            detail = "Forbidden: sslPolicy should be specified with Network Load Balancer"
            yield Hit(at, (*_LB, "sslPolicy"), detail)
        if not lb.get("sslCertificate"):
            detail = "Forbidden: sslPolicy should not be specified without SSLCertificate"
            yield Hit(at, (*_LB, "sslPolicy"), detail)
    cidrs = {as_dict(s).get("name"): as_dict(s).get("cidr") for s in as_list(spec.get("subnets"))}
    for i, raw in enumerate(as_list(lb.get("subnets"))):
        yield from _lb_subnet(at, as_dict(raw), (*_LB, "subnets", i), cidrs, network, internal)


def _lb_subnet(
    at: int,
    subnet: dict[str, Any],
    path: YPath,
    cidrs: dict[Any, Any],
    network: bool,
    internal: bool,
) -> Iterator[Hit]:
    name = subnet.get("name") or ""
    if not name:
        yield Hit(at, (*path, "name"), required("subnet name can't be empty"))
    elif name not in cidrs:
        detail = json.dumps(f"subnet {json.dumps(name)} not found in cluster subnets")
        yield Hit(at, (*path, "name"), f"Not found: {detail}")
    shown = json.dumps(_subnet_json(subnet), separators=(",", ":"))
    if "privateIPv4Address" in subnet:
        address_text = str(subnet.get("privateIPv4Address") or "")
        where = (*path, "privateIPv4Address")
        if not address_text:
            yield Hit(at, where, required("privateIPv4Address can't be empty"))
        address = _ip4(address_text)
        if address is None:
            detail = "privateIPv4Address is not a valid IPv4 address"
            yield Hit(at, where, f"Invalid value: {shown}: {detail}")
        elif name in cidrs:
            try:
                block = ipaddress.ip_network(str(cidrs[name]), strict=False)
            except ValueError:
                block = None
            if block is not None and address not in block:
                detail = "privateIPv4Address is not part of the subnet CIDR"
                yield Hit(at, where, f"Invalid value: {shown}: {detail}")
        if not (network and internal):
            detail = "Forbidden: privateIPv4Address only allowed for internal NLBs"
            yield Hit(at, where, detail)
    if "allocationId" in subnet:
        where = (*path, "allocationId")
        if not subnet.get("allocationId"):
            yield Hit(at, where, required("allocationID can't be empty"))
        if not network or internal:
            yield Hit(at, where, "Forbidden: allocationID only allowed for Public NLBs")


_TARGETS = ("pcx-", "i-", "nat-", "tgw-", "igw-", "eigw-")


@rule("subnet-routes", ERROR)
def subnet_routes(m: Manifest) -> Iterator[Hit]:
    """Extra subnet routes kOps refuses (AWS).

    On a shared or public subnet, to an unknown target, a peering route inside the VPC, or a
    CIDR twice."""
    # kOps: validation.go, validateSubnet; aws.go, awsValidateAdditionalRoutes
    if m.cluster is None:
        return
    spec, at = m.cluster.spec(), m.cluster.position
    networks: list[Any] | None = None  # read once, where a subnet has routes
    for i, raw in enumerate(as_list(spec.get("subnets"))):
        subnet, path = as_dict(raw), ("spec", "subnets", i, "additionalRoutes")
        if cloud(m.cluster) != "aws" or subnet.get("additionalRoutes") is None:
            continue
        if networks is None:
            networks = []
            for cidr in [spec.get("networkCIDR"), *as_list(spec.get("additionalNetworkCIDRs"))]:
                try:
                    networks.append(ipaddress.ip_network(str(cidr), strict=False))
                except ValueError:
                    continue
        if subnet.get("id"):
            detail = "Forbidden: additional routes cannot be added if the subnet is shared"
            yield Hit(at, path, detail)
        elif subnet.get("type") != "Private":
            detail = "Forbidden: additional routes can only be added on private subnets"
            yield Hit(at, path, detail)
        routes = [as_dict(r) for r in as_list(subnet.get("additionalRoutes"))]
        yield from _routes(at, routes, path, networks)


def _routes(
    at: int, routes: list[dict[str, Any]], path: YPath, networks: list[Any]
) -> Iterator[Hit]:
    for i, route in enumerate(routes):
        target, cidr = str(route.get("target") or ""), str(route.get("cidr") or "")
        shown = json.dumps(
            {k: route[k] for k in ("cidr", "target") if route.get(k)}, separators=(",", ":")
        )
        if not target.startswith(_TARGETS):
            yield Hit(
                at, (*path, i, "target"), f"Invalid value: {shown}: unknown target type for route"
            )
        try:
            block = ipaddress.ip_network(cidr, strict=False) if "/" in cidr else None
        except ValueError:
            block = None
        if block is not None and target.startswith("pcx-"):
            for network in networks:
                if block.network_address in network:
                    yield Hit(
                        at,
                        (*path, i, "target"),
                        "Forbidden: target is more specific than a network CIDR block. This "
                        "route can target only an interface or an instance.",
                    )
    seen = {str(n) for n in networks}
    for i, route in enumerate(routes):
        cidr = str(route.get("cidr") or "")
        if cidr in seen:
            yield Hit(at, (*path, i, "cidr"), f"Duplicate value: {json.dumps(cidr)}")
        seen.add(cidr)
