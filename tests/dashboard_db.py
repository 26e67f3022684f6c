"""A small, realistic Koe database for dashboard tests, built through the pipeline's Store.

Three brands (Acme, ours; Globex and Initech, competitors), 20 days ending on ``LAST_DAY``,
English and Japanese posts plus reviews (stars) and survey answers (NPS, CSAT), two models'
scores (the configured one and an older one with different labels, which must never show),
a negative delivery spike for Acme on ``SPIKE_DAY`` with its alert, and a run log whose
latest Hacker News run was rate limited.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from koe.records import Engagement, Mention
from storage.store import AlertRow, RunLogEntry, ScoreRow, Store

MODEL_ID = "koe-e5"
OLD_MODEL_ID = "old-model"
BRANDS = ("Acme", "Globex", "Initech")
LAST_DAY = date(2025, 3, 20)
DAYS = 20
FIRST_DAY = LAST_DAY - timedelta(days=DAYS - 1)
SPIKE_DAY = LAST_DAY - timedelta(days=2)
UNSAFE_TEXT = '<img src=x onerror="alert(1)"> **Acme** [click](javascript:alert(1)) is fine'

_JA_NAMES = {"Acme": "アクメ", "Globex": "グロベックス", "Initech": "イニテック"}

# (label, topics, English template, Japanese template); {b} is the brand's name.
_TEMPLATES: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("positive", ("product quality",), "Love the new {b} espresso, rich taste and great crema",
     "{b}のエスプレッソは香りが最高で美味しい"),
    ("positive", ("customer support",), "{b} support solved my problem quickly, friendly staff",
     "{b}のサポートは親切で対応が早かった"),
    ("positive", ("price",), "Good value from {b}, the subscription price is fair",
     "{b}の定期便は値段が手頃で嬉しい"),
    ("neutral", ("usability",), "Ordered from the {b} app this morning",
     "{b}のアプリで注文した"),
    ("neutral", (), "Anyone tried the {b} seasonal blend yet?", "{b}の新作ブレンド気になる"),
    ("negative", ("delivery",), "{b} delivery was late again and the box arrived damaged",
     "{b}の配送が遅い。箱も潰れていた"),
    ("negative", ("billing",), "{b} charged my card twice, refund still pending",
     "{b}で二重請求された。返金まだ"),
    ("negative", ("usability",), "The {b} app keeps crashing at checkout",
     "{b}のアプリが決済画面で落ちる"),
)
_SPIKE = ("negative", ("delivery",), "{b} delivery delayed for a week, courier lost my parcel",
          "{b}の配送遅延がひどい、荷物が届かない")


@dataclass(frozen=True)
class DashboardDB:
    directory: Path
    config_path: Path
    db_path: Path
    mentions: int
    model_id: str = MODEL_ID


def config_toml(db_path: Path) -> str:
    return f"""
[storage]
path = "{db_path.as_posix()}"

[[brands]]
name = "Acme"
query = "Acme OR アクメ"

[[brands]]
name = "Globex"
query = "Globex OR グロベックス"
competitor = true

[[brands]]
name = "Initech"
query = "Initech OR イニテック"
competitor = true

[[sources]]
type = "sample"

[[sources]]
type = "hackernews"

[[sources]]
type = "file"
name = "reviews"
path = "reviews.csv"
kind = "review"
columns = {{ text = "body", rating = "stars" }}

[[sources]]
type = "file"
name = "survey"
path = "survey.csv"
kind = "survey"
columns = {{ text = "comment", nps = "nps", csat = "csat" }}

[[topics]]
name = "delivery"
description = "shipping, couriers, late or damaged parcels"

[[topics]]
name = "product quality"
description = "taste, freshness, build quality"

[[topics]]
name = "customer support"
description = "help desk, staff, chat"

[[topics]]
name = "price"
description = "price, value, discounts"

[[topics]]
name = "billing"
description = "charges, refunds, invoices"

[[topics]]
name = "usability"
description = "app, website, checkout"

