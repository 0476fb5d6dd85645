"""Every error leaves as JSON `{"error": {"code", "message", ...}}` with an honest status."""

from __future__ import annotations

import logging

import asyncpg
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..errors import AppError, RateLimited

log = logging.getLogger(__name__)

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "malformed_request"}


def error_response(status: int, code: str, message: str, **details: object) -> JSONResponse:
    headers = {}
    if "retry_after" in details:
        headers["Retry-After"] = str(max(1, round(float(str(details["retry_after"])))))
    return JSONResponse({"error": {"code": code, "message": message, **details}}, status_code=status, headers=headers)


async def app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    details = dict(exc.details)
    if isinstance(exc, RateLimited):
        details["retry_after"] = exc.retry_after
    return error_response(exc.status, exc.code, exc.message, **details)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, _HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail))


async def database_down(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", exc)
    return error_response(503, "unavailable", "The service is temporarily unavailable; try again shortly.")


def internal_error_response() -> JSONResponse:
    """The answer to an exception nothing handled (sent by SecurityHeadersMiddleware, which logs it)."""
    return error_response(500, "internal_error", "Something went wrong on our side.")


HANDLERS = {
    AppError: app_error,
    HTTPException: http_error,
    OSError: database_down,
    asyncpg.PostgresConnectionError: database_down,
    asyncpg.CannotConnectNowError: database_down,
    asyncpg.AdminShutdownError: database_down,
    asyncpg.ConnectionDoesNotExistError: database_down,
    asyncpg.InterfaceError: database_down,
    asyncpg.InternalClientError: database_down,
}
