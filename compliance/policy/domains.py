"""URLs → hosts and registrable domains (the Public Suffix List, bundled by `tld`: no download).

A site is its registrable domain: `amp.example.fr` and `www.example.fr` are one site. Hosts the
list does not know (test TLDs such as `.example`, bare IP addresses) keep their last two labels,
or the address itself.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from tld import get_fld

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")


def host_of(url: str) -> str | None:
    """The lower-case host of an absolute http(s) URL, or None."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return host.rstrip(".").lower()


def registrable_domain(host: str) -> str:
    """`news.bbc.co.uk` → `bbc.co.uk`; an IP address stays as it is."""
    host = host.rstrip(".").lower()
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    found = get_fld(host, fail_silently=True, fix_protocol=True)
    if isinstance(found, str):
        return found
    return ".".join(host.split(".")[-2:])


def on_domains(host: str | None, domains: tuple[str, ...] | list[str]) -> bool:
    """Whether `host` is one of `domains` or a subdomain of one."""
    if not host:
        return False
    return any(host == d or host.endswith("." + d) for d in domains)


def valid_domain(value: str) -> str:
    """`value` as a lower-case domain name (or an IP address); ValueError naming it when it is neither."""
    domain = value.strip().rstrip(".").lower()
    if domain.startswith(("http://", "https://")):
        domain = host_of(domain) or ""
    try:
        return str(ipaddress.ip_address(domain))  # a site served on a bare address
    except ValueError:
        pass
    if not _DOMAIN.match(domain):
        raise ValueError(f"not a domain name: {value!r}")
    return domain


def amp_cache_origin(host: str | None) -> str | None:
    """The origin host of a Google AMP cache host: `www-example-fr.cdn.ampproject.org` → `www.example.fr`."""
    suffix = ".cdn.ampproject.org"
    if not host or not host.endswith(suffix):
        return None
    label = host[: -len(suffix)]
    return label.replace("--", "\0").replace("-", ".").replace("\0", "-")
