"""DASHBOARD_DIST: the web process serves the dashboard built wherever that setting names, so an
installed wheel (no checkout around it) can serve a dashboard built elsewhere."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import httpx

from optimizer_app.settings import Settings
from optimizer_app.web.app import create_app
from optimizer_sandbox.runner import LoopbackServer
from tests.integration.conftest import new_site


def a_build(folder: Path) -> Path:
    """What `npm run build` leaves: Vite's manifest and the files it names under assets/."""
    (folder / ".vite").mkdir(parents=True)
    (folder / "assets").mkdir()
    (folder / "assets" / "index-elsewhere.js").write_text("console.log('built elsewhere')")
    (folder / "assets" / "index-elsewhere.css").write_text("body{}")
    manifest = {
        "index.html": {"file": "assets/index-elsewhere.js", "css": ["assets/index-elsewhere.css"], "isEntry": True}
    }
    (folder / ".vite" / "manifest.json").write_text(json.dumps(manifest))
    return folder


async def test_the_app_page_and_assets_come_from_the_dashboard_dist_setting(settings: Settings, tmp_path: Path) -> None:
    dist = a_build(tmp_path / "built-elsewhere")
    with LoopbackServer(create_app(replace(settings, dashboard_dist=dist))) as web:
        async with httpx.AsyncClient(base_url=web.url, timeout=30) as api:
            page = await api.get("/app/wix", params={"instance": new_site().instance})
            script = await api.get("/assets/index-elsewhere.js")

    assert page.status_code == 200
    assert '<script type="module" src="/assets/index-elsewhere.js">' in page.text
    assert '<link rel="stylesheet" href="/assets/index-elsewhere.css">' in page.text
    assert script.status_code == 200 and script.text == "console.log('built elsewhere')"


async def test_a_dashboard_dist_without_a_build_says_so(settings: Settings, tmp_path: Path) -> None:
    with LoopbackServer(create_app(replace(settings, dashboard_dist=tmp_path / "empty"))) as web:
        async with httpx.AsyncClient(base_url=web.url, timeout=30) as api:
            page = await api.get("/app/wix", params={"instance": new_site().instance})
            asset = await api.get("/assets/index.js")

    assert page.status_code == 200 and "The dashboard has not been built" in page.text
    assert "/assets/" not in page.text
    assert asset.status_code == 404 and asset.json()["error"]["code"] == "not_found"
