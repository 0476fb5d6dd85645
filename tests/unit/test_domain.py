"""Pure rules: attributes, plan arithmetic, job status, retry delays."""

from __future__ import annotations

from datetime import date

import pytest

from optimizer_app.domain.attributes import Attribute, parse_attributes
from optimizer_app.domain.jobs import JobStatus, finished_status, publish_refusal, retry_delay
from optimizer_app.domain.languages import offered_language
from optimizer_app.domain.plans import (
    PlanMap,
    add_months,
    job_cost,
    next_reset_on,
    parse_plan_map,
    plan_for,
    remaining,
)
from optimizer_app.domain.products import Product


def test_parse_attributes_keeps_order_and_drops_duplicates() -> None:
    assert parse_attributes(["seo_title", "title", "seo_title"]) == (Attribute.SEO_TITLE, Attribute.TITLE)


@pytest.mark.parametrize("bad", [[], None, "title", ["title", "price"], [1]])
def test_parse_attributes_rejects_bad_input(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_attributes(bad)


def test_seo_limits() -> None:
    assert Attribute.SEO_TITLE.max_length == 60
    assert Attribute.SEO_DESCRIPTION.max_length == 160
    assert Attribute.DESCRIPTION.is_html and not Attribute.TITLE.is_html


def test_job_cost_is_products_times_fields() -> None:
    assert job_cost(24, 3) == 72
    # Economy: half a credit a field, the job's half rounded up.
    assert job_cost(24, 3, economy=True) == 36
    assert job_cost(5, 1, economy=True) == 3
    assert job_cost(0, 4, economy=True) == 0
    assert remaining(100, 130) == 0


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), 13, date(2027, 4, 30)),
    ],
)
def test_add_months_clamps_to_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_next_reset_skips_months_missed_while_idle() -> None:
    assert next_reset_on(date(2026, 8, 10), today=date(2026, 11, 24)) == date(2026, 12, 10)
    assert next_reset_on(date(2026, 11, 24), today=date(2026, 11, 24)) == date(2026, 12, 24)


SALLA_MAP = parse_plan_map("Monthly Pro=pro, Yearly Pro = pro, سنوي احترافي=scale")


@pytest.mark.parametrize(
    ("reference", "plan_map", "expected"),
    [
        ("PRO", (), "pro"),
        ("Starter", (), "starter"),
        (" scale ", (), "scale"),
        ("free", (), "free"),
        # Unknown, empty or missing: no plan, so the caller keeps the current one.
        ("enterprise-unknown", (), None),
        ("", (), None),
        (None, (), None),
        ("Yearly", (), None),
        ("trail", (), None),
        # The explicit map first, whatever the letter case, in any language.
        ("monthly pro", SALLA_MAP, "pro"),
        ("Yearly Pro", SALLA_MAP, "pro"),
        ("سنوي احترافي", SALLA_MAP, "scale"),
        ("Scale", SALLA_MAP, "scale"),
        ("Monthly", SALLA_MAP, None),
    ],
)
def test_platform_plan_mapping(reference: str | None, plan_map: PlanMap, expected: str | None) -> None:
    assert plan_for(reference, plan_map) == expected


@pytest.mark.parametrize("text", ["Pro", "Pro=", "=pro", "Pro=gold", "Pro=free"])
def test_a_plan_map_entry_naming_no_paid_plan_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_plan_map(text)


def test_plan_map_keeps_names_with_spaces_and_ignores_empty_entries() -> None:
    assert parse_plan_map(" A plan = Pro ,, B=scale, ") == (("A plan", "pro"), ("B", "scale"))


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((10, 4, 0, 0), None),
        ((10, 10, 0, 0), JobStatus.DONE),
        ((10, 7, 3, 0), JobStatus.DONE_WITH_FAILURES),
        ((10, 0, 10, 0), JobStatus.FAILED),
        ((10, 0, 2, 8), JobStatus.FAILED),
        ((10, 0, 0, 10), JobStatus.CANCELED),
    ],
)
def test_finished_status(counts: tuple[int, int, int, int], expected: JobStatus | None) -> None:
    assert finished_status(*counts) == expected


def test_retry_delay_prefers_retry_after_and_backs_off_otherwise() -> None:
    assert retry_delay(1, 5.0, retry_after=12.5) == 12.5
    assert [retry_delay(a, 5.0) for a in (1, 2, 3)] == [5.0, 10.0, 20.0]
    assert retry_delay(30, 5.0) == 600.0


def test_product_snapshot_round_trip() -> None:
    p = Product(id="1", title="T", description_html="<p>d</p>", revision="3", collection_ids=("c",), extra={"price": 9})
    assert Product.from_snapshot(p.to_snapshot()) == p


def test_platform_locales_map_to_the_languages_the_dashboard_offers() -> None:
    assert [offered_language(x) for x in ("ar", "fr-FR", "pt_BR", "pt", "EN", "xx", "")] == [
        "ar",
        "fr",
        "pt-BR",
        "pt-BR",
        "en",
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("review_state", "flags", "refusal"),
    [
        ("NEW", [], None),
        ("REVERTED", [], None),
        ("REJECTED", [], "rejected"),
        ("NO_CHANGE", [], "no_change"),
        ("NEW", ["number not in the product data: 40 %"], "needs_review"),
        ("REVERTED", ["claim not in the product data: organic"], "needs_review"),
        ("ACCEPTED", ["number not in the product data: 40 %"], None),
        ("EDITED", ["number not in the product data: 40 %"], None),
        ("REJECTED", ["number not in the product data: 40 %"], "rejected"),
    ],
)
def test_what_publishing_refuses(review_state: str, flags: list[str], refusal: str | None) -> None:
    assert publish_refusal(review_state, flags) == refusal
