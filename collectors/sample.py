"""Koe's own sample source: realistic English and Japanese mentions, with a planted spike.

Everything is a pure function of ``(seed, day, brand)`` through a stable hash, so any day
comes out identical whatever range is asked for, on any machine and Python version. That
lets demos, tests and backfills agree with each other without storing anything.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from collectors import _sample_phrases as P
from collectors._text import has_cjk, slugify, stable_hash
from collectors.base import Collector
from koe.config import Brand, SampleSource
from koe.query import Query
from koe.records import Engagement, Mention

logger = logging.getLogger(__name__)

PRIMARY_FACTOR = 1.3
COMPETITOR_FACTOR = 0.8
WEEKDAY_FACTOR = (1.0, 0.96, 1.0, 1.04, 1.1, 0.88, 0.82)  # Monday .. Sunday
# UTC hours: Japanese daytime (00-14 UTC) and European/American daytime (08-23 UTC) overlap.
HOUR_WEIGHTS = (6, 6, 6, 6, 5, 5, 4, 4, 5, 5, 6, 7, 8, 8, 9, 9, 8, 8, 7, 6, 5, 4, 4, 5)
BASE_MIX = (0.45, 0.30, 0.25)  # positive, neutral, negative
URL = "https://sample.koe.invalid/{}"
_SPACES = re.compile(r" {2,}")


def spike_day(config: SampleSource, today: date | None = None) -> date | None:
    """The day the planted spike falls on, or None when the source plants none.

    ``load_config`` pins ``spike_days_ago`` to a date; ``today`` only matters for a
    config built without it.
    """
    if config.spike_date is not None or config.spike_days_ago is None:
        return config.spike_date
    return config.resolved_spike_date(today or datetime.now(UTC).date())


def spike_brand(config: SampleSource, brands: tuple[Brand, ...]) -> Brand | None:
    if config.spike_brand is not None:
        return next((b for b in brands if b.name == config.spike_brand), None)
    return _primary(brands)


def _primary(brands: tuple[Brand, ...]) -> Brand | None:
    return next((b for b in brands if not b.competitor), brands[0] if brands else None)


@dataclass(frozen=True)
class _Voice:
    """What the generator needs to know about one brand, worked out once."""

    brand: Brand
    slug: str
    terms: dict[str, tuple[str, ...]]  # language -> brand terms that match the query
    hashtags: tuple[str, ...]
    mix: tuple[float, float, float]
    volume: float


def _voice(brand: Brand, seed: int, primary: bool) -> _Voice:
    terms: dict[str, tuple[str, ...]] = {}
    words = [t.text for t in brand.parsed_query.terms() if not t.hashtag]
    allowed = set(brand.languages) if brand.languages else {"en", "ja"}
    for lang, probe, fits in (
        ("en", "Thinking about {} today.", lambda w: w.isascii()),
        ("ja", "{}のこと考えてる。", has_cjk),
    ):
        if lang not in allowed:
            continue
        ok = _fitting(brand, lang, probe, [_display(w, brand) for w in words if fits(w)])
        if not ok and lang == "ja":
            # Japanese posts often write a Latin brand name as is, set off by spaces (the
            # query's word boundaries need them next to kana).
            ok = _fitting(brand, lang, probe,
                          [brand.name] + [f" {_display(w, brand)} " for w in words if w.isascii()])
        elif not ok:
            ok = _fitting(brand, lang, probe, [brand.name])
        if ok:
            terms[lang] = ok
    hashtags = tuple(t.text for t in brand.parsed_query.terms() if t.hashtag)
    rng = random.Random(stable_hash(seed, "mix", brand.name))
    shift = rng.uniform(-0.08, 0.08)
    mix = (BASE_MIX[0] + shift, BASE_MIX[1], BASE_MIX[2] - shift)
    volume = PRIMARY_FACTOR if primary else COMPETITOR_FACTOR if brand.competitor else 1.0
    return _Voice(brand, slugify(brand.name), terms, hashtags, mix, volume)


def _fitting(brand: Brand, lang: str, probe: str, candidates: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for c in candidates if brand.matches(probe.format(c), lang)))


def _display(term: str, brand: Brand) -> str:
    return brand.name if term.casefold() == brand.name.casefold() else term


class SampleCollector(Collector[SampleSource]):
    type = "sample"
    per_query = False

    def setup(self) -> None:
        primary = _primary(self.brands)
        self._voices = tuple(_voice(b, self.config.seed, b is primary) for b in self.brands)
        for v in self._voices:
            if not v.terms:
                logger.warning("%s: brand %r allows neither English nor Japanese; no sample "
                               "mentions are generated for it", self.name, v.brand.name)
        self._spike_day = spike_day(self.config)
        target = spike_brand(self.config, self.brands)
        self._spike_brand = target.name if target else None
        if self.config.spike_brand and target is None:
            logger.warning("%s: spike_brand %r is not among the brands; no spike planted",
                           self.name, self.config.spike_brand)

    def check(self) -> str:
        spike = self.config.resolved_spike_date(datetime.now(UTC).date())
        return (f"built-in sample generator, {self.config.mentions_per_day} mentions a day per "
                f"brand" + (f", negative spike for {self.config.spike_brand} on {spike}"
                            if self.config.spike_brand and spike else ""))

    def probe(self) -> str:
        return "offline generator: nothing to reach"

    def fetch(self, query: Query | None, since: datetime, until: datetime) -> Iterator[Mention]:
        self._check_window(since, until)
        day = since.astimezone(UTC).date()
        last = until.astimezone(UTC).date()
        count = 0
        while day <= last:
            for mention in self.day_mentions(day):
                if since <= mention.created_at < until:
                    count += 1
                    yield mention
            day += timedelta(days=1)
        logger.info("%s: generated %d sample mentions", self.name, count)

    def day_mentions(self, day: date) -> list[Mention]:
        """Every mention of ``day`` (UTC) for every brand; the same list on every call."""
        out: list[Mention] = []
        for voice in self._voices:
            if voice.terms:
                out.extend(self._brand_day(voice, day))
        return out

    def _usual_volume(self, voice: _Voice, day: date, rng: random.Random) -> int:
        base = self.config.mentions_per_day * voice.volume * WEEKDAY_FACTOR[day.weekday()]
        return max(1, round(base * rng.uniform(0.85, 1.15)))

    def _brand_day(self, voice: _Voice, day: date) -> list[Mention]:
        seed = self.config.seed
        rng = random.Random(stable_hash(seed, day.isoformat(), voice.brand.name))
        n = self._usual_volume(voice, day, rng)
        mentions = []
        for i in range(n):
            sentiment = rng.choices(P.SENTIMENTS, weights=voice.mix)[0]
            topic = rng.choice(P.TOPICS)
            lang = self._language(voice, rng)
            bank = P.JA if lang == "ja" else P.EN
            template = rng.choice(bank[topic][sentiment])
            created = _moment(day, rng.choices(range(24), weights=HOUR_WEIGHTS)[0], rng)
            mentions.append(self._mention(voice, day, i, lang, template, sentiment, created, rng))
        if day == self._spike_day and voice.brand.name == self._spike_brand:
            mentions.extend(self._spike(voice, day, n))
        return mentions

    def _spike(self, voice: _Voice, day: date, usual: int) -> list[Mention]:
        rng = random.Random(stable_hash(self.config.seed, day.isoformat(), voice.brand.name,
                                        "spike"))
        theme = sorted(P.SPIKE)[stable_hash(self.config.seed, day.isoformat()) % len(P.SPIKE)]
        extra = round((self.config.spike_factor - 1) * usual)
        start = rng.randint(5, 12)  # the incident starts mid-morning UTC and keeps going
        mentions = []
        for j in range(extra):
            lang = self._language(voice, rng)
            template = rng.choice(P.SPIKE[theme][lang])
            hour = min(23, start + int(rng.expovariate(1 / 4)))
            created = _moment(day, hour, rng)
            mentions.append(
                self._mention(voice, day, usual + j, lang, template, "negative", created, rng,
                              boost=3.0)
            )
        logger.info("%s: planted %d %s mentions for %s on %s", self.name, extra, theme,
                    voice.brand.name, day)
        return mentions

    def _language(self, voice: _Voice, rng: random.Random) -> str:
        wants_ja = rng.random() < self.config.japanese_share
        if "ja" in voice.terms and (wants_ja or "en" not in voice.terms):
            return "ja"
        return "en"

    def _mention(self, voice: _Voice, day: date, i: int, lang: str, template: str,
                 sentiment: str, created: datetime, rng: random.Random,
                 boost: float = 1.0) -> Mention:
        term = rng.choice(voice.terms[lang])
        if lang == "en" and rng.random() < 0.15:
            term = term.lower()  # people rarely capitalise brand names in a hurry
        # Questions don't come with stars; statements sometimes do, as in review sites.
        rating = _rating(sentiment, rng) if rng.random() < 0.3 and "?" not in template else None
        text = _compose(template, term, lang, sentiment, voice.hashtags, rating, rng)
        source_id = f"{day:%Y%m%d}-{voice.slug}-{i:04d}"
        likes = int(rng.expovariate(1 / 6) * boost)
        if rng.random() < 0.03:
            likes *= 20
        return Mention(
            source=self.name,
            source_id=source_id,
            text=text,
            created_at=created,
            url=URL.format(source_id),
            author=_handle(rng),
            language=lang,
            rating=float(rating) if rating is not None else None,
            engagement=Engagement(
                likes=likes,
                replies=int(likes * rng.uniform(0, 0.3)),
                reposts=int(likes * rng.uniform(0, 0.2)),
            ),
        )


def _moment(day: date, hour: int, rng: random.Random) -> datetime:
    start = datetime.combine(day, time(hour), tzinfo=UTC)
    return start + timedelta(seconds=rng.randrange(3600))


def _rating(sentiment: str, rng: random.Random) -> int:
    if sentiment == "positive":
        return 5 if rng.random() < 0.6 else 4
    if sentiment == "negative":
        return 1 if rng.random() < 0.55 else 2
    return rng.choice((2, 3, 3, 3, 4))


def _compose(template: str, term: str, lang: str, sentiment: str, hashtags: tuple[str, ...],
             rating: int | None, rng: random.Random) -> str:
    sentence = template.format(b=term)
    if lang == "ja":
        text = (rng.choice(P.JA_OPENERS[sentiment]) + sentence
                + rng.choice(P.JA_CLOSERS[sentiment]))
        generic = P.JA_TAGS[sentiment]
    else:
        opener = rng.choice(P.EN_OPENERS[sentiment])
        if opener.endswith(", ") and not template.startswith(("{b}", "I ")):
            sentence = sentence[0].lower() + sentence[1:]
        text = opener + sentence + rng.choice(P.EN_CLOSERS[sentiment])
        generic = P.EN_TAGS[sentiment]
    if rng.random() < 0.45:
        text += " " + rng.choice(P.EMOJI[sentiment]) * rng.choice((1, 1, 2))
    tags = []
    if hashtags and rng.random() < 0.2:
        tags.append(rng.choice(hashtags))
    if rng.random() < 0.15:
        tags.append(rng.choice(generic))
    if tags:
        text += " " + " ".join(tags)
    if rating is not None:
        stars = "★" * rating + "☆" * (5 - rating)
        text = f"{stars} {text}" if rng.random() < 0.5 else f"{text} ({rating}/5)"
    return _SPACES.sub(" ", text.replace(" 、", "、").replace(" 。", "。")).strip()


def _handle(rng: random.Random) -> str:
    first, second = rng.choice(P.HANDLE_FIRST), rng.choice(P.HANDLE_SECOND)
    style = rng.randrange(3)
    if style == 0:
        return f"{first}_{second}{rng.randint(1, 99)}"
    if style == 1:
        return f"{first}{second}"
    return f"{second}.{first}{rng.randint(1990, 2009)}"
