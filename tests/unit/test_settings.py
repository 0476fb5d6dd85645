"""Settings from the environment: one declaration per setting, strict parsing that names the variable,
the special cases (key rings, PORT in APP_BASE_URL, PEM escapes), the worker's defaults taken from
here, and README's Configuration table listing exactly the variables read."""

from __future__ import annotations

import re
import typing
from dataclasses import fields, replace
from pathlib import Path

import pytest

from optimizer_app.settings import Settings, SettingsError, environment_variables
from optimizer_app.worker import config_from_settings

README = Path(__file__).resolve().parents[2] / "README.md"
# Documented in README's table but read by others, not by Settings.
READ_ELSEWHERE = {
    "FORWARDED_ALLOW_IPS",  # uvicorn's --forwarded-allow-ips default (uvicorn docs, "Settings")
    "SHOPIFY_SCHEMA_PATH",  # the Shopify sandbox's introspection file
}


def test_shopify_expiring_tokens_false_reads_false() -> None:
    assert Settings.from_env({"SHOPIFY_EXPIRING_TOKENS": "false"}).shopify_expiring_tokens is False


def test_shopify_test_charges_true_reads_true() -> None:
    assert Settings.from_env({"SHOPIFY_TEST_CHARGES": "true"}).shopify_test_charges is True


@pytest.mark.parametrize(
    ("raw", "value"),
    [(w, True) for w in ("1", "true", "True", "YES", "on", " yes ")]
    + [(w, False) for w in ("0", "false", "FALSE", "no", "Off")],
)
@pytest.mark.parametrize("variable", ["SHOPIFY_EXPIRING_TOKENS", "SHOPIFY_TEST_CHARGES", "OUTBOUND_ALLOW_PRIVATE"])
def test_every_boolean_reads_the_same_words(variable: str, raw: str, value: bool) -> None:
    assert getattr(Settings.from_env({variable: raw}), variable.lower()) is value


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "enabled", "-1"])
def test_a_boolean_that_is_not_one_of_the_words_is_refused_naming_variable_and_value(raw: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"SHOPIFY_EXPIRING_TOKENS": raw})
    assert str(refused.value) == f"SHOPIFY_EXPIRING_TOKENS={raw!r} is not a boolean (1/0/true/false/yes/no/on/off)"


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        ("WORKER_CONCURRENCY", "abc", "WORKER_CONCURRENCY='abc' is not an int"),
        ("PORT", "80.5", "PORT='80.5' is not an int"),
        ("CONNECT_ATTEMPTS_PER_10_MINUTES", "ten", "CONNECT_ATTEMPTS_PER_10_MINUTES='ten' is not an int"),
        ("LLM_TIMEOUT_SECONDS", "soon", "LLM_TIMEOUT_SECONDS='soon' is not a number"),
        ("WORKER_POLL_SECONDS", "nan", "WORKER_POLL_SECONDS='nan' is not a finite number"),
        ("WORKER_SHUTDOWN_GRACE_SECONDS", "inf", "WORKER_SHUTDOWN_GRACE_SECONDS='inf' is not a finite number"),
    ],
)
def test_junk_numbers_are_refused_naming_variable_and_value(variable: str, raw: str, message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({variable: raw})
    assert str(refused.value) == message


def test_unset_or_empty_variables_leave_the_declared_defaults() -> None:
    empty = {variable: "" for variable in environment_variables()}
    assert Settings.from_env({}) == Settings.from_env(empty) == Settings()


def _sample(kind: object) -> tuple[str, object]:
    samples: dict[object, tuple[str, object]] = {
        str: ("some text", "some text"),
        int: ("7", 7),
        float: ("0.25", 0.25),
        Path: ("/srv/somewhere", Path("/srv/somewhere")),
        tuple[str, ...]: ("a-key", ("a-key",)),
        tuple[tuple[str, str], ...]: ("Yearly Pro=pro", (("Yearly Pro", "pro"),)),
        tuple[tuple[str, int], ...]: ("pro=99.5", (("pro", 9950),)),
    }
    return samples[kind]


def test_every_field_is_read_from_its_name_upper_cased_as_its_annotated_type() -> None:
    types = typing.get_type_hints(Settings)
    for f in fields(Settings):
        value: object
        if types[f.name] is bool:
            raw, value = ("0", False) if f.default else ("1", True)
        else:
            raw, value = _sample(types[f.name])
        assert getattr(Settings.from_env({f.name.upper(): raw}), f.name) == value, f.name


def test_app_base_url_defaults_to_port_and_an_explicit_one_wins() -> None:
    assert Settings.from_env({"PORT": "9001"}).app_base_url == "http://127.0.0.1:9001"
    both = Settings.from_env({"PORT": "9001", "APP_BASE_URL": "https://app.example"})
    assert (both.port, both.app_base_url) == (9001, "https://app.example")


def test_wix_webhook_public_key_unescapes_newlines() -> None:
    raw = "-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----"
    key = Settings.from_env({"WIX_WEBHOOK_PUBLIC_KEY": raw}).wix_webhook_public_key
    assert key == "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"


@pytest.mark.parametrize(
    ("ring", "single", "field"),
    [
        ("SECRET_KEYS", "SECRET_KEY", "secret_keys"),
        ("TOKEN_ENCRYPTION_KEYS", "TOKEN_ENCRYPTION_KEY", "token_encryption_keys"),
    ],
)
def test_key_rings_come_from_the_list_else_the_single_key_else_the_development_ring(
    ring: str, single: str, field: str
) -> None:
    assert getattr(Settings.from_env({ring: " new , old,,", single: "ignored"}), field) == ("new", "old")
    # A single key is taken whole, commas and all.
    assert getattr(Settings.from_env({single: "one,key"}), field) == ("one,key",)
    assert getattr(Settings.from_env({ring: "", single: "only"}), field) == ("only",)
    assert getattr(Settings.from_env({}), field) == getattr(Settings(), field)
    assert Settings.from_env({}).unsafe_keys() is not None


def test_the_remaining_special_cases_read_as_before() -> None:
    settings = Settings.from_env({"OUTBOUND_ALLOW_PRIVATE": "true", "CONNECT_ATTEMPTS_PER_10_MINUTES": "0"})
    assert settings.outbound_allow_private is True
    assert settings.connect_attempts_per_10_minutes == 0


def test_the_worker_takes_its_defaults_and_its_variables_from_the_settings() -> None:
    defaults = config_from_settings(Settings())
    settings = Settings()
    assert (
        defaults.concurrency,
        defaults.lease_seconds,
        defaults.max_attempts,
        defaults.poll_seconds,
        defaults.retry_base_seconds,
        defaults.shutdown_grace_seconds,
        defaults.maintenance_interval_seconds,
    ) == (
        settings.worker_concurrency,
        settings.worker_lease_seconds,
        settings.worker_max_attempts,
        settings.worker_poll_seconds,
        settings.worker_retry_base_seconds,
        settings.worker_shutdown_grace_seconds,
        settings.maintenance_interval_seconds,
    )
    read = config_from_settings(Settings.from_env({"WORKER_CONCURRENCY": "7", "WORKER_POLL_SECONDS": "0.5"}))
    assert (read.concurrency, read.poll_seconds) == (7, 0.5)
    assert replace(defaults, poll_seconds=60).poll_seconds == 60


def _readme_variables() -> set[str]:
    """The variables named in the first column of README's Configuration table."""
    section = README.read_text().split("\n## Configuration\n", 1)[1]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("#"):
            break
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1]))
    return names


