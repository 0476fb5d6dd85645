"""Connecting a WooCommerce site through the web API, against the WooCommerce sandbox and other
servers on loopback: the outbound guard (addresses, redirects, bodies, unreachable sites), the
keys proved for read and write without changing the store, the free credits once per site, the
per-address limit on attempts and the connect form's CSRF token."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import date, timedelta

import asyncpg
import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer

from optimizer_app import credits, stores
from optimizer_app.auth.woocommerce import WooCredentials
from optimizer_app.outbound import NOT_PUBLIC, UNREACHABLE, OutboundPolicy, OutboundTransport, ResponseTooLarge
from optimizer_app.platforms.base import PlatformUnavailable
from optimizer_app.platforms.http import RetryPolicy
from optimizer_app.platforms.woocommerce import WooCommerceClient
from optimizer_app.settings import Settings
from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.woocommerce import create_lookalike_site, create_woocommerce_sandbox
from tests.factories import assert_ledger_balanced

KEY, SECRET = "ck_" + "5" * 40, "cs_" + "6" * 40
READ_KEY, READ_SECRET = "ck_" + "7" * 40, "cs_" + "8" * 40
WRITE_KEY, WRITE_SECRET = "ck_" + "9" * 40, "cs_" + "a" * 40
INTERNAL_BODY = b'{"message": "internal-only: db password hunter2"}'


@pytest.fixture
def woo() -> Iterator[LoopbackServer]:
    with LoopbackServer(create_woocommerce_sandbox(consumer_key=KEY, consumer_secret=SECRET)) as server:
        yield server


def keys(site_url: str, key: str = KEY, secret: str = SECRET) -> dict[str, str]:
    return {"site_url": site_url, "consumer_key": key, "consumer_secret": secret}


def sandbox_requests(site: LoopbackServer) -> int:
    return sum(httpx.get(f"{site.url}/_sandbox/stats").json()["requests"].values())


@pytest.fixture
async def guarded(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app as production runs it as far as addresses go: private ones are refused (http is
    still allowed, as in development, so that the loopback servers can be named)."""
    from optimizer_app.web.app import create_app

    refusing = replace(settings, outbound_allow_private=False, connect_attempts_per_10_minutes=0)
    with LoopbackServer(create_app(refusing)) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            yield client


async def test_every_spelling_of_a_loopback_or_private_address_is_refused_before_any_call(
    guarded: httpx.AsyncClient, woo: LoopbackServer
) -> None:
    port = woo.port
    addresses = [
        woo.url,
        f"http://localhost:{port}",
        f"http://2130706433:{port}",
        f"http://0x7f.1:{port}",
        f"http://017700000001:{port}",
        f"http://[::1]:{port}",
        f"http://0.0.0.0:{port}",
        f"http://[::ffff:127.0.0.1]:{port}",
        "http://169.254.169.254",
        "http://10.0.0.1",
        "http://[fe80::1]",
    ]
    for address in addresses:
        refused = await guarded.post("/api/woocommerce/connect", json=keys(address))
        assert refused.status_code == 400, address
        assert refused.json()["error"] == {"code": "address_refused", "message": NOT_PUBLIC}, address
    assert sandbox_requests(woo) == 0


async def test_malformed_addresses_are_400s_and_production_wants_https(
    guarded: httpx.AsyncClient, settings: Settings, woo: LoopbackServer
) -> None:
    for address, why in [
        (f"http://user@127.0.0.1:{woo.port}", "user name or password"),
        (f"http://user:pw@example.com@127.0.0.1:{woo.port}", "user name or password"),
        (woo.url + "\n", "line breaks"),
        ("http://xn--a.com", "not a valid domain name"),
        ("http://ex\u00e4mple..com", "not a valid domain name"),
    ]:
        refused = await guarded.post("/api/woocommerce/connect", json=keys(address))
        assert refused.status_code == 400 and why in refused.json()["error"]["message"], address
    from optimizer_app.web.app import create_app

    production = replace(settings, app_env="production", outbound_allow_private=False)
    with LoopbackServer(create_app(production)) as server:
        plain = httpx.post(f"{server.url}/api/woocommerce/connect", json=keys("http://shop.example.com"))
    assert plain.status_code == 400 and "https://" in plain.json()["error"]["message"]
    assert sandbox_requests(woo) == 0


