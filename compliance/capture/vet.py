"""A URL and the settings in, a vetted `Target` out: where a request may connect, before connecting.

A URL given by a user is untrusted (DESIGN.md, "Safety rules"). `vet` checks the scheme, refuses
credentials and control characters (a server's Location header may carry them: what would be
fetched, percent-encoded, is not what the evidence would name), resolves the host once and
refuses loopback, private, link-local, multicast, reserved, shared and metadata addresses (IP
literals in any notation too), unless the host is in `settings.fetch_allow_hosts`. The `Target`
it returns carries the one address the request may connect to, so a second DNS answer can never
redirect it (DNS rebinding).

FetchRefused when the URL must never be fetched; FetchFailed when its host cannot be resolved
now. Plain `ipaddress` and `socket` code: no HTTP library here, and no connection.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from compliance.errors import FetchFailed, FetchRefused
from compliance.settings import Settings

Resolver = Callable[[str, int], list[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_PORTS = {"http": 80, "https": 443}
_METADATA = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254"))
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What inet_aton reads as IPv4: "2130706433", "0x7f.1", "017700000001", "127.1".
_NUMERIC_HOST = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?")


@dataclass(frozen=True)
class Target:
    """A vetted URL: where it points and the one address the request may connect to."""

    url: str
    scheme: str
    hostname: str  # as in the URL (IDNA, lower case; an IP literal in canonical form)
    port: int
    ip: str
    host_header: str


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver, in its order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def ip_literal(host: str) -> Address | None:
    """The address a host written as an IP literal means, in any notation inet_aton accepts."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not _NUMERIC_HOST.fullmatch(host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
    except OSError:
        raise FetchRefused(f"refused: {host} is not a valid IP address") from None


def unsafe_reason(ip: Address) -> str | None:
    """Why connecting to `ip` is refused ("private", "loopback"…), or None for a public one."""
    if ip in _METADATA:
        return "cloud metadata"
    if isinstance(ip, ipaddress.IPv6Address):
        for inner in _embedded_ipv4(ip):
            if reason := unsafe_reason(inner):
                return f"{reason}, embeds {inner}"
    checks = (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("shared", ip in _SHARED),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("site-local", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
        ("non-public", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 one carries: mapped, 6to4, Teredo, NAT64."""
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [inner for inner in found if inner is not None]


def vet(url: str, settings: Settings, resolver: Resolver | None = None) -> Target:
    """Check `url` and resolve its host once; FetchRefused unless it may be fetched. No connection."""
    scheme, host, port, literal = locate(url, settings)
    addresses = [host] if literal else _resolve(resolver or system_resolver, host, port)
    if not literal and not _allowed(host, port, settings):
        for address in addresses:
            if reason := _address_reason(address):
                raise FetchRefused(
                    f"refused {url}: {host} resolves to {address}, which is not a public address ({reason})"
                )
    shown = f"[{host}]" if ":" in host else host
    return Target(
        url=url,
        scheme=scheme,
        hostname=host,
        port=port,
        ip=addresses[0],
        host_header=shown if port == DEFAULT_PORTS[scheme] else f"{shown}:{port}",
    )


def locate(url: str, settings: Settings) -> tuple[str, str, int, bool]:
    """(scheme, host, port, is an IP literal) of a URL that may be fetched, before any lookup."""
    if _CONTROL.search(url.strip()):
        raise FetchRefused(f"refused {url!r}: the URL contains control characters")
    parts = _split(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise FetchRefused(
            f"refused {url}: only http and https URLs are fetched, not "
            f"{scheme + ':' if scheme else 'a URL without scheme'}"
        )
    if "@" in parts.netloc:
        raise FetchRefused("refused: URLs with credentials (user:password@host) are not fetched")
    if not parts.hostname:
        raise FetchRefused(f"refused {url}: the URL has no host")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise FetchRefused(f"refused {url}: invalid port") from None
    literal = ip_literal(parts.hostname)
    if literal is None:
        return scheme, parts.hostname.lower().rstrip("."), port, False
    host = str(literal)
    if not _allowed(host, port, settings) and (reason := unsafe_reason(literal)):
        raise FetchRefused(f"refused {url}: {host} is not a public address ({reason})")
    return scheme, host, port, True


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises on a malformed port
    except ValueError as exc:
        raise FetchRefused(f"refused {url!r}: malformed URL ({exc})") from None
    return parts


def _resolve(resolver: Resolver, host: str, port: int) -> list[str]:
    """The host's addresses; FetchFailed when DNS has none now, FetchRefused for an unusable name."""
    try:
        addresses = resolver(host, port)
    except UnicodeError as exc:  # the name cannot even be encoded for DNS: it never will
        raise FetchRefused(f"cannot resolve {host}: {exc}") from None
    except OSError as exc:
        raise FetchFailed(f"cannot resolve {host}: {exc}") from None
    if not addresses:
        raise FetchFailed(f"cannot resolve {host}: no address")
    return addresses


def _address_reason(address: str) -> str | None:
    try:
        return unsafe_reason(ipaddress.ip_address(address.split("%")[0]))
    except ValueError:
        return "malformed"


def _allowed(host: str, port: int, settings: Settings) -> bool:
    """Whether `host` or `host:port` is in fetch_allow_hosts (IPv6 with or without brackets)."""
    shown = f"[{host}]" if ":" in host else host
    names = {host, shown, f"{shown}:{port}"}
    return any(entry.strip().lower() in names for entry in settings.fetch_allow_hosts)
