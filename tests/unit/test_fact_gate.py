"""The fact gate per language: real product sentences whose numbers, units, materials and claims
the product data does not state are flagged with their exact words and place; facts the data
states (in any of the five languages) are not."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from optimizer_app.domain.attributes import Attribute
from optimizer_app.llm import facts
from optimizer_app.llm.checks import check_value
from optimizer_app.llm.facts import LANGUAGES, FactFlag, fold, unsupported_facts

VOCABULARY = Path(__file__).resolve().parents[2] / "src" / "optimizer_app" / "llm" / "vocabulary"
VEGAN_BAG = json.dumps(
    {
        "title": "Vegan PU tote bag",
        "description_html": "<p>A roomy tote in vegan PU, 250 g, 38 cm wide.</p>",
        "facts": {"material": "PU", "colour": "black"},
    }
)


def flagged(value: str, source: str = VEGAN_BAG, *, html: bool = False) -> list[tuple[str, str]]:
    return [(f["code"], f["text"]) for f in unsupported_facts(value, source, html_value=html)]


def utf16_slice(value: str, flag: FactFlag) -> str:
    units = value.encode("utf-16-le")
    return units[flag["start"] * 2 : flag["end"] * 2].decode("utf-16-le")


class TestEnglish:
    def test_vegan_pu_turned_genuine_italian_leather_is_stopped(self) -> None:
        assert flagged("Genuine Italian leather tote, 250 g.") == [
            ("claim", "Genuine"),
            ("claim", "Italian"),
            ("material", "leather"),
        ]

    def test_the_product_data_facts_pass(self) -> None:
        assert flagged("Roomy vegan PU tote in black, 38 cm wide and only 250 g.") == []

    def test_numbers_units_and_claims(self) -> None:
        source = '{"title": "Steel bottle", "facts": {"capacity": "750 ml", "weight_kg": 0.4}}'
        assert flagged("Waterproof steel bottle: 750 ml, 0.4 kg, 24 hours cold, BPA-free.", source) == [
            ("claim", "Waterproof"),
            ("number", "24 hours"),
            ("claim", "BPA-free"),
        ]

    def test_a_known_number_in_a_unit_the_data_never_uses_is_a_unit_flag(self) -> None:
        assert flagged("Weighs 250 lbs", VEGAN_BAG) == [("unit", "250 lbs")]

    def test_hypoallergenic_handmade_and_made_in(self) -> None:
        assert flagged("Hypoallergenic, hand-made earrings, made in France.", '{"title": "Earrings"}') == [
            ("claim", "Hypoallergenic"),
            ("claim", "hand-made"),
            ("claim", "made in"),
            ("claim", "France"),
        ]


class TestGerman:
    def test_echtes_italienisches_leder(self) -> None:
        assert flagged("Echtes italienisches Leder, handgefertigt und wasserdicht.") == [
            ("claim", "Echtes"),
            ("claim", "italienisches"),
            ("material", "Leder"),
            ("claim", "handgefertigt"),
            ("claim", "wasserdicht"),
        ]

    def test_compounds_and_a_translation_of_the_data(self) -> None:
        source = '{"title": "Cotton leather jacket", "facts": {"lining": "cotton"}}'
        assert flagged("Lederjacke mit Baumwollfutter", source) == []
        assert flagged("Lederjacke mit Seidenfutter", source) == [("material", "Seidenfutter")]

    def test_everyday_words_are_not_materials(self) -> None:
        assert flagged("Wir wollen, dass Sie lange Freude daran haben.", "{}") == []


class TestFrench:
    def test_cuir_veritable_fabrique_en_italie(self) -> None:
        assert flagged("Sac en cuir véritable fabriqué en Italie, 2 kg.") == [
            ("material", "cuir"),
            ("claim", "véritable"),
            ("claim", "fabriqué en"),
            ("claim", "Italie"),
            ("number", "2 kg"),
        ]

    def test_accents_do_not_matter(self) -> None:
        assert flagged("Coton bio certifie", '{"title": "Coton biologique certifié"}') == []


class TestSpanish:
    def test_piel_autentica_hecho_en_italia(self) -> None:
        assert flagged("Bolso de piel auténtica hecho en Italia, 100% impermeable.") == [
            ("material", "piel"),
            ("claim", "auténtica"),
            ("claim", "hecho en"),
            ("claim", "Italia"),
            ("number", "100%"),
            ("claim", "impermeable"),
        ]

    def test_the_data_in_english_supports_a_spanish_draft(self) -> None:
        assert flagged("Bolso vegano de PU, 250 gramos, 38 centímetros de ancho.") == []


class TestArabic:
    def test_genuine_italian_leather_in_arabic(self) -> None:
        assert flagged("حقيبة من الجلد الإيطالي الأصلي بوزن ٢٥٠ غرامًا") == [
            ("material", "من الجلد"),
            ("claim", "الإيطالي"),
            ("claim", "الأصلي"),
        ]

    def test_arabic_indic_digits_and_units_match_the_data(self) -> None:
        assert flagged("حقيبة نباتية بعرض ٣٨ سم ووزن ٢٥٠ غرام") == []

    def test_a_number_the_data_lacks(self) -> None:
        assert flagged("حقيبة بوزن ٥٠٠ غرام مقاومة للماء") == [("number", "٥٠٠ غرام"), ("claim", "مقاومة للماء")]

    def test_clitics_and_diacritics(self) -> None:
        assert flagged("مصنوعة من القُطن والحرير", '{"title": "قميص قطني"}') == [("material", "والحرير")]


class TestSpans:
    def test_a_span_is_the_exact_words_of_the_value_in_utf16_offsets(self) -> None:
        value = "😀 Genuine leather, 2 kg"
        flags = unsupported_facts(value, "{}")
        assert [utf16_slice(value, f) for f in flags] == ["Genuine", "leather", "2 kg"]
        assert flags[0]["start"] == 3  # the emoji takes two UTF-16 code units and the space one

    def test_in_html_the_span_points_into_the_markup_and_skips_tags(self) -> None:
        value = '<p dir="ltr">Echtes <strong>Leder</strong>, 500&nbsp;g</p>'
        flags = unsupported_facts(value, VEGAN_BAG, html_value=True)
        assert [(f["code"], utf16_slice(value, f)) for f in flags] == [
            ("claim", "Echtes"),
            ("material", "Leder"),
            ("number", "500&nbsp;g"),
        ]
        assert flags[2]["message"] == "number not in the product data: 500&nbsp;g"

    def test_words_inside_tags_are_not_read(self) -> None:
        assert flagged('<p class="leather">Tote</p>', "{}", html=True) == []

    def test_check_value_saves_flags_with_spans_into_the_saved_value(self) -> None:
        result = check_value(
            Attribute.DESCRIPTION, before="", after="<p>Genuine leather</p>", source_text=VEGAN_BAG, language="en"
        )
        assert result.value == "<p>Genuine leather</p>"
        assert [(f["code"], f["term"], f["start"], f["end"]) for f in result.flags] == [
            ("claim", "claim:genuine", 3, 10),
            ("material", "material:leather", 11, 18),
        ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_concept_has_words_in_every_language(language: str) -> None:
    vocabulary = json.loads((VOCABULARY / "facts.json").read_text(encoding="utf-8"))
    for kind in ("materials", "claims"):
        for concept, entry in vocabulary[kind].items():
            assert entry[language], f"{kind} {concept} has no {language} words"
            assert entry["source"] in vocabulary["sources"]


def test_folding() -> None:
    assert fold("Éco-Friendly ÄÖÜ ß") == "eco-friendly aou ss"
    assert fold("الإيطاليّة ١٢٫٥٪") == "الايطاليه 12.5%"


@pytest.mark.parametrize(
    "value",
    [
        "Plain text, no markup",
        "<p>Cuir&nbsp;v\u00e9ritable &amp; soie</p><br/>Stra\u00dfe 5&#8239;kg &unknown; a < b > c",
        "<h2>الجلد الإيطاليّة</h2>\t١٢٫٥٪",
        "n\u0303 e\u0301 \u2019 \u2013 \u00a0 &lt;tag&gt; <<b>>",
    ],
)
def test_the_quick_folding_reads_what_the_spans_are_measured_on(value: str) -> None:
    # Flags are placed with _normalise; a draft is searched in _folded's text: they must agree.
    for html_value in (False, True):
        assert facts._folded(value, html_value=html_value) == facts._normalise(value, html_value=html_value)[0]


def test_words_that_begin_alike_match_as_a_plain_longest_first_alternation_would() -> None:
    words = {"sil", "silk", "silver", "silver plated", "stainless", "stainless steel", "steel", "قطن"}
    shared = re.compile(rf"(?<![^\W_])(?:{facts._alternatives(words)})(?![^\W_])")
    plain = "|".join(r"[\s-]+".join(map(re.escape, w.split(" "))) for w in sorted(words, key=len, reverse=True))
    reference = re.compile(rf"(?<![^\W_])(?:{plain})(?![^\W_])")
    text = "silver-plated sil silky silk stainless  steel stainless-steels steel silverplated قطن"
    assert [m.group() for m in shared.finditer(text)] == [
        "silver-plated",
        "sil",
        "silk",
        "stainless  steel",
        "stainless",
        "steel",
        "قطن",
    ]
    assert [m.span() for m in shared.finditer(text)] == [m.span() for m in reference.finditer(text)]


def test_every_vocabulary_word_is_found_where_it_stands() -> None:
    gate = facts._gate()
    for vocabulary in (gate.units, gate.materials, gate.claims):
        for word in vocabulary.concepts:
            found = vocabulary.find(f"( {word} )")
            assert found and found[0][0] == 2, word
