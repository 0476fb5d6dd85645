"""The quality score: lengths against what search engines show, the product's name in the SEO
title, readability per language, flags and the duplicate hook; and which fields an only-empty job
writes."""

from __future__ import annotations

import pytest

from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.empty_fields import fields_to_write, is_empty
from optimizer_app.domain.jobs import publish_refusal
from optimizer_app.domain.products import Product
from optimizer_app.domain.quality import quality, readability
from optimizer_app.llm.scoring import score_value

GOOD_SEO_TITLE = "Merino Wool Beanie - Warm Ribbed Winter Hat | North Co"  # 54 characters
GOOD_META = (
    "A soft merino wool beanie with a ribbed knit that keeps you warm on cold days. "
    "Fits most heads and folds flat for your pocket or bag."
)


def test_a_seo_title_of_50_to_60_characters_naming_the_product_scores_100() -> None:
    assert 50 <= len(GOOD_SEO_TITLE) <= 60
    assert quality(Attribute.SEO_TITLE, GOOD_SEO_TITLE, product_name="Merino wool beanie") == {
        "score": 100,
        "reasons": [],
    }


def test_a_seo_title_without_the_products_name_loses_points() -> None:
    result = quality(
        Attribute.SEO_TITLE, "Warm Ribbed Winter Hat for Cold Days | North Co", product_name="Merino beanie"
    )
    assert result == {"score": 70, "reasons": ["name_missing", "short"]}


@pytest.mark.parametrize(
    ("length", "reason"),
    [(20, "too_short"), (100, "short"), (140, None), (160, "too_long")],
)
def test_meta_description_length_against_the_snippet(length: int, reason: str | None) -> None:
    text = ("Warm hat. " * 20)[:length].strip().ljust(length, "x")
    result = quality(Attribute.SEO_DESCRIPTION, text, language="en")
    assert (result["reasons"][:1] or [None])[0] == reason


def test_flags_lower_the_score_three_times_at_most() -> None:
    assert quality(Attribute.SEO_DESCRIPTION, GOOD_META, flags=1)["score"] == 85
    assert quality(Attribute.SEO_DESCRIPTION, GOOD_META, flags=7) == {"score": 55, "reasons": ["unsupported_facts"]}


def test_the_duplicate_hook_takes_what_it_is_given() -> None:
    assert quality(Attribute.SEO_DESCRIPTION, GOOD_META, duplicate_penalty=40) == {
        "score": 60,
        "reasons": ["duplicate"],
    }


def test_readability_lix_per_language() -> None:
    easy = "This hat is warm. It is soft. It fits well. You can wear it all day. " * 3
    hard = (
        "This extraordinarily comfortable headwear accessory incorporates sophisticated thermoregulating "
        "characteristics, guaranteeing exceptional temperature management throughout demanding environmental "
        "circumstances, simultaneously delivering outstanding aesthetic versatility. "
    ) * 2
    assert readability(easy).lix < 30
    assert quality(Attribute.DESCRIPTION, easy * 3, language="en")["reasons"] == []
    assert "hard_to_read" in quality(Attribute.DESCRIPTION, hard, language="en")["reasons"]
    one_sentence = "This hat is warm and soft and fits well and you can wear it all day " * 5 + "."
    assert "long_sentences" in quality(Attribute.DESCRIPTION, one_sentence, language="en")["reasons"]


def test_german_runs_longer_words_before_it_reads_as_hard() -> None:
    text = (
        "Die Mütze ist warm und weich. Sie besteht aus Merinowolle und passt jedem Kopf. "
        "Das Rippenmuster sieht klassisch aus. Sie lässt sich flach falten und passt in jede Tasche. "
    ) * 3
    assert "hard_to_read" not in quality(Attribute.DESCRIPTION, text, language="de")["reasons"]


def test_arabic_text_is_rated_too() -> None:
    text = "قبعة دافئة من صوف المارينو. ناعمة على الرأس. تناسب معظم المقاسات وتطوى بسهولة في الحقيبة. " * 5
    assert readability(text).words > 20
    assert quality(Attribute.DESCRIPTION, text, language="ar")["reasons"] == []


def test_a_description_is_scored_on_what_a_shopper_reads() -> None:
    html = "<p>" + "<strong>Warm</strong> hat. " * 5 + "</p>"
    assert score_value(Attribute.DESCRIPTION, html, product_name="Hat", language="en")["reasons"] == ["too_short"]


def test_publishing_below_the_asked_score_is_refused() -> None:
    assert publish_refusal("NEW", [], score=59, min_score=60) == "below_score"
    assert publish_refusal("NEW", [], score=None, min_score=60) == "below_score"
    assert publish_refusal("NEW", [], score=60, min_score=60) is None
    assert publish_refusal("ACCEPTED", [{"code": "claim"}], score=10) is None
    assert publish_refusal("NEW", [{"code": "claim"}], score=100, min_score=0) == "needs_review"


@pytest.mark.parametrize(
    ("attribute", "value", "empty"),
    [
        (Attribute.TITLE, "  ", True),
        (Attribute.SEO_TITLE, "Hat", False),
        (Attribute.DESCRIPTION, "<p>&nbsp;</p><br>", True),
        (Attribute.DESCRIPTION, "<p>Hat</p>", False),
        (Attribute.SEO_DESCRIPTION, "", True),
    ],
)
def test_what_counts_as_empty(attribute: Attribute, value: str, empty: bool) -> None:
    assert is_empty(attribute, value) is empty


def test_only_empty_fields_are_written() -> None:
    products = [
        Product("1", "Hat", seo_title="Hat | Shop"),
        Product("2", "Scarf", description_html="<p>Long</p>", seo_title="Scarf", seo_description="Warm scarf"),
        Product("3", "Mug"),
    ]
    fields = (Attribute.DESCRIPTION, Attribute.SEO_TITLE, Attribute.SEO_DESCRIPTION)
    plan = fields_to_write(products, fields, only_empty=True)
    assert [(p.id, [a.value for a in a_]) for p, a_ in plan.products] == [
        ("1", ["description", "seo_description"]),
        ("3", ["description", "seo_title", "seo_description"]),
    ]
    assert (plan.fields, plan.skipped) == (5, 4)
    assert fields_to_write(products, fields, only_empty=False).fields == 9
