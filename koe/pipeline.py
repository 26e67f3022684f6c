"""The daily pipeline's steps: plan -> collect -> load -> score -> aggregate -> detect.

The Airflow DAG and ``koe run`` call exactly these functions. Each works on a data
interval, never on "now", and every write is an upsert, so rerunning any interval changes
nothing. Heavy imports (the model, HTTP clients) happen inside the step that needs them.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from itertools import islice
from pathlib import Path
from typing import Any

from koe import staging
from koe.cleaning import NEAR_WINDOW
from koe.config import KoeConfig
from koe.credentials import ENVIRONMENT, Credentials
from koe.errors import KoeError
from koe.privacy import pseudonymise
from koe.records import Mention
from storage import AlertRow, AspectRow, PendingText, RunLogEntry, ScoreRow, Store

log = logging.getLogger(__name__)

MAX_LOOKBACK = timedelta(days=7)
SCORE_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open UTC interval [start, end)."""

    start: datetime
    end: datetime

    @classmethod
    def days(cls, first: date, last: date) -> Interval:
        """Whole UTC days from ``first`` to ``last`` inclusive."""
        if last < first:
            raise KoeError(f"end date {last} is before start date {first}")
        start = datetime.combine(first, dtime(), tzinfo=UTC)
        end = datetime.combine(last + timedelta(days=1), dtime(), tzinfo=UTC)
        return cls(start, end)

    @property
    def key(self) -> str:
        return f"{self.start:%Y%m%dT%H%M}-{self.end:%Y%m%dT%H%M}"


@dataclass(frozen=True, slots=True)
class CollectJob:
    """One collector call; plain strings so it travels through Airflow XCom as JSON."""

    source: str
    brand: str  # "" for collectors that run once per source
    since: str
    until: str
    staging_dir: str

    @property
    def job_id(self) -> str:
        slug = re.sub(r"[^0-9A-Za-z]+", "-", f"{self.source}--{self.brand or 'all'}").strip("-")
        return slug.lower()

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class StepReport:
    step: str
    items: int
    seconds: float
    detail: dict[str, Any]


def staging_dir(config: KoeConfig, interval: Interval) -> Path:
    return config.storage.path.parent / "staging" / interval.key


def plan(config: KoeConfig, interval: Interval, store: Store | None = None) -> list[CollectJob]:
    """One job per source (and per brand for query-based sources), resuming from cursors.

    A cursor behind the interval widens the window back to it (at most ``MAX_LOOKBACK``), so
    a missed day is filled by the next run; a cursor ahead (a backfill) is ignored.
    """
    from collectors.registry import COLLECTORS

    store = store or Store(config.storage.path)
    cursors = store.cursors()
    out = []
    for source in config.sources:
        brands = [b.name for b in config.brands] if COLLECTORS[source.type].per_query else [""]
        for brand in brands:
            since = interval.start
            cursor = cursors.get((source.name, brand))
            if cursor is not None and cursor < interval.start:
                since = max(cursor, interval.start - MAX_LOOKBACK)
            out.append(CollectJob(source.name, brand, since.isoformat(), interval.end.isoformat(),
                                  str(staging_dir(config, interval))))
    return out


def collect(config: KoeConfig, job: CollectJob, *, client: Any = None,
            sleep: Callable[[float], None] = time.sleep,
            credentials: Credentials = ENVIRONMENT) -> staging.Manifest:
    """Run one collector into the staging folder; a failure is recorded, then raised.

    Nothing of a failed job is loaded: its cursor stays where it was, so the next run
    collects the same window again.
    """
    from collectors.registry import build_collector

    directory = Path(job.staging_dir)
    started = time.perf_counter()
    source = config.source(job.source)
    query = config.brand(job.brand).parsed_query if job.brand else None
    since, until = datetime.fromisoformat(job.since), datetime.fromisoformat(job.until)
    notes: list[str] = []
    try:
        with build_collector(source, brands=config.brands, client=client, sleep=sleep,
                             credentials=credentials) as collector:
            notes = collector.notes
            collector.history_note(since, datetime.now(UTC))
            n = staging.write_mentions(directory, job.job_id, collector.fetch(query, since, until))
    except Exception as e:
        manifest = staging.Manifest(job.job_id, job.source, job.brand, job.since, job.until,
                                    "failed", 0, time.perf_counter() - started, str(e),
                                    "; ".join(notes) or None)
        staging.write_manifest(directory, manifest)
        raise
    manifest = staging.Manifest(job.job_id, job.source, job.brand, job.since, job.until,
                                "ok", n, time.perf_counter() - started, None,
                                "; ".join(notes) or None)
    staging.write_manifest(directory, manifest)
    log.info("collected %d items from %s%s in %.1fs", n, job.source,
             f" for {job.brand}" if job.brand else "", manifest.seconds)
    return manifest


