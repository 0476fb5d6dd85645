"""WooCommerce: the REST v3 client against the WooCommerce sandbox over loopback HTTP."""

from __future__ import annotations

import base64
import logging
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from optimizer_app import log_redaction
from optimizer_app.auth.woocommerce import WooCredentials, oauth1_params
from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.products import Product
from optimizer_app.platforms.base import PlatformAuthError, StorePlatformError
from optimizer_app.platforms.http import RetryPolicy
from optimizer_app.platforms.woocommerce import NoSeoPlugin, SiteFacts, SiteRedirected, WooCommerceClient
from optimizer_sandbox.runner import LoopbackServer, self_signed_tls
from optimizer_sandbox.woocommerce import create_woocommerce_sandbox

KEYS = WooCredentials("ck_" + "a" * 40, "cs_" + "b" * 40)
BASIC = "Basic " + base64.b64encode(f"{KEYS.consumer_key}:{KEYS.consumer_secret}".encode()).decode()


@pytest.fixture
def site() -> Iterator[LoopbackServer]:
    with LoopbackServer(
        create_woocommerce_sandbox(consumer_key=KEYS.consumer_key, consumer_secret=KEYS.consumer_secret)
    ) as s:
        yield s


@pytest.fixture
def site_with_many_categories() -> Iterator[LoopbackServer]:
    with LoopbackServer(
        create_woocommerce_sandbox(
            consumer_key=KEYS.consumer_key, consumer_secret=KEYS.consumer_secret, extra_categories=150
        )
    ) as s:
        yield s


@pytest.fixture
async def woo(site: LoopbackServer) -> AsyncIterator[WooCommerceClient]:
    async with httpx.AsyncClient() as http:
        yield WooCommerceClient(site_url=site.url, credentials=KEYS, http=http, policy=RetryPolicy(backoff_base=0.01))


def meta(site: LoopbackServer, product_id: str) -> dict[str, str]:
    raw = httpx.get(f"{site.url}/_sandbox/products/{product_id}").json()
    return {m["key"]: m["value"] for m in raw["meta_data"]}


async def test_paging_search_categories_and_lookup(woo: WooCommerceClient) -> None:
    await woo.check()
    ids: list[str] = []
    cursor = None
    while True:
        page = await woo.list_products(cursor=cursor, limit=25)
        ids.extend(p.id for p in page.products)
        assert page.total == 63
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(ids) == 63 == len(set(ids))
    found = await woo.list_products(query="hoodie")
    assert found.products and all("hoodie" in p.title.lower() for p in found.products)
    # Spaces and reserved characters in a signed query: the stand-in checks the signature the way
    # WooCommerce computes it, not with our signing code.
    odd = await woo.list_products(query="Hoodie with Logo & 100% cotton+")
    assert odd.products == []
    categories = await woo.list_collections()
    assert [c.name for c in categories] == ["Clothing", "Decor", "Kitchen", "Garden"]
    members = await woo.products_in_collection(categories[0].id)
    assert len(members.products) == categories[0].product_count
    got = await woo.get_products([*ids[:3], "999999"])
    assert sorted(p.id for p in got) == sorted(ids[:3])


@pytest.mark.parametrize(
    ("plugin", "title_key", "description_key"),
    [
        ("yoast", "_yoast_wpseo_title", "_yoast_wpseo_metadesc"),
        ("rank_math", "rank_math_title", "rank_math_description"),
    ],
)
async def test_seo_fields_go_to_the_keys_of_the_plugin_the_site_runs_whatever_a_product_holds(
    woo: WooCommerceClient, site: LoopbackServer, plugin: str, title_key: str, description_key: str
) -> None:
    httpx.patch(f"{site.url}/_sandbox/site", json={"seo_plugin": plugin}).raise_for_status()
    assert (await woo.learn_site()).seo_plugin == plugin
    products = (await woo.list_products(limit=100)).products
    # The seeded products hold Yoast keys, Rank Math keys or none, whatever the site runs.
    holding = {k for p in products[:12] for k in meta(site, p.id)}
    assert {"_yoast_wpseo_title", "rank_math_title"} <= holding
    single, *batched = products[:12]
    await woo.update_product(single, {Attribute.SEO_TITLE: f"SEO {single.id}", Attribute.TITLE: f"Name {single.id}"})
    outcomes = await woo.update_products(
        [(p, {Attribute.SEO_TITLE: f"SEO {p.id}", Attribute.SEO_DESCRIPTION: f"About {p.id}"}) for p in batched]
    )
    assert all(isinstance(o, Product) for o in outcomes)
    for product in products[:12]:
        shown = httpx.get(f"{site.url}/_sandbox/storefront/{product.id}").json()
        assert shown["title"] == f"SEO {product.id}"
        assert meta(site, product.id)[title_key] == f"SEO {product.id}"
    for product in batched:
        assert meta(site, product.id)[description_key] == f"About {product.id}"
        read = await woo.get_product(product.id)
        assert (read.seo_title, read.seo_description) == (f"SEO {product.id}", f"About {product.id}")
    assert (await woo.get_product(single.id)).title == f"Name {single.id}"


