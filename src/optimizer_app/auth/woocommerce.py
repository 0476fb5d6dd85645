"""WooCommerce's identity: REST API keys and one-legged OAuth 1.0a, the signature WooCommerce
verifies on plain-HTTP requests (https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-over-http)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class WooCredentials:
    consumer_key: str
    consumer_secret: str


def _pct(value: str) -> str:
    return quote(value, safe="~-._")


_HASHES = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA1": hashlib.sha1}


def oauth1_params(
    method: str,
    url: str,
    query: Mapping[str, str],
    creds: WooCredentials,
    *,
    nonce: str,
    timestamp: int,
    signature_method: str = "HMAC-SHA256",
) -> dict[str, str]:
    """One-legged OAuth 1.0a as WooCommerce verifies it: the signature base string is
    METHOD&url&sorted(params), the key is `consumer_secret&`; the body is not signed."""
    oauth = {
        "oauth_consumer_key": creds.consumer_key,
        "oauth_nonce": nonce,
        "oauth_signature_method": signature_method,
        "oauth_timestamp": str(timestamp),
    }
    params = {**query, **oauth}
    normalized = "&".join(f"{_pct(k)}={_pct(v)}" for k, v in sorted(params.items()))
    base = "&".join([method.upper(), _pct(url), _pct(normalized)])
    digest = hmac.new(f"{creds.consumer_secret}&".encode(), base.encode(), _HASHES[signature_method]).digest()
    return {**oauth, "oauth_signature": base64.b64encode(digest).decode()}
