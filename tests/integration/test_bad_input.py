"""Bad input is a 4xx JSON answer that changes nothing: ids beyond bigint, NUL characters, deep
JSON, huge numbers, a cursor the platform refuses, a language the app does not offer, and a
collection job the balance cannot cover; over real HTTP, PostgreSQL and the Wix sandbox."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_sandbox.runner import LoopbackServer
from tests.integration.conftest import new_site

BEYOND_BIGINT = str(2**63)
HUGE = "9" * 5000


async def _store_id(api: httpx.AsyncClient, headers: dict[str, str]) -> int:
    me = await api.get("/api/me", headers=headers)
    assert me.status_code == 200, me.text
    store_id: int = me.json()["store"]["id"]
    return store_id


def _assert_400(res: httpx.Response) -> None:
    assert res.status_code == 400, (res.request.url, res.text)
    assert res.json()["error"]["code"] == "malformed_request"


@pytest.mark.parametrize("number", [BEYOND_BIGINT, HUGE])
async def test_ids_beyond_bigint_in_paths_and_queries_are_400(api: httpx.AsyncClient, number: str) -> None:
    headers = new_site().headers
    await _store_id(api, headers)
    for method, url, body in [
        ("GET", f"/api/jobs/{number}", None),
        ("GET", f"/api/jobs/{number}/items", None),
        ("POST", f"/api/jobs/{number}/cancel", None),
        ("PATCH", f"/api/items/{number}", {"after": "New title"}),
        ("POST", f"/api/publish-logs/{number}/revert", None),
        ("POST", f"/api/items/{number}/review", {"decision": "accept"}),
        ("POST", f"/api/items/{number}/regenerate", None),
        ("POST", f"/api/jobs/{number}/revert", None),
        ("GET", f"/api/jobs?before={number}", None),
        ("GET", f"/api/jobs/1/items?after={number}", None),
        ("GET", f"/api/publish-logs?before={number}", None),
    ]:
        _assert_400(await api.request(method, url, headers=headers, json=body))
    raw = f'{{"item_ids": [{number}]}}'.encode()
    _assert_400(await api.post("/api/publish", headers={**headers, "content-type": "application/json"}, content=raw))
    raw = f'{{"log_ids": [{number}]}}'.encode()
    _assert_400(
        await api.post("/api/publish-logs/revert", headers={**headers, "content-type": "application/json"}, content=raw)
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 10_000 + b"]" * 10_000,
        b'{"source_scope":' + b'{"a":' * 10_000 + b"1" + b"}" * 10_001,
        b'{"source_scope": "products", "source_ids": ["1"], "attributes": ["title"], "n": ' + HUGE.encode() + b"}",
        b'{"source_scope": "products", "source_ids": ["a\\u0000b"], "attributes": ["title"]}',
        b'{"source_scope": "products", "source_ids": ["1"], "attributes": ["title"], "user_prompt": "x\\u0000"}',
        b'{"source_scope": "products", "source_ids": ["1"], "attributes": ["title"], "n": NaN}',
        b'{"source_scope": "products", "source_ids": ["1"], "attributes": ["title"], "\\u0000": 1}',
    ],
)
async def test_deep_json_nul_characters_and_huge_numbers_are_400(
    api: httpx.AsyncClient, pool: asyncpg.Pool, raw: bytes
) -> None:
    headers = {**new_site().headers, "content-type": "application/json"}
    _assert_400(await api.post("/api/jobs", headers=headers, content=raw))
    _assert_400(await api.put("/api/settings", headers=headers, content=raw))
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM jobs") == 0


async def test_nul_characters_in_query_text_and_settings_are_400(api: httpx.AsyncClient) -> None:
    headers = new_site().headers
    _assert_400(await api.get("/api/products", headers=headers, params={"q": "shirt\x00"}))
    _assert_400(await api.get("/api/products", headers=headers, params={"cursor": "\x00"}))
    _assert_400(await api.put("/api/settings", headers=headers, json={"default_language": "en\x00"}))
    _assert_400(await api.post("/api/brand-voices", headers=headers, json={"name": "Warm", "tone": "warm\x00"}))
    assert (await api.get("/api/brand-voices", headers=headers)).json()["voices"] == []


async def test_a_paging_cursor_the_platform_refuses_is_the_callers_400(api: httpx.AsyncClient) -> None:
    headers = new_site().headers
    res = await api.get("/api/products", headers=headers, params={"cursor": "not-a-cursor"})
    _assert_400(res)
    assert res.json()["error"]["message"] == "The paging cursor is not valid; start again from the first page."


@pytest.mark.parametrize("lang", ["zzz", "english!", "ja", ""])
async def test_a_language_the_app_does_not_offer_is_400_and_charges_nothing(
    api: httpx.AsyncClient, pool: asyncpg.Pool, lang: str
) -> None:
    headers = new_site().headers
    products = (await api.get("/api/products?limit=2", headers=headers)).json()["products"]
    body: dict[str, Any] = {
        "source_scope": "products",
        "source_ids": [p["id"] for p in products],
        "attributes": ["title"],
        "target_lang": lang or None,
    }
    if lang:
        _assert_400(await api.post("/api/jobs", headers=headers, json=body))
        _assert_400(await api.put("/api/settings", headers=headers, json={"default_language": lang}))
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM jobs") == 0
        assert await conn.fetchval("SELECT sum(credits_used) FROM stores") == 0
    ok = await api.post("/api/jobs", headers=headers, json={**body, "target_lang": "PT-br"})
    assert ok.status_code == 201, ok.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT target_lang FROM jobs") == "pt-BR"


async def test_a_collection_job_the_balance_cannot_cover_is_402_before_any_catalog_read(
    api: httpx.AsyncClient, pool: asyncpg.Pool, wix_sandbox: LoopbackServer
) -> None:
    headers = new_site().headers
    store_id = await _store_id(api, headers)
    collection = (await api.get("/api/collections", headers=headers)).json()["collections"][0]["id"]
    async with pool.acquire() as conn:
        await conn.execute("UPDATE stores SET credits_used = credits_total - 3 WHERE id = $1", store_id)
        await conn.execute(
            "INSERT INTO credit_ledger (store_id, delta, reason)"
            " SELECT id, -credits_used, 'test: spent' FROM stores WHERE id = $1",
            store_id,
        )

    def catalog_reads() -> int:
        counts = httpx.get(f"{wix_sandbox.url}/_sandbox/stats").json()["requests"]
        return sum(n for path, n in counts.items() if path.startswith("/stores/"))

    before = catalog_reads()
    res = await api.post(
        "/api/jobs",
        headers=headers,
        json={
            "source_scope": "collections",
            "source_ids": [collection],
            "attributes": ["title", "description", "seo_title", "seo_description"],
        },
    )
    assert res.status_code == 402, res.text
    assert res.json()["error"]["required"] == 4 and res.json()["error"]["remaining"] == 3
    assert catalog_reads() == before
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM jobs") == 0
