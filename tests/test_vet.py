"""Tests of compliance.capture.vet: which addresses are refused, and why (pure, no network)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.capture.vet import locate, unsafe_reason
from compliance.errors import FetchRefused
from compliance.settings import Settings


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("8.8.8.8", None),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "shared"),
        ("100.127.255.255", "shared"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "private"),
        ("255.255.255.255", "private"),
        ("192.0.2.1", "private"),
        ("::ffff:127.0.0.1", "loopback, embeds 127.0.0.1"),
        ("2002:c0a8:1::", "private, embeds 192.168.0.1"),
        ("fec0::1", "site-local"),
    ],
)
def test_unsafe_reason(address: str, reason: str | None) -> None:
    assert unsafe_reason(ipaddress.ip_address(address)) == reason


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_embedded_ipv4_is_never_safer_than_itself(value: int) -> None:
    """An unsafe IPv4 address stays unsafe mapped, in 6to4 and behind NAT64."""
    ipv4 = ipaddress.IPv4Address(value)
    if unsafe_reason(ipv4) is None:
        return
    for wrapped in (value | 0xFFFF << 32, 0x2002 << 112 | value << 80, 0x64FF9B << 96 | value):
        assert unsafe_reason(ipaddress.IPv6Address(wrapped)) is not None


@pytest.mark.parametrize(
    "url",
    [
        "http://example.test/a\x00b",
        "http://example.test/\x01",
        "http://exa\x7fmple.test/",
        "http://example.test/a\tb",
    ],
)
def test_urls_with_control_characters_are_refused(url: str) -> None:
    with pytest.raises(FetchRefused, match=r"the URL contains control characters$"):
        locate(url, Settings())


def test_surrounding_whitespace_is_not_a_control_character() -> None:
    assert locate(" http://example.test/a%00b\n", Settings()) == ("http", "example.test", 80, False)
