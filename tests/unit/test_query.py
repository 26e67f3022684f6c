from __future__ import annotations

import pytest

from koe.query import Query, QueryError


@pytest.mark.parametrize(
    ("query", "text", "language", "expected"),
    [
        ('"aurora coffee"', "Loving Aurora Coffee today", "en", True),
        ('"aurora coffee"', "aurora and coffee apart", "en", False),
        ("aurora OR nimbus", "nimbus is fine", "en", True),
        ("aurora -borealis", "aurora borealis tonight", "en", False),
        ("aurora NOT borealis", "aurora cafe tonight", "en", True),
        ("#auroracoffee", "so good #AuroraCoffee!", "en", True),
        ("#auroracoffee", "auroracoffee without a hash", "en", False),
        ("aurora", "auroral lights", "en", False),  # whole words in Latin text
        ("オーロラ珈琲", "今日のオーロラ珈琲は最高", "ja", True),  # substring in Japanese
        ("ＡＵＲＯＲＡ", "aurora", "en", True),  # NFKC + case folding
        ("(aurora OR nimbus) coffee", "nimbus coffee", "en", True),
        ("(aurora OR nimbus) coffee", "nimbus tea", "en", False),
        ("aurora lang:ja", "aurora", "en", False),
        ("aurora lang:ja,en", "aurora", "en", True),
    ],
)
def test_matching(query: str, text: str, language: str, expected: bool) -> None:
    assert Query.parse(query).matches(text, language) is expected


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ('"aurora', "unclosed quote"),
        ("(aurora OR nimbus", "never closed"),
        ("aurora)", "unexpected"),
        ("aurora OR", "ends where a term"),
        ("OR aurora", "needs a term"),
        ("", "empty"),
        ("-aurora", "only excludes"),
        ("#", "needs a tag"),
    ],
)
def test_errors_say_what_and_where(query: str, fragment: str) -> None:
    with pytest.raises(QueryError, match=fragment):
        Query.parse(query)


def test_search_alternatives_one_per_or_branch() -> None:
    q = Query.parse('"aurora coffee" OR #auroracoffee OR オーロラ珈琲 -"aurora borealis"')
    assert q.search_alternatives() == ['"aurora coffee"', "#auroracoffee", "オーロラ珈琲"]
    assert [t.text for t in q.terms()] == ["aurora coffee", "#auroracoffee", "オーロラ珈琲"]
