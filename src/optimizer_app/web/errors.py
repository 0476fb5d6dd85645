"""Every error leaves as JSON `{"error": {"code", "message", ...}}` with an honest status.

Only the app's named errors and Starlette's HTTP errors are handled here. A database that cannot be
reached arrives as errors.DatabaseUnavailable, translated where the connection is taken
(db.acquire); anything else (an OSError, a TimeoutError, a bug) is a 500, answered and logged once
by middleware.SecurityHeadersMiddleware."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..errors import AppError

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "malformed_request", 413: "payload_too_large"}


def error_response(status: int, code: str, message: str, **details: object) -> JSONResponse:
    headers = {}
    if "retry_after" in details:
        headers["Retry-After"] = str(max(1, round(float(str(details["retry_after"])))))
    return JSONResponse({"error": {"code": code, "message": message, **details}}, status_code=status, headers=headers)


def app_error_response(exc: AppError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, **exc.details)


async def app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return app_error_response(exc)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, _HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail))


def internal_error_response() -> JSONResponse:
    """The answer to an exception nothing handled (sent by SecurityHeadersMiddleware, which logs it)."""
    return error_response(500, "internal_error", "Something went wrong on our side.")


HANDLERS = {AppError: app_error, HTTPException: http_error}
