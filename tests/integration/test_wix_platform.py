"""The Wix client against the Wix sandbox over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import date

import httpx
import pytest

from optimizer_app.auth import wix as wix_auth
from optimizer_app.domain.attributes import Attribute
from optimizer_app.platforms import wix as wix_platform
from optimizer_app.platforms.base import (
    PlatformAuthError,
    PlatformUnavailable,
    ProductNotFound,
    StaleRevision,
    StorePlatformError,
)
from optimizer_app.platforms.http import RetryPolicy
from optimizer_app.platforms.wix import StoresNotInstalled, WixClient
from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.wix import create_wix_sandbox
from tests.contracts import example, shape_mismatches
from tests.integration.conftest import WIX_APP_ID, WIX_APP_SECRET

INSTANCE = "8f7c2d1e-0000-4000-8000-000000000001"


class MintingTokens:
    """A TokenSource that mints with the real OAuth call and counts how often."""

    def __init__(self, http: httpx.AsyncClient, api_base: str) -> None:
        self.http, self.api_base = http, api_base
        self.token: str | None = None
        self.mints = 0

    async def get(self) -> str:
        return self.token or await self.refresh()

    async def refresh(self) -> str:
        self.mints += 1
        minted = await wix_auth.mint_access_token(
            self.http, api_base=self.api_base, app_id=WIX_APP_ID, app_secret=WIX_APP_SECRET, instance_id=INSTANCE
        )
        self.token = minted.token
        return self.token


@pytest.fixture
def sandbox() -> Iterator[LoopbackServer]:
    with LoopbackServer(
        create_wix_sandbox(app_id=WIX_APP_ID, app_secret=WIX_APP_SECRET, rate_limit_per_minute=1000)
    ) as s:
        yield s


@pytest.fixture
def catalog() -> str:
    """The site's catalog version; tests that hold for both catalogs parametrise it."""
    return "V3_CATALOG"


BOTH_CATALOGS = pytest.mark.parametrize("catalog", ["V3_CATALOG", "V1_CATALOG"])


@pytest.fixture
async def client(sandbox: LoopbackServer, catalog: str) -> AsyncIterator[tuple[WixClient, MintingTokens]]:
    site = f"{sandbox.url}/_sandbox/instances/{INSTANCE}/site"
    httpx.patch(site, json={"catalogVersion": catalog}).raise_for_status()
    async with httpx.AsyncClient() as http:
        tokens = MintingTokens(http, sandbox.url)
        yield WixClient(api_base=sandbox.url, tokens=tokens, http=http, policy=RetryPolicy(backoff_base=0.01)), tokens


def raw(sandbox: LoopbackServer, product_id: str) -> dict[str, object]:
    product: dict[str, object] = httpx.get(f"{sandbox.url}/_sandbox/instances/{INSTANCE}/products/{product_id}").json()[
        "product"
    ]
    return product


def fault(sandbox: LoopbackServer, **spec: object) -> None:
    httpx.post(f"{sandbox.url}/_sandbox/faults", json=spec).raise_for_status()


@BOTH_CATALOGS
async def test_paging_reads_every_product_once(client: tuple[WixClient, MintingTokens]) -> None:
    wix, _ = client
    ids: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await wix.list_products(cursor=cursor, limit=30)
        ids.extend(p.id for p in page.products)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 7 and len(ids) == 200 == len(set(ids))


@BOTH_CATALOGS
async def test_search_collections_and_products_of_a_collection(client: tuple[WixClient, MintingTokens]) -> None:
    wix, _ = client
    found = await wix.list_products(query="linen", limit=100)
    assert found.products and all("linen" in (p.title + p.description_html).lower() for p in found.products)
    collections = await wix.list_collections()
    assert len(collections) == 9 and "Archive" in {c.name for c in collections}  # the hidden one too
    biggest = max(collections, key=lambda c: c.product_count or 0)
    members: list[str] = []
    cursor = None
    while True:
        page = await wix.products_in_collection(biggest.id, cursor=cursor, limit=10)
        members.extend(p.id for p in page.products)
        assert all(biggest.id in p.collection_ids for p in page.products)
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(members) == biggest.product_count == len(set(members))


