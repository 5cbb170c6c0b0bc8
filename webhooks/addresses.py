"""Where a webhook may go: public unicast addresses only (SSRF rules), checked when an endpoint is saved and again
for the address each request actually connects to (webhooks.client pins it, so a name that resolves elsewhere a
second later, DNS rebinding, changes nothing).

Refused: private (RFC 1918, ULA), loopback, link-local, multicast, unspecified, reserved and documentation
ranges, CGNAT (100.64.0.0/10), benchmarking, and IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:0:0/96,
NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32) — whatever IPv4 address they carry.
With WEBHOOKS_ALLOW_LOOPBACK (tests, development), loopback addresses (127.0.0.0/8, ::1) are allowed too."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from webhooks.models import URL_MAX_LENGTH

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_EMBEDDING_IPV4 = [
    ipaddress.ip_network(network)
    for network in ("::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "2001::/32")
]


class AddressRefused(Exception):
    """The URL or the address it leads to is not one a webhook may be sent to (the message says why)."""


def address_allowed(address: IPAddress) -> bool:
    if settings.WEBHOOKS_ALLOW_LOOPBACK and address.is_loopback:
        return True
    if isinstance(address, ipaddress.IPv6Address) and any(address in network for network in _EMBEDDING_IPV4):
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses `host` resolves to (a literal address is itself). Tests replace it to play DNS rebinding."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    # scope ids (fe80::1%eth0) are not part of the address; link-local is refused anyway
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))


def checked_addresses(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to, all of them allowed; AddressRefused if any is not (a name with one
    private address among public ones is refused: which one a client picks is not ours to guess)."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError, ValueError) as error:
        raise AddressRefused(f"The host {host} does not resolve.") from error
    if not addresses:
        raise AddressRefused(f"The host {host} does not resolve.")
    refused = [address for address in addresses if not address_allowed(address)]
    if refused:
        raise AddressRefused(f"The host {host} resolves to {refused[0]}, a non-public address.")
    return addresses


def url_target(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an endpoint URL whose form is allowed: https (http only with
    WEBHOOKS_ALLOW_LOOPBACK), a host, no user name or password, no fragment; AddressRefused otherwise."""
    if len(url) > URL_MAX_LENGTH:
        raise AddressRefused(f"A webhook URL has at most {URL_MAX_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise AddressRefused("This is not a valid URL.") from error
    schemes = ("https", "http") if settings.WEBHOOKS_ALLOW_LOOPBACK else ("https",)
    if parts.scheme not in schemes:
        raise AddressRefused("A webhook URL must use https.")
    if not parts.hostname:
        raise AddressRefused("A webhook URL needs a host.")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("A webhook URL cannot carry a user name or password.")
    if parts.fragment:
        raise AddressRefused("A webhook URL cannot have a fragment (#...).")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def url_check(url: str) -> None:
    """The URL's form and every address its host resolves to now (at save; each request checks again)."""
    _, host, port = url_target(url)
    checked_addresses(host, port)
