"""How an answer settles its items: an answer equal to the current text is a result that needs no
change (not a failure), and a field written again carries the owner's note and the old suggestion."""

from __future__ import annotations

from optimizer_app import outcomes
from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.jobs import ItemReason
from optimizer_app.domain.products import Product
from optimizer_app.llm.base import Generation, Rewrite
from optimizer_app.llm.offline import OfflineProvider
from optimizer_app.queue import ClaimedItem

PRODUCT = Product(id="p1", title="Linen Shirt", description_html="<p>A linen shirt.</p>", seo_title="Linen Shirt")


def claimed(item_id: int, attribute: Attribute, **extra: object) -> ClaimedItem:
    return ClaimedItem(
        id=item_id, job_id=1, store_id=1, product_id="p1", attribute=attribute, attempts=1, product=PRODUCT,
        target_lang="en", user_prompt="", store_settings={}, **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def test_an_unchanged_answer_is_a_result_that_keeps_the_current_text() -> None:
    items = [claimed(1, Attribute.TITLE), claimed(2, Attribute.SEO_TITLE), claimed(3, Attribute.SEO_DESCRIPTION)]
    generation = Generation(
        values={Attribute.SEO_DESCRIPTION: "Shop the linen shirt."},
        rejected={Attribute.TITLE: "unchanged", Attribute.SEO_TITLE: "too_long: 90 > 60"},
    )
    results, failures = outcomes.of_generation(items, generation, 0.0, default_model="m", prices={})
    assert [(r.item_id, r.value, r.no_change) for r in results] == [
        (1, "Linen Shirt", True), (3, "Shop the linen shirt.", False),
    ]  # fmt: skip
    assert [(f.item_id, f.reason) for f in failures] == [(2, ItemReason.TOO_LONG)]


async def test_the_offline_rules_answer_no_change_for_a_field_they_cannot_improve() -> None:
    items = [claimed(1, Attribute.TITLE)]
    generation = await OfflineProvider().generate(outcomes.generation_request(items))
    results, failures = outcomes.of_generation(items, generation, 0.0, default_model="m", prices={})
    assert failures == [] and [(r.value, r.no_change) for r in results] == [("Linen Shirt", True)]


def test_a_field_written_again_asks_with_the_note_and_the_suggestion_set_aside() -> None:
    items = [
        claimed(1, Attribute.TITLE, regenerated=True, note="shorter", previous="Linen Shirt for Summer Days"),
        claimed(2, Attribute.SEO_TITLE, regenerated=True, previous=None),
        claimed(3, Attribute.SEO_DESCRIPTION),
    ]
    request = outcomes.generation_request(items)
    assert request.rewrites == (
        Rewrite(Attribute.TITLE, "Linen Shirt for Summer Days", "shorter"), Rewrite(Attribute.SEO_TITLE, "", ""),
    )  # fmt: skip
