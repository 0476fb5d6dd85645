"""What two descriptions are compared by (words, folded, in English and Arabic), their shingles,
MinHash signatures and bands, and how a refusal for duplicate content reads."""

from __future__ import annotations

import pytest

from optimizer_app import minhash
from optimizer_app.domain.jobs import ItemReason
from optimizer_app.domain.near_duplicates import (
    BANDS,
    MAX_TEXT_CHARS,
    NUM_PERM,
    ROWS,
    THRESHOLD,
    jaccard,
    normalise,
    shingles,
)
from optimizer_app.llm.checks import describe_rejection, duplicate_content, is_duplicate_content

SHIRT = (
    "<p>The Linen Shirt is cut from washed European linen, soft from the first wear and cool on "
    "warm days. A relaxed fit, a button-down collar and a curved hem that looks right tucked in or "
    "worn loose. Mother-of-pearl buttons, reinforced seams and a chest pocket for your glasses.</p>"
)


def test_english_markup_case_entities_and_punctuation_do_not_count() -> None:
    assert normalise("<p>The <strong>BEST</strong>&nbsp;shirt &amp; tie!</p><ul><li>Size: XL</li></ul>") == (
        "the best shirt tie size xl"
    )
    assert normalise("Café") == normalise("CAFÉ") == normalise("Cafe\u0301")  # composed or not
    assert normalise("ﬁne ｗｏｒｄｓ") == "fine words"  # compatibility forms


def test_arabic_diacritics_tatweel_and_interchangeable_letters_do_not_count() -> None:
    plain = "قميص قطني مريح للرجال"
    vowelled = "قَمِيصٌ قُطْنِيّ مُرِيــح لِلرِّجَال"
    assert normalise(vowelled) == normalise(plain) == plain
    # alef forms, alef maksura and teh marbuta as people write them interchangeably
    assert normalise("أحمر إلى آخر القطعة") == normalise("احمر الي اخر القطعه")
    # Arabic-Indic digits compare as the same number
    assert normalise("<p>حجم ١٢٣ مل</p>") == "حجم 123 مل"


def test_shingles_are_runs_of_three_words_and_a_short_text_is_one() -> None:
    assert shingles("One two three four") == frozenset({"one two three", "two three four"})
    assert shingles("<p>Coming soon</p>") == frozenset({"coming soon"})
    assert shingles("") == shingles("<p>&nbsp;</p>") == shingles("!!! ...") == frozenset()


def test_bad_input_is_refused_and_a_huge_text_counts_only_its_beginning() -> None:
    with pytest.raises(TypeError, match="not NoneType"):
        normalise(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not bytes"):
        shingles(b"<p>bytes</p>")  # type: ignore[arg-type]
    huge = "word " * (MAX_TEXT_CHARS // 5) + "tail " * 10_000
    assert "tail" not in normalise(huge)
    assert minhash.signature("<p></p>") is None and minhash.text_hash("  ") is None


def test_a_few_words_changed_is_near_a_rewrite_is_not() -> None:
    colour = SHIRT.replace("washed European linen", "washed Belgian linen")
    rewrite = (
        "<p>A relaxed shirt in washed linen that stays cool in summer. Pearl buttons, strong seams and "
        "a pocket on the chest. Wear it tucked in or loose.</p>"
    )
    assert jaccard(shingles(SHIRT), shingles(colour)) >= THRESHOLD
    assert jaccard(shingles(SHIRT), shingles(rewrite)) < 0.2
    assert jaccard(frozenset(), shingles(SHIRT)) == 0.0


def test_signatures_estimate_the_similarity_and_share_bands_when_near() -> None:
    assert BANDS * ROWS <= NUM_PERM
    same = minhash.signature(SHIRT.upper())
    a = minhash.signature(SHIRT)
    near = minhash.signature(SHIRT.replace("chest pocket", "side pocket"))
    far = minhash.signature("<p>A stoneware mug of 350 ml, glazed by hand in Porto.</p>")
    assert a is not None and same is not None and near is not None and far is not None
    assert a == same  # the same words: the same signature, bands and digest
    assert len(a.values) == minhash.SIGNATURE_BYTES and len(a.buckets) == BANDS
    exact = jaccard(shingles(SHIRT), shingles(SHIRT.replace("chest pocket", "side pocket")))
    assert abs(minhash.similarity(a.values, near.values) - exact) < 0.12
    assert set(a.buckets) & set(near.buckets)
    assert minhash.similarity(a.values, far.values) < 0.1 and not set(a.buckets) & set(far.buckets)
    assert minhash.similarities(a.values, [near.values, far.values]) == [
        minhash.similarity(a.values, near.values),
        minhash.similarity(a.values, far.values),
    ]
    with pytest.raises(ValueError, match="512 bytes"):
        minhash.similarity(a.values, b"short")


def test_a_duplicate_content_refusal_names_the_other_product() -> None:
    reason = duplicate_content("gid://shopify/Product/7", "Linen Shirt — Sand", 0.934)
    assert is_duplicate_content(reason) and not is_duplicate_content("too_long: 90 > 80")
    code, sentence = describe_rejection(reason)
    assert code is ItemReason.DUPLICATE_CONTENT
    assert sentence == (
        "the description was almost the same as the description of 'Linen Shirt — Sand' (93% alike), "
        "another product in the store"
    )
    untitled = describe_rejection(duplicate_content("42", "", 0.8))[1]
    assert "product 42 (80% alike)" in untitled
    assert describe_rejection("duplicate_content: not json")[0] is ItemReason.DUPLICATE_CONTENT
