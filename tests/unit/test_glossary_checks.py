"""The glossary's checks (llm/checks.py) in every language the default lists cover, and the rules
of what an owner may save (domain/glossary.py, domain/brand_voices.py)."""

from __future__ import annotations

import pytest

from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.brand_voices import parse_voice
from optimizer_app.domain.glossary import DEFAULT_HYPE_WORDS, BannedWord, Glossary, parse_glossary
from optimizer_app.domain.jobs import ItemReason
from optimizer_app.llm.checks import (
    banned_words_in,
    check_value,
    describe_rejection,
    glossary_error,
    misspelt_terms,
)

DEFAULTS = Glossary()


@pytest.mark.parametrize(
    ("language", "text", "found"),
    [
        ("en", "A revolutionary kettle.", ["revolutionary"]),
        ("en", "Two GAME-CHANGERS in one box.", ["GAME-CHANGERS"]),
        ("en", "A must have for every kitchen.", ["must have"]),
        ("de", "Ein revolutionärer Wasserkocher.", ["revolutionärer"]),
        ("de", "Qualität der Weltklasse, ein absolutes Muss.", ["ein absolutes Muss", "Weltklasse"]),
        ("fr", "Une bouilloire révolutionnaire, sans égal.", ["révolutionnaire", "sans égal"]),
        ("fr", "Des finitions inégalées.", ["inégalées"]),
        ("es", "Un hervidor revolucionario.", ["revolucionario"]),
        ("es", "Tazas revolucionarias e inigualables.", ["revolucionarias", "inigualables"]),
        ("ar", "غلاية ثورية بتصميم لا مثيل له.", ["ثورية", "لا مثيل له"]),
        ("ar", "وهي الأفضل على الإطلاق.", ["الأفضل على الإطلاق"]),
        ("ar", "تصميم غير مسبوق.", ["غير مسبوق"]),
    ],
)
def test_default_hype_words_are_found_in_each_language(language: str, text: str, found: list[str]) -> None:
    assert sorted(banned_words_in(text, DEFAULTS, language)) == sorted(found)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "A steel kettle that boils a litre in three minutes."),
        ("en", "A revolution counter for bicycles."),  # another word sharing the stem
        ("de", "Ein Wasserkocher aus Edelstahl."),
        ("fr", "Une bouilloire en acier, comparable aux autres."),
        ("es", "Un hervidor de acero con tapa."),
        ("ar", "غلاية من الفولاذ تغلي لترا في ثلاث دقائق."),
    ],
)
def test_plain_copy_passes_in_each_language(language: str, text: str) -> None:
    assert glossary_error(text, DEFAULTS, language) is None


def test_a_default_list_applies_only_to_its_language() -> None:
    assert banned_words_in("Ein revolutionary Gerät", DEFAULTS, "de") == []
    assert banned_words_in("A revolutionary kettle", DEFAULTS, "pt-BR") == []
    assert banned_words_in("A revolutionary kettle", DEFAULTS, "en") == ["revolutionary"]


def test_the_default_lists_cover_every_language_asked_for() -> None:
    assert set(DEFAULT_HYPE_WORDS) >= {"en", "ar", "de", "fr", "es"}
    assert all(len(words) >= 8 for words in DEFAULT_HYPE_WORDS.values())


def test_hype_words_switched_off_as_a_whole_or_one_by_one() -> None:
    text = "A revolutionary, unparalleled kettle."
    assert banned_words_in(text, Glossary(hype_enabled=False), "en") == []
    one_off = Glossary(hype_disabled=frozenset({"revolutionary"}))
    assert banned_words_in(text, one_off, "en") == ["unparalleled"]


def test_owner_words_apply_in_their_language_or_in_all() -> None:
    glossary = Glossary(banned_words=(BannedWord("cheap"), BannedWord("billig", "de")), hype_enabled=False)
    assert banned_words_in("Cheap mugs", glossary, "en") == ["Cheap"]
    assert banned_words_in("Cheap mugs", glossary, "de") == ["Cheap"]
    assert banned_words_in("Billige Tassen", glossary, "de") == ["Billige"]
    assert banned_words_in("Billige Tassen", glossary, "en") == []
    assert banned_words_in("A cheapskate's mug", glossary, "en") == []  # whole words only


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("The new iphone case", [["iPhone", "iphone"]]),
        ("The new IPHONE case", [["iPhone", "IPHONE"]]),
        ("For nike airmax shoes", [["Nike Air Max", "nike airmax"]]),
        ("For Nike Air-Max shoes", [["Nike Air Max", "Nike Air-Max"]]),
        ("The new iPhone case for Nike Air Max shoes", []),
        ("Three iPhones", []),  # another word
        ("كفر آيفون لحذاء Nike Air Max", []),
    ],
)
def test_exact_terms_must_be_written_exactly_so(text: str, wrong: list[list[str]]) -> None:
    glossary = Glossary(exact_terms=("iPhone", "Nike Air Max"))
    assert misspelt_terms(text, glossary) == wrong


