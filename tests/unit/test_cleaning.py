from __future__ import annotations

from datetime import UTC, datetime, timedelta

from koe.cleaning import (
    Stored,
    clean,
    fingerprint,
    jaccard,
    minhash_bands,
    normalise,
    spam_flags,
)
from koe.records import Mention

T0 = datetime(2026, 11, 20, 9, tzinfo=UTC)
LONG = "Aurora Coffee's new app crashes every time I try to pay at checkout"


def m(source_id: str, text: str, minutes: int = 0, source: str = "x",
      author: str | None = "someone") -> Mention:
    return Mention(source=source, source_id=source_id, text=text,
                   created_at=T0 + timedelta(minutes=minutes), author=author)


def test_normalise_drops_what_differs_between_copies() -> None:
    assert normalise("RT @kumo_fan: Aurora  COFFEE is great! https://t.co/abc") == \
        normalise("aurora coffee is great")
    assert normalise("ＡＵＲＯＲＡ　ｃｏｆｆｅｅ") == "aurora coffee"  # full-width folded
    assert fingerprint("オーロラ珈琲、最高！") == fingerprint("オーロラ珈琲 最高")


def test_minhash_bands_are_shared_by_near_copies_not_by_different_texts() -> None:
    def shared(x: str, y: str) -> int:
        return sum(a == b for a, b in zip(minhash_bands(x), minhash_bands(y), strict=True))

    assert len(minhash_bands(LONG)) == 8 and minhash_bands(LONG) == minhash_bands(LONG.upper())
    assert shared(LONG, LONG.replace("every time", "every single time")) >= 1
    assert shared(LONG, "Kumo Cafe opened a new shop downtown with a lovely terrace") == 0
    assert jaccard(LONG, LONG + "!!") == 1.0
    assert jaccard(LONG, "Kumo Cafe opened a new shop downtown") < 0.2


def test_exact_and_near_copies_collapse_to_the_earliest() -> None:
    incoming = [
        m("3", f"RT @aurora_fan: {LONG}", minutes=30),  # a retweet, later
        m("1", LONG, minutes=0),
        m("4", LONG.replace("every time", "everytime"), minutes=90),  # near copy
        m("2", "Kumo Cafe's cold brew is lovely this week", minutes=10),
        m("5", "ok", minutes=11),
        m("6", "ok", minutes=12),  # short, same author: a repeat
        m("7", "ok!", minutes=13, author="another"),  # short, someone else: an opinion
    ]
    result = clean(incoming, [])
    assert [x.source_id for x in result.mentions] == ["1", "2", "5", "7"]
    dups = {d.source_id: (d.canonical_id, d.kind) for d in result.duplicates}
    assert dups == {"3": ("1", "exact"), "4": ("1", "near"), "6": ("5", "exact")}
    assert all(x.fingerprint for x in result.mentions)


def test_short_texts_are_not_near_matched() -> None:
    result = clean([m("1", "great coffee today"), m("2", "great coffee today!!", 5),
                    m("3", "great coffees today", 6)], [])
    assert [x.source_id for x in result.mentions] == ["1", "3"]


def test_copies_far_apart_in_time_are_separate_mentions() -> None:
    later = 60 * 24 * 5
    result = clean([m("1", LONG), m("2", LONG + " now", later), m("3", LONG, later + 1)], [])
    assert [x.source_id for x in result.mentions] == ["1", "2"]
    assert [(d.source_id, d.canonical_id) for d in result.duplicates] == [("3", "2")]


def test_stored_mentions_win_and_are_never_reclassified() -> None:
    stored = [Stored("x", "old", T0 - timedelta(hours=1), fingerprint(LONG), LONG)]
    result = clean([m("new", LONG), m("old", LONG, minutes=-60)], stored)
    assert [x.source_id for x in result.mentions] == ["old"]
    assert [(d.source_id, d.canonical_id) for d in result.duplicates] == [("new", "old")]


def test_the_same_item_from_two_queries_is_not_its_own_duplicate() -> None:
    result = clean([m("1", LONG), m("1", LONG)], [])
    assert [x.source_id for x in result.mentions] == ["1", "1"] and not result.duplicates


def test_spam_flags_name_their_reason() -> None:
    assert spam_flags(m("1", "#a #b #c #d #e #f aurora")) == ("many_hashtags",)
    assert spam_flags(m("1", "https://a.test https://b.test https://c.test")) == \
        ("many_links", "link_only")
    assert spam_flags(m("1", "Aurora Coffee deals https://spam.test")) == ()
    assert spam_flags(m("1", "good coffee", author="deals_bot")) == ("bot_name",)
    assert spam_flags(m("1", "good coffee", author="abbott")) == ()
    assert spam_flags(m("1", "GIVEAWAY! follow & RT to win Aurora Coffee")) == ("promo",)
    assert spam_flags(m("1", "フォロー＆リポストでオーロラ珈琲が当たる！プレゼント企画")) == ("promo",)
    assert spam_flags(m("1", "AURORA COFFEE IS THE WORST COFFEE EVER")) == ("all_caps",)
    assert spam_flags(m("1", "I love Aurora Coffee")) == ()


def test_flags_are_kept_not_deleted() -> None:
    result = clean([m("1", "GIVEAWAY! follow & RT to win Aurora Coffee")], [])
    assert result.mentions[0].flags == ("promo",) and result.flagged == 1


def test_scores_without_comments_are_kept_and_never_duplicates() -> None:
    result = clean([m("1", "", author=None), m("2", "", 1, author=None), m("3", "  ", 2)], [])
    assert [x.source_id for x in result.mentions] == ["1", "2", "3"] and not result.duplicates
