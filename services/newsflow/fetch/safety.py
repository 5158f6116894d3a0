"""No SSRF: a fetch goes only to public addresses, checked after DNS resolution and on every redirect hop, and
the connection is pinned to the checked address (a DNS answer that changes between check and connect cannot
sneak in). Loopback, private, link-local, multicast, reserved and unspecified addresses, IPv4 and IPv6, are
refused unless an allow-list (tests, the local demo) permits them; so are IPv6 transition addresses (6to4,
Teredo, NAT64, IPv4-mapped) whose embedded IPv4 address is one of those."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from typing import Protocol

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class RefusedTargetError(ValueError):
    """The URL's host resolves to an address we must not connect to."""


class Resolver(Protocol):
    async def resolve(self, host: str, port: int) -> list[str]:
        """The IP addresses of a host name."""


class SystemResolver:
    async def resolve(self, host: str, port: int) -> list[str]:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_networks(cidrs: Sequence[str]) -> list[IpNetwork]:
    return [ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip()]


#: NAT64's well-known prefix (RFC 6052): the last 32 bits are the IPv4 address a translator connects to
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def embedded_ipv4(address: IpAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 transition address leads to: IPv4-mapped, 6to4 (2002::/16), Teredo's client
    (2001::/32) or NAT64 (64:ff9b::/96); None for any other address."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_forbidden(address: IpAddress) -> bool:
    """Not public. A transition address is judged by the IPv4 address it leads to (2002:7f00:1:: is 127.0.0.1
    behind a 6to4 relay, although the 2002::/16 block itself counts as global)."""
    embedded = embedded_ipv4(address)
    if embedded is not None:
        return is_forbidden(embedded)
    return not address.is_global or address.is_multicast or address.is_reserved or address.is_unspecified


async def safe_address(host: str, port: int, resolver: Resolver, allowed: Sequence[IpNetwork]) -> str:
    """One address of `host` that may be connected to; RefusedTargetError if any answer is forbidden (a host
    that resolves to a private address among public ones is suspicious, not half-fine)."""
    try:
        answers = [ipaddress.ip_address(host)] if _is_ip(host) else [
            ipaddress.ip_address(a) for a in await resolver.resolve(host, port)]
    except (OSError, ValueError) as exc:
        raise RefusedTargetError(f"{host} does not resolve: {exc}") from exc
    if not answers:
        raise RefusedTargetError(f"{host} does not resolve")
    for address in answers:
        if is_forbidden(address) and not any(address in network for network in allowed):
            raise RefusedTargetError(f"{host} resolves to {address}, a non-public address; refused "
                                     "(allow it with NEWSFLOW_FETCH_ALLOW_NETWORKS only for tests or a local demo)")
    return str(answers[0])


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
