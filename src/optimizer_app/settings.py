"""Every setting, declared once: a field of `Settings` whose name upper-cased is its environment
variable, whose annotation is its type and whose default is its default. `from_env` reads them all
by that rule and refuses a value that is not of the field's type, naming the variable. README.md's
Configuration table lists them (tests/unit/test_settings.py keeps the two in step).

The few settings that need more than the rule carry it on their own field, in `field(metadata=…)`
made by `_read`: a key ring's single-key variable, a default computed from another setting, a
rewrite of the raw text. Kept on the field rather than in `Annotated[…]` types so that every
annotation stays the plain type that mypy, `replace()` and readers see, and every other field
stays a bare `name: type = default`.
"""

from __future__ import annotations

import math
import os
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from .domain.plans import SALLA_PLAN_PRICES, PlanMap, PlanPrices, parse_plan_map, parse_plan_prices

T = TypeVar("T")

# Development keys, public by being written here: production refuses them. Tokens sealed by
# development databases made before key rings used the session key, so it stays in the dev ring.
_DEV_SECRET = "dev-only-secret-change-me"  # nosec B105 # refused outside development
_DEV_TOKEN_KEY = "dev-only-token-key-change-me"  # nosec B105 # refused outside development
DEVELOPMENT_KEYS = frozenset({_DEV_SECRET, _DEV_TOKEN_KEY})
# A checkout (the editable install of `make`) builds the dashboard into dashboard/dist beside these
# sources. An installed wheel has no checkout around it: DASHBOARD_DIST names the build, else the
# working directory's dashboard/dist.
_CHECKOUT = Path(__file__).resolve().parents[2]
_DASHBOARD_DIST = _CHECKOUT / "dashboard" / "dist" if (_CHECKOUT / "dashboard").is_dir() else Path("dashboard/dist")
# 32 characters of `secrets.token_urlsafe` carry 192 bits; anyone holding one signed session can try
# guesses offline against it, so a key must be out of reach of a search, not merely unlisted.
MIN_KEY_LENGTH = 32
# The longest a WooCommerce owner's sign-in may last whatever the setting: a browser cookie stolen
# from a shared computer must not open the store for a season.
SIGNIN_MAX_SECONDS_LIMIT = 90 * 24 * 3600


