"""The WooCommerce stand-in's answers against the examples WooCommerce and WordPress document
(tests/contracts/woocommerce/), and the client reading those documented examples."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from optimizer_app.auth.woocommerce import WooCredentials
from optimizer_app.platforms.woocommerce import WooCommerceClient, to_product
from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.woocommerce import create_lookalike_site, create_woocommerce_sandbox

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "woocommerce"
KEYS = WooCredentials("ck_" + "c" * 40, "cs_" + "d" * 40)
HTTPS = {"X-Forwarded-Proto": "https"}
AUTH = {"consumer_key": KEYS.consumer_key, "consumer_secret": KEYS.consumer_secret}
# What WooCommerceClient.to_product reads of a product.
CLIENT_READS = {"id", "name", "description", "short_description", "price", "categories", "images", "meta_data"}


def documented(name: str) -> Any:
    fixture = json.loads((CONTRACTS / name).read_text())
    assert fixture["source"], f"{name} names no source"
    return fixture["example"]


def json_type(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value) if value is None else "bool"
    return {int: "number", float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def mismatches(answer: Any, doc: Any, path: str = "$") -> list[str]:
    """Where `answer` strays from the documented example: a key the documentation does not have,
    or a value of another JSON type (documented nulls and empty lists accept anything)."""
    if doc is None:
        return []
    if json_type(answer) != json_type(doc):
        return [f"{path}: {json_type(answer)}, documented {json_type(doc)}"]
    if isinstance(answer, dict):
        found = []
        for key, value in answer.items():
            if key not in doc:
                found.append(f"{path}.{key}: not documented")
            else:
                found += mismatches(value, doc[key], f"{path}.{key}")
        return found
    if isinstance(answer, list) and doc:
        return [m for i, item in enumerate(answer) for m in mismatches(item, doc[0], f"{path}[{i}]")]
    return []


@pytest.fixture
def site() -> Iterator[LoopbackServer]:
    app = create_woocommerce_sandbox(consumer_key=KEYS.consumer_key, consumer_secret=KEYS.consumer_secret)
    with LoopbackServer(app) as s:
        yield s


def get(site: LoopbackServer, path: str, **params: str) -> httpx.Response:
    return httpx.get(f"{site.url}{path}", params={**AUTH, **params}, headers=HTTPS)


def test_the_contract_fixtures_name_their_sources() -> None:
    names = sorted(p.name for p in CONTRACTS.glob("*.json"))
    assert names == [
        "categories_list.json",
        "error.json",
        "product.json",
        "products_batch.json",
        "products_list.json",
        "rest_index.json",
        "webhook_product_created.json",
    ]
    for name in names:
        sources = json.loads((CONTRACTS / name).read_text())["source"]
        assert sources and all(s.startswith("https://") for s in sources), name


def with_yoast(product: dict[str, Any]) -> dict[str, Any]:
    """A documented WooCommerce product as a site with Yoast SEO answers it: Yoast adds
    `yoast_head_json` to the REST answers of every public post type
    (https://developer.yoast.com/customization/apis/rest-api/); its own shape is Yoast's, not
    WooCommerce's, and is checked where the client reads it."""
    return {**product, "yoast_head_json": None}


def test_products_lists_and_batches_have_the_documented_shapes(site: LoopbackServer) -> None:
    listed = get(site, "/wp-json/wc/v3/products", per_page="5")
    assert listed.status_code == 200 and {"x-wp-total", "x-wp-totalpages"} <= set(listed.headers)
    assert mismatches(listed.json(), [with_yoast(p) for p in documented("products_list.json")]) == []
    one = get(site, f"/wp-json/wc/v3/products/{listed.json()[0]['id']}")
    assert set(one.json()) >= CLIENT_READS
    assert mismatches(one.json(), with_yoast(documented("product.json"))) == []
    batch = httpx.post(
        f"{site.url}/wp-json/wc/v3/products/batch",
        params=AUTH,
        headers=HTTPS,
        json={"update": [{"id": listed.json()[0]["id"], "name": "Batched"}]},
    )
    batched = documented("products_batch.json")
    batched = {key: [with_yoast(p) for p in products] for key, products in batched.items()}
    assert mismatches(batch.json(), batched) == []


def test_categories_errors_and_the_index_have_the_documented_shapes(site: LoopbackServer) -> None:
    categories = get(site, "/wp-json/wc/v3/products/categories", per_page="100")
    assert mismatches(categories.json(), documented("categories_list.json")) == []
    missing = get(site, "/wp-json/wc/v3/products/999999")
    assert missing.status_code == 404 and missing.json()["data"]["status"] == 404
    assert mismatches(missing.json(), documented("error.json")) == []
    refused = httpx.get(f"{site.url}/wp-json/wc/v3/products")
    assert refused.status_code == 401 and mismatches(refused.json(), documented("error.json")) == []
    index = httpx.get(f"{site.url}/wp-json/")
    assert {"home", "url", "namespaces"} <= set(index.json())
    assert mismatches(index.json(), documented("rest_index.json")) == []


def test_the_client_reads_the_documented_product_and_index(site: LoopbackServer) -> None:
    product = to_product(documented("product.json"), "yoast")
    example = documented("product.json")
    assert (product.id, product.title) == (str(example["id"]), example["name"])
    assert product.description_html == example["description"]
    assert product.collection_ids == tuple(str(c["id"]) for c in example["categories"])
    assert product.image_url == example["images"][0]["src"]
    index = documented("rest_index.json")
    assert "yoast/v1" in index["namespaces"]


async def test_the_client_learns_the_plugin_and_home_from_an_index_shaped_as_documented() -> None:
    index = documented("rest_index.json")
    with LoopbackServer(create_lookalike_site(body=json.dumps(index).encode())) as wordpress:
        async with httpx.AsyncClient() as http:
            client = WooCommerceClient(site_url=wordpress.url, credentials=KEYS, http=http)
            learned = await client.learn_site()
    assert (learned.seo_plugin, learned.home) == ("yoast", "https://example.com")
