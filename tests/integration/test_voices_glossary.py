"""Brand voices and the glossary end to end on the Wix sandbox and the sandbox LLM: saved per store,
given to the model as data, enforced on its answers (asked again, then failed with the reason),
and on the owner's own edits; another store's voice is nobody else's."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_app import db
from optimizer_app.llm.prompts import GLOSSARY_LABEL, VOICE_LABEL
from optimizer_app.settings import Settings
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import assert_ledger_balanced, create_database, drop_database, new_store
from tests.integration.conftest import Drain, WixSite, new_site

ATTEMPTS = Settings().worker_max_attempts
VOICE = {
    "name": "Warm",
    "tone": "Warm and plain, like a neighbour",
    "prefer_words": ["handmade", "cosy"],
    "avoid_words": ["cheap"],
    "example": "Our mugs keep your tea warm on slow mornings.",
}
NO_GLOSSARY = {"exact_terms": [], "banned_words": [], "default_hype_words": {"enabled": True, "disabled_words": []}}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Twenty voices and a few jobs in one test are more calls than a store's burst allows.
    return replace(settings, api_rate_limit_per_minute=0)


def configure_llm(llm_sandbox: LoopbackServer, **config: Any) -> None:
    httpx.post(f"{llm_sandbox.url}/_sandbox/config", json=config).raise_for_status()


def asked(llm_sandbox: LoopbackServer) -> list[str]:
    """The user message of every request the sandbox LLM answered, oldest first."""
    requests = httpx.get(f"{llm_sandbox.url}/_sandbox/requests").json()["requests"]
    return [m["content"] for r in requests for m in r["messages"] if m["role"] == "user"]


def line_after(prompt: str, label: str) -> Any:
    lines = prompt.splitlines()
    return json.loads(lines[lines.index(label) + 1])


async def product_ids(api: httpx.AsyncClient, site: WixSite, n: int) -> list[str]:
    res = await api.get("/api/products", params={"limit": n}, headers=site.headers)
    assert res.status_code == 200, res.text
    return [p["id"] for p in res.json()["products"]]


async def run_job(
    api: httpx.AsyncClient, drain: Drain, site: WixSite, attributes: list[str], **options: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A job over the site's first product, run to its end: the job and its items."""
    body = {"source_scope": "products", "source_ids": await product_ids(api, site, 1), "attributes": attributes}
    created = await api.post("/api/jobs", headers=site.headers, json={**body, **options})
    assert created.status_code == 201, created.text
    job_id = created.json()["job_id"]
    await drain(job_id)
    job = (await api.get(f"/api/jobs/{job_id}", headers=site.headers)).json()
    items = (await api.get(f"/api/jobs/{job_id}/items", headers=site.headers)).json()["items"]
    return job, items


async def save_glossary(api: httpx.AsyncClient, site: WixSite, **changes: Any) -> dict[str, Any]:
    res = await api.put("/api/glossary", headers=site.headers, json={**NO_GLOSSARY, **changes})
    assert res.status_code == 200, res.text
    saved: dict[str, Any] = res.json()
    return saved