async def test_the_connection_goes_to_the_checked_address_with_the_site_host_name(woo: LoopbackServer) -> None:
    """`shop.test` exists only in this resolver: the request reaches the sandbox because the
    socket is opened to the address the guard checked, not through a second lookup."""
    lookups: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    transport = OutboundTransport(OutboundPolicy(https_only=False, allow_private=True), resolve=resolve)
    async with httpx.AsyncClient(transport=transport) as client:
        answer = await client.get(f"http://shop.test:{woo.port}/_sandbox/stats")
    assert answer.status_code == 200 and lookups == ["shop.test"]

    refusing = OutboundTransport(OutboundPolicy(https_only=False), resolve=resolve)
    async with httpx.AsyncClient(transport=refusing) as client:
        with pytest.raises(Exception, match="public website"):
            await client.get(f"http://shop.test:{woo.port}/_sandbox/stats")


async def test_an_answer_larger_than_the_cap_is_not_read_into_memory() -> None:
    transport = OutboundTransport(OutboundPolicy(https_only=False, allow_private=True), max_response_bytes=4_096)
    async with httpx.AsyncClient(transport=transport) as client:
        with (
            LoopbackServer(create_lookalike_site(body=b"[" + b"0," * 5_000 + b"0]")) as large,
            pytest.raises(ResponseTooLarge),
        ):
            await client.get(large.url)
        with LoopbackServer(create_lookalike_site(body=b"[" + b"0," * 1_000 + b"0]")) as small:
            assert len((await client.get(small.url)).json()) == 1_001


async def test_the_guard_covers_every_call_to_a_connected_site_not_only_connect(
    api: httpx.AsyncClient, guarded: httpx.AsyncClient, woo: LoopbackServer
) -> None:
    connected = await api.post("/api/woocommerce/connect", json=keys(woo.url))
    assert connected.status_code == 201, connected.text
    headers = {"Authorization": f"Bearer {connected.json()['session']}"}
    before = sandbox_requests(woo)
    # The same store, served by an app that refuses private addresses: its catalog is not fetched.
    refused = await guarded.get("/api/products", headers=headers)
    assert refused.status_code == 400 and refused.json()["error"]["message"] == NOT_PUBLIC
    assert sandbox_requests(woo) == before


async def test_a_redirect_is_reported_not_followed(api: httpx.AsyncClient, woo: LoopbackServer) -> None:
    redirect = create_lookalike_site(status=302, body=b"", headers={"Location": f"{woo.url}/wp-json/wc/v3/products"})
    with LoopbackServer(redirect) as site:
        refused = await api.post("/api/woocommerce/connect", json=keys(site.url))
    assert refused.status_code == 422 and refused.json()["error"]["reason"] == "redirected"
    assert "redirect" in refused.json()["error"]["message"] and woo.url not in refused.text
    assert sandbox_requests(woo) == 0


@pytest.mark.parametrize("status", [200, 400, 401, 404, 500])
async def test_a_remote_body_is_never_copied_into_our_answer(api: httpx.AsyncClient, status: int) -> None:
    with LoopbackServer(create_lookalike_site(status=status, body=INTERNAL_BODY)) as site:
        refused = await api.post("/api/woocommerce/connect", json=keys(site.url))
    assert 400 <= refused.status_code < 600 and refused.json()["error"]["message"]
    assert b"hunter2" not in refused.content and b"internal-only" not in refused.content


