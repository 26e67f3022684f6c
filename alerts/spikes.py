"""Negative-spike detection against a trailing baseline, with an explanation.

For each brand and day, the day's negative count is compared with the previous
``baseline_days`` observed days. The spread used for the z-score is the larger of the
observed variance and the Poisson variance (the mean), so a brand with a suspiciously flat
history does not alert on noise; a minimum negative count keeps tiny brands quiet.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from koe.config import AlertRule, KoeConfig
from koe.terms import distinctive_terms
from storage import AlertRow, Store

SAMPLE_POSTS = 3
TOP_TERMS = 8
TOP_TOPICS = 3


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    scored: int
    negative: int


@dataclass(frozen=True, slots=True)
class Spike:
    brand: str
    day: date
    negative: int
    scored: int
    baseline: float
    baseline_std: float
    z_score: float
    baseline_share: float
    baseline_days: int

    @property
    def share(self) -> float:
        return self.negative / self.scored if self.scored else 0.0

    @property
    def severity(self) -> str:
        return "high" if self.z_score >= 6 or self.negative >= 3 * max(self.baseline, 1) else "medium"


def find_spikes(series: Sequence[DayCount], observed_days: Sequence[date], brand: str,
                rule: AlertRule, first: date, last: date) -> list[Spike]:
    """Pure detection over one brand's daily counts; days without data count as zero
    only when the pipeline observed that day for some brand."""
    by_day = {c.day: c for c in series}
    observed = sorted(set(observed_days))
    spikes = []
    for day in observed:
        if day < first or day > last:
            continue
        history = [d for d in observed if day - timedelta(days=rule.baseline_days) <= d < day]
        if len(history) < rule.min_baseline_days:
            continue
        counts = [by_day[d].negative if d in by_day else 0 for d in history]
        totals = [by_day[d].scored if d in by_day else 0 for d in history]
        mean = sum(counts) / len(counts)
        var = sum((c - mean) ** 2 for c in counts) / max(len(counts) - 1, 1)
        spread = math.sqrt(max(var, mean, 1.0))
        today = by_day.get(day, DayCount(day, 0, 0))
        z = (today.negative - mean) / spread
        if today.negative >= rule.min_negative and z >= rule.z_threshold:
            spikes.append(Spike(brand, day, today.negative, today.scored, mean, math.sqrt(var),
                                z, sum(counts) / sum(totals) if sum(totals) else 0.0,
                                len(history)))
    return spikes


def alert_id(brand: str, day: date, model_id: str) -> str:
    return hashlib.sha1(f"negative-spike|{brand}|{day.isoformat()}|{model_id}".encode()).hexdigest()[:16]


def _explain(store: Store, config: KoeConfig, spike: Spike, model_id: str) -> AlertRow:
    start = datetime.combine(spike.day, time(), tzinfo=UTC)
    end = start + timedelta(days=1)
    negatives = store.brand_texts(spike.brand, start, end, model_id, label="negative")
    background = store.brand_texts(spike.brand, start - timedelta(days=spike.baseline_days),
                                   start, model_id)
    brand_words = [t.text for t in config.brand(spike.brand).parsed_query.terms()]
    terms = distinctive_terms([r[2] for r in negatives], [r[2] for r in background],
                              n=TOP_TERMS, exclude=[spike.brand, *brand_words])
    topics = [t for t, _ in Counter(t for r in negatives for t in r[4]).most_common(TOP_TOPICS)]
    samples = [f"{r[0]}:{r[1]}" for r in negatives[:SAMPLE_POSTS]]
    reason = (
        f"{spike.negative} negative mentions against {spike.baseline:.1f} expected "
        f"(±{max(spike.baseline_std, math.sqrt(max(spike.baseline, 1))):.1f}) over the previous "
        f"{spike.baseline_days} days, z = {spike.z_score:.1f}; negative share "
        f"{spike.share:.0%} against {spike.baseline_share:.0%}"
    )
    if topics:
        reason += f"; mostly about {', '.join(topics)}"
    return AlertRow(alert_id(spike.brand, spike.day, model_id), spike.brand, start, end, model_id,
                    spike.severity, spike.negative, spike.scored, spike.baseline,
                    spike.baseline_std, spike.z_score, reason, tuple(terms), tuple(topics),
                    tuple(samples))


def detect_spikes(store: Store, config: KoeConfig, first: date, last: date) -> list[AlertRow]:
    """Explained alerts for every spike from ``first`` to ``last`` (inclusive), after cooldown."""
    model_id = config.sentiment.model
    rows = store.daily_brand_counts(model_id)
    observed = sorted({r[0] for r in rows})
    out: list[AlertRow] = []
    for rule in config.alerts.rules:
        brands = rule.brands or tuple(b.name for b in config.brands)
        for brand in brands:
            series = [DayCount(d, s, n) for d, b, s, n in rows if b == brand]
            last_end: datetime | None = None
            cooldown = timedelta(hours=rule.cooldown_hours)
            for spike in find_spikes(series, observed, brand, rule, first, last):
                start = datetime.combine(spike.day, time(), tzinfo=UTC)
                stored = store.latest_alert_end(brand, model_id, start)
                last_end = max((t for t in (last_end, stored) if t is not None), default=None)
                ongoing = last_end is not None and start < last_end + cooldown
                if not ongoing:
                    out.append(_explain(store, config, spike, model_id))
                # A spike inside the cooldown extends the incident instead of opening a new one.
                last_end = start + timedelta(days=1)
    return out
