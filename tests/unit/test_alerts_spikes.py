from __future__ import annotations

from datetime import date, timedelta

from alerts import DayCount, alert_id, find_spikes
from koe.config import AlertRule

RULE = AlertRule(baseline_days=14, min_baseline_days=7, min_negative=10, z_threshold=3.0)
D0 = date(2026, 11, 1)


def _series(negatives: list[int], scored: int = 100) -> tuple[list[DayCount], list[date]]:
    days = [D0 + timedelta(days=i) for i in range(len(negatives))]
    return [DayCount(d, scored, n) for d, n in zip(days, negatives, strict=True)], days


def test_planted_spike_is_found_and_quiet_days_are_not() -> None:
    negatives = [8, 10, 9, 11, 7, 10, 9, 12, 8, 10, 40, 9, 11]
    series, days = _series(negatives)
    spikes = find_spikes(series, days, "A", RULE, days[0], days[-1])
    assert [s.day for s in spikes] == [days[10]]
    spike = spikes[0]
    assert spike.negative == 40 and 8 < spike.baseline < 11 and spike.z_score > 3
    assert spike.severity == "high"


def test_no_alert_without_enough_baseline_days() -> None:
    series, days = _series([5, 5, 5, 60])
    assert find_spikes(series, days, "A", RULE, days[0], days[-1]) == []


def test_small_brands_stay_quiet_below_min_negative() -> None:
    series, days = _series([0, 1, 0, 0, 1, 0, 0, 1, 9])
    assert find_spikes(series, days, "A", RULE, days[0], days[-1]) == []


def test_flat_history_does_not_make_noise_look_significant() -> None:
    # Zero observed variance: the Poisson floor (sqrt(mean)) keeps 14 vs 10 unremarkable.
    series, days = _series([10] * 10 + [14])
    assert find_spikes(series, days, "A", RULE, days[0], days[-1]) == []


def test_days_without_mentions_count_as_zero_when_observed() -> None:
    series, days = _series([10] * 10 + [40])
    brand_b = [c for c in series if c.day != days[3]]  # brand quiet on an observed day
    spikes = find_spikes(brand_b, days, "B", RULE, days[-1], days[-1])
    assert len(spikes) == 1 and spikes[0].baseline == 9.0


def test_alert_id_is_stable_per_brand_day_model() -> None:
    assert alert_id("A", D0, "m") == alert_id("A", D0, "m")
    assert alert_id("A", D0, "m") != alert_id("A", D0, "n")
    assert alert_id("A", D0, "m") != alert_id("B", D0, "m")
