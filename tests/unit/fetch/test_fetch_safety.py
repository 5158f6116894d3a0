"""The SSRF address check: IPv6 transition addresses are judged by the IPv4 address they lead to."""

from __future__ import annotations

import ipaddress

import pytest

from newsflow.fetch.safety import RefusedTargetError, embedded_ipv4, is_forbidden, safe_address


class _Resolver:
    def __init__(self, answers: list[str]) -> None:
        self.answers = answers

    async def resolve(self, host: str, port: int) -> list[str]:
        return self.answers


@pytest.mark.parametrize("address, embedded", [
    ("2002:7f00:1::1", "127.0.0.1"),            # 6to4 of loopback
    ("2002:a00:1::1", "10.0.0.1"),              # 6to4 of a private address
    ("2002:a9fe:a9fe::1", "169.254.169.254"),   # 6to4 of the cloud metadata address
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1"),  # Teredo, client 127.0.0.1 (obfuscated)
    ("64:ff9b::7f00:1", "127.0.0.1"),           # NAT64 well-known prefix
    ("::ffff:192.168.0.1", "192.168.0.1"),      # IPv4-mapped
])
def test_a_transition_address_leading_to_a_non_public_ipv4_is_refused(address, embedded):
    ip = ipaddress.ip_address(address)
    assert str(embedded_ipv4(ip)) == embedded and is_forbidden(ip)


@pytest.mark.parametrize("address", ["2002:808:808::1", "64:ff9b::808:808", "2606:4700::1111", "8.8.8.8"])
def test_a_public_address_or_a_transition_address_to_one_is_allowed(address):
    assert not is_forbidden(ipaddress.ip_address(address))


async def test_a_host_resolving_to_6to4_of_loopback_is_refused_before_any_connection():
    with pytest.raises(RefusedTargetError, match="2002:7f00:1::1"):
        await safe_address("evil.test", 80, _Resolver(["2002:7f00:1::1"]), [])