async def test_a_site_without_seo_plugin_gets_no_seo_field_written(
    woo: WooCommerceClient, site: LoopbackServer
) -> None:
    httpx.patch(f"{site.url}/_sandbox/site", json={"seo_plugin": None}).raise_for_status()
    index = httpx.get(f"{site.url}/wp-json/").json()
    assert "wc/v3" in index["namespaces"] and not {"yoast/v1", "rankmath/v1"} & set(index["namespaces"])
    assert (await woo.learn_site()).seo_plugin is None
    a, b = (await woo.list_products(limit=2)).products
    assert (a.seo_title, a.seo_description) == ("", "")
    before = meta(site, a.id)
    with pytest.raises(NoSeoPlugin, match="no SEO plugin"):
        await woo.update_product(a, {Attribute.SEO_TITLE: "Nobody reads this"})
    outcomes = await woo.update_products(
        [(a, {Attribute.SEO_DESCRIPTION: "Nobody reads this"}), (b, {Attribute.TITLE: "Renamed"})]
    )
    assert isinstance(outcomes[0], NoSeoPlugin) and isinstance(outcomes[1], Product)
    assert meta(site, a.id) == before
    assert httpx.get(f"{site.url}/_sandbox/products/{b.id}").json()["name"] == "Renamed"
    stats = httpx.get(f"{site.url}/_sandbox/stats").json()["requests"]
    assert f"/wp-json/wc/v3/products/{a.id}" not in stats


async def test_over_http_the_signature_is_built_on_the_home_url_the_index_reports(
    woo: WooCommerceClient, site: LoopbackServer
) -> None:
    # The owner typed 127.0.0.1; WordPress's home is localhost, and WooCommerce rebuilds the
    # signed URL from home (https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-over-http).
    home = site.url.replace("127.0.0.1", "localhost")
    httpx.patch(f"{site.url}/_sandbox/site", json={"home": home}).raise_for_status()
    with pytest.raises(PlatformAuthError):
        await woo.list_products(limit=1)
    assert (await woo.learn_site()).home == home
    await woo.check()
    assert (await woo.list_products(limit=1)).products


async def test_categories_are_read_past_the_first_hundred(site_with_many_categories: LoopbackServer) -> None:
    async with httpx.AsyncClient() as http:
        client = WooCommerceClient(site_url=site_with_many_categories.url, credentials=KEYS, http=http)
        categories = await client.list_collections()
    assert len(categories) == 154 == len({c.id for c in categories})
    assert categories[0].name == "Clothing" and categories[-1].name == "Collection 150"
    stats = httpx.get(f"{site_with_many_categories.url}/_sandbox/stats").json()["requests"]
    assert stats["/wp-json/wc/v3/products/categories"] == 2


async def test_a_redirect_after_connecting_is_reported_as_one_without_the_address(
    woo: WooCommerceClient, site: LoopbackServer
) -> None:
    await woo.check()
    httpx.patch(f"{site.url}/_sandbox/site", json={"redirect_to": "https://www.shop.example"}).raise_for_status()
    for call in (woo.list_products(limit=1), woo.list_collections(), woo.get_product("101")):
        with pytest.raises(SiteRedirected) as caught:
            await call
        assert caught.value.platform_code == "site_redirected" and caught.value.platform_status == 301
        assert "redirect" in caught.value.message and "shop.example" not in caught.value.message
        assert "127.0.0.1" not in caught.value.message