@BOTH_CATALOGS
async def test_get_products_in_batches_leaves_unknown_ids_out(client: tuple[WixClient, MintingTokens]) -> None:
    wix, _ = client
    page = await wix.list_products(limit=100)
    second = await wix.list_products(cursor=page.next_cursor, limit=100)
    wanted = [p.id for p in page.products + second.products] + ["no-such-id"]
    got = await wix.get_products(wanted)
    assert {p.id for p in got} == set(wanted) - {"no-such-id"}
    with pytest.raises(ProductNotFound):
        await wix.get_product("no-such-id")


@BOTH_CATALOGS
async def test_update_writes_the_mapped_fields_and_keeps_other_seo_tags(
    client: tuple[WixClient, MintingTokens], sandbox: LoopbackServer
) -> None:
    wix, _ = client
    products = (await wix.list_products(limit=100)).products
    product = next(p for p in products if p.seo_title)  # has both SEO tags already
    updated = await wix.update_product(
        product,
        {Attribute.TITLE: "New name", Attribute.DESCRIPTION: "<p>New</p>", Attribute.SEO_DESCRIPTION: "New meta"},
    )
    stored = raw(sandbox, product.id)
    assert (stored["name"], stored["plainDescription"]) == ("New name", "<p>New</p>")
    assert updated.seo_description == "New meta" and updated.seo_title == product.seo_title
    if product.revision is not None:  # V1 products have no revision
        assert int(str(stored["revision"])) == int(product.revision) + 1 == int(updated.revision or 0)


async def test_a_stale_revision_is_reported(client: tuple[WixClient, MintingTokens]) -> None:
    wix, _ = client
    product = (await wix.list_products(limit=1)).products[0]
    await wix.update_product(product, {Attribute.TITLE: "First writer"})
    with pytest.raises(StaleRevision):
        await wix.update_product(product, {Attribute.TITLE: "Second writer"})
    with pytest.raises(StorePlatformError):
        await wix.update_product(replace(product, revision=None), {Attribute.TITLE: "No revision"})


async def test_a_rate_limit_episode_ends_in_success_without_losing_the_write(
    client: tuple[WixClient, MintingTokens], sandbox: LoopbackServer
) -> None:
    wix, _ = client
    product = (await wix.list_products(limit=1)).products[0]
    fault(sandbox, path_prefix="/stores/v3/products/", status=429, count=3, retry_after=0.05)
    await wix.update_product(product, {Attribute.TITLE: "After the storm"})
    stored = raw(sandbox, product.id)
    assert stored["name"] == "After the storm"
    assert stored["revision"] == str(int(product.revision or 0) + 1)


async def test_server_errors_beyond_the_retries_are_unavailable(
    client: tuple[WixClient, MintingTokens], sandbox: LoopbackServer
) -> None:
    wix, _ = client
    fault(sandbox, path_prefix="/stores/v3/products/query", status=503, count=10)
    with pytest.raises(PlatformUnavailable):
        await wix.list_products()
    stats = httpx.get(f"{sandbox.url}/_sandbox/stats").json()["requests"]
    assert stats["/stores/v3/products/query"] == wix.policy.max_retries + 1


@BOTH_CATALOGS
async def test_an_expired_token_is_refreshed_once(
    client: tuple[WixClient, MintingTokens], sandbox: LoopbackServer
) -> None:
    wix, tokens = client
    await wix.list_products(limit=1)
    httpx.post(f"{sandbox.url}/_sandbox/tokens/expire").raise_for_status()
    page = await wix.list_products(limit=1)
    assert page.products and tokens.mints == 2


async def test_bulk_update_reports_each_item(client: tuple[WixClient, MintingTokens], sandbox: LoopbackServer) -> None:
    wix, _ = client
    a, b, c = (await wix.list_products(limit=3)).products
    outcomes = await wix.update_products(
        [
            (a, {Attribute.TITLE: "Bulk A"}),
            (replace(b, revision="999"), {Attribute.TITLE: "Bulk B"}),
            (c, {Attribute.SEO_TITLE: "Bulk C"}),
        ]
    )
    assert [type(o).__name__ for o in outcomes] == ["Product", "StaleRevision", "Product"]
    assert raw(sandbox, a.id)["name"] == "Bulk A" and raw(sandbox, b.id)["name"] == b.title


