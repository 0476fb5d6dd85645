"""Every setting, read once from the environment. README.md's Configuration table lists them."""

from __future__ import annotations

import os
from dataclasses import dataclass

# Development keys, public by being written here: production refuses them. Tokens sealed by
# development databases made before key rings used the session key, so it stays in the dev ring.
_DEV_SECRET = "dev-only-secret-change-me"
_DEV_TOKEN_KEY = "dev-only-token-key-change-me"
DEVELOPMENT_KEYS = frozenset({_DEV_SECRET, _DEV_TOKEN_KEY})
# 32 characters of `secrets.token_urlsafe` carry 192 bits; anyone holding one signed session can try
# guesses offline against it, so a key must be out of reach of a search, not merely unlisted.
MIN_KEY_LENGTH = 32


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _str(name: str, default: str = "") -> str:
    return os.environ.get(name, default) or default


def _key_ring(list_name: str, single_name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """`list_name` (comma-separated, first one current) if set, else `single_name` as a ring of one."""
    if listed := _str(list_name):
        return tuple(key.strip() for key in listed.split(",") if key.strip())
    single = _str(single_name)
    return (single,) if single else default


@dataclass(frozen=True)
class Settings:
    # "production" (the default) or "development" (the demo and the tests): production refuses unsafe
    # configuration and reaches only public https addresses an owner gives us.
    app_env: str = "production"

    # Database; unset means an embedded PostgreSQL under EMBEDDED_PG_DIR (demo and tests only).
    database_url: str = ""
    embedded_pg_dir: str = ".pgdata"
    db_pool_min: int = 1
    db_pool_max: int = 10

    # Web
    host: str = "127.0.0.1"
    port: int = 8000
    app_base_url: str = "http://127.0.0.1:8000"
    # Key rings, newest first: the first key signs sessions (encrypts stored tokens), every key
    # verifies (decrypts), so a new key goes first and the old one leaves after `rotate-keys`.
    secret_keys: tuple[str, ...] = (_DEV_SECRET,)
    token_encryption_keys: tuple[str, ...] = (_DEV_TOKEN_KEY, _DEV_SECRET)
    session_ttl_seconds: int = 3600
    max_body_bytes: int = 1_000_000
    max_job_products: int = 10_000
    api_rate_limit_per_minute: int = 100
    # Space-separated origins allowed to frame the app besides the platforms' admins (the demo's sandbox).
    extra_frame_ancestors: str = ""

    # Wix
    wix_app_id: str = ""
    wix_app_secret: str = ""
    wix_webhook_public_key: str = ""
    wix_api_base: str = "https://www.wixapis.com"

    # Salla
    salla_client_id: str = ""
    salla_client_secret: str = ""
    salla_webhook_secret: str = ""
    salla_api_base: str = "https://api.salla.dev/admin/v2"
    salla_auth_base: str = "https://accounts.salla.sa"
    salla_introspect_base: str = "https://api.salla.dev"

    # Shopify
    shopify_api_key: str = ""
    shopify_api_secret: str = ""
    shopify_api_version: str = "2026-10"
    # Empty: https://{shop}; else this base (may hold "{shop}"), e.g. the sandbox.
    shopify_admin_base: str = ""
    # "1": request expiring offline tokens (1 h, with a rotating refresh token), as public apps must.
    shopify_expiring_tokens: bool = True
    # "1": billing subscriptions are created as test charges (development stores).
    shopify_test_charges: bool = False

    # Addresses owners give us (the WooCommerce site). Loopback and private addresses are refused
    # unless this is set (the demo and the tests, whose sandboxes listen on loopback).
    outbound_allow_private: bool = False
    # Attempts to connect a WooCommerce site per client address in 10 minutes; 0 turns it off.
    connect_attempts_per_10_minutes: int = 10

    # LLM
    llm_provider: str = ""  # "openai" | "offline"; empty: openai when a key or base URL is set
    openai_api_key: str = ""
    openai_base_url: str = ""
    openai_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = 60.0

    # Worker
    worker_concurrency: int = 64
    worker_lease_seconds: int = 120
    worker_max_attempts: int = 4
    worker_poll_seconds: float = 2.0
    worker_retry_base_seconds: float = 5.0
    worker_shutdown_grace_seconds: float = 20.0
    maintenance_interval_seconds: float = 30.0

    @property
    def development(self) -> bool:
        return self.app_env == "development"

    @property
    def secret_key(self) -> str:
        """The key that signs now."""
        return self.secret_keys[0]

    def unsafe_keys(self) -> str | None:
        """Why these keys must not serve production, in one line naming the variable; None when
        they may (or in development)."""
        if self.development:
            return None
        # Every session key verifies, so every one must be strong. An older token key only decrypts
        # what it sealed already: it may be weak, which is how rotate-keys moves tokens off it.
        rings = (
            ("SECRET_KEY", "SECRET_KEYS", self.secret_keys),
            ("TOKEN_ENCRYPTION_KEY", "TOKEN_ENCRYPTION_KEYS", self.token_encryption_keys[:1]),
        )
        for single, listed, keys in rings:
            if not keys or DEVELOPMENT_KEYS.intersection(keys):
                return (
                    f"{single} is missing or a published development key: set {single} (or {listed} "
                    f"to rotate) to a random string of at least {MIN_KEY_LENGTH} characters"
                )
            if any(len(key) < MIN_KEY_LENGTH for key in keys):
                return f"{single} (or a key of {listed}) is shorter than {MIN_KEY_LENGTH} characters"
        if set(self.secret_keys).intersection(self.token_encryption_keys):
            return "TOKEN_ENCRYPTION_KEY must differ from SECRET_KEY: a leaked session key must not open stored tokens"
        return None

    @property
    def resolved_llm_provider(self) -> str:
        if self.llm_provider:
            return self.llm_provider
        return "openai" if (self.openai_api_key or self.openai_base_url) else "offline"

    @classmethod
    def from_env(cls) -> Settings:
        port = _int("PORT", 8000)
        return cls(
            app_env=_str("APP_ENV", "production"),
            database_url=_str("DATABASE_URL"),
            embedded_pg_dir=_str("EMBEDDED_PG_DIR", ".pgdata"),
            db_pool_min=_int("DB_POOL_MIN", 1),
            db_pool_max=_int("DB_POOL_MAX", 10),
            host=_str("HOST", "127.0.0.1"),
            port=port,
            app_base_url=_str("APP_BASE_URL", f"http://127.0.0.1:{port}"),
            secret_keys=_key_ring("SECRET_KEYS", "SECRET_KEY", cls.secret_keys),
            token_encryption_keys=_key_ring("TOKEN_ENCRYPTION_KEYS", "TOKEN_ENCRYPTION_KEY", cls.token_encryption_keys),
            session_ttl_seconds=_int("SESSION_TTL_SECONDS", 3600),
            max_body_bytes=_int("MAX_BODY_BYTES", 1_000_000),
            max_job_products=_int("MAX_JOB_PRODUCTS", 10_000),
            api_rate_limit_per_minute=_int("API_RATE_LIMIT_PER_MINUTE", 100),
            extra_frame_ancestors=_str("EXTRA_FRAME_ANCESTORS"),
            wix_app_id=_str("WIX_APP_ID"),
            wix_app_secret=_str("WIX_APP_SECRET"),
            wix_webhook_public_key=_str("WIX_WEBHOOK_PUBLIC_KEY").replace("\\n", "\n"),
            wix_api_base=_str("WIX_API_BASE", "https://www.wixapis.com"),
            salla_client_id=_str("SALLA_CLIENT_ID"),
            salla_client_secret=_str("SALLA_CLIENT_SECRET"),
            salla_webhook_secret=_str("SALLA_WEBHOOK_SECRET"),
            salla_api_base=_str("SALLA_API_BASE", "https://api.salla.dev/admin/v2"),
            salla_auth_base=_str("SALLA_AUTH_BASE", "https://accounts.salla.sa"),
            salla_introspect_base=_str("SALLA_INTROSPECT_BASE", "https://api.salla.dev"),
            shopify_api_key=_str("SHOPIFY_API_KEY"),
            shopify_api_secret=_str("SHOPIFY_API_SECRET"),
            shopify_api_version=_str("SHOPIFY_API_VERSION", "2026-10"),
            shopify_admin_base=_str("SHOPIFY_ADMIN_BASE"),
            shopify_expiring_tokens=_str("SHOPIFY_EXPIRING_TOKENS", "1") != "0",
            shopify_test_charges=_str("SHOPIFY_TEST_CHARGES", "0") == "1",
            outbound_allow_private=_str("OUTBOUND_ALLOW_PRIVATE", "false").lower() in ("1", "true", "yes"),
            connect_attempts_per_10_minutes=_int("CONNECT_ATTEMPTS_PER_10_MINUTES", 10),
            llm_provider=_str("LLM_PROVIDER"),
            openai_api_key=_str("OPENAI_API_KEY"),
            openai_base_url=_str("OPENAI_BASE_URL"),
            openai_model=_str("OPENAI_MODEL", "gpt-4o-mini"),
            llm_timeout_seconds=_float("LLM_TIMEOUT_SECONDS", 60.0),
            worker_concurrency=_int("WORKER_CONCURRENCY", 64),
            worker_lease_seconds=_int("WORKER_LEASE_SECONDS", 120),
            worker_max_attempts=_int("WORKER_MAX_ATTEMPTS", 4),
            worker_poll_seconds=_float("WORKER_POLL_SECONDS", 2.0),
            worker_retry_base_seconds=_float("WORKER_RETRY_BASE_SECONDS", 5.0),
            worker_shutdown_grace_seconds=_float("WORKER_SHUTDOWN_GRACE_SECONDS", 20.0),
            maintenance_interval_seconds=_float("MAINTENANCE_INTERVAL_SECONDS", 30.0),
        )
