"""koe.terms: tokenizing English and Japanese mentions, counting and contrasting terms."""

from __future__ import annotations

import pytest

from koe import terms
from koe.terms import distinctive_terms, excluded_terms, term_counts, tokenize


def test_english_keeps_content_words_lower_cased() -> None:
    assert tokenize("The Espresso is GREAT, but the Crema was watery") == [
        "espresso", "great", "crema", "watery"]


def test_english_drops_urls_handles_numbers_and_single_letters() -> None:
    text = "@acme_support see https://example.com/a?b=1 and www.acme.jp: order 12345 is x 3 days late"
    assert tokenize(text) == ["order", "days", "late"]


def test_hashtags_stay_whole_words_with_their_hash() -> None:
    assert tokenize("Never again #AcmeFail #配送遅延") == ["#acmefail", "#配送遅延"]


def test_contractions_do_not_leave_fragments() -> None:
    assert tokenize("I don't think it's worth it, we're leaving") == ["think", "worth", "leaving"]


def test_japanese_keeps_nouns_and_base_forms_without_particles() -> None:
    words = tokenize("配送が遅くて、サポートの対応も悪かった。コーヒーは美味しい")
    assert words == ["配送", "遅い", "サポート", "対応", "悪い", "コーヒー", "美味しい"]
    for particle in ("が", "の", "も", "は", "て", "た"):
        assert particle not in words


def test_japanese_drops_stopwords_and_numbers() -> None:
    words = tokenize("これは100円のことだと思う。アプリがある")
    assert "これ" not in words and "こと" not in words and "思う" not in words
    assert "ある" not in words and "100" not in words
    assert "アプリ" in words


def test_japanese_detected_without_a_language_and_mixed_latin_words_kept() -> None:
    assert tokenize("iPhoneのアプリでログインできない") == ["iphone", "アプリ", "ログイン"]
    assert tokenize("iPhoneのアプリでログインできない", "ja") == ["iphone", "アプリ", "ログイン"]


def test_nfkc_makes_full_and_half_width_the_same_word() -> None:
    assert tokenize("ＡＣＭＥ ｺｰﾋｰ") == tokenize("acme コーヒー")


def test_empty_text() -> None:
    assert tokenize("") == []
    assert tokenize("   ") == []


def test_janome_tokenizer_is_built_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import janome.tokenizer

    built = []

    class Counting(janome.tokenizer.Tokenizer):
        def __init__(self, *args: object, **kwargs: object) -> None:
            built.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(terms, "_tokenizer", None)
    monkeypatch.setattr(janome.tokenizer, "Tokenizer", Counting)
    for text in ("配送が遅い", "サポートが親切", "値段が高い"):
        tokenize(text)
    assert len(built) == 1


def test_term_counts_counts_texts_not_repetitions() -> None:
    counts = term_counts(["late late late delivery", "late parcel", "配送が遅い"])
    assert counts["late"] == 2
    assert counts["delivery"] == 1
    assert counts["配送"] == 1 and counts["遅い"] == 1


def test_term_counts_uses_given_languages_and_checks_their_length() -> None:
    assert term_counts(["アクメ最高"], ["ja"])["最高"] == 1
    with pytest.raises(ValueError, match="2 texts but 1 languages"):
        term_counts(["a", "b"], ["en"])


def test_excluded_terms_cover_name_pieces_hashtags_and_japanese() -> None:
    skip = excluded_terms(["Acme Coffee", "アクメ"])
    assert {"acme coffee", "acme", "coffee", "#acme", "#acmecoffee", "アクメ", "#アクメ"} <= skip


def test_distinctive_terms_finds_what_the_target_talks_about_more() -> None:
    target = ["delivery late again", "late delivery and damaged box", "courier lost parcel",
              "delivery late", "still waiting for delivery", "great taste"]
    background = ["great taste", "love the taste", "friendly staff", "great espresso",
                  "taste is great", "delivery ok"] * 3
    top = distinctive_terms(target, background, n=3)
    # "late" never occurs in the background, "delivery" does (3 of 18): late ranks first.
    assert top[:2] == ["late", "delivery"]
    assert "great" not in top and "taste" not in top


def test_distinctive_terms_excludes_brand_names_in_any_form() -> None:
    target = ["Acme delivery late #acme", "アクメの配送が遅い", "acme late parcel", "ACME late"]
    top = distinctive_terms(target, ["nice coffee"], n=10, exclude=["Acme", "アクメ"])
    assert "acme" not in top and "#acme" not in top and "アクメ" not in top
    assert "late" in top and "配送" in top


def test_distinctive_terms_prefers_repeated_terms_over_one_odd_post() -> None:
    target = ["refund pending", "refund pending", "refund never came", "refund please",
              "xylophone"]
    top = distinctive_terms(target, ["all good"] * 10, n=2)
    assert top[0] == "refund"
    assert "xylophone" not in top


def test_distinctive_terms_edges() -> None:
    assert distinctive_terms([], ["anything"]) == []
    assert distinctive_terms(["word"], []) == ["word"]
    # Deterministic: same input, same order.
    texts = ["alpha beta", "beta gamma", "gamma alpha"]
    assert distinctive_terms(texts, ["delta"], n=3) == distinctive_terms(texts, ["delta"], n=3)


def test_distinctive_terms_with_languages() -> None:
    top = distinctive_terms(["配送が遅い", "配送が遅すぎる"], ["味が良い"], n=2,
                            languages_target=["ja", "ja"], languages_background=["ja"])
    assert sorted(top) == ["遅い", "配送"]
