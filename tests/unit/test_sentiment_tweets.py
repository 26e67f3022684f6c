from __future__ import annotations

from sentiment.tweets import normalise


def test_handles_links_and_entities_match_tweeteval() -> None:
    assert normalise("@Bob_1 see https://t.co/x1 &amp; www.a.com now") == "@user see & now"
    assert normalise("mail me a@b.com") == "mail me a@b.com"
    assert normalise("a\x00b  \n c") == "a b c"