async def test_voices_are_saved_listed_changed_and_deleted_with_one_default(api: httpx.AsyncClient) -> None:
    site = new_site()
    first = await api.post("/api/brand-voices", headers=site.headers, json=VOICE)
    assert first.status_code == 201, first.text
    assert first.json() | {"created_at": None, "updated_at": None} == {
        **VOICE,
        "id": first.json()["id"],
        "is_default": True,  # a store's first voice
        "created_at": None,
        "updated_at": None,
    }
    second = (await api.post("/api/brand-voices", headers=site.headers, json={"name": "Crisp"})).json()
    assert second["is_default"] is False and second["tone"] == "" and second["prefer_words"] == []

    changed = await api.put(
        f"/api/brand-voices/{second['id']}", headers=site.headers, json={"tone": "Short sentences", "is_default": True}
    )
    assert changed.status_code == 200 and changed.json()["name"] == "Crisp"
    listed = (await api.get("/api/brand-voices", headers=site.headers)).json()
    assert [(v["name"], v["is_default"]) for v in listed["voices"]] == [("Warm", False), ("Crisp", True)]
    assert listed["limits"] == {
        "voices": 20,
        "name_chars": 60,
        "tone_chars": 200,
        "words": 50,
        "word_chars": 60,
        "example_chars": 1500,
    }
    one = (await api.get(f"/api/brand-voices/{second['id']}", headers=site.headers)).json()
    assert one["tone"] == "Short sentences"

    deleted = await api.delete(f"/api/brand-voices/{second['id']}", headers=site.headers)
    assert deleted.json() == {"id": second["id"], "deleted": True}
    assert (await api.get(f"/api/brand-voices/{second['id']}", headers=site.headers)).status_code == 404
    remaining = (await api.get("/api/brand-voices", headers=site.headers)).json()["voices"]
    assert [(v["name"], v["is_default"]) for v in remaining] == [("Warm", False)]  # no default until one is marked


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"name": "  "}, 422),
        ({"name": "x" * 61}, 422),
        ({"name": "Long", "tone": "t" * 201}, 422),
        ({"name": "Long", "example": "e" * 1501}, 422),
        ({"name": "Many", "avoid_words": [f"w{i}" for i in range(51)]}, 422),
        ({"name": "Wide", "prefer_words": ["w" * 61]}, 422),
        ({"name": "Odd", "prefer_words": [1, 2]}, 422),
        ({"name": "Odd", "is_default": "yes"}, 422),
        ({"name": "Odd", "colour": "red"}, 422),
    ],
)
async def test_bad_voices_are_refused_in_one_sentence(
    api: httpx.AsyncClient, body: dict[str, Any], status: int
) -> None:
    site = new_site()
    res = await api.post("/api/brand-voices", headers=site.headers, json=body)
    assert res.status_code == status, res.text
    assert res.json()["error"]["message"].endswith(".")
    assert (await api.get("/api/brand-voices", headers=site.headers)).json()["voices"] == []


async def test_a_store_keeps_twenty_voices_with_distinct_names(api: httpx.AsyncClient) -> None:
    site = new_site()
    for n in range(20):
        assert (await api.post("/api/brand-voices", headers=site.headers, json={"name": f"V{n}"})).status_code == 201
    extra = await api.post("/api/brand-voices", headers=site.headers, json={"name": "V20"})
    assert extra.status_code == 409 and "20 brand voices" in extra.json()["error"]["message"]
    voices = (await api.get("/api/brand-voices", headers=site.headers)).json()["voices"]
    same_name = await api.put(f"/api/brand-voices/{voices[1]['id']}", headers=site.headers, json={"name": "v0"})
    assert same_name.status_code == 409 and "named 'v0'" in same_name.json()["error"]["message"]
    bad = await api.put(f"/api/brand-voices/{voices[1]['id']}", headers=site.headers, json={"tone": 5})
    assert bad.status_code == 422