async def test_every_unreachable_site_gets_the_same_sentence(api: httpx.AsyncClient) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]  # nothing listens once the socket is closed

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()  # accepts the connection, then closes it without a word

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    open_port = server.sockets[0].getsockname()[1]
    try:
        answers = [
            await api.post("/api/woocommerce/connect", json=keys(f"http://127.0.0.1:{port}"))
            for port in (closed_port, open_port)
        ]
    finally:
        server.close()
        await server.wait_closed()
    assert {(a.status_code, a.json()["error"]["message"]) for a in answers} == {(422, UNREACHABLE)}

    # A name that does not resolve (a resolver of our own: the test sends no query off this machine).
    async def no_such_name(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    transport = OutboundTransport(OutboundPolicy(https_only=False), resolve=no_such_name)
    async with httpx.AsyncClient(transport=transport) as http:
        site = WooCommerceClient(
            site_url="http://no-such-site.example",
            credentials=WooCredentials(KEY, SECRET),
            http=http,
            policy=RetryPolicy(max_retries=0),
        )
        with pytest.raises(PlatformUnavailable) as unreachable:
            await site.check()
    assert unreachable.value.message == UNREACHABLE


async def test_read_only_and_write_only_keys_are_refused_and_the_store_is_unchanged(
    api: httpx.AsyncClient, woo: LoopbackServer
) -> None:
    for key, secret, permission in [(READ_KEY, READ_SECRET, "read"), (WRITE_KEY, WRITE_SECRET, "write")]:
        added = {"consumer_key": key, "consumer_secret": secret, "permission": permission}
        httpx.post(f"{woo.url}/_sandbox/keys", json=added).raise_for_status()
    products = httpx.get(f"{woo.url}/_sandbox/products/101").json()
    read_only = await api.post("/api/woocommerce/connect", json=keys(woo.url, READ_KEY, READ_SECRET))
    assert read_only.status_code == 422 and read_only.json()["error"]["reason"] == "keys_read_only"
    assert "Read/Write" in read_only.json()["error"]["message"]
    write_only = await api.post("/api/woocommerce/connect", json=keys(woo.url, WRITE_KEY, WRITE_SECRET))
    assert write_only.status_code == 422 and write_only.json()["error"]["reason"] == "keys_refused"
    connected = await api.post("/api/woocommerce/connect", json=keys(woo.url))
    assert connected.status_code == 201
    stats = httpx.get(f"{woo.url}/_sandbox/stats").json()["requests"]
    assert stats["/wp-json/wc/v3/products/batch"] == 2  # the write proof of the read-only and the good keys
    assert httpx.get(f"{woo.url}/_sandbox/products/101").json() == products


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"[]", {}),  # an empty list without WooCommerce's paging headers
        (b'{"ok": true}', {"X-WP-Total": "0"}),
        (b"[]", {"X-WP-Total": "0"}),  # a list, but the write proof is answered [] too
        (b"<html>Welcome</html>", {"X-WP-Total": "1"}),
    ],
)
async def test_a_site_that_answers_200_to_anything_is_not_a_store(
    api: httpx.AsyncClient, pool: asyncpg.Pool, body: bytes, headers: dict[str, str]
) -> None:
    with LoopbackServer(create_lookalike_site(status=200, body=body, headers=headers)) as site:
        refused = await api.post("/api/woocommerce/connect", json=keys(site.url))
    assert refused.status_code == 422 and refused.json()["error"]["reason"] == "not_woocommerce"
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM stores") == 0


async def test_the_free_credits_are_granted_once_per_site(
    api: httpx.AsyncClient, pool: asyncpg.Pool, woo: LoopbackServer
) -> None:
    first = await api.post("/api/woocommerce/connect", json=keys(woo.url))
    headers = {"Authorization": f"Bearer {first.json()['session']}"}
    assert (await api.delete("/api/woocommerce/connect", headers=headers)).status_code == 200
    again = await api.post("/api/woocommerce/connect", json=keys(woo.url + "/"))
    assert again.json()["me"]["store"]["id"] == first.json()["me"]["store"]["id"]
    # The same host on another port (another address of the same site) is another store without credits.
    with LoopbackServer(create_woocommerce_sandbox(consumer_key=KEY, consumer_secret=SECRET)) as other:
        second = await api.post("/api/woocommerce/connect", json=keys(other.url))
    assert second.status_code == 201 and second.json()["me"]["credits"]["remaining"] == 0
    async with pool.acquire() as conn:
        grants = await conn.fetch("SELECT store_id, delta FROM credit_ledger WHERE reason = 'plan_grant'")
        assert [(g["store_id"], g["delta"]) for g in grants] == [(first.json()["me"]["store"]["id"], 100)]
        # The monthly reset does not refill it either while it stays on the free plan.
        later = date.today() + timedelta(days=40)
        await credits.reset_due_credits(conn, today=later)
        reset = await stores.get(conn, second.json()["me"]["store"]["id"])
    assert reset is not None and reset.credits_total == 0
    for store_id in (first.json()["me"]["store"]["id"], second.json()["me"]["store"]["id"]):
        await assert_ledger_balanced(pool, store_id)