def test_readme_configuration_table_lists_every_variable_read_and_no_other() -> None:
    documented, read = _readme_variables(), set(environment_variables())
    assert read - documented == set(), "missing from README's Configuration table"
    assert documented - read - READ_ELSEWHERE == set(), "in README's Configuration table but read by nothing"


def test_the_dashboard_is_the_checkouts_build_unless_dashboard_dist_names_another() -> None:
    assert Settings().dashboard_dist == README.parent / "dashboard" / "dist"
    assert Settings.from_env({"DASHBOARD_DIST": "/srv/dashboard"}).dashboard_dist == Path("/srv/dashboard")


def test_a_salla_plan_map_naming_no_paid_plan_stops_the_command() -> None:
    with pytest.raises(SettingsError, match="SALLA_PLAN_MAP"):
        Settings.from_env({"SALLA_PLAN_MAP": "Yearly=gold"})


def test_salla_plan_prices_read_riyals_into_halalas_and_refuse_what_is_not_a_paid_plans_price() -> None:
    read = Settings.from_env({"SALLA_PLAN_PRICES": " starter=35 , PRO=110.5,scale=400.05"}).salla_plan_prices
    assert read == (("starter", 3500), ("pro", 11050), ("scale", 40005))
    assert dict(Settings().salla_plan_prices) == {"starter": 3400, "pro": 10900, "scale": 37200}
    for raw, named in [
        ("free=10", "'free' is not one of the paid plans"),
        ("gold=10", "'gold' is not one of the paid plans"),
        ("pro", "'pro' is not <plan id>=<price>"),
        ("pro=ten", "'ten' is not a price"),
        ("pro=-5", "'-5' is not a price"),
        ("pro=1.999", "'1.999' is not a price"),
    ]:
        with pytest.raises(SettingsError) as refused:
            Settings.from_env({"SALLA_PLAN_PRICES": raw})
        assert str(refused.value).startswith("SALLA_PLAN_PRICES: ") and named in str(refused.value)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"woocommerce_signin_idle_seconds": 0}, "WOOCOMMERCE_SIGNIN_IDLE_SECONDS must be a positive"),
        ({"woocommerce_signin_max_seconds": 3600}, "WOOCOMMERCE_SIGNIN_MAX_SECONDS must be at least"),
        ({"woocommerce_signin_max_seconds": 91 * 24 * 3600}, "at most 7776000 (90 days)"),
        ({"app_base_url": "http://app.example.com"}, "APP_BASE_URL must be the app's public https:// address"),
    ],
)
def test_serve_refuses_a_sign_in_that_could_not_work_or_would_last_too_long(
    changes: dict[str, object], named: str
) -> None:
    production = replace(Settings(), app_base_url="https://app.example.com")
    assert production.unsafe_sign_in() is None
    assert named in (replace(production, **changes).unsafe_sign_in() or "")  # type: ignore[arg-type]


def test_development_may_serve_the_sign_in_over_plain_http() -> None:
    assert replace(Settings(), app_env="development").unsafe_sign_in() is None