async def test_a_title_is_escaped_for_wordpress_and_read_back_as_the_same_text(
    woo: WooCommerceClient, site: LoopbackServer
) -> None:
    product = (await woo.list_products(limit=1)).products[0]
    text = "Shirt &lt;img src=x onerror=alert(1)&gt; <b> & co"
    await woo.update_product(product, {Attribute.TITLE: text})
    stored = httpx.get(f"{site.url}/_sandbox/products/{product.id}").json()["name"]
    assert "<" not in stored and stored == "Shirt &amp;lt;img src=x onerror=alert(1)&amp;gt; &lt;b&gt; &amp; co"
    assert (await woo.get_product(product.id)).title == text


async def test_batch_update_reports_each_item(woo: WooCommerceClient, site: LoopbackServer) -> None:
    a, b = (await woo.list_products(limit=2)).products
    outcomes = await woo.update_products(
        [(a, {Attribute.DESCRIPTION: "<p>A</p>"}), (replace(b, id="999999"), {Attribute.TITLE: "Ghost"})]
    )
    assert [type(o).__name__ for o in outcomes] == ["Product", "StorePlatformError"]
    assert httpx.get(f"{site.url}/_sandbox/products/{a.id}").json()["description"] == "<p>A</p>"
    stats = httpx.get(f"{site.url}/_sandbox/stats").json()["requests"]
    assert stats["/wp-json/wc/v3/products/batch"] == 1


async def test_server_errors_are_retried(woo: WooCommerceClient, site: LoopbackServer) -> None:
    httpx.post(
        f"{site.url}/_sandbox/faults", json={"path_prefix": "/wp-json/wc/v3/products", "status": 503, "count": 2}
    )
    assert (await woo.list_products(limit=5)).products


async def test_a_429_episode_waits_for_retry_after_then_succeeds(woo: WooCommerceClient, site: LoopbackServer) -> None:
    # WooCommerce itself has no REST rate limit; hosts and security plugins answer 429 with Retry-After.
    fault = {"path_prefix": "/wp-json/wc/v3/products", "status": 429, "count": 2, "retry_after": 0.3}
    httpx.post(f"{site.url}/_sandbox/faults", json=fault).raise_for_status()
    started = time.monotonic()
    page = await woo.list_products(limit=5)
    assert page.products
    assert time.monotonic() - started >= 0.6  # two waits of Retry-After, not the default backoff
    assert httpx.get(f"{site.url}/_sandbox/stats").json()["requests"]["/wp-json/wc/v3/products"] == 3


async def test_wrong_keys_are_refused(site: LoopbackServer) -> None:
    async with httpx.AsyncClient() as http:
        wrong = WooCommerceClient(site_url=site.url, credentials=replace(KEYS, consumer_secret="cs_wrong"), http=http)
        with pytest.raises(PlatformAuthError, match=r"refused the keys \(401\)"):
            await wrong.check()
        unknown = WooCommerceClient(site_url=site.url, credentials=replace(KEYS, consumer_key="ck_unknown"), http=http)
        with pytest.raises(PlatformAuthError, match=r"refused the keys \(401\)"):
            await unknown.check()


def test_basic_auth_only_over_https_and_nonces_only_once(site: LoopbackServer) -> None:
    url = f"{site.url}/wp-json/wc/v3/products"
    assert httpx.get(url, headers={"Authorization": BASIC}).status_code == 401
    assert httpx.get(url, headers={"Authorization": BASIC, "X-Forwarded-Proto": "https"}).status_code == 200
    signed = oauth1_params("GET", url, {}, KEYS, nonce="n-1", timestamp=int(time.time()))
    assert httpx.get(url, params=signed).status_code == 200
    replay = httpx.get(url, params=signed)
    assert replay.status_code == 401 and "nonce" in replay.json()["message"]
    stale = oauth1_params("GET", url, {}, KEYS, nonce="n-2", timestamp=int(time.time()) - 3600)
    assert httpx.get(url, params=stale).json()["code"] == "woocommerce_rest_authentication_error"
    sha1 = oauth1_params("GET", url, {}, KEYS, nonce="n-3", timestamp=int(time.time()), signature_method="HMAC-SHA1")
    assert httpx.get(url, params=sha1).status_code == 200


async def test_a_bad_update_is_a_readable_error(woo: WooCommerceClient) -> None:
    product = (await woo.list_products(limit=1)).products[0]
    with pytest.raises(StorePlatformError, match="WooCommerce answered 400"):
        await woo.update_product(product, {Attribute.TITLE: "  "})


