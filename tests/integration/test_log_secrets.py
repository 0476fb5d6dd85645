"""Nothing secret in the logs: the demo's flow on every platform (app pages opened with their signed
tokens, API calls, a WooCommerce site connected and read) with the server's access log and the HTTP
client's lines captured; none of the tokens, keys or sessions appear in any record."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from optimizer_app import log_redaction
from optimizer_app.settings import Settings
from tests.integration.all_platforms import (
    SALLA_SECRET,
    SHOPIFY_SECRET,
    WOO_KEY,
    WOO_SECRET,
    AllPlatforms,
    all_platforms,
)
from tests.integration.conftest import WIX_APP_SECRET, new_site


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {self.format(record)}")


@pytest.fixture
def collected() -> Iterator[Collect]:
    handler = Collect()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def session_of(page: httpx.Response) -> str:
    """The app session the page hands the dashboard in its config."""
    config = json.loads(page.text.split('<script id="config" type="application/json">')[1].split("</script>")[0])
    session: str = config["session"]
    return session


async def test_the_demo_flow_leaves_no_secret_in_any_log_line(settings: Settings, collected: Collect) -> None:
    log_redaction.install()  # what `optimizer-app serve` and `worker` do at start
    with all_platforms(settings, access_log=True) as platforms:
        access = logging.getLogger("uvicorn.access")
        access.addHandler(collected)  # uvicorn's access log does not propagate to the root logger
        try:
            secrets = await _demo_flow(platforms)
        finally:
            access.removeHandler(collected)
    secrets += [WIX_APP_SECRET, SALLA_SECRET, SHOPIFY_SECRET, WOO_KEY, WOO_SECRET]
    lines = "\n".join(collected.lines)
    assert "GET /app/wix?instance=[redacted]" in lines  # the access log itself was captured
    assert "oauth_consumer_key=[redacted]" in lines  # and the HTTP client's WooCommerce calls
    leaked = [s for s in secrets if s in lines]
    assert leaked == [], lines


async def _demo_flow(platforms: AllPlatforms) -> list[str]:
    secrets: list[str] = []
    async with httpx.AsyncClient(base_url=platforms.web.url, timeout=30) as api:
        site = new_site()
        wix_page = await api.get("/app/wix", params={"instance": site.instance, "locale": "en"})
        assert wix_page.status_code == 200, wix_page.text
        secrets += [site.instance, session_of(wix_page)]
        assert (await api.get("/api/products", headers=site.headers, params={"limit": 3})).status_code == 200

        shopify_token = platforms.shopify_headers()["Authorization"].split(" ", 1)[1]
        shopify_page = await api.get(
            "/app/shopify", params={"shop": platforms.shop, "host": "YWRtaW4", "id_token": shopify_token}
        )
        assert shopify_page.status_code == 200, shopify_page.text
        # Shopify's page carries no app session: App Bridge hands the dashboard a token per call.
        secrets.append(shopify_token)
        products = await api.get("/api/products", headers={"Authorization": f"Bearer {shopify_token}"})
        assert products.status_code == 200

        platforms.install_salla()
        salla_token = platforms.salla_embedded_token()
        salla_page = await api.get("/app/salla", params={"token": salla_token})
        assert salla_page.status_code == 200, salla_page.text
        secrets += [salla_token, session_of(salla_page)]

        connected = await api.post("/api/woocommerce/connect", json=platforms.woo_keys())
        assert connected.status_code == 201, connected.text
        woo_session = connected.json()["session"]
        secrets.append(woo_session)
        listed = await api.get("/api/products", headers={"Authorization": f"Bearer {woo_session}"})
        assert listed.status_code == 200 and listed.json()["products"]
    return secrets