[sentiment]
model = "{MODEL_ID}"
"""


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randrange(0, 24), rng.randrange(60)),
                            tzinfo=UTC)


def _probabilities(label: str, rng: random.Random) -> tuple[float, float, float]:
    main = rng.uniform(0.6, 0.95)
    rest = 1 - main
    other = rng.uniform(0, rest)
    if label == "negative":
        return main, other, rest - other
    if label == "positive":
        return other, rest - other, main
    return other, main, rest - other


def build_dashboard_db(directory: Path, *, days: int = DAYS, last_day: date = LAST_DAY,
                       per_brand_day: int = 9, seed: int = 11) -> DashboardDB:
    """Write koe.toml and a published database into ``directory``; returns where they are."""
    directory.mkdir(parents=True, exist_ok=True)
    db_path = directory / "koe.duckdb"
    config_path = directory / "koe.toml"
    config_path.write_text(config_toml(db_path), encoding="utf-8")
    rng = random.Random(seed)
    store = Store(db_path)
    spike_day = last_day - timedelta(days=2)
    # Acme is the busiest brand, Initech the quietest: share of voice must not come out even.
    weight = {"Acme": 1.0, "Globex": 0.7, "Initech": 0.4}

    mentions: list[Mention] = []
    scores: list[ScoreRow] = []
    old_scores: list[ScoreRow] = []
    serial = 0
    for offset in range(days):
        day = last_day - timedelta(days=days - 1 - offset)
        for brand in BRANDS:
            n = max(2, round(per_brand_day * weight[brand] * rng.uniform(0.7, 1.3)))
            picks = [rng.choice(_TEMPLATES) for _ in range(n)]
            if brand == "Acme" and day == spike_day:
                picks += [_SPIKE] * (4 * per_brand_day)
            for label, topics, en, ja in picks:
                serial += 1
                japanese = rng.random() < 0.4
                text = (ja.format(b=_JA_NAMES[brand]) if japanese else en.format(b=brand))
                source = rng.choice(("sample", "sample", "hackernews", "reviews", "survey"))
                rating = nps = csat = None
                if source == "reviews":
                    rating = {"positive": rng.choice((4.0, 5.0)), "neutral": 3.0,
                              "negative": rng.choice((1.0, 2.0))}[label]
                if source == "survey":
                    nps = {"positive": rng.choice((9, 10)), "neutral": rng.choice((7, 8)),
                           "negative": rng.randrange(0, 7)}[label]
                    csat = {"positive": rng.choice((4, 5)), "neutral": 3,
                            "negative": rng.choice((1, 2))}[label]
                source_id = f"{source}-{serial:05d}"
                mentions.append(Mention(
                    source=source, source_id=source_id, text=text, created_at=_at(day, rng),
                    url=f"https://example.com/{source}/{serial}", author=f"user{serial % 37}",
                    language="ja" if japanese else "en", rating=rating, nps=nps, csat=csat,
                    engagement=Engagement(likes=rng.randrange(50), replies=rng.randrange(5)),
                    brands=(brand,)))
                # A few mentions stay unscored, as they would between collection and scoring.
                if serial % 23 == 0:
                    continue
                pn, pu, pp = _probabilities(label, rng)
                scores.append(ScoreRow(source, source_id, label, pn, pu, pp, pp - pn, topics))
                flipped = {"positive": "negative", "negative": "positive"}.get(label, label)
                old_scores.append(ScoreRow(source, source_id, flipped, pp, pu, pn, pn - pp, ()))

    # One post names two brands; one carries markup that must be shown as plain text.
    serial += 1
    mentions.append(Mention(
        source="sample", source_id=f"sample-{serial:05d}",
        text="Switched from Globex to Acme, the Acme beans taste so much better",
        created_at=_at(last_day, rng), url="https://example.com/sample/both", language="en",
        brands=("Acme", "Globex")))
    scores.append(ScoreRow("sample", f"sample-{serial:05d}", "positive", 0.05, 0.1, 0.85, 0.8,
                           ("product quality",)))
    serial += 1
    mentions.append(Mention(
        source="sample", source_id=f"sample-{serial:05d}", text=UNSAFE_TEXT,
        created_at=_at(last_day, rng), url="https://example.com/sample/unsafe", language="en",
        brands=("Acme",)))
    scores.append(ScoreRow("sample", f"sample-{serial:05d}", "neutral", 0.2, 0.6, 0.2, 0.0, ()))

    store.upsert_mentions(mentions, collected_at=datetime.combine(
        last_day + timedelta(days=1), time(5), tzinfo=UTC))
    store.write_scores(MODEL_ID, "1", scores)
    store.write_scores(OLD_MODEL_ID, "0", old_scores)
    store.refresh_aggregates(MODEL_ID)
    store.refresh_aggregates(OLD_MODEL_ID)

    window_start = datetime.combine(spike_day, time.min, tzinfo=UTC)
    store.insert_alert(AlertRow(
        alert_id="acme-spike", brand="Acme", window_start=window_start,
        window_end=window_start + timedelta(days=1), model_id=MODEL_ID, severity="high",
        negative_count=4 * per_brand_day + 3, mentions=5 * per_brand_day, baseline=3.2,
        baseline_std=1.4, z_score=24.1,
        reason="negative mentions 12x the 14-day baseline",
        top_terms=("delivery", "courier", "配送遅延", "parcel"), topics=("delivery",),
        sample_ids=("sample-00001",)))
    store.insert_alert(AlertRow(
        alert_id="old-model-alert", brand="Globex", window_start=window_start,
        window_end=window_start + timedelta(days=1), model_id=OLD_MODEL_ID, severity="low",
        negative_count=5, mentions=9, baseline=2.0, baseline_std=1.0, z_score=3.0,
        reason="from the old model", top_terms=(), topics=(), sample_ids=()))

    run_day = datetime.combine(last_day + timedelta(days=1), time(5), tzinfo=UTC)
    for i, run_at in enumerate((run_day - timedelta(days=1), run_day)):
        run_id = f"run-{i + 1}"
        hn_ok = i == 0
        store.log_steps([
            RunLogEntry(run_id, "collect", "ok", items=120, seconds=4.2, source="sample",
                        interval_start=run_at - timedelta(days=1), interval_end=run_at),
            RunLogEntry(run_id, "collect", "ok" if hn_ok else "failed",
                        items=40 if hn_ok else 0, seconds=1.5 if hn_ok else 31.0,
                        source="hackernews",
                        message=None if hn_ok else "HTTP 429 from hn.algolia.com: rate limited"),
            RunLogEntry(run_id, "collect", "partial" if i else "ok", items=12, seconds=0.3,
                        source="reviews",
                        message=("12 fetched, 12 stored; reviews: Apple serves only the latest "
                                 "500 reviews" if i else None)),
            RunLogEntry(run_id, "score", "ok", items=170, seconds=9.8),
            RunLogEntry(run_id, "aggregate", "ok", items=60, seconds=0.2),
        ])
    store.publish()
    return DashboardDB(directory=directory, config_path=config_path, db_path=db_path,
                       mentions=len(mentions))


if __name__ == "__main__":
    import sys

    built = build_dashboard_db(Path(sys.argv[1] if len(sys.argv) > 1 else ".koe-demo"))
    print(f"KOE_CONFIG={built.config_path} ({built.mentions} mentions)")
