"""App sessions end when their store is uninstalled and installed again (Wix end to end)."""

from __future__ import annotations

import json

import httpx

from optimizer_app.auth import wix as wix_auth
from tests.integration.conftest import WIX_APP_ID, new_site


async def shell_session(api: httpx.AsyncClient, instance: str) -> dict[str, str]:
    page = await api.get("/app/wix", params={"instance": instance, "locale": "en"})
    assert page.status_code == 200, page.text
    config = json.loads(page.text.split('<script id="config" type="application/json">')[1].split("</script>")[0])
    return {"Authorization": f"Bearer {config['session']}"}


async def test_a_session_from_before_an_uninstall_stays_ended_after_the_reinstall(
    api: httpx.AsyncClient, wix_keys: tuple[str, str]
) -> None:
    site = new_site()
    before = await shell_session(api, site.instance)
    assert (await api.get("/api/me", headers=before)).status_code == 200

    removed = wix_auth.sign_webhook("AppRemoved", site.instance_id, {"appId": WIX_APP_ID}, private_key_pem=wix_keys[0])
    assert httpx.post(f"{api.base_url}/webhooks/wix", content=removed).json()["status"] == "processed"
    assert (await api.get("/api/me", headers=before)).status_code == 401

    after = await shell_session(api, site.instance)  # the first open after reinstalling onboards again
    refused = await api.get("/api/me", headers=before)
    assert refused.status_code == 401
    assert "reinstalled or reconnected" in refused.json()["error"]["message"]
    assert (await api.get("/api/me", headers=after)).status_code == 200
