"""An exception nothing handled: a 500 JSON answer that carries the security headers, is counted
in /metrics, and is logged once (one record with the traceback, not a second one by the server)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import httpx
import pytest
from prometheus_client import REGISTRY
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from optimizer_app.settings import Settings
from optimizer_app.web.app import create_app
from optimizer_sandbox.runner import LoopbackServer


class ABug(Exception):
    pass


async def broken(request: Request) -> Response:
    raise ABug("a bug in a handler")


def answered_500s() -> float:
    return REGISTRY.get_sample_value("optimizer_http_requests_total", {"method": "GET", "status": "500"}) or 0.0


async def test_a_500_carries_the_security_headers_is_counted_and_logged_once(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)
    app.router.routes.append(Route("/api/broken", broken, methods=["GET"]))
    before = answered_500s()
    with LoopbackServer(app) as web:
        server_log = logging.getLogger("uvicorn")  # uvicorn's own loggers do not reach the root logger
        server_log.addHandler(caplog.handler)
        try:
            with caplog.at_level(logging.INFO):
                res = httpx.get(f"{web.url}/api/broken?instance=not-logged")
        finally:
            server_log.removeHandler(caplog.handler)

    assert res.status_code == 500
    assert res.json() == {"error": {"code": "internal_error", "message": "Something went wrong on our side."}}
    assert res.headers["content-security-policy"].startswith("frame-ancestors 'self'")
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "a bug in a handler" not in res.text
    assert answered_500s() == before + 1

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].getMessage() == "unhandled error on GET /api/broken"
    assert errors[0].exc_info is not None and errors[0].exc_info[0] is ABug


async def timed_out(request: Request) -> Response:
    raise TimeoutError("an outbound call timed out")


async def missing_file(request: Request) -> Response:
    raise FileNotFoundError("/no/such/file")


@pytest.mark.parametrize("handler", [timed_out, missing_file])
async def test_an_oserror_that_is_not_the_database_is_a_500_not_a_503(
    settings: Settings, caplog: pytest.LogCaptureFixture, handler: Callable[[Request], Awaitable[Response]]
) -> None:
    app = create_app(settings)
    app.router.routes.append(Route("/api/broken", handler, methods=["GET"]))
    with LoopbackServer(app) as web, caplog.at_level(logging.INFO):
        res = httpx.get(f"{web.url}/api/broken")

    assert res.status_code == 500
    assert res.json() == {"error": {"code": "internal_error", "message": "Something went wrong on our side."}}
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in errors] == ["unhandled error on GET /api/broken"]