async def test_the_sandbox_limits_each_instance_to_its_rate() -> None:
    app = create_wix_sandbox(app_id=WIX_APP_ID, app_secret=WIX_APP_SECRET, rate_limit_per_minute=5)
    with LoopbackServer(app) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            minted = await wix_auth.mint_access_token(
                http, api_base=server.url, app_id=WIX_APP_ID, app_secret=WIX_APP_SECRET, instance_id=INSTANCE
            )
            statuses = []
            for _ in range(7):
                res = await http.post(
                    "/stores/v3/products/query",
                    json={"query": {"cursorPaging": {"limit": 1}}},
                    headers={"Authorization": f"Bearer {minted.token}"},
                )
                statuses.append(res.status_code)
            assert statuses == [200] * 5 + [429, 429]
            assert "retry-after" not in res.headers  # Wix documents no rate-limit header
            assert res.json()["details"]["applicationError"]["code"] == "TOO_MANY_REQUESTS"
            other = await wix_auth.mint_access_token(
                http, api_base=server.url, app_id=WIX_APP_ID, app_secret=WIX_APP_SECRET, instance_id="another-site"
            )
            res = await http.post(
                "/stores/v3/products/query",
                json={"query": {"cursorPaging": {"limit": 1}}},
                headers={"Authorization": other.token},
            )
            assert res.status_code == 200  # another instance has its own budget
            with pytest.raises(PlatformAuthError):
                await wix_auth.mint_access_token(
                    http, api_base=server.url, app_id=WIX_APP_ID, app_secret="wrong", instance_id=INSTANCE
                )


async def test_the_catalog_version_is_asked_once_and_remembered(sandbox: LoopbackServer) -> None:
    httpx.patch(f"{sandbox.url}/_sandbox/instances/{INSTANCE}/site", json={"catalogVersion": "V1_CATALOG"})
    remembered: list[str] = []

    async def remember(version: str) -> None:
        remembered.append(version)

    async with httpx.AsyncClient() as http:
        wix = WixClient(
            api_base=sandbox.url, tokens=MintingTokens(http, sandbox.url), http=http, remember_version=remember
        )
        await wix.list_products(limit=5)
        await wix.list_collections()
    assert remembered == ["V1_CATALOG"]
    stats = httpx.get(f"{sandbox.url}/_sandbox/stats").json()["requests"]
    assert stats["/stores/v3/provision/version"] == 1 and "/stores/v3/products/query" not in stats


async def test_a_428_asks_the_version_again_instead_of_reporting_a_stale_revision(sandbox: LoopbackServer) -> None:
    # Remembered as V3, but the site answers V3 calls with 428 (it is on V1).
    httpx.patch(f"{sandbox.url}/_sandbox/instances/{INSTANCE}/site", json={"catalogVersion": "V1_CATALOG"})
    remembered: list[str] = []

    async def remember(version: str) -> None:
        remembered.append(version)

    async with httpx.AsyncClient() as http:
        wix = WixClient(
            api_base=sandbox.url,
            tokens=MintingTokens(http, sandbox.url),
            http=http,
            catalog_version="V3_CATALOG",
            remember_version=remember,
        )
        page = await wix.list_products(limit=5)
    assert len(page.products) == 5 and remembered == ["V1_CATALOG"]


async def test_a_site_without_wix_stores_is_told_plainly(sandbox: LoopbackServer) -> None:
    httpx.patch(f"{sandbox.url}/_sandbox/instances/{INSTANCE}/site", json={"catalogVersion": "STORES_NOT_INSTALLED"})
    async with httpx.AsyncClient() as http:
        wix = WixClient(api_base=sandbox.url, tokens=MintingTokens(http, sandbox.url), http=http)
        with pytest.raises(StoresNotInstalled) as raised:
            await wix.list_products()
        assert not isinstance(raised.value, StaleRevision)
        assert raised.value.status == 409 and "Wix Stores is not installed" in raised.value.message
        # Not remembered: the owner may add Wix Stores any time.
        assert wix.catalog_version is None


async def test_categories_are_paged_beyond_100(
    client: tuple[WixClient, MintingTokens], sandbox: LoopbackServer
) -> None:
    wix, _ = client
    httpx.post(f"{sandbox.url}/_sandbox/instances/{INSTANCE}/categories", json={"count": 150}).raise_for_status()
    collections = await wix.list_collections()
    assert len(collections) == 159 == len({c.id for c in collections})
    stats = httpx.get(f"{sandbox.url}/_sandbox/stats").json()["requests"]
    assert stats["/categories/v1/categories/query"] == 2


