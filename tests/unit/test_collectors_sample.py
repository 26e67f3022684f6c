from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from collectors import _sample_phrases as P
from collectors import build_collector
from collectors.base import CollectorError
from collectors.sample import SampleCollector, spike_day
from koe.config import Brand, SampleSource
from koe.records import Mention

REPO = Path(__file__).resolve().parents[2]
BRANDS = (
    Brand(name="Aurora Coffee",
          query='"aurora coffee" OR #auroracoffee OR オーロラ珈琲 -"aurora borealis"'),
    Brand(name="Nimbus Brew", query='"nimbus brew" OR ニンバス', competitor=True),
    Brand(name="Kumo Cafe", query='"kumo cafe" OR 雲カフェ', competitor=True),
)
SLUGS = {"aurora-coffee": BRANDS[0], "nimbus-brew": BRANDS[1], "kumo-cafe": BRANDS[2]}
SPIKE = date(2024, 5, 10)


def make(**options: object) -> SampleCollector:
    config = SampleSource(type="sample", **options)  # type: ignore[arg-type]
    made = build_collector(config, brands=BRANDS)
    assert isinstance(made, SampleCollector)
    return made


def days(start: date, n: int) -> tuple[datetime, datetime]:
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    return since, since + timedelta(days=n)


def brand_of(m: Mention) -> Brand:
    return SLUGS[m.source_id.split("-", 1)[1].rsplit("-", 1)[0]]


def _fragment(template: str) -> str:
    return max(template.split("{b}"), key=len).strip(" 、。,.").casefold()


NEGATIVE = [_fragment(t) for bank in (P.EN, P.JA) for topic in bank.values()
            for t in topic["negative"]]
NEGATIVE += [_fragment(t) for theme in P.SPIKE.values() for ts in theme.values() for t in ts]


def negative(m: Mention) -> bool:
    return any(f in m.text.casefold() for f in NEGATIVE)


def test_same_day_regenerates_identically_whatever_the_range() -> None:
    week = list(make(seed=3).fetch(None, *days(date(2024, 5, 1), 7)))
    one_day = list(make(seed=3).fetch(None, *days(date(2024, 5, 4), 1)))
    assert one_day and one_day == [m for m in week if m.created_at.date() == date(2024, 5, 4)]
    other_seed = list(make(seed=4).fetch(None, *days(date(2024, 5, 4), 1)))
    assert [m.text for m in other_seed] != [m.text for m in one_day]


