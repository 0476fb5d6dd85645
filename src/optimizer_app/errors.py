"""The app's named errors. The web layer maps each to one HTTP status in one place.

AppError
├── InvalidRequest      400 / 422  malformed or invalid input
├── Unauthorized        401  missing, forged, expired or foreign token/signature
├── InsufficientCredits 402  not enough credits for the job
├── Forbidden           403
├── NotFound            404  unknown id, or an id of another store
├── Conflict            409  state does not allow the action (already reverted, ...)
├── PayloadTooLarge     413
├── RateLimited         429  with retry_after seconds
├── PlatformError       502  the store platform failed or refused (see platforms.base)
└── Unavailable         503  database or dependency down
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