async def test_two_stores_racing_for_one_sites_grant_get_it_once(pool: asyncpg.Pool) -> None:
    async def install(url: str) -> stores.Store:
        async with pool.acquire() as conn:
            return await stores.install(
                conn,
                platform="woocommerce",
                external_id=url,
                display_name="",
                today=date.today(),
                grant_key="a.example",
            )

    made = await asyncio.gather(*(install(f"https://a.example/{n}") for n in range(6)))
    assert sorted(s.credits_total for s in made) == [0, 0, 0, 0, 0, 100]


async def test_connect_attempts_are_limited_per_client_address(settings: Settings, woo: LoopbackServer) -> None:
    from optimizer_app.web.app import create_app

    with LoopbackServer(create_app(replace(settings, connect_attempts_per_10_minutes=3))) as server:
        answers = [
            httpx.post(f"{server.url}/api/woocommerce/connect", json=keys(woo.url, secret="cs_wrong")) for _ in range(4)
        ]
        form = httpx.post(f"{server.url}/app/woocommerce", data=keys(woo.url))
    assert [a.status_code for a in answers] == [422, 422, 422, 429]
    assert int(answers[3].headers["Retry-After"]) >= 60 and answers[3].json()["error"]["code"] == "rate_limited"
    assert form.status_code == 429
    assert httpx.get(f"{woo.url}/_sandbox/stats").json()["requests"]["/wp-json/wc/v3/products"] == 3


async def test_the_connect_api_takes_json_only(api: httpx.AsyncClient, woo: LoopbackServer) -> None:
    import json

    # A cross-site page can post text/plain without asking the browser first; it gets nothing.
    cross_site = await api.post(
        "/api/woocommerce/connect", content=json.dumps(keys(woo.url)), headers={"Content-Type": "text/plain"}
    )
    assert cross_site.status_code == 400 and "application/json" in cross_site.json()["error"]["message"]
    assert sandbox_requests(woo) == 0


async def test_the_connect_form_needs_its_csrf_token_and_cookie(
    api: httpx.AsyncClient, settings: Settings, woo: LoopbackServer
) -> None:
    page = await api.get("/app/woocommerce")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    forged = URLSafeTimedSerializer("not-our-key", salt="woocommerce-connect-form").dumps(api.cookies["oa_wc_connect"])
    for data in (keys(woo.url), {**keys(woo.url), "csrf_token": forged}, {**keys(woo.url), "csrf_token": "x"}):
        refused = await api.post("/app/woocommerce", data=data)
        # The form again, saying so in a sentence, keeping nothing another site could have posted.
        assert refused.status_code == 403 and "This form has expired" in refused.text
        assert woo.url not in refused.text and KEY not in refused.text
        last_refusal = refused
    # A valid token without this browser's cookie (posted from another site) is refused too.
    async with httpx.AsyncClient(base_url=str(api.base_url)) as other_browser:
        refused = await other_browser.post("/app/woocommerce", data={**keys(woo.url), "csrf_token": token})
    assert refused.status_code == 403
    assert sandbox_requests(woo) == 0
    # The page that said the form expired carries a fresh token (and cookie) to try again with.
    fresh = last_refusal.text.split('name="csrf_token" value="')[1].split('"')[0]
    opened = await api.post("/app/woocommerce", data={**keys(woo.url), "csrf_token": fresh})
    assert opened.status_code == 303 and "oa_wc_signin" in opened.headers["set-cookie"]