def test_stable_across_processes() -> None:
    # Python's hash() changes per process; a second interpreter with another hash seed must
    # still produce the same day.
    script = (
        "from datetime import date\n"
        "from collectors.sample import SampleCollector\n"
        "from koe.config import Brand, SampleSource\n"
        "b = [Brand(name='Aurora Coffee', query='\"aurora coffee\" OR オーロラ珈琲')]\n"
        "c = SampleCollector(SampleSource(type='sample', mentions_per_day=5), brands=b)\n"
        "for m in c.day_mentions(date(2024, 5, 1)): print(m.source_id, m.created_at, m.text)\n"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True,
                       check=True, env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1 and outputs.pop().count("20240501-aurora-coffee-") >= 4


def test_every_mention_matches_its_brand_and_is_well_formed() -> None:
    since, until = days(date(2024, 5, 1), 7)
    mentions = list(make(spike_date=date(2024, 5, 3)).fetch(None, since, until))
    assert len({m.source_id for m in mentions}) == len(mentions)
    for m in mentions:
        assert brand_of(m).matches(m.text, m.language), m.text
        assert m.source == "sample" and m.language in {"en", "ja"}
        assert since <= m.created_at < until and m.created_at.tzinfo == UTC
        assert m.url == f"https://sample.koe.invalid/{m.source_id}"
        assert m.author and m.engagement.likes is not None
        assert m.rating is None or m.rating in {1.0, 2.0, 3.0, 4.0, 5.0}
    texts = [m.text for m in mentions]
    assert len(set(texts)) > 0.8 * len(texts)
    assert any("#" in t for t in texts) and any("★" in t for t in texts)


def test_volume_language_share_and_brand_weights() -> None:
    mentions = list(make(mentions_per_day=40, japanese_share=0.4)
                    .fetch(None, *days(date(2024, 5, 1), 14)))
    per_brand = Counter(brand_of(m).name for m in mentions)
    assert 40 * 14 * 1.1 < per_brand["Aurora Coffee"] < 40 * 14 * 1.5
    assert per_brand["Aurora Coffee"] > per_brand["Nimbus Brew"]
    assert 40 * 14 * 0.65 < per_brand["Kumo Cafe"] < 40 * 14 * 0.95
    share = sum(m.language == "ja" for m in mentions) / len(mentions)
    assert 0.35 < share < 0.45
    for m in mentions:
        assert (m.language == "ja") == any("\u3040" <= ch <= "\u9fff" for ch in m.text)
        if m.rating is not None and negative(m):
            assert m.rating <= 2, m.text
    negatives = sum(map(negative, mentions)) / len(mentions)
    assert 0.15 < negatives < 0.35


@pytest.mark.parametrize(("share", "expected"), [(0.0, {"en"}), (1.0, {"ja"})])
def test_language_share_extremes(share: float, expected: set[str]) -> None:
    mentions = make(japanese_share=share).day_mentions(date(2024, 5, 1))
    assert {m.language for m in mentions} == expected


def test_brand_language_restriction_and_fallback_to_name() -> None:
    brands = (Brand(name="Sora", query="sora OR ソラ", languages=("ja",)),
              Brand(name="Acme", query="#acme OR acmeco"))
    made = SampleCollector(SampleSource(type="sample", japanese_share=0.5), brands=brands)
    mentions = made.day_mentions(date(2024, 5, 1))
    sora = [m for m in mentions if "-sora-" in m.source_id]
    acme = [m for m in mentions if "-acme-" in m.source_id]
    assert sora and {m.language for m in sora} == {"ja"}
    assert acme and {m.language for m in acme} == {"en", "ja"}
    for m, brand in [(m, brands[0]) for m in sora] + [(m, brands[1]) for m in acme]:
        assert brand.matches(m.text, m.language), m.text


def test_planted_spike() -> None:
    made = make(spike_date=SPIKE, spike_factor=4.0)
    mentions = list(made.fetch(None, *days(SPIKE - timedelta(days=7), 8)))
    aurora = [m for m in mentions if brand_of(m).name == "Aurora Coffee"]
    by_day = Counter(m.created_at.date() for m in aurora if negative(m))
    baseline = sum(by_day[SPIKE - timedelta(days=d)] for d in range(1, 8)) / 7
    assert by_day[SPIKE] >= 3 * baseline
    volume = Counter(m.created_at.date() for m in aurora)
    assert volume[SPIKE] > 3 * volume[SPIKE - timedelta(days=7)]
    spike_langs = {m.language for m in aurora if m.created_at.date() == SPIKE}
    assert spike_langs == {"en", "ja"}
    # Competitors are untouched, and the spike does not disturb the day's usual mentions.
    plain = make().day_mentions(SPIKE)
    assert [m for m in made.day_mentions(SPIKE) if m.source_id in {p.source_id for p in plain}] \
        == plain
    assert Counter(brand_of(m).name for m in made.day_mentions(SPIKE))["Nimbus Brew"] == \
        Counter(brand_of(m).name for m in plain)["Nimbus Brew"]


def test_spike_brand_can_be_named() -> None:
    made = make(spike_date=SPIKE, spike_brand="Kumo Cafe")
    plain = make()
    assert len([m for m in made.day_mentions(SPIKE) if "kumo" in m.source_id]) > 3 * len(
        [m for m in plain.day_mentions(SPIKE) if "kumo" in m.source_id]) * 0.9


def test_window_bounds_are_respected() -> None:
    since = datetime(2024, 5, 1, 6, 30, tzinfo=UTC)
    until = datetime(2024, 5, 2, 18, 15, tzinfo=UTC)
    made = make()
    mentions = list(made.fetch(None, since, until))
    expected = [m for d in (date(2024, 5, 1), date(2024, 5, 2)) for m in made.day_mentions(d)
                if since <= m.created_at < until]
    assert mentions == expected and mentions
    assert list(made.fetch(None, since, since)) == []
    with pytest.raises(CollectorError, match="timezone"):
        list(made.fetch(None, datetime(2024, 5, 1), until))


def test_spike_day() -> None:
    assert spike_day(SampleSource(type="sample")) is None
    assert spike_day(SampleSource(type="sample", spike_date=SPIKE)) == SPIKE
    relative = SampleSource(type="sample", spike_days_ago=2)
    assert spike_day(relative, today=date(2024, 5, 12)) == SPIKE
