"""The outbound guard's rules on their own: what an owner-given address may look like and which
resolved addresses are never called. Loopback is refused here: private addresses are not allowed."""

from __future__ import annotations

import pytest

from optimizer_app.errors import MalformedRequest
from optimizer_app.outbound import NOT_PUBLIC, AddressRefused, OutboundPolicy, checked_address, parse_site_url, site_key

PRODUCTION = OutboundPolicy()
DEVELOPMENT = OutboundPolicy(https_only=False)

# Every spelling of a non-public address the attack report used, and the usual suspects.
NOT_PUBLIC_HOSTS = [
    "127.0.0.1",
    "localhost",
    "2130706433",  # 127.0.0.1 as one decimal number
    "0x7f.1",  # hex and a short form
    "017700000001",  # octal
    "0177.0.0.1",
    "::1",
    "0.0.0.0",
    "::",
    "::ffff:127.0.0.1",  # IPv4-mapped IPv6
    "::ffff:7f00:1",
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2002:a00:1::",  # 6to4 of 10.0.0.1
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",  # shared address space (carrier NAT)
    "169.254.169.254",  # cloud metadata, link-local
    "fe80::1",
    "fc00::1",
    "224.0.0.1",
    "ff02::1",
    "240.0.0.1",
    "255.255.255.255",
]


@pytest.mark.parametrize("host", NOT_PUBLIC_HOSTS)
async def test_every_spelling_of_a_non_public_address_is_refused_with_one_sentence(host: str) -> None:
    with pytest.raises(AddressRefused) as refused:
        await checked_address(host, 443, PRODUCTION)
    assert refused.value.message == NOT_PUBLIC and refused.value.status == 400


async def test_one_non_public_address_among_public_ones_refuses_the_host() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "2606:2800:220:1::1", "127.0.0.1"]

    with pytest.raises(AddressRefused):
        await checked_address("shop.example", 443, PRODUCTION, resolve)

    async def public(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "2606:2800:220:1::1"]

    assert await checked_address("shop.example", 443, PRODUCTION, public) == "93.184.216.34"


async def test_private_addresses_only_with_the_explicit_setting() -> None:
    assert await checked_address("127.0.0.1", 80, OutboundPolicy(allow_private=True)) == "127.0.0.1"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("https://shop.example.com\n", "spaces, line breaks"),
        (" https://shop.example.com", "spaces, line breaks"),
        ("https://shop.example.com/\t", "spaces, line breaks"),
        ("https://shop.exa mple.com", "spaces, line breaks"),
        ("https://user@shop.example.com", "user name or password"),
        ("https://user:pw@shop.example.com", "user name or password"),
        ("https://shop.example.com@127.0.0.1", "user name or password"),
        ("https://xn--a.com", "not a valid domain name"),
        ("https://xn--zz-.example", "not a valid domain name"),
        ("https://a..b", "not a valid domain name"),
        ("https://-shop.example.com", "not a valid domain name"),
        ("https://shop.example.com:99999", "not a valid web address"),
        ("https://[::1", "not a valid web address"),
        ("https:///path", "no host name"),
        ("ftp://shop.example.com", "https://"),
        ("http://shop.example.com", "https://"),
        ("javascript:alert(1)", "https://"),
        ("", "address of your WordPress site"),
        (42, "address of your WordPress site"),
    ],
)
def test_a_malformed_site_url_is_a_400_that_says_why(raw: object, why: str) -> None:
    with pytest.raises(MalformedRequest, match=why) as refused:
        parse_site_url(raw, PRODUCTION)
    assert refused.value.status == 400


def test_site_urls_are_normalised_and_http_is_allowed_in_development_only() -> None:
    assert parse_site_url("https://Shop.Example.COM:443/Store/", PRODUCTION) == "https://shop.example.com/Store"
    assert parse_site_url("https://exämple.com", PRODUCTION) == "https://xn--exmple-cua.com"
    assert parse_site_url("https://[::1]:8443", PRODUCTION) == "https://[::1]:8443"
    assert parse_site_url("http://127.0.0.1:8080/?q=1#x", DEVELOPMENT) == "http://127.0.0.1:8080"


def test_the_free_grant_key_is_the_host_whatever_the_scheme_port_or_path() -> None:
    keys = {
        site_key(parse_site_url(url, DEVELOPMENT))
        for url in (
            "https://shop.example.com",
            "http://shop.example.com/",
            "https://WWW.shop.example.com:8443/wp",
            "https://shop.example.com./blog",
        )
    }
    assert keys == {"shop.example.com"}
    assert site_key(parse_site_url("https://exämple.com", PRODUCTION)) == "xn--exmple-cua.com"
    assert site_key("https://other.example.com") != site_key("https://shop.example.com")
