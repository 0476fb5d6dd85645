from __future__ import annotations

import pytest

from optimizer_app.domain import image_alt
from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.products import Product, ProductImage
from optimizer_app.llm.base import Generation, GenerationRequest, LLMProvider, Usage
from optimizer_app.llm.checks import visible_text
from optimizer_app.llm.offline import (
    MODEL,
    OfflineProvider,
    clean_title,
    fit_words,
    improve_description,
    meta_description,
    seo_title,
)

SHIRT = Product(
    id="p1",
    title="  linen   shirt for men!!! ",
    description_html="A light shirt for summer days. It breathes well and dries fast. Wash cold.",
    extra={"material": "Linen", "color": ["Blue", "White"], "brand": "Acme", "price": "49.90"},
    images=(
        ProductImage("m1", "https://cdn.example/1.png"),
        ProductImage("m2", alt="old"),
        ProductImage("m3", ready=False),
    ),
)


async def generate(product: Product, *attributes: Attribute, language: str = "en") -> Generation:
    provider = OfflineProvider()
    try:
        return await provider.generate(GenerationRequest(product, attributes or tuple(Attribute), language))
    finally:
        await provider.aclose()


async def test_improves_every_attribute_and_labels_the_model() -> None:
    provider: LLMProvider = OfflineProvider()
    generation = await provider.generate(GenerationRequest(SHIRT, tuple(Attribute), "en"))
    assert provider.name == "offline"
    assert generation.model == MODEL == "offline-rules"
    assert set(generation.values) == set(Attribute)
    assert generation.rejected == {}
    assert generation.usage == Usage()
    assert generation.values[Attribute.TITLE] == "Linen Shirt for Men"
    for attribute, value in generation.values.items():
        if attribute is not Attribute.IMAGE_ALT:
            assert len(visible_text(value)) <= attribute.max_length
    assert image_alt.decode(generation.values[Attribute.IMAGE_ALT]) == [
        image_alt.ImageAlt("m1", "Linen Shirt for Men by Acme"),
        image_alt.ImageAlt("m2", "Linen Shirt for Men by Acme, view 2 of 2"),
        image_alt.ImageAlt("m3", ""),  # not ready: its alt text is left as it is
    ]


async def test_alt_text_of_a_product_without_images_is_refused_as_empty() -> None:
    generation = await generate(Product(id="p9", title="Mug", images=()), Attribute.IMAGE_ALT)
    assert generation.rejected == {Attribute.IMAGE_ALT: "empty"}


async def test_is_deterministic() -> None:
    first = await generate(SHIRT)
    second = await generate(SHIRT)
    assert first == second


async def test_output_equal_to_the_input_is_rejected_as_unchanged() -> None:
    # A change of case alone does not count as an improvement.
    product = Product(id="p2", title="linen shirt", description_html="<p>A shirt.</p>", seo_title="Linen Shirt")
    generation = await generate(product, Attribute.TITLE, Attribute.DESCRIPTION, Attribute.SEO_TITLE)
    assert generation.values == {}
    assert generation.rejected == {
        Attribute.TITLE: "unchanged",
        Attribute.DESCRIPTION: "unchanged",
        Attribute.SEO_TITLE: "unchanged",
    }


async def test_keeps_the_products_language_instead_of_translating() -> None:
    description = "Une chemise légère pour l'été. Lavage à froid."
    product = Product(id="p3", title="chemise en lin !!", description_html=description)
    generation = await generate(product, Attribute.TITLE, Attribute.SEO_DESCRIPTION, language="de")
    assert generation.values == {
        Attribute.TITLE: "Chemise En Lin",
        Attribute.SEO_DESCRIPTION: "Une chemise légère pour l'été. Lavage à froid.",
    }


class TestTitle:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("BEST Leather Wallet SALE!!!", "Leather Wallet"),
            ("BEST LEATHER WALLET!!!", "Best Leather Wallet"),
            ("  linen   shirt for men  ", "Linen Shirt for Men"),
            ("[HOT] Blue Mug - 350 ml", "Blue Mug - 350 ml"),
            ("NEW!!! usb-c cable 2M", "Usb-C Cable 2M"),
            ("Classic Mug ***", "Classic Mug"),
            ("قميص كتان", "قميص كتان"),
        ],
    )
    def test_cleaning(self, raw: str, expected: str) -> None:
        assert clean_title(raw) == expected

    def test_long_title_is_shortened_at_a_word_boundary(self) -> None:
        title = "Handmade " + "ceramic coffee mug with a wide handle " * 4
        cleaned = clean_title(title)
        assert len(cleaned) <= 80
        assert title.startswith(cleaned)
        assert title[len(cleaned)] == " "


class TestFitWords:
    def test_never_cuts_inside_a_word(self) -> None:
        assert fit_words("alpha beta gamma", 12) == "alpha beta"
        assert fit_words("alpha beta gamma", 16) == "alpha beta gamma"
        assert fit_words("supercalifragilistic", 5) == ""

    def test_drops_dangling_separators(self) -> None:
        assert fit_words("Linen Shirt - Blue", 13) == "Linen Shirt"


class TestDescription:
    def test_intro_paragraph_and_a_list_of_facts(self) -> None:
        html = improve_description(SHIRT)
        assert html.startswith("<p>A light shirt for summer days.")
        assert "<li><strong>Material:</strong> Linen</li>" in html
        assert "<li><strong>Color:</strong> Blue, White</li>" in html
        assert "49.90" not in html  # prices go stale; they are not copy

    def test_existing_html_is_sanitised_and_kept(self) -> None:
        product = Product(
            id="p4",
            title="Mug",
            description_html='<h2>Mug</h2><p onclick="x()">Big & bold.</p><script>steal()</script>',
            extra={"capacity": "350 ml"},
        )
        html = improve_description(product)
        assert html == "<h2>Mug</h2><p>Big &amp; bold.</p><ul><li><strong>Capacity:</strong> 350 ml</li></ul>"

    def test_facts_are_escaped(self) -> None:
        product = Product(id="p5", title="Mug", extra={"note": "<b>hot</b> & cold"})
        assert "<li><strong>Note:</strong> hot &amp; cold</li>" in improve_description(product)


class TestSeo:
    def test_seo_title_adds_the_brand_within_60(self) -> None:
        assert seo_title(SHIRT) == "Linen Shirt for Men | Acme"

    def test_seo_title_shortens_the_title_at_a_word_boundary_to_keep_the_brand(self) -> None:
        product = Product(id="p6", title="Organic cotton crew neck t-shirt with a relaxed fit", extra={"brand": "Acme"})
        value = seo_title(product)
        assert len(value) <= 60
        assert value.endswith(" | Acme")
        assert product.title.lower().startswith(value.removesuffix(" | Acme").lower())

    def test_meta_description_takes_whole_sentences_within_160(self) -> None:
        text = "A sentence of about forty characters. " * 6
        product = Product(id="p7", title="Mug", description_html=f"<p>{text}</p>")
        value = meta_description(product)
        assert len(value) <= 160
        assert value.endswith(".")

    def test_meta_description_of_one_long_sentence_ends_on_a_word(self) -> None:
        product = Product(id="p8", title="Mug", description_html="word " * 60)
        value = meta_description(product)
        assert len(value) <= 160
        assert value.endswith("word\u2026")

    def test_meta_description_without_text_uses_title_and_facts(self) -> None:
        product = Product(id="p9", title="mug", extra={"capacity": "350 ml"})
        assert meta_description(product) == "Mug. Capacity: 350 ml."
