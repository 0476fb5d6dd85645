"""GET/PUT /api/automation and its summary over HTTP on the Wix sandbox and PostgreSQL: defaults
for a store that never set rules, changes saved and recorded in the store's activity, every bad
value refused with 422 naming the field (and nothing saved), and each store seeing only its own."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from tests.integration.conftest import new_site

DEFAULTS = {
    "mode": "off",
    "paused": False,
    "attributes": ["title", "description", "seo_title", "seo_description"],
    "language": "en",
    "voice_id": None,
    "only_empty": False,
    "min_score": None,
    "monthly_credit_cap": 200,
    "credits_used_this_month": 0,
    "cap_reached": False,
    "sweep": "off",
    "next_sweep_at": None,
    "last_sweep_at": None,
    "updated_at": None,
}


async def rules(api: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    res = await api.get("/api/automation", headers=headers)
    assert res.status_code == 200, res.text
    found: dict[str, Any] = res.json()
    return found


async def test_a_store_that_never_set_rules_has_automation_off(api: httpx.AsyncClient) -> None:
    found = await rules(api, new_site().headers)
    assert {k: found[k] for k in DEFAULTS} == DEFAULTS
    assert found["period_resets_on"]  # the store's credit reset date


async def test_changes_are_saved_shown_and_recorded_with_the_fields_that_changed(
    api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    site = new_site()
    voice = await api.post("/api/brand-voices", headers=site.headers, json={"name": "Warm", "tone": "Warm"})
    assert voice.status_code == 201, voice.text
    res = await api.put(
        "/api/automation",
        headers=site.headers,
        json={
            "mode": "publish",
            "attributes": ["seo_title", "seo_description"],
            "language": "AR",
            "voice_id": voice.json()["id"],
            "only_empty": True,
            "min_score": 70,
            "monthly_credit_cap": 50,
            "sweep": "daily",
        },
    )
    assert res.status_code == 200, res.text
    saved = res.json()
    assert saved["mode"] == "publish" and saved["language"] == "ar" and saved["voice_id"] == voice.json()["id"]
    assert saved["attributes"] == ["seo_title", "seo_description"] and saved["only_empty"] is True
    assert saved["min_score"] == 70 and saved["monthly_credit_cap"] == 50 and saved["sweep"] == "daily"
    assert saved["next_sweep_at"] is not None and saved["updated_at"] is not None
    assert await rules(api, site.headers) == saved

    paused = (await api.put("/api/automation", headers=site.headers, json={"paused": True, "mode": "publish"})).json()
    assert paused["paused"] is True and paused["mode"] == "publish"
    off = (await api.put("/api/automation", headers=site.headers, json={"sweep": "off", "min_score": None})).json()
    assert off["sweep"] == "off" and off["next_sweep_at"] is None and off["min_score"] is None

    async with pool.acquire() as conn:
        trail = await conn.fetch(
            "SELECT a.actor_kind, a.action, a.detail FROM activity a JOIN stores s ON s.id = a.store_id "
            "WHERE s.external_id = $1 ORDER BY a.id",
            site.instance_id,
        )
    assert [(r["actor_kind"], r["action"]) for r in trail] == [("owner", "automation_changed")] * 3
    assert sorted(trail[0]["detail"]["changed"]) == sorted(
        ["mode", "attributes", "language", "voice_id", "only_empty", "min_score", "monthly_credit_cap", "sweep"]
    )
    assert trail[1]["detail"]["changed"] == ["paused"]  # mode was publish already
    assert sorted(trail[2]["detail"]["changed"]) == ["min_score", "sweep"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mode": "sometimes"}, "mode"),
        ({"mode": None}, "mode"),
        ({"paused": "yes"}, "paused"),
        ({"attributes": []}, "attributes"),
        ({"attributes": ["title", "price"]}, "attributes"),
        ({"attributes": "title"}, "attributes"),
        ({"language": "xx"}, "language"),
        ({"language": 5}, "language"),
        ({"voice_id": "1"}, "voice_id"),
        ({"voice_id": 0}, "voice_id"),
        ({"voice_id": True}, "voice_id"),
        ({"voice_id": 987654}, "voice_id"),
        ({"only_empty": 1}, "only_empty"),
        ({"min_score": 101}, "min_score"),
        ({"min_score": -1}, "min_score"),
        ({"min_score": 50.5}, "min_score"),
        ({"monthly_credit_cap": -1}, "monthly_credit_cap"),
        ({"monthly_credit_cap": "200"}, "monthly_credit_cap"),
        ({"monthly_credit_cap": None}, "monthly_credit_cap"),
        ({"sweep": "hourly"}, "sweep"),
        ({"mode": "review", "schedule": "daily"}, "schedule"),
        ({"credits_used_this_month": 0}, "credits_used_this_month"),
    ],
)
async def test_bad_values_are_422_naming_the_field_and_nothing_is_saved(
    api: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    site = new_site()
    res = await api.put("/api/automation", headers=site.headers, json={"monthly_credit_cap": 10, **body})
    assert res.status_code == 422, res.text
    error = res.json()["error"]
    assert error["code"] == "invalid_request" and error["field"] == field, error
    assert error["message"]
    assert (await rules(api, site.headers))["monthly_credit_cap"] == 200


async def test_a_body_that_is_no_object_is_refused(api: httpx.AsyncClient) -> None:
    headers = new_site().headers
    for raw in (b"", b"[]", b"{"):
        res = await api.put("/api/automation", headers={**headers, "content-type": "application/json"}, content=raw)
        assert res.status_code in (400, 422), res.text


async def test_each_store_sees_and_changes_only_its_own_rules(api: httpx.AsyncClient) -> None:
    first, second = new_site(), new_site()
    voice = (await api.post("/api/brand-voices", headers=first.headers, json={"name": "Mine"})).json()
    assert (await api.put("/api/automation", headers=first.headers, json={"mode": "review"})).status_code == 200
    assert (await rules(api, second.headers))["mode"] == "off"
    # The first store's voice is not the second's.
    res = await api.put("/api/automation", headers=second.headers, json={"voice_id": voice["id"]})
    assert res.status_code == 422 and res.json()["error"]["field"] == "voice_id"
    assert (await rules(api, first.headers))["mode"] == "review"
    assert (await api.get("/api/automation")).status_code == 401


async def test_the_summary_of_a_store_without_automation_is_all_zero(api: httpx.AsyncClient) -> None:
    headers = new_site().headers
    res = await api.get("/api/automation/summary", headers=headers, params={"days": 30})
    assert res.status_code == 200, res.text
    found = res.json()
    assert found["mode"] == "off" and found["since"]
    assert [found[k] for k in ("products_optimised", "published", "waiting_for_review", "failed")] == [0, 0, 0, 0]
    for days in ("0", "367", "week"):
        assert (await api.get("/api/automation/summary", headers=headers, params={"days": days})).status_code == 400
