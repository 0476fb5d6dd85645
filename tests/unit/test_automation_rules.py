"""The automation rules' pure part: reading a change, the month's cap, and whether a changed product
is queued (the app's own write, a draft waiting, unchanged, nothing empty, the cooldown)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.automation import (
    COOLDOWN,
    Decision,
    Mode,
    ProductFacts,
    RuleError,
    Rules,
    Sweep,
    apply_changes,
    decide,
    fingerprint,
    fitting,
    is_own_change,
    is_own_write,
    parse_changes,
)
from optimizer_app.domain.products import Product

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
TEXT = (Attribute.TITLE, Attribute.DESCRIPTION, Attribute.SEO_TITLE, Attribute.SEO_DESCRIPTION)
SEO = (Attribute.SEO_TITLE, Attribute.SEO_DESCRIPTION)


def product(
    *, title: str = "Mug", description_html: str = "<p>A mug.</p>", seo_title: str = "", seo_description: str = ""
) -> Product:
    return Product("p1", title, description_html, seo_title, seo_description)


def test_a_change_is_read_and_typed() -> None:
    changes = parse_changes(
        {"mode": "publish", "attributes": ["seo_title", "seo_title", "title"], "language": "PT-br", "min_score": 0}
    )
    assert changes == {
        "mode": Mode.PUBLISH,
        "attributes": (Attribute.SEO_TITLE, Attribute.TITLE),
        "language": "pt-BR",
        "min_score": 0,
    }
    assert parse_changes({"language": None, "voice_id": None, "min_score": None}) == dict.fromkeys(
        ("language", "voice_id", "min_score")
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mode": "auto"}, "mode"),
        ({"paused": 0}, "paused"),
        ({"monthly_credit_cap": True}, "monthly_credit_cap"),
        ({"min_score": 100.0}, "min_score"),
        ({"sweep": None}, "sweep"),
        ({"nope": 1, "mode": "off"}, "nope"),
    ],
)
def test_a_bad_change_names_its_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_changes(body)
    assert caught.value.field == field


def test_only_changed_values_are_listed_and_a_sweep_turned_on_is_due_at_once() -> None:
    rules = Rules(mode=Mode.REVIEW)
    updated, changed = apply_changes(rules, {"mode": Mode.REVIEW, "sweep": Sweep.WEEKLY}, now=NOW)
    assert changed == ["sweep"] and updated.next_sweep_at == NOW
    off, changed = apply_changes(updated, {"sweep": Sweep.OFF}, now=NOW)
    assert changed == ["sweep"] and off.next_sweep_at is None
    same, changed = apply_changes(updated, {"sweep": Sweep.WEEKLY}, now=NOW + timedelta(hours=1))
    assert changed == [] and same.next_sweep_at == NOW  # not pushed back by saving it again


def test_the_cap_counts_only_the_current_credit_period() -> None:
    period, next_period = date(2027, 1, 1), date(2027, 2, 1)
    rules = Rules(monthly_credit_cap=10, credits_used=8, period_resets_on=period)
    assert rules.credits_used_in(period) == 8 and rules.cap_left(period) == 2 and not rules.cap_reached(period)
    assert rules.credits_used_in(next_period) == 0 and rules.cap_left(next_period) == 10
    stopped = Rules(monthly_credit_cap=10, credits_used=3, period_resets_on=period, cap_reached_for=period)
    assert stopped.cap_reached(period) and not stopped.cap_reached(next_period)
    assert Rules(monthly_credit_cap=0).cap_reached(period)


def test_only_what_fits_in_the_budget_is_taken_in_order() -> None:
    assert fitting([4, 4, 4], 9) == 2
    assert fitting([4, 4, 4], 12) == 3
    assert fitting([5, 1], 4) == 0
    assert fitting([], 0) == 0


def test_the_apps_own_publish_arriving_back_is_recognised() -> None:
    written = product(seo_title="Blue mug", seo_description="A blue mug for tea.")
    facts = ProductFacts(
        last_written={Attribute.SEO_TITLE: "Blue mug", Attribute.SEO_DESCRIPTION: "A blue mug for tea."}
    )
    assert is_own_write(written, facts, SEO)
    assert decide(written, facts, SEO, only_empty=False, now=NOW) is Decision.OWN_WRITE
    # Whitespace the platform folds does not count.
    assert is_own_write(product(seo_title="Blue  mug ", seo_description="A blue mug for tea."), facts, SEO)
    # The owner changed one of the fields since: a real change.
    assert not is_own_write(product(seo_title="Red mug", seo_description="A blue mug for tea."), facts, SEO)


def test_fields_the_app_did_not_write_are_compared_with_the_product_its_job_read() -> None:
    baseline = product()
    facts = ProductFacts(last_written={Attribute.SEO_TITLE: "Blue mug"}, baseline=baseline)
    assert is_own_write(product(seo_title="Blue mug"), facts, TEXT)
    assert not is_own_write(product(seo_title="Blue mug", title="Mug, renamed"), facts, TEXT)
    # Without the job's copy, a field the app never wrote cannot be vouched for.
    assert not is_own_write(product(seo_title="Blue mug"), ProductFacts({Attribute.SEO_TITLE: "Blue mug"}), TEXT)
    # A product the app never wrote is never its own write.
    assert not is_own_write(product(), ProductFacts({}, baseline=baseline), TEXT)


def test_for_the_trail_a_change_is_the_apps_own_when_every_text_field_holds_what_the_app_left() -> None:
    baseline = product()
    facts = ProductFacts(last_written={Attribute.SEO_TITLE: "Blue mug"}, baseline=baseline)
    assert is_own_change(product(seo_title="Blue mug"), facts)
    # Whatever automation writes: the owner's new title is theirs, even with SEO fields configured.
    assert is_own_write(product(seo_title="Blue mug", title="Mug, renamed"), facts, (Attribute.SEO_TITLE,))
    assert not is_own_change(product(seo_title="Blue mug", title="Mug, renamed"), facts)
    # A product the app never wrote, or whose written field the owner changed since.
    assert not is_own_change(product(), ProductFacts({}))
    assert not is_own_change(product(seo_title="Red mug"), facts)
    # Only its images' alt text written: the text fields hold what the job that wrote it read.
    with_images = ProductFacts({}, baseline=product(seo_title="Blue mug"))
    assert is_own_change(product(seo_title="Blue mug"), with_images)


def test_a_changed_product_is_queued_unless_a_rule_holds_it_back() -> None:
    p = product(seo_title="")
    assert decide(p, ProductFacts({}), TEXT, only_empty=False, now=NOW) is Decision.QUEUE
    waiting = ProductFacts({}, waiting=True)
    assert decide(p, waiting, TEXT, only_empty=False, now=NOW) is Decision.WAITING
    unchanged = ProductFacts({}, fingerprint=fingerprint(p, TEXT), last_queued_at=NOW - timedelta(days=3))
    assert decide(p, unchanged, TEXT, only_empty=False, now=NOW) is Decision.UNCHANGED
    full = product(seo_title="Mug", seo_description="A mug.")
    assert decide(full, ProductFacts({}), TEXT, only_empty=True, now=NOW) is Decision.NOTHING_EMPTY
    assert decide(p, ProductFacts({}), TEXT, only_empty=True, now=NOW) is Decision.QUEUE
    recent = ProductFacts({}, fingerprint="older", last_queued_at=NOW - COOLDOWN + timedelta(seconds=1))
    assert decide(p, recent, TEXT, only_empty=False, now=NOW) is Decision.COOLING_DOWN
    cooled = ProductFacts({}, fingerprint="older", last_queued_at=NOW - COOLDOWN)
    assert decide(p, cooled, TEXT, only_empty=False, now=NOW) is Decision.QUEUE


def test_the_fingerprint_covers_only_the_configured_fields() -> None:
    a, b = product(title="One"), product(title="Two")
    assert fingerprint(a, SEO) == fingerprint(b, SEO)
    assert fingerprint(a, TEXT) != fingerprint(b, TEXT)
    assert fingerprint(a, (Attribute.SEO_TITLE, Attribute.TITLE)) == fingerprint(
        a, (Attribute.TITLE, Attribute.SEO_TITLE)
    )
