"""Keeps credentials out of log lines: the values of known secret query parameters are replaced in
the server's access log (app pages carry the platforms' signed tokens in their query) and in the
HTTP clients' request lines (WooCommerce's OAuth 1.0a puts the consumer key and signature there)."""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# Query parameters that carry a credential, a signature or a one-time code.
SECRET_PARAMETERS = (
    "instance",  # Wix: the signed app instance
    "id_token",  # Shopify: the admin's session token
    "token",  # Salla: the embedded dashboard's token
    "session",
    "hmac",
    "signature",
    "code",
    "state",
    "access_token",
    "refresh_token",
    "client_secret",
    "consumer_key",
    "consumer_secret",
    r"oauth_\w+",
)
_SECRET_VALUE = re.compile(
    r"(?P<name>(?:^|[?&;])(?:" + "|".join(SECRET_PARAMETERS) + r"))=(?P<value>[^&;#\s\"']*)",
    re.IGNORECASE,
)

# The loggers whose records carry request targets or URLs: uvicorn's access log and the HTTP clients.
REDACTED_LOGGERS = ("uvicorn.access", "httpx", "httpx2")


def redact(text: str) -> str:
    """`text` with the value of every secret query parameter replaced."""
    return _SECRET_VALUE.sub(lambda m: f"{m['name']}={REDACTED}" if m["value"] else m[0], text)


class RedactSecrets(logging.Filter):
    """Rewrites the record's arguments in place (uvicorn's access formatter reads them by position)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def _redact_arg(arg: object) -> object:
    if isinstance(arg, int | float | bytes) or arg is None:
        return arg
    text = str(arg)  # httpx passes its URL object
    cleaned = redact(text)
    return arg if cleaned == text else cleaned


def install() -> None:
    """Adds the filter to every logger that prints request targets (once, however often called)."""
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