def _match_brands(config: KoeConfig, source: Any, m: Mention, language: str) -> tuple[str, ...]:
    """The brands a mention is stored with: the source's own brand (file imports, app stores),
    else the brands whose query matches, plus any the collector attributed (a brand's own
    community) that is still configured."""
    attributed = getattr(source, "brand", None)
    if attributed:
        return (attributed,)
    text = f"{m.title or ''}\n{m.text}"
    matched = {b.name for b in config.brands if b.matches(text, language)}
    known = {b.name for b in config.brands}
    return tuple(sorted(matched | (set(m.brands) & known)))


@dataclass
class _Tally:
    """What one collect job's items became in the load step."""

    fetched: int = 0
    no_brand: int = 0
    stored: int = 0
    duplicates: int = 0
    flagged: int = 0

    def message(self, manifest: staging.Manifest) -> str:
        text = (f"{self.fetched} fetched, {self.stored} stored, {self.no_brand} matched no "
                f"brand, {self.duplicates} duplicates, {self.flagged} flagged as spam")
        if manifest.error:
            text = f"{manifest.error} ({text})"
        return f"{text}; {manifest.notes}" if manifest.notes else text


def _collect_entry(run_id: str, interval: Interval, manifest: staging.Manifest,
                   tally: _Tally) -> RunLogEntry:
    # "partial": the job stored all the service would serve, but the service held back some
    # of the window (history, caps, quota); the message says what.
    status = "partial" if manifest.status == "ok" and manifest.notes else manifest.status
    return RunLogEntry(run_id, "collect", status, tally.stored, manifest.seconds,
                       manifest.source, manifest.brand, interval.start, interval.end,
                       tally.message(manifest))


def load(config: KoeConfig, interval: Interval, run_id: str, pseudonym_key: bytes,
         store: Store | None = None) -> StepReport:
    """Store every staged result of ``interval``.

    Per item: detect the language, match the brands (items matching none are dropped and
    counted), flag spam, collapse duplicates of stored or co-collected mentions, pseudonymise
    the author. Per source job, the run log records what arrived, what was kept and why not.
    Nothing of a failed job is loaded, and cursors move only after the rows are stored.
    """
    from koe.cleaning import clean
    from sentiment.language import detect_language

    started = time.perf_counter()
    store = store or Store(config.storage.path)
    directory = staging_dir(config, interval)
    found = staging.manifests(directory)
    configured = {s.name for s in config.sources}
    stale = [m for m in found if m.source not in configured]
    if stale:
        log.warning("ignoring staged results of sources no longer configured: %s",
                    ", ".join(sorted({m.source for m in stale})))
        staging.clear(directory, [m.job_id for m in stale])
        found = [m for m in found if m.source in configured]

    tallies = {m.job_id: _Tally() for m in found}
    job_of: dict[tuple[str, str], str] = {}  # an item two jobs found counts for the first
    matched: list[Mention] = []
    for manifest in (m for m in found if m.status == "ok"):
        source, tally = config.source(manifest.source), tallies[manifest.job_id]
        for m in staging.read_mentions(directory, manifest.job_id):
            tally.fetched += 1
            language = m.language or detect_language(f"{m.title or ''}\n{m.text}")
            brands = _match_brands(config, source, m, language)
            if not brands:
                tally.no_brand += 1
                continue
            matched.append(replace(m, language=language, brands=brands))
            job_of.setdefault((m.source, m.source_id), manifest.job_id)

    stored = []
    if matched:
        stored = store.dedupe_candidates(min(m.created_at for m in matched) - NEAR_WINDOW,
                                         max(m.created_at for m in matched) + NEAR_WINDOW)
    cleaned = clean(matched, stored)
    rows = [replace(m, author=pseudonymise(m.author, pseudonym_key)) for m in cleaned.mentions]
    duplicates = [replace(d, author=pseudonymise(d.author, pseudonym_key))
                  for d in cleaned.duplicates]
    new = store.upsert_mentions(rows, datetime.now(UTC), duplicates)
    for m in cleaned.mentions:
        tally = tallies[job_of[(m.source, m.source_id)]]
        tally.stored += 1
        tally.flagged += bool(m.flags)
    for d in cleaned.duplicates:
        tallies[job_of[(d.source, d.source_id)]].duplicates += 1

    entries = [_collect_entry(run_id, interval, m, tallies[m.job_id]) for m in found]
    done = [m for m in found if m.status == "ok"]
    for manifest in done:
        store.advance_cursor(manifest.source, manifest.brand,
                             datetime.fromisoformat(manifest.until))
    seconds = time.perf_counter() - started
    failed = sorted({m.source for m in found if m.status != "ok"})
    dropped = sum(t.no_brand for t in tallies.values())
    entries.append(RunLogEntry(
        run_id, "load", "failed" if failed else "ok", len(rows), seconds,
        interval_start=interval.start, interval_end=interval.end,
        message=(f"{new} new, {dropped} matched no brand, {len(duplicates)} duplicates, "
                 f"{cleaned.flagged} flagged as spam"
                 + (f"; failed sources: {', '.join(failed)}" if failed else ""))))
    store.log_steps(entries)
    staging.clear(directory, [m.job_id for m in done])
    store.publish()
    log.info("loaded %d mentions (%d new, %d matched no brand, %d duplicates) in %.1fs",
             len(rows), new, dropped, len(duplicates), seconds)
    return StepReport("load", len(rows), seconds,
                      {"new": new, "dropped": dropped, "duplicates": len(duplicates),
                       "flagged": cleaned.flagged, "failed": failed})


