"""The app's named errors. Each class carries its HTTP status and API code as attributes: that is
the one place a status is decided. An error defined next to the code that raises it
(outbound.AddressRefused, platforms.base's StorePlatformError) then answers honestly without a
second edit elsewhere, where a table in the web layer would have to learn every subclass and would
silently give a forgotten one its parent's status. The web layer only reads them: web/errors.py
for JSON answers, the HTML pages for theirs.

AppError
├── InvalidRequest      400 / 422  malformed or invalid input
├── Unauthorized        401  missing, forged, expired or foreign token/signature
├── InsufficientCredits 402  not enough credits for the job
├── Forbidden           403
├── NotFound            404  unknown id, or an id of another store
├── Conflict            409  state does not allow the action (already reverted, ...)
├── Gone                410  it existed and was removed for good (a job's items past retention)
├── PayloadTooLarge     413
├── RateLimited         429  with retry_after seconds
├── PlatformError       502  the store platform failed or refused (see platforms.base)
└── Unavailable         503  a dependency is down
    └── DatabaseUnavailable  PostgreSQL cannot be reached (raised by db.acquire only)
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidRequest(AppError):
    status = 422
    code = "invalid_request"


class MalformedRequest(InvalidRequest):
    status = 400
    code = "malformed_request"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class InsufficientCredits(AppError):
    status = 402
    code = "insufficient_credits"

    def __init__(self, required: int, remaining: int) -> None:
        super().__init__(
            f"This job needs {required} credits and {remaining} remain.",
            required=required,
            remaining=remaining,
        )


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class Gone(AppError):
    status = 410
    code = "gone"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"


class RateLimited(AppError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class PlatformError(AppError):
    status = 502
    code = "platform_error"


class Unavailable(AppError):
    status = 503
    code = "unavailable"


class DatabaseUnavailable(Unavailable):
    """PostgreSQL cannot be reached: refused, restarting, full, or the connection dropped."""
