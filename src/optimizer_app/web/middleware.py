"""ASGI middleware: request-body size limit, the headers every response carries, and the one
place an unexpected exception becomes a 500."""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..metrics import HTTP_REQUESTS
from .errors import internal_error_response

log = logging.getLogger(__name__)

# Where the platforms' admins frame embedded apps (Shopify's are per shop: set by its shell route).
ADMIN_ORIGINS = (
    "https://manage.wix.com",
    "https://*.wix.com",
    "https://*.editorx.com",
    "https://s.salla.sa",
    "https://*.salla.sa",
)


class BodyLimitMiddleware:
    """413 before a byte more than `max_bytes` is read, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not response_started:
                await _too_large(send, self.max_bytes)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {"error": {"code": "payload_too_large", "message": f"The request body exceeds {limit} bytes."}}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    """CSP frame-ancestors for the platforms' admin origins (the app lives in their iframe),
    nosniff, referrer policy, and a response counter for /metrics.

    An exception no handler took is answered here, not by Starlette's outer ServerErrorMiddleware,
    so the 500 carries these headers and is counted; it is logged here once and not re-raised
    (re-raising would make the server log it a second time)."""

    def __init__(self, app: ASGIApp, extra_frame_ancestors: str = "") -> None:
        self.app = app
        origins = " ".join(("'self'", *ADMIN_ORIGINS, extra_frame_ancestors)).strip()
        self.csp = f"frame-ancestors {origins}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        response_started = False

        async def with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", self.csp))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"strict-origin-when-cross-origin"))
                message["headers"] = headers
                HTTP_REQUESTS.labels(scope.get("method", ""), str(message["status"])).inc()
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            if response_started:
                raise  # too late for a 500: the server logs it and drops the connection
            log.exception("unhandled error on %s %s", scope.get("method", ""), scope.get("path", ""))
            await internal_error_response()(scope, receive, with_headers)