def analyze_with_aspects(analyzer: Any, pending: Sequence[PendingText]) -> list[ScoreRow]:
    """Score each mention, and each clause of mentions that have several, in two batches.

    A one-clause mention's aspect is the mention itself, so it costs nothing extra.
    """
    from koe.clauses import split_clauses

    results = analyzer.analyze([p.text for p in pending], [p.language for p in pending])
    splits = [split_clauses(p.text, p.language) for p in pending]
    clause_texts, clause_langs = [], []
    for p, clauses in zip(pending, splits, strict=True):
        if len(clauses) > 1:
            clause_texts.extend(clauses)
            clause_langs.extend([p.language] * len(clauses))
    clause_results = iter(analyzer.analyze(clause_texts, clause_langs) if clause_texts else [])
    rows = []
    for p, a, clauses in zip(pending, results, splits, strict=True):
        if len(clauses) > 1:
            aspects = tuple(AspectRow(i, text, c.label, c.score, c.topics)
                            for i, (text, c) in enumerate(
                                zip(clauses, islice(clause_results, len(clauses)), strict=True)))
        else:
            aspects = (AspectRow(0, p.text, a.label, a.score, a.topics),)
        rows.append(ScoreRow(p.source, p.source_id, a.label, a.p_negative, a.p_neutral,
                             a.p_positive, a.score, a.topics, a.emotion,
                             aspects))
    return rows


def score(config: KoeConfig, run_id: str, store: Store | None = None, *,
          rescore: bool = False) -> StepReport:
    """Score every mention without a current score from the configured model.

    ``rescore`` drops the model's stored scores first, so every mention is scored again.
    """
    from sentiment import load_analyzer

    started = time.perf_counter()
    store = store or Store(config.storage.path)
    analyzer = load_analyzer(config.sentiment, config.topics)
    if rescore:
        dropped = store.delete_scores(analyzer.model_id)
        log.info("dropped %d stored scores of %s", dropped, analyzer.model_id)
    total = 0
    while pending := store.pending_texts(analyzer.model_id, analyzer.model_version,
                                         limit=SCORE_CHUNK):
        store.write_scores(analyzer.model_id, analyzer.model_version,
                           analyze_with_aspects(analyzer, pending))
        total += len(pending)
        elapsed = time.perf_counter() - started
        log.info("scored %d mentions with %s (%.0f texts/s)", total, analyzer.model_id,
                 total / elapsed if elapsed else 0.0)
    seconds = time.perf_counter() - started
    store.log_steps([RunLogEntry(run_id, "rescore" if rescore else "score", "ok", total, seconds,
                                 message=f"{analyzer.model_id} {analyzer.model_version}")])
    store.publish()
    return StepReport("score", total, seconds,
                      {"model_id": analyzer.model_id, "model_version": analyzer.model_version})


def aggregate(config: KoeConfig, run_id: str, store: Store | None = None) -> StepReport:
    started = time.perf_counter()
    store = store or Store(config.storage.path)
    n = store.refresh_aggregates(config.sentiment.model)
    seconds = time.perf_counter() - started
    store.log_steps([RunLogEntry(run_id, "aggregate", "ok", n, seconds)])
    store.publish()
    log.info("aggregated %d daily rows in %.1fs", n, seconds)
    return StepReport("aggregate", n, seconds, {})


def detect(config: KoeConfig, interval: Interval, run_id: str,
           store: Store | None = None) -> list[AlertRow]:
    """Look for negative spikes on each day of ``interval``; store each new one once."""
    from alerts import detect_spikes

    started = time.perf_counter()
    store = store or Store(config.storage.path)
    found = detect_spikes(store, config, interval.start.date(),
                          (interval.end - timedelta(microseconds=1)).date())
    new = [a for a in found if store.insert_alert(a)]
    seconds = time.perf_counter() - started
    store.log_steps([RunLogEntry(run_id, "detect", "ok", len(new), seconds,
                                 interval_start=interval.start, interval_end=interval.end,
                                 message=f"{len(found)} spikes, {len(new)} new")])
    store.publish()
    for a in new:
        log.warning("ALERT %s %s: %s", a.brand, a.window_start.date(), a.reason)
    return new
