"""The one gate every address an owner gives us goes through (a WooCommerce site today).

`parse_site_url` checks the text: http(s) only (https outside development), no user name or
password, a host that is a valid domain name (IDNA) or IP literal, nothing around it.
`OutboundTransport` checks every request at send time: it resolves the host, refuses it when any
of its addresses is not a public unicast address (loopback, private, link-local, multicast,
reserved, unspecified — IPv4, IPv6 and IPv4 carried inside IPv6 alike; numeric spellings such as
`2130706433` or `0x7f.1` are resolved first and judged by the address they stand for), and then
connects to the very address it checked: the URL keeps the host name (so TLS SNI, certificate
checks, the Host header and connection pooling stay per host) while the network backend opens the
socket to the checked address, so no second DNS lookup can swap it. Redirects are never followed
(httpx does not by default), and an answer larger than `MAX_RESPONSE_BYTES` is cut off. A client
of this transport never copies what the remote side said into our messages and words every
failure to reach a site with the one sentence `UNREACHABLE`, so an answer tells nothing about
which ports are open.

Private addresses are allowed only with `OUTBOUND_ALLOW_PRIVATE=true` (the demo and the tests,
whose sandboxes listen on loopback).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpcore
import httpx
import idna

from .errors import InvalidRequest, MalformedRequest, PlatformError
from .settings import Settings

UNREACHABLE = "We could not reach this site. Check the address and that the site is online, then try again."
NOT_PUBLIC = "This address does not lead to a public website; enter your store's public https:// address."

_DEFAULT_PORTS = {"http": 80, "https": 443}
# A page of 100 products with long descriptions is a few megabytes; a site sending more than this
# is not answering an API call, and would otherwise fill our memory.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Addresses inside these IPv6 ranges stand for an IPv4 address, judged as that address.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class AddressRefused(InvalidRequest):
    """The address leads somewhere we never call (not a public unicast address)."""

    status = 400
    code = "address_refused"


class ResponseTooLarge(PlatformError):
    code = "response_too_large"

    def __init__(self) -> None:
        super().__init__("The site's answer was larger than we accept.")


@dataclass(frozen=True)
class OutboundPolicy:
    https_only: bool = True
    allow_private: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboundPolicy:
        return cls(https_only=not settings.development, allow_private=settings.outbound_allow_private)


def parse_site_url(raw: object, policy: OutboundPolicy) -> str:
    """The owner's site address, normalised (`scheme://host[:port]/path`, lower-case ASCII host,
    no query, no trailing slash), or a 400 that says what is wrong with it."""
    if not isinstance(raw, str) or not raw:
        raise MalformedRequest(
            "site_url must be the address of your WordPress site, e.g. https://shop.example.com.",
            reason="address_missing",
        )
    if raw != raw.strip() or any(ch.isspace() or not ch.isprintable() for ch in raw):
        raise MalformedRequest(
            "site_url must not contain spaces, line breaks or control characters.", reason="address_invalid"
        )
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise MalformedRequest("site_url is not a valid web address.", reason="address_invalid") from None
    allowed = ("https",) if policy.https_only else ("https", "http")
    if parts.scheme not in allowed:
        raise MalformedRequest("site_url must start with https://.", reason="address_not_https")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise MalformedRequest("site_url must not contain a user name or password.", reason="address_invalid")
    host = ascii_host(parts.hostname or "")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        netloc = f"{netloc}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def ascii_host(host: str) -> str:
    """A host name in its lower-case ASCII (IDNA) form, or an IP literal as written."""
    if not host:
        raise MalformedRequest("site_url has no host name.", reason="address_invalid")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        encoded = idna.encode(host.rstrip("."), uts46=True).decode("ascii")
        idna.decode(encoded)
    except (idna.IDNAError, UnicodeError, ValueError):
        raise MalformedRequest("site_url's host name is not a valid domain name.", reason="address_invalid") from None
    return encoded.lower()


def site_key(site_url: str) -> str:
    """The site a free plan's credits belong to: the host in lower-case ASCII without `www.` —
    scheme, port and path do not make another site."""
    host = urlsplit(site_url).hostname or ""
    return host.removeprefix("www.")


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not is_public(embedded):
            return False
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (numeric spellings included)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def checked_address(host: str, port: int, policy: OutboundPolicy, resolve: Resolver = system_resolve) -> str:
    """The address to connect to for `host`, after every address it resolves to was judged. A
    name that does not resolve is a failed connection (httpx.ConnectError), like a refused one."""
    try:
        addresses = [ipaddress.ip_address(a.split("%")[0]) for a in await resolve(host, port)]
    except (OSError, UnicodeError, ValueError):
        raise httpx.ConnectError(UNREACHABLE) from None
    if not addresses:
        raise httpx.ConnectError(UNREACHABLE)
    if not policy.allow_private and not all(is_public(a) for a in addresses):
        raise AddressRefused(NOT_PUBLIC)
    return str(addresses[0])


# (host, port, the address checked for them) of the request being sent, read by the backend below.
_checked: ContextVar[tuple[str, int, str] | None] = ContextVar("outbound_checked", default=None)


class _CheckedAddressBackend(httpcore.AsyncNetworkBackend):
    """Opens each connection to the address the transport checked, never to a fresh lookup."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        checked = _checked.get()
        if checked is None or checked[:2] != (host, port):
            raise httpcore.ConnectError("no checked address for this host")
        return await self._backend.connect_tcp(
            checked[2], port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not an outbound address")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class OutboundTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with every request's address checked and pinned (see the module doc)."""

    def __init__(
        self,
        policy: OutboundPolicy,
        *,
        resolve: Resolver = system_resolve,
        limits: httpx.Limits | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        limits = limits or httpx.Limits()
        super().__init__(trust_env=False, limits=limits)
        self.policy = policy
        self.resolve = resolve
        self.max_response_bytes = max_response_bytes
        # httpx offers no argument for a network backend: the same pool, built with ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_CheckedAddressBackend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in (("https",) if self.policy.https_only else ("https", "http")) or url.userinfo:
            raise AddressRefused(NOT_PUBLIC)
        host = url.raw_host.decode("ascii")
        port = url.port or _DEFAULT_PORTS[url.scheme]
        address = await checked_address(host, port, self.policy, self.resolve)
        token = _checked.set((host, port, address))
        try:
            response = await super().handle_async_request(request)
        finally:
            _checked.reset(token)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _CappedStream(response.stream, self.max_response_bytes)
        return response


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream, cap: int) -> None:
        self._stream = stream
        self._cap = cap

    async def __aiter__(self) -> AsyncIterator[bytes]:
        received = 0
        async for chunk in self._stream:
            received += len(chunk)
            if received > self._cap:
                raise ResponseTooLarge()
            yield chunk

    async def aclose(self) -> None:
        await self._stream.aclose()


def outbound_client(policy: OutboundPolicy, *, timeout: httpx.Timeout | None = None) -> httpx.AsyncClient:
    """The HTTP client for owner-given addresses: checked, pinned, redirects not followed."""
    return httpx.AsyncClient(
        transport=OutboundTransport(policy),
        timeout=timeout or httpx.Timeout(30.0, connect=5.0),
        follow_redirects=False,
        trust_env=False,
    )