def test_over_https_the_keys_may_ride_in_the_query_string(site: LoopbackServer) -> None:
    # https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-over-https
    url = f"{site.url}/wp-json/wc/v3/products"
    https = {"X-Forwarded-Proto": "https"}
    in_query = {"consumer_key": KEYS.consumer_key, "consumer_secret": KEYS.consumer_secret}
    assert httpx.get(url, params=in_query, headers=https).status_code == 200
    wrong = httpx.get(url, params={**in_query, "consumer_secret": "cs_wrong"}, headers=https)
    assert wrong.status_code == 401 and wrong.json()["message"] == "Consumer secret is invalid."
    plain = httpx.get(url, params=in_query)
    assert plain.status_code == 401 and plain.json()["code"] == "woocommerce_rest_cannot_view"
    anonymous = httpx.get(url, headers=https)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "woocommerce_rest_cannot_view"
    reader = {"consumer_key": "ck_" + "r" * 40, "consumer_secret": "cs_" + "r" * 40, "permission": "read"}
    httpx.post(f"{site.url}/_sandbox/keys", json=reader).raise_for_status()
    reader_query = {k: reader[k] for k in ("consumer_key", "consumer_secret")}
    assert httpx.get(url, params=reader_query, headers=https).status_code == 200
    write = httpx.post(f"{url}/batch", params=reader_query, headers=https, json={"update": []})
    assert write.status_code == 401 and "write permissions" in write.json()["message"]


def test_a_host_that_strips_authorization_takes_keys_only_from_the_query(site: LoopbackServer) -> None:
    url = f"{site.url}/wp-json/wc/v3/products"
    https_basic = {"X-Forwarded-Proto": "https", "Authorization": BASIC}
    assert httpx.get(url, headers=https_basic).status_code == 200
    stripping = httpx.patch(f"{site.url}/_sandbox/host", json={"strips_authorization": True})
    assert stripping.json() == {"strips_authorization": True}
    refused = httpx.get(url, headers=https_basic)
    assert refused.status_code == 401 and refused.json()["code"] == "woocommerce_rest_cannot_view"
    in_query = {"consumer_key": KEYS.consumer_key, "consumer_secret": KEYS.consumer_secret}
    assert httpx.get(url, params=in_query, headers={"X-Forwarded-Proto": "https"}).status_code == 200
    httpx.patch(f"{site.url}/_sandbox/host", json={"strips_authorization": False}).raise_for_status()
    assert httpx.get(url, headers=https_basic).status_code == 200


async def test_the_client_signs_in_the_query_so_a_host_that_strips_authorization_still_answers(
    woo: WooCommerceClient, site: LoopbackServer
) -> None:
    httpx.patch(f"{site.url}/_sandbox/host", json={"strips_authorization": True}).raise_for_status()
    await woo.check()
    product = (await woo.list_products(limit=1)).products[0]
    await woo.update_product(product, {Attribute.TITLE: "Renamed"})
    assert httpx.get(f"{site.url}/_sandbox/products/{product.id}").json()["name"] == "Renamed"


def test_the_host_switch_takes_a_boolean_only(site: LoopbackServer) -> None:
    bodies: list[object] = [{"strips_authorization": "yes"}, {}, []]
    for body in bodies:
        refused = httpx.patch(f"{site.url}/_sandbox/host", json=body)
        assert refused.status_code == 400 and refused.json()["code"] == "sandbox_invalid_host"
    garbled = httpx.patch(f"{site.url}/_sandbox/host", content=b"{", headers={"content-type": "application/json"})
    assert garbled.status_code == 400
    still = httpx.get(
        f"{site.url}/wp-json/wc/v3/products", headers={"X-Forwarded-Proto": "https", "Authorization": BASIC}
    )
    assert still.status_code == 200


