"""No SSRF: a fetch goes only to public addresses, checked after DNS resolution and on every redirect hop, and
the connection is pinned to the checked address (a DNS answer that changes between check and connect cannot
sneak in). Loopback, private, link-local, multicast, reserved and unspecified addresses, IPv4 and IPv6, are
refused unless an allow-list (tests, the local demo) permits them."""

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


def is_forbidden(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_forbidden(address.ipv4_mapped)
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