async def test_query_products_refuses_the_category_filter_that_search_takes(sandbox: LoopbackServer) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        token = await MintingTokens(http, sandbox.url).get()
        flt = {"allCategoriesInfo.categories": {"$matchItems": [{"id": {"$in": ["any"]}}]}}
        headers = {"Authorization": token}
        query = await http.post("/stores/v3/products/query", json={"query": {"filter": flt}}, headers=headers)
        search = await http.post("/stores/v3/products/search", json={"search": {"filter": flt}}, headers=headers)
    assert query.status_code == 400 and "Search Products" in query.json()["message"]
    assert search.status_code == 200


async def test_the_sandbox_refuses_seo_data_outside_wixs_schema(
    client: tuple[WixClient, MintingTokens], sandbox: LoopbackServer
) -> None:
    wix, _ = client
    product = (await wix.list_products(limit=1)).products[0]
    current = raw(sandbox, product.id)
    bad_bodies: list[object] = [
        "title",
        {"tags": {"type": "title"}},
        {"tags": [{"children": "no type"}]},
        {"tags": [{"type": "title", "children": 5}]},
        {"tags": [{"type": "title", "custom": "yes"}]},
        {"tags": [{"type": "meta", "props": "description"}]},
        {"settings": []},
    ]
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        token = await MintingTokens(http, sandbox.url).get()
        for seo in bad_bodies:
            res = await http.patch(
                f"/stores/v3/products/{product.id}",
                json={"product": {"id": product.id, "revision": current["revision"], "seoData": seo}},
                headers={"Authorization": token},
            )
            assert res.status_code == 400, seo
    assert raw(sandbox, product.id) == current


@pytest.mark.parametrize(
    ("catalog", "path", "fixture"), [("V3_CATALOG", "v3", "product_v3"), ("V1_CATALOG", "v1", "product_v1")]
)
async def test_the_sandbox_answers_products_in_the_documented_shape(
    client: tuple[WixClient, MintingTokens], sandbox: LoopbackServer, path: str, fixture: str
) -> None:
    _, tokens = client
    headers = {"Authorization": await tokens.get()}
    if path == "v3":
        body = {"query": {"cursorPaging": {"limit": 100}}, "fields": wix_platform._FIELDS}
    else:
        body = {"query": {"paging": {"limit": 100}}}
    products = httpx.post(f"{sandbox.url}/stores/{path}/products/query", json=body, headers=headers).json()["products"]
    full = next(p for p in products if p.get("ribbon") and p.get("brand") and p["seoData"]["tags"])
    assert shape_mismatches(example("wix", fixture), full) == []


@pytest.mark.parametrize("version", ["V1_CATALOG", "V3_CATALOG", "STORES_NOT_INSTALLED"])
async def test_the_sandbox_reports_the_catalog_version_as_documented(sandbox: LoopbackServer, version: str) -> None:
    httpx.patch(f"{sandbox.url}/_sandbox/instances/{INSTANCE}/site", json={"catalogVersion": version})
    async with httpx.AsyncClient() as http:
        token = await MintingTokens(http, sandbox.url).get()
        answer = (await http.get(f"{sandbox.url}/stores/v3/provision/version", headers={"Authorization": token})).json()
    assert answer == example("wix", f"provision_version_{version.lower()}")


async def test_the_app_instance_tells_the_end_of_the_paid_cycle(sandbox: LoopbackServer) -> None:
    documented = example("wix", "app_instance")
    site = f"{sandbox.url}/_sandbox/instances/{INSTANCE}/site"
    httpx.patch(site, json={"billing": documented["instance"]["billing"]}).raise_for_status()
    async with httpx.AsyncClient() as http:
        token = await MintingTokens(http, sandbox.url).get()
        answer = (await http.get(f"{sandbox.url}/apps/v1/instance", headers={"Authorization": token})).json()
        info = await wix_auth.site_info(http, api_base=sandbox.url, access_token=token)
    assert shape_mismatches(documented, answer) == []
    assert info.paid_until == date(2027, 1, 10)


def test_a_fault_the_stand_in_cannot_read_is_refused(sandbox: LoopbackServer) -> None:
    for body in ({"status": "many"}, {"count": None}, {"retry_after": "soon"}, [1]):
        assert httpx.post(f"{sandbox.url}/_sandbox/faults", json=body).status_code == 400, body
    assert httpx.post(f"{sandbox.url}/_sandbox/faults", json={"status": 503}).json() == {"queued": True}