async def test_another_stores_voice_is_404_everywhere(api: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    owner, stranger = new_site(), new_site()
    voice = (await api.post("/api/brand-voices", headers=owner.headers, json=VOICE)).json()
    for method, body in (("GET", None), ("PUT", {"tone": "Mine now"}), ("DELETE", None)):
        res = await api.request(method, f"/api/brand-voices/{voice['id']}", headers=stranger.headers, json=body)
        assert res.status_code == 404, (method, res.text)
    job = await api.post(
        "/api/jobs",
        headers=stranger.headers,
        json={
            "source_scope": "products",
            "source_ids": await product_ids(api, stranger, 1),
            "attributes": ["title"],
            "brand_voice_id": voice["id"],
        },
    )
    assert job.status_code == 404 and job.json()["error"]["message"] == "No such brand voice."
    assert (await api.get("/api/brand-voices", headers=stranger.headers)).json()["voices"] == []
    mine = (await api.get(f"/api/brand-voices/{voice['id']}", headers=owner.headers)).json()
    assert mine["tone"] == VOICE["tone"]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM jobs") == 0


@pytest.mark.parametrize("voice_id", ["1", True, 0, -3, 1.5, {"id": 1}])
async def test_a_brand_voice_id_that_is_no_id_is_422(
    api: httpx.AsyncClient, pool: asyncpg.Pool, voice_id: object
) -> None:
    site = new_site()
    body = {"source_scope": "products", "source_ids": ["1"], "attributes": ["title"], "brand_voice_id": voice_id}
    res = await api.post("/api/jobs", headers=site.headers, json=body)
    assert res.status_code == 422, res.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM jobs") == 0


async def test_the_voice_reaches_the_prompt_as_data_and_the_job_keeps_it_as_it_was(
    api: httpx.AsyncClient, drain: Drain, llm_sandbox: LoopbackServer
) -> None:
    site = new_site()
    voice = (await api.post("/api/brand-voices", headers=site.headers, json=VOICE)).json()

    job, items = await run_job(api, drain, site, ["title", "seo_title"])  # no brand_voice_id: the default
    assert job["brand_voice"] == {"id": voice["id"], "name": "Warm"}
    assert {i["status"] for i in items} == {"DONE"}
    [prompt] = asked(llm_sandbox)
    assert line_after(prompt, VOICE_LABEL) == {
        "tone": VOICE["tone"],
        "words_to_prefer": VOICE["prefer_words"],
        "words_to_avoid": VOICE["avoid_words"],
        "example_paragraph": VOICE["example"],
    }

    # Editing the voice later changes no job's history; a later job takes the voice as it is then.
    await api.put(f"/api/brand-voices/{voice['id']}", headers=site.headers, json={"name": "Warmer", "tone": "Warmer"})
    again = (await api.get(f"/api/jobs/{job['id']}", headers=site.headers)).json()
    assert again["brand_voice"] == {"id": voice["id"], "name": "Warm"}
    later, _ = await run_job(api, drain, site, ["title"], brand_voice_id=voice["id"])
    assert later["brand_voice"] == {"id": voice["id"], "name": "Warmer"}
    assert line_after(asked(llm_sandbox)[-1], VOICE_LABEL)["tone"] == "Warmer"

    none, _ = await run_job(api, drain, site, ["title"], brand_voice_id=None)
    assert none["brand_voice"] is None
    assert VOICE_LABEL not in asked(llm_sandbox)[-1]
    listed = (await api.get("/api/jobs", headers=site.headers)).json()["jobs"]
    assert [j["brand_voice"] for j in listed] == [None, {"id": voice["id"], "name": "Warmer"}, again["brand_voice"]]


async def test_a_banned_word_is_asked_again_then_fails_with_the_word_named(
    api: httpx.AsyncClient, drain: Drain, pool: asyncpg.Pool, llm_sandbox: LoopbackServer
) -> None:
    site = new_site()
    saved = await save_glossary(api, site, banned_words=[{"word": "gorgeous", "language": None}])
    assert saved["banned_words"] == [{"word": "gorgeous", "language": None}]
    configure_llm(llm_sandbox, added_text="Gorgeous")  # a model that keeps using it

    job, [item] = await run_job(api, drain, site, ["title"])
    assert (item["status"], item["reason"]) == ("FAILED", "glossary_banned")
    assert item["error"] == "the suggestion used 'Gorgeous', which the glossary forbids"
    assert job["credits_refunded"] == 1 and item["attempts"] == ATTEMPTS
    prompts = asked(llm_sandbox)
    assert len(prompts) == 2 * ATTEMPTS  # each try: the call, then the field asked again
    assert "gorgeous" in line_after(prompts[0], GLOSSARY_LABEL)["never_use"]
    assert "Your previous title used 'Gorgeous', which the glossary forbids." in prompts[1]
    store_id = await _store_id(pool, job["id"])
    await assert_ledger_balanced(pool, store_id)


async def test_a_model_told_what_was_wrong_is_kept_when_it_corrects_itself(
    api: httpx.AsyncClient, drain: Drain, llm_sandbox: LoopbackServer
) -> None:
    site = new_site()
    await save_glossary(api, site, banned_words=[{"word": "gorgeous", "language": "en"}])
    configure_llm(llm_sandbox, added_text="Gorgeous", added_text_calls=1)
    _, [item] = await run_job(api, drain, site, ["seo_title"])
    assert item["status"] == "DONE" and item["attempts"] == 1
    assert "gorgeous" not in item["after"].lower()
    assert len(asked(llm_sandbox)) == 2


async def test_exact_terms_are_refused_in_another_casing_and_kept_when_exact(
    api: httpx.AsyncClient, drain: Drain, llm_sandbox: LoopbackServer
) -> None:
    site = new_site()
    await save_glossary(api, site, exact_terms=["iPhone"])
    configure_llm(llm_sandbox, added_text="For iphone")
    _, [item] = await run_job(api, drain, site, ["title"])
    assert (item["status"], item["reason"]) == ("FAILED", "glossary_term")
    assert item["error"] == "the suggestion wrote 'iphone' where the glossary asks for 'iPhone'"

    configure_llm(llm_sandbox, added_text="For iPhone")
    _, [item] = await run_job(api, drain, site, ["title"])
    assert item["status"] == "DONE" and item["after"].startswith("For iPhone")


async def test_default_hype_words_refuse_until_switched_off(
    api: httpx.AsyncClient, drain: Drain, llm_sandbox: LoopbackServer
) -> None:
    site = new_site()
    shown = (await api.get("/api/glossary", headers=site.headers)).json()
    assert shown["default_hype_words"]["enabled"] is True
    assert "revolutionary" in shown["default_hype_words"]["words"]["en"]
    assert set(shown["default_hype_words"]["words"]) >= {"en", "ar", "de", "fr", "es"}
    assert shown["limits"] == {"entries": 500, "entry_chars": 100}
    configure_llm(llm_sandbox, added_text="Revolutionary")

    _, [item] = await run_job(api, drain, site, ["title"])
    assert (item["status"], item["error"]) == (
        "FAILED",
        "the suggestion used 'Revolutionary', which the glossary forbids",
    )

    await save_glossary(api, site, default_hype_words={"enabled": True, "disabled_words": ["revolutionary"]})
    _, [item] = await run_job(api, drain, site, ["title"])
    assert item["status"] == "DONE" and item["after"].startswith("Revolutionary")

    await save_glossary(api, site, default_hype_words={"enabled": False, "disabled_words": []})
    _, [item] = await run_job(api, drain, site, ["title"])
    assert item["status"] == "DONE"
    assert GLOSSARY_LABEL not in asked(llm_sandbox)[-1]


async def test_an_owner_edit_that_breaks_the_glossary_is_422_naming_the_word(
    api: httpx.AsyncClient, drain: Drain
) -> None:
    site = new_site()
    _, [item] = await run_job(api, drain, site, ["title"])
    assert item["status"] == "DONE"
    await save_glossary(api, site, exact_terms=["iPhone"])
    path = f"/api/items/{item['id']}"

    banned = await api.patch(path, headers=site.headers, json={"after": "A revolutionary shirt"})
    assert banned.status_code == 422
    assert banned.json()["error"] | {"words": None} == {
        "code": "invalid_request",
        "message": "This text used 'revolutionary', which the glossary forbids.",
        "reason": "glossary_banned",
        "words": None,
    }
    assert banned.json()["error"]["words"] == ["revolutionary"]
    term = await api.patch(path, headers=site.headers, json={"after": "A shirt for iphone fans"})
    assert term.status_code == 422 and term.json()["error"]["reason"] == "glossary_term"
    assert term.json()["error"]["message"] == "This text wrote 'iphone' where the glossary asks for 'iPhone'."
    fine = await api.patch(path, headers=site.headers, json={"after": "A shirt for iPhone fans"})
    assert fine.status_code == 200, fine.text


@pytest.mark.parametrize(
    "body",
    [
        {"exact_terms": ["x" * 101]},
        {"exact_terms": [f"t{i}" for i in range(501)]},
        {"banned_words": [{"word": "cheap", "language": "xx"}]},
        {"banned_words": ["cheap"]},
        {"default_hype_words": {"enabled": True, "disabled_words": ["not-a-default"]}},
        {"default_hype_words": None},
        {"glossary": []},
    ],
)
async def test_a_bad_glossary_is_422_and_changes_nothing(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    site = new_site()
    await save_glossary(api, site, exact_terms=["iPhone"])
    res = await api.put("/api/glossary", headers=site.headers, json={**NO_GLOSSARY, **body})
    assert res.status_code == 422, res.text
    assert (await api.get("/api/glossary", headers=site.headers)).json()["exact_terms"] == ["iPhone"]


async def test_each_store_reads_its_own_glossary(api: httpx.AsyncClient) -> None:
    owner, stranger = new_site(), new_site()
    await save_glossary(api, owner, exact_terms=["iPhone"], banned_words=[{"word": "cheap", "language": "en"}])
    theirs = (await api.get("/api/glossary", headers=stranger.headers)).json()
    assert (theirs["exact_terms"], theirs["banned_words"]) == ([], [])


async def test_the_settings_brand_voice_becomes_the_stores_default_voice(
    admin_database_url: str, tmp_path: Path
) -> None:
    name = f"optimizer_v_{uuid.uuid4().hex[:10]}"
    url = await create_database(admin_database_url, name)
    try:
        for path in db.migration_files():
            if path.name < "020":
                (tmp_path / path.name).write_text(path.read_text())
        await db.migrate(url, tmp_path)
        pool = await db.create_pool(url, max_size=2)
        try:
            voiced, plain = await new_store(pool), await new_store(pool)
            async with pool.acquire() as conn:
                await conn.execute(
                    "UPDATE stores SET settings = $2 WHERE id = $1",
                    voiced.id,
                    {"brand_voice": " Friendly, short sentences. ", "default_language": "fr"},
                )
                waiting = await conn.fetchval(
                    "INSERT INTO jobs (store_id, number, source_scope, source_ids, attributes, target_lang,"
                    " credits_charged, items_total) VALUES ($1, 1, 'products', '{p0}', '{title}', 'en', 1, 1)"
                    " RETURNING id",
                    voiced.id,
                )
            for path in db.migration_files():
                (tmp_path / path.name).write_text(path.read_text())
            await db.migrate(url, tmp_path)
            async with pool.acquire() as conn:
                voices = await conn.fetch("SELECT store_id, name, tone, is_default FROM brand_voices")
                settings = await conn.fetchval("SELECT settings FROM stores WHERE id = $1", voiced.id)
                kept = await conn.fetchval("SELECT brand_voice FROM jobs WHERE id = $1", waiting)
        finally:
            await pool.close()
    finally:
        await drop_database(admin_database_url, name)
    assert [dict(v) for v in voices] == [
        {"store_id": voiced.id, "name": "Store voice", "tone": "Friendly, short sentences.", "is_default": True}
    ]
    assert settings == {"default_language": "fr"}
    assert kept["name"] == "Store voice" and kept["tone"] == "Friendly, short sentences."
    assert plain.id not in {v["store_id"] for v in voices}


async def _store_id(pool: asyncpg.Pool, job_id: int) -> int:
    async with pool.acquire() as conn:
        store_id: int = await conn.fetchval("SELECT store_id FROM jobs WHERE id = $1", job_id)
    return store_id
