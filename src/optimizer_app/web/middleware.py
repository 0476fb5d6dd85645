"""ASGI middleware: request-body size limit, the headers every response carries, and the one
place an unexpected exception becomes a 500.

The body limit is ours, not Starlette's `max_body_size=` (starlette 1.10, middleware/body_limit.py),
because that one does not give the same guarantees. With a declared Content-Length over the limit it
still calls the app: the handler authenticates, queries and may write, and the 413 comes only when
it reads the body, or, when it never does, by replacing its response at `http.response.start`,
after its effects. And it answers that 413 as plain text from a layer Starlette places outside
every user middleware, so it carries neither our JSON envelope nor the security headers, and
/metrics never counts it. Ours refuses a declared size before the app runs and cuts a streamed body
off at the limit, answering with the JSON error from inside SecurityHeadersMiddleware."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import PayloadTooLarge
from ..metrics import HTTP_REQUESTS
from .errors import app_error_response, internal_error_response

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
    """413 before a byte more than `max_bytes` is read, by Content-Length or while streaming;
    `uploads`: (path pattern, limit) of the routes that take a file, which may be larger."""

    def __init__(self, app: ASGIApp, max_bytes: int, uploads: Sequence[tuple[str, int]] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = [(re.compile(pattern), limit) for pattern, limit in uploads]

    def _limit(self, path: str) -> int:
        return next((limit for pattern, limit in self.uploads if pattern.fullmatch(path)), self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope["path"])
        too_large = app_error_response(PayloadTooLarge(f"The request body exceeds {max_bytes} bytes."))
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            await too_large(scope, receive, send)
            return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
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
                await too_large(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


class SecurityHeadersMiddleware:
    """CSP frame-ancestors for the platforms' admin origins (the app lives in their iframe),
    nosniff, referrer policy, and a response counter for /metrics.

    An exception no handler took is answered here, not by Starlette's outer ServerErrorMiddleware,
    so the 500 carries these headers and is counted; it is logged here once and not re-raised
    (re-raising would make the server log it a second time)."""

    def __init__(self, app: ASGIApp, extra_frame_ancestors: str = "") -> None:
        self.app = app
        origins = " ".join(("'self'", *ADMIN_ORIGINS, extra_frame_ancestors)).strip()
        self.csp = f"frame-ancestors {origins}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        response_started = False

        async def with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", self.csp)
                headers.append("x-content-type-options", "nosniff")
                headers.append("referrer-policy", "strict-origin-when-cross-origin")
                HTTP_REQUESTS.labels(scope.get("method", ""), str(message["status"])).inc()
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            if response_started:
                raise  # too late for a 500: the server logs it and drops the connection
            log.exception("unhandled error on %s %s", scope.get("method", ""), scope.get("path", ""))
            await internal_error_response()(scope, receive, with_headers)