def test_a_term_the_product_data_writes_otherwise_must_still_be_written_exactly() -> None:
    glossary = Glossary(exact_terms=("AirPods",))
    source = "airpods case, soft silicone"  # how the store's own data writes it
    result = check_value(
        Attribute.TITLE, before=source, after="Airpods case", source_text=source, language="en", glossary=glossary
    )
    assert result.value is None and result.error == 'glossary_term: [["AirPods", "Airpods"]]'
    result = check_value(
        Attribute.TITLE, before=source, after="AirPods case", source_text=source, language="en", glossary=glossary
    )
    assert result.value == "AirPods case"


def test_a_refusal_names_the_word_in_a_plain_sentence() -> None:
    result = check_value(
        Attribute.DESCRIPTION,
        before="<p>A kettle.</p>",
        after="<p>A <strong>revolutionary</strong> kettle.</p>",
        source_text="A kettle.",
        language="en",
        glossary=DEFAULTS,
    )
    assert result.value is None and result.error is not None
    assert describe_rejection(result.error) == (
        ItemReason.GLOSSARY_BANNED,
        "the suggestion used 'revolutionary', which the glossary forbids",
    )
    assert describe_rejection('glossary_term: [["iPhone", "iphone"], ["Nike Air Max", "nike air max"]]') == (
        ItemReason.GLOSSARY_TERM,
        "the suggestion wrote 'iphone' and 'nike air max' where the glossary asks for 'iPhone' and 'Nike Air Max'",
    )


def test_without_a_glossary_nothing_is_checked() -> None:
    result = check_value(Attribute.TITLE, before="Kettle", after="Revolutionary kettle", source_text="Kettle")
    assert result.value == "Revolutionary kettle"


class TestSavingAGlossary:
    def test_a_whole_glossary_is_cleaned(self) -> None:
        glossary = parse_glossary(
            {
                "exact_terms": [" iPhone ", "Nike  Air Max", "IPHONE"],
                "banned_words": [
                    {"word": "cheap"},
                    {"word": "Cheap", "language": None},
                    {"word": "billig", "language": "de"},
                ],
                "default_hype_words": {"enabled": True, "disabled_words": ["REVOLUTIONARY"], "words": {}},
            }
        )
        assert glossary.exact_terms == ("iPhone", "Nike Air Max")
        assert glossary.banned_words == (BannedWord("cheap"), BannedWord("billig", "de"))
        assert glossary.hype_disabled == frozenset({"revolutionary"})

    @pytest.mark.parametrize(
        ("body", "words"),
        [
            ({"exact_terms": ["x" * 101]}, "1 to 100 characters"),
            ({"exact_terms": ["t"] * 501}, "at most 500 entries"),
            ({"exact_terms": [""]}, "1 to 100 characters"),
            ({"exact_terms": "iPhone"}, "must be a list"),
            ({"banned_words": ["cheap"]}, "list of objects"),
            ({"banned_words": [{"word": "cheap", "language": "xx"}]}, "language must be null"),
            ({"banned_words": [{"word": "cheap", "lang": "en"}]}, "Unknown fields in banned_words"),
            ({"default_hype_words": {"enabled": "yes"}}, "true or false"),
            ({"default_hype_words": {"disabled_words": ["cheap"]}}, "not one of the default hype words"),
            ({"colour": "red"}, "Unknown fields: colour"),
        ],
    )
    def test_bad_input_is_refused_in_one_sentence(self, body: dict[str, object], words: str) -> None:
        whole = {"exact_terms": [], "banned_words": [], "default_hype_words": {"enabled": True}, **body}
        with pytest.raises(ValueError, match=words):
            parse_glossary(whole)

    def test_every_part_is_required(self) -> None:
        with pytest.raises(ValueError, match="banned_words, default_hype_words are required"):
            parse_glossary({"exact_terms": []})


class TestSavingAVoice:
    def test_a_voice_is_cleaned(self) -> None:
        clean = parse_voice(
            {"name": "  Warm   and plain ", "tone": " calm ", "prefer_words": ["cosy", "Cosy", " hand made "]},
            creating=True,
        )
        assert clean == {"name": "Warm and plain", "tone": "calm", "prefer_words": ["cosy", "hand made"]}

    @pytest.mark.parametrize(
        ("body", "words"),
        [
            ({}, "name is required"),
            ({"name": ""}, "1 to 60 characters"),
            ({"name": "n", "tone": "t" * 201}, "at most 200 characters"),
            ({"name": "n", "example": "e" * 1501}, "at most 1500 characters"),
            ({"name": "n", "avoid_words": ["w"] * 51}, "at most 50 words"),
            ({"name": "n", "avoid_words": [f"w{i}" for i in range(51)]}, "at most 50 words"),
            ({"name": "n", "prefer_words": ["w" * 61]}, "at most 60 characters"),
            ({"name": "n", "prefer_words": "cosy"}, "list of words"),
            ({"name": "n", "is_default": 1}, "true or false"),
            ({"name": "n", "voice": "x"}, "Unknown fields: voice"),
        ],
    )
    def test_bad_input_is_refused_in_one_sentence(self, body: dict[str, object], words: str) -> None:
        with pytest.raises(ValueError, match=words):
            parse_voice(body, creating=True)
