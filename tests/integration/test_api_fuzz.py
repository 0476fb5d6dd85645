"""A property-based fuzz run of every /api operation over its OpenAPI description (Schemathesis),
against the real app on loopback with real PostgreSQL and a sandbox for every platform, signed in
as a store of each platform. Inputs are generated both within the schema and against it. No answer
may be 500 or above, and a refused request (4xx) must not move the store's credits or ledger.

The run is bounded by the number of examples per operation and platform (about a minute in all) and
reports the requests it sent per route."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import asyncpg
import httpx
import hypothesis
import pytest
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode

from optimizer_app.settings import Settings
from optimizer_app.web.openapi import document
from tests.integration.all_platforms import AllPlatforms, all_platforms
from tests.integration.conftest import new_site
from tests.integration.test_openapi import Operation, loaded_operations

EXAMPLES = 8  # per operation, platform and generation mode
# Disconnecting would sign the WooCommerce store out for the rest of the run: it goes last.
LAST = ("DELETE", "/api/woocommerce/connect")

# The caller's own credentials replace any the generator made up for the security schemes.
CREDENTIALS = ("authorization", "x-wix-instance")


@dataclass
class Caller:
    platform: str
    store_id: int
    headers: Callable[[], dict[str, str]]


@dataclass
class Finding:
    platform: str
    method: str
    path: str
    status: int
    request: str
    answer: str
    charged: bool


@pytest.fixture
def platforms(settings: Settings) -> Iterator[AllPlatforms]:
    with all_platforms(replace(settings, api_rate_limit_per_minute=0)) as running:
        yield running


def sign_in(platforms: AllPlatforms, api: httpx.Client) -> list[Caller]:
    site = new_site()
    wix = api.get("/api/me", headers=site.headers).json()["store"]["id"]
    shopify = api.get("/api/me", headers=platforms.shopify_headers()).json()["store"]["id"]
    platforms.install_salla()
    page = api.get("/app/salla", params={"token": platforms.salla_embedded_token()})
    salla_session = json.loads(page.text.split('type="application/json">')[1].split("</script>")[0])["session"]
    salla = api.get("/api/me", headers={"Authorization": f"Bearer {salla_session}"}).json()["store"]["id"]
    woo_session = api.post("/api/woocommerce/connect", json=platforms.woo_keys()).json()["session"]
    woo = api.get("/api/me", headers={"Authorization": f"Bearer {woo_session}"}).json()["store"]["id"]
    return [
        Caller("wix", wix, lambda: site.headers),
        Caller("shopify", shopify, platforms.shopify_headers),
        Caller("salla", salla, lambda: {"Authorization": f"Bearer {salla_session}"}),
        Caller("woocommerce", woo, lambda: {"Authorization": f"Bearer {woo_session}"}),
    ]


def only_loopback(platforms: AllPlatforms) -> Callable[[Case[Operation]], Case[Operation]]:
    """Connect calls the site it is given: every generated site goes to a loopback address."""
    sites = [platforms.woo.url, "http://127.0.0.1:9", f"{platforms.woo.url}/nowhere"]

    def fix(case: Case[Operation]) -> Case[Operation]:
        if isinstance(case.body, dict) and "site_url" in case.body:
            case.body["site_url"] = sites[len(str(case.body["site_url"])) % len(sites)]
        return case

    return fix


async def balance(conn: asyncpg.Connection, store_id: int) -> tuple[int, int, int]:
    row = await conn.fetchrow(
        "SELECT credits_total, credits_used, (SELECT count(*) FROM credit_ledger WHERE store_id = $1) AS entries"
        " FROM stores WHERE id = $1",
        store_id,
    )
    assert row is not None
    return row["credits_total"], row["credits_used"], row["entries"]


@dataclass
class FuzzRun:
    platforms: AllPlatforms
    api: httpx.Client
    runner: asyncio.Runner
    conn: asyncpg.Connection
    sent: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)

    def fuzz(self, operation: Operation, caller: Caller) -> None:
        route = f"{operation.method.upper()} {operation.path}"
        strategy = st.one_of(*(operation.as_strategy(mode) for mode in GenerationMode))

        @hypothesis.settings(
            max_examples=EXAMPLES * len(GenerationMode),
            deadline=None,
            database=None,
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=strategy.map(only_loopback(self.platforms)))
        def call(case: Case[Operation]) -> None:
            before = self.runner.run(balance(self.conn, caller.store_id))
            kwargs: dict[str, Any] = case.as_transport_kwargs(base_url=self.platforms.web.url)
            generated = {k: v for k, v in (kwargs.get("headers") or {}).items() if k.lower() not in CREDENTIALS}
            kwargs["headers"] = {**generated, **caller.headers()}
            answer = _send(self.api, kwargs)
            self.sent[route] += 1
            charged = 400 <= answer.status_code < 500 and self.runner.run(balance(self.conn, caller.store_id)) != before
            if answer.status_code >= 500 or charged:
                self.findings.append(
                    Finding(
                        caller.platform,
                        operation.method.upper(),
                        operation.path,
                        answer.status_code,
                        case.as_curl_command(),
                        answer.text[:300],
                        charged,
                    )
                )

        call()


def test_fuzz_every_api_operation_with_every_platform(
    platforms: AllPlatforms, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    operations = sorted(loaded_operations(document()), key=lambda op: (op.method.upper(), op.path) == LAST)
    with asyncio.Runner() as runner, httpx.Client(base_url=platforms.web.url, timeout=30) as api:
        conn: asyncpg.Connection = runner.run(asyncpg.connect(database_url))
        try:
            run = FuzzRun(platforms, api, runner, conn)
            callers = sign_in(platforms, api)
            for operation in operations:
                for caller in callers:
                    run.fuzz(operation, caller)
        finally:
            runner.run(conn.close())

    with capsys.disabled():  # the report is printed on every run, not only on failure
        print()
        for route, count in sorted(run.sent.items()):
            print(f"fuzz: {count:4d} requests  {route}")
        print(f"fuzz: {sum(run.sent.values())} requests in all")
    assert set(run.sent) == {f"{op.method.upper()} {op.path}" for op in operations}
    assert run.findings == [], "\n".join(
        f"{f.status} {f.platform} {f.method} {f.path}{' (charged)' if f.charged else ''}: {f.answer}\n  {f.request}"
        for f in run.findings
    )


def _send(api: httpx.Client, kwargs: dict[str, Any]) -> httpx.Response:
    """Send what Schemathesis built (a `requests`-style description) with httpx."""
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["json"] = kwargs["json"]
    elif "data" in kwargs:
        body["content"] = kwargs["data"]
    return api.request(
        kwargs["method"], kwargs["url"], params=kwargs.get("params"), headers=kwargs.get("headers"), **body
    )