def test_a_key_is_added_only_with_a_key_a_secret_and_a_known_permission(site: LoopbackServer) -> None:
    bodies: list[object] = [{"consumer_key": "ck_x"}, {"consumer_key": "ck_x", "consumer_secret": 7}, [], {}]
    for body in bodies:
        refused = httpx.post(f"{site.url}/_sandbox/keys", json=body)
        assert refused.status_code == 400 and refused.json()["code"] == "sandbox_invalid_key", body
    odd = httpx.post(
        f"{site.url}/_sandbox/keys", json={"consumer_key": "ck_x", "consumer_secret": "cs_x", "permission": "all"}
    )
    assert odd.status_code == 400 and odd.json()["code"] == "sandbox_invalid_permission"
    tried = {"consumer_key": "ck_x", "consumer_secret": "cs_x"}
    answer = httpx.get(f"{site.url}/wp-json/wc/v3/products", params=tried, headers={"X-Forwarded-Proto": "https"})
    assert answer.status_code == 401 and answer.json()["message"] == "Consumer secret is invalid."


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[tuple[LoopbackServer, ssl.SSLContext]]:
    """The sandbox served over HTTPS on loopback with a certificate made for the run; only the
    test's client trusts it."""
    tls = self_signed_tls(tmp_path)
    app = create_woocommerce_sandbox(consumer_key=KEYS.consumer_key, consumer_secret=KEYS.consumer_secret)
    with LoopbackServer(app, tls=tls) as server:
        yield server, ssl.create_default_context(cafile=str(tls.certfile))


async def test_over_https_a_host_that_strips_authorization_gets_the_keys_in_the_query_from_then_on(
    tls_site: tuple[LoopbackServer, ssl.SSLContext], caplog: pytest.LogCaptureFixture
) -> None:
    site, trust = tls_site
    log_redaction.install()
    caplog.set_level(logging.INFO, logger="httpx")
    async with httpx.AsyncClient(verify=trust) as http:
        httpx.patch(f"{site.url}/_sandbox/host", json={"strips_authorization": True}, verify=trust).raise_for_status()
        learned: list[SiteFacts] = []

        async def remember(facts: SiteFacts) -> None:
            learned.append(facts)

        client = WooCommerceClient(site_url=site.url, credentials=KEYS, http=http, remember=remember)
        await client.check()
        assert client.site.keys_in_query and learned == [client.site]
        product = (await client.list_products(limit=1)).products[0]
        await client.update_product(product, {Attribute.TITLE: "Over TLS"})
        stats = httpx.get(f"{site.url}/_sandbox/stats", verify=trust).json()["requests"]
        # One refused try with the header, then every call straight with the keys in the query.
        assert stats["/wp-json/wc/v3/products"] == 3 and stats[f"/wp-json/wc/v3/products/{product.id}"] == 1
        assert learned == [client.site]

        # A store that remembered it starts there; wrong keys are still refused, and not remembered.
        remembered = WooCommerceClient(site_url=site.url, credentials=KEYS, http=http, site=client.site)
        assert (await remembered.list_products(limit=1)).products
        wrong = WooCommerceClient(
            site_url=site.url, credentials=replace(KEYS, consumer_secret="cs_wrong"), http=http, remember=remember
        )
        with pytest.raises(PlatformAuthError) as refused:
            await wrong.check()
        assert not wrong.site.keys_in_query and len(learned) == 1
        assert site.url not in str(refused.value) and "cs_wrong" not in str(refused.value)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "consumer_secret=" in logged and KEYS.consumer_secret not in logged and KEYS.consumer_key not in logged


async def test_over_https_a_host_that_passes_authorization_keeps_basic_auth(
    tls_site: tuple[LoopbackServer, ssl.SSLContext],
) -> None:
    site, trust = tls_site
    async with httpx.AsyncClient(verify=trust) as http:
        client = WooCommerceClient(site_url=site.url, credentials=KEYS, http=http)
        await client.check()
        assert not client.site.keys_in_query
    assert httpx.get(f"{site.url}/_sandbox/stats", verify=trust).json()["requests"]["/wp-json/wc/v3/products"] == 1


def test_the_site_switch_takes_only_known_plugins_and_addresses(site: LoopbackServer) -> None:
    bodies: list[object] = [{}, [], {"seo_plugin": "aioseo"}, {"home": "ftp://x"}, {"redirect_to": 7}, {"theme": "x"}]
    for body in bodies:
        refused = httpx.patch(f"{site.url}/_sandbox/site", json=body)
        assert refused.status_code == 400 and refused.json()["code"] == "sandbox_invalid_site", body
    switched = httpx.patch(f"{site.url}/_sandbox/site", json={"seo_plugin": "rank_math"}).json()
    assert switched == {"home": None, "redirect_to": None, "seo_plugin": "rank_math"}
    assert "rankmath/v1" in httpx.get(f"{site.url}/wp-json/").json()["namespaces"]