class SettingsError(ValueError):
    """An environment variable whose value is not of its setting's type; the message names both."""


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _bool(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean (1/0/true/false/yes/no/on/off)")


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an int") from None


def _float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise SettingsError(f"{name}={raw!r} is not a finite number")
    return value


def _plan_map(name: str, raw: str) -> PlanMap:
    try:
        return parse_plan_map(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}: {exc}") from None


def _plan_prices(name: str, raw: str) -> PlanPrices:
    try:
        return parse_plan_prices(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}: {exc}") from None


def _key_list(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated, spaces around a key ignored."""
    return tuple(key.strip() for key in raw.split(",") if key.strip())


# How a variable's text becomes a value of the field's annotated type.
_PARSERS: dict[object, Callable[[str, str], object]] = {
    str: lambda name, raw: raw,
    int: _int,
    float: _float,
    bool: _bool,
    Path: lambda name, raw: Path(raw),
    tuple[str, ...]: _key_list,
    PlanMap: _plan_map,
    PlanPrices: _plan_prices,
}


def _read(
    default: T,
    *,
    single_key: str | None = None,
    default_from: Callable[[Mapping[str, Any]], T] | None = None,
    rewrite: Callable[[str], str] | None = None,
) -> T:
    """A field whose variable needs more than the rule. `single_key`: for a key ring, the variable
    whose one key is the ring when the ring's own variable is unset; `default_from`: the default
    computed from the settings declared above it; `rewrite`: applied to the raw text before parsing."""
    metadata = {"single_key": single_key, "default_from": default_from, "rewrite": rewrite}
    return field(default=default, metadata=metadata)


def _base_url_from_port(read: Mapping[str, Any]) -> str:
    return f"http://127.0.0.1:{read['port']}"


def _pem_newlines(raw: str) -> str:
    # A PEM pasted into one line of a host's environment form arrives with literal "\n".
    return raw.replace("\\n", "\n")


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
    # The app's public URL; unset: http://127.0.0.1:$PORT.
    app_base_url: str = _read("http://127.0.0.1:8000", default_from=_base_url_from_port)
    # Key rings, newest first: the first key signs sessions (encrypts stored tokens), every key
    # verifies (decrypts), so a new key goes first and the old one leaves after `rotate-keys`.
    # SECRET_KEYS / TOKEN_ENCRYPTION_KEYS are comma-separated; unset, SECRET_KEY / TOKEN_ENCRYPTION_KEY
    # is the ring of one.
    secret_keys: tuple[str, ...] = _read((_DEV_SECRET,), single_key="SECRET_KEY")
    token_encryption_keys: tuple[str, ...] = _read((_DEV_TOKEN_KEY, _DEV_SECRET), single_key="TOKEN_ENCRYPTION_KEY")
    session_ttl_seconds: int = 3600
    max_body_bytes: int = 1_000_000
    # An edited CSV or Excel file of a job's drafts (POST /api/jobs/{id}/import) may be this large.
    import_max_bytes: int = 5_000_000
    max_job_products: int = 10_000
    # A filtered product list or a job made from a filter reads the store's whole catalog again
    # when the index of it is older than this.
    catalog_index_max_age_seconds: int = 600
    # How long such a request waits for the catalog to be read before answering from the older
    # index, or, when there is none yet, 503 "still being read" (the reading goes on meanwhile).
    catalog_sync_wait_seconds: float = 20.0
    api_rate_limit_per_minute: int = 100
    # Space-separated origins allowed to frame the app besides the platforms' admins (the demo's sandbox).
    extra_frame_ancestors: str = ""
    # Bearer token a Prometheus scrape of /metrics must send; unset: /metrics is 404 outside development.
    metrics_token: str = ""
    # The dashboard as Vite built it (holds .vite/manifest.json and assets/); served at /assets.
    dashboard_dist: Path = _DASHBOARD_DIST

    # Wix
    wix_app_id: str = ""
    wix_app_secret: str = ""
    wix_webhook_public_key: str = _read("", rewrite=_pem_newlines)  # PEM; "\n" escapes accepted
    wix_api_base: str = "https://www.wixapis.com"

    # Salla
    salla_client_id: str = ""
    salla_client_secret: str = ""
    salla_webhook_secret: str = ""
    salla_api_base: str = "https://api.salla.dev/admin/v2"
    salla_auth_base: str = "https://accounts.salla.sa"
    salla_introspect_base: str = "https://api.salla.dev"
    # "<plan name in the Partners portal>=<our plan id>, …": the plan a subscription event's
    # `plan_name` stands for (our own ids and names count without being listed).
    salla_plan_map: PlanMap = ()
    # The app's id in Salla Partners, the number in its App Store page (https://apps.salla.sa/ar/app/<id>),
    # where merchants change plans; empty: the Billing screen offers no upgrade.
    salla_app_id: str = ""
    # "<plan id>=<riyals>, …": each paid plan's monthly price as set in Salla Partners, shown in SAR.
    salla_plan_prices: PlanPrices = SALLA_PLAN_PRICES

    # Shopify
    shopify_api_key: str = ""
    shopify_api_secret: str = ""
    shopify_api_version: str = "2026-10"
    # Empty: https://{shop}; else this base (may hold "{shop}"), e.g. the sandbox.
    shopify_admin_base: str = ""
    # Request expiring offline tokens (1 h, with a rotating refresh token), as public apps must.
    shopify_expiring_tokens: bool = True
    # The app's handle (`handle` in shopify.app.toml, the /apps/<handle> part of its admin URL);
    # empty: the API key, which the admin also accepts there.
    shopify_app_handle: str = ""
    # Billing subscriptions are created as test charges (development stores).
    shopify_test_charges: bool = False
    # App Bridge, the first script of the embedded page and the one script loaded from elsewhere
    # (https://shopify.dev/docs/api/app-bridge-library); the demo and tests point it at the sandbox.
    shopify_app_bridge_url: str = "https://cdn.shopify.com/shopifycloud/app-bridge.js"

    # Addresses owners give us (the WooCommerce site). Loopback and private addresses are refused
    # unless this is set (the demo and the tests, whose sandboxes listen on loopback).
    outbound_allow_private: bool = False
    # Attempts to connect a WooCommerce site per client address in 10 minutes; 0 turns it off.
    connect_attempts_per_10_minutes: int = 10
    # The site owner's sign-in after connecting: it lapses after this long without a visit (each
    # visit renews it) and after the maximum whatever the visits.
    woocommerce_signin_idle_seconds: int = 14 * 24 * 3600
    woocommerce_signin_max_seconds: int = 30 * 24 * 3600
    # Where a WooCommerce owner buys a bigger plan (the operator's own page; "{site}" is replaced by
    # the site's address); empty: the Billing screen says plans are changed by the operator.
    woocommerce_upgrade_url: str = ""

    # LLM
    llm_provider: str = ""  # "openai" | "offline"; empty: openai when a key or base URL is set
    openai_api_key: str = ""
    openai_base_url: str = ""
    openai_model: str = "gpt-4o-mini"
    # Sampling temperature sent with every call: low enough for faithful copy, not so low that a
    # small model loops on the same words.
    llm_temperature: float = 0.3
    # The model sees images (OpenAI's image_url content parts): the product's pictures are fetched
    # through the outbound guard and sent with the request for their alt text. Off: alt text is
    # written from the product data. A setting, not detection: servers without vision answer 400,
    # 500 or silently drop the message.
    llm_vision: bool = False
    # Calls in flight to the LLM server per worker process: the adaptive limit starts at 2 and
    # never grows past this. WORKER_CONCURRENCY bounds the products a worker holds, which is at most
    # twice the limit of the moment.
    llm_max_in_flight: int = 64
    # One call's timeout is three times the p95 of recent latencies, within these bounds; before any
    # answer it is the ceiling.
    llm_timeout_floor_seconds: float = 15.0
    llm_timeout_seconds: float = 60.0
    # "<model>=<dollars per million prompt tokens>/<per million completion tokens>, …" over the
    # built-in OpenAI prices (llm/pricing.py); a model in neither costs nothing.
    llm_prices: str = ""
    # A second provider the worker turns to while the first keeps failing: "openai" (any
    # OpenAI-compatible server) or "offline"; empty: none.
    llm_fallback_provider: str = ""
    llm_fallback_base_url: str = ""
    llm_fallback_api_key: str = ""
    llm_fallback_model: str = ""  # empty: OPENAI_MODEL
    # Consecutive transient failures (timeouts, 429, 5xx, no connection) of the first provider
    # that open the breaker, and how long it stays open before one trial call goes to it again.
    llm_breaker_failures: int = 5
    llm_breaker_cooldown_seconds: float = 30.0

    # Worker
    worker_concurrency: int = 64
    worker_lease_seconds: int = 120
    worker_max_attempts: int = 4
    worker_poll_seconds: float = 2.0
    worker_retry_base_seconds: float = 5.0
    worker_shutdown_grace_seconds: float = 20.0
    # Added to the worker process's nice value at start: on a machine it shares with a web
    # process, the drain takes the CPU the web's requests leave (docs/performance.md); alone on
    # its machine, or beside PostgreSQL only, it changes nothing but who goes first.
    worker_nice: int = 10
    maintenance_interval_seconds: float = 30.0
    # Days a finished job keeps its items (each field's before and after, review state, flags) in the
    # queue table; after that the maintenance step deletes them and the Results screen says so. The
    # job's row with its counters and costs, its publish log and its activity are kept for good.
    # Fractions are allowed; 0 keeps items for ever.
    retention_days: float = 90.0

    # Automation (docs/automation.md): how often the worker looks for product changes to queue and
    # finished automation jobs to publish when no NOTIFY wakes it (0: the worker has no automation
    # step), and the length of a "day" and a "week" of the scheduled sweep.
    automation_poll_seconds: float = 5.0
    automation_sweep_daily_seconds: float = 86400.0
    automation_sweep_weekly_seconds: float = 604800.0

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

    def unsafe_sign_in(self) -> str | None:
        """Why `serve` must not run with this WooCommerce sign-in, in one line naming the variable;
        None when it may. The sign-in cookie is `Secure` in production, which browsers keep only
        from https pages."""
        idle, longest = self.woocommerce_signin_idle_seconds, self.woocommerce_signin_max_seconds
        if idle <= 0:
            return "WOOCOMMERCE_SIGNIN_IDLE_SECONDS must be a positive number of seconds"
        if not idle <= longest <= SIGNIN_MAX_SECONDS_LIMIT:
            return (
                f"WOOCOMMERCE_SIGNIN_MAX_SECONDS must be at least WOOCOMMERCE_SIGNIN_IDLE_SECONDS and at most "
                f"{SIGNIN_MAX_SECONDS_LIMIT} (90 days)"
            )
        if not self.development and not self.app_base_url.startswith("https://"):
            return (
                "APP_BASE_URL must be the app's public https:// address in production: the WooCommerce "
                "sign-in cookie is Secure and the platforms frame only https pages"
            )
        return None

    @property
    def resolved_llm_provider(self) -> str:
        if self.llm_provider:
            return self.llm_provider
        return "openai" if (self.openai_api_key or self.openai_base_url) else "offline"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Each field from its variable (`os.environ` unless `environ` is given), in declaration
        order; an unset or empty variable leaves the default. Raises SettingsError naming the first
        variable that does not parse."""
        env = os.environ if environ is None else environ
        types = typing.get_type_hints(cls)
        read: dict[str, Any] = {}
        for f in fields(cls):
            name = f.name.upper()
            if raw := env.get(name, ""):
                if rewrite := f.metadata.get("rewrite"):
                    raw = rewrite(raw)
                read[f.name] = _PARSERS[types[f.name]](name, raw)
            elif (single_key := f.metadata.get("single_key")) and (single := env.get(single_key, "")):
                read[f.name] = (single,)
            elif default_from := f.metadata.get("default_from"):
                read[f.name] = default_from(read)
            else:
                read[f.name] = f.default
        return cls(**read)


def environment_variables() -> list[str]:
    """Every variable `from_env` reads, in declaration order."""
    names: list[str] = []
    for f in fields(Settings):
        names.append(f.name.upper())
        if single_key := f.metadata.get("single_key"):
            names.append(single_key)
    return names
