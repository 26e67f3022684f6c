"""``koe``: the command line for scripts, CI and people.

This is an edge: it reads the environment, builds the typed config and passes it down.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from koe.config import DEFAULT_CONFIG, KoeConfig, SentimentSettings, load_config
from koe.errors import KoeError

if TYPE_CHECKING:
    from koe.pipeline import StepReport

log = logging.getLogger("koe")

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-01") from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="koe", description="Koe social listening pipeline.")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="collect, score, aggregate and detect alerts, then exit")
    run.add_argument("--config", type=Path, default=Path(DEFAULT_CONFIG))
    window = run.add_mutually_exclusive_group()
    window.add_argument("--days", type=int, help="the last N whole days, ending yesterday (UTC)")
    window.add_argument("--start", type=_date, help="first day (UTC), with --end")
    run.add_argument("--end", type=_date, help="last day (UTC), inclusive")

    alerts = sub.add_parser("alerts", help="stored alerts")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", required=True)
    lst = alerts_sub.add_parser("list", help="print stored alerts")
    lst.add_argument("--config", type=Path, default=Path(DEFAULT_CONFIG))
    lst.add_argument("--json", action="store_true", help="one JSON object per line")

    train = sub.add_parser("train", help="rebuild a shipped model from labelled data")
    train_sub = train.add_subparsers(dest="train_command", required=True)
    sent = train_sub.add_parser("sentiment", help="train the default sentiment heads")
    sent.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    sent.add_argument("--out", type=Path, default=None, help="artefact folder (default: shipped)")
    sent.add_argument("--seed", type=int, default=0)
    sent.add_argument("--max-english", type=int, default=0,
                      help="English training tweets sampled from the pool (0 = all)")

    check = sub.add_parser("config", help="configuration")
    check_sub = check.add_subparsers(dest="config_command", required=True)
    chk = check_sub.add_parser("check", help="validate the config file and print a summary")
    chk.add_argument("--config", type=Path, default=Path(DEFAULT_CONFIG))

    ev = sub.add_parser("eval", help="score a labelled CSV/TSV/JSONL file and print its metrics")
    ev.add_argument("file", type=Path, help="labelled texts (.csv, .tsv or .jsonl)")
    ev.add_argument("--text-col", required=True, help="column (or JSON key) with the text")
    ev.add_argument("--label-col", required=True, help="column (or JSON key) with the label")
    ev.add_argument("--label-map", default=None,
                    help="raw labels to negative/neutral/positive, e.g. 0=negative,1=neutral,"
                         "2=positive (the three words themselves always count)")
    ev.add_argument("--model", default=None,
                    help="model id (default: the config's sentiment.model, else koe-minilm)")
    ev.add_argument("--config", type=Path, default=None,
                    help=f"config file for the model (default: {DEFAULT_CONFIG} if present)")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument("--limit", type=int, default=None, help="only the first N rows of the file")

    sources = sub.add_parser("sources", help="configured sources")
    sources_sub = sources.add_subparsers(dest="sources_command", required=True)
    sc = sources_sub.add_parser(
        "check", help="check each source's config and credentials (and with --online, one request)")
    sc.add_argument("--config", type=Path, default=Path(DEFAULT_CONFIG))
    sc.add_argument("--online", action="store_true",
                    help="also send one cheap request to each service")

    rescore = sub.add_parser("rescore",
                             help="re-score every stored mention with the configured model")
    rescore.add_argument("--config", type=Path, default=Path(DEFAULT_CONFIG))
    return p


def _interval(args: argparse.Namespace, today: date):  # noqa: ANN202 - Interval imported lazily
    from koe.pipeline import Interval

    if args.start or args.end:
        if not (args.start and args.end):
            raise KoeError("--start and --end go together")
        return Interval.days(args.start, args.end)
    days = args.days or 1
    if days < 1:
        raise KoeError("--days must be at least 1")
    return Interval.days(today - timedelta(days=days), today - timedelta(days=1))


def _run(config: KoeConfig, args: argparse.Namespace) -> int:
    from koe import pipeline
    from koe.privacy import resolve_key

    today = datetime.now(UTC).date()
    interval = _interval(args, today)
    run_id = f"cli-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    key = resolve_key(os.environ.get(config.pseudonym_key_env), config.storage.path.parent)
    print(f"koe run {run_id}: {interval.start:%Y-%m-%d} .. "
          f"{interval.end - timedelta(days=1):%Y-%m-%d} into {config.storage.path}")
    failures = 0
    t0 = time.perf_counter()
    for job in pipeline.plan(config, interval):
        label = f"{job.source}" + (f" [{job.brand}]" if job.brand else "")
        try:
            m = pipeline.collect(config, job)
            print(f"  collect {label:<32} {m.items:>7} items {m.seconds:7.1f}s"
                  + (f"  note: {m.notes}" if m.notes else ""))
        except Exception as e:  # one source's failure (even a bug) must not stop the others
            failures += 1
            what = str(e) if isinstance(e, KoeError) else f"{type(e).__name__}: {e}"
            print(f"  collect {label:<32}  FAILED: {what}")
    steps = [
        ("load", lambda: pipeline.load(config, interval, run_id, key)),
        ("score", lambda: pipeline.score(config, run_id)),
        ("aggregate", lambda: pipeline.aggregate(config, run_id)),
    ]
    for name, step in steps:
        _print_step(name, step())
    started = time.perf_counter()
    new = pipeline.detect(config, interval, run_id)
    print(f"  {'detect':<40} {len(new):>7} new alerts {time.perf_counter() - started:5.1f}s")
    for a in new:
        print(f"    ALERT {a.brand} {a.window_start:%Y-%m-%d} [{a.severity}] {a.reason}")
    print(f"done in {time.perf_counter() - t0:.1f}s" + (f", {failures} source(s) failed" if failures else ""))
    return 1 if failures else 0


def _print_step(name: str, report: StepReport) -> None:
    extra = ", ".join(f"{k}={v}" for k, v in report.detail.items() if v not in ([], None))
    print(f"  {name:<40} {report.items:>7} rows  {report.seconds:7.1f}s  {extra}")


def _rescore(config: KoeConfig) -> int:
    from koe import pipeline

    path = config.storage.path
    if not path.exists():
        raise KoeError(f"no database at {path}; run `koe run --days 30` first")
    run_id = f"cli-rescore-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    print(f"koe rescore {run_id}: every mention in {path} with {config.sentiment.model}")
    t0 = time.perf_counter()
    _print_step("rescore", pipeline.score(config, run_id, rescore=True))
    _print_step("aggregate", pipeline.aggregate(config, run_id))
    print(f"done in {time.perf_counter() - t0:.1f}s")
    return 0


def _eval_settings(args: argparse.Namespace) -> SentimentSettings:
    if args.model:
        return SentimentSettings(model=args.model)
    if args.config is not None:  # named on the command line: it must exist
        return load_config(args.config).sentiment
    default = Path(DEFAULT_CONFIG)
    return load_config(default).sentiment if default.exists() else SentimentSettings()


def _eval(args: argparse.Namespace) -> int:
    from sentiment import load_analyzer
    from sentiment.evaluate import (
        evaluate,
        format_report,
        parse_label_map,
        read_labelled,
        report_json,
    )

    if args.limit is not None and args.limit < 1:
        raise KoeError("--limit must be at least 1")
    label_map = parse_label_map(args.label_map) if args.label_map else None
    data = read_labelled(args.file, args.text_col, args.label_col, label_map, args.limit)
    if not data.rows:
        raise KoeError(f"{args.file}: no row has a label that maps to negative, neutral or "
                       f"positive ({data.skipped} skipped); pass --label-map")
    # Stray prints from model libraries must not corrupt the one JSON object on stdout.
    with contextlib.redirect_stdout(sys.stderr):
        report = evaluate(data, load_analyzer(_eval_settings(args), []))
    print(report_json(report) if args.json else format_report(report))
    return 0


def _alerts_list(config: KoeConfig, as_json: bool) -> int:
    from storage import Store, alert_json

    path = config.storage.path
    if not path.exists():
        raise KoeError(f"no database at {path}; run `koe run --days 30` first")
    rows = Store(path).alerts(config.sentiment.model)
    for a in rows:
        if as_json:
            print(alert_json(a))
        else:
            print(f"{a['window_start']:%Y-%m-%d} {a['brand']:<20} {a['severity']:<6} "
                  f"{a['negative_count']:>5} negative  {a['reason']}")
    if not rows and not as_json:
        print("no alerts")
    return 0


def _sources_check(config: KoeConfig, *, online: bool) -> int:
    """One row per source: ok or failed, with what it collects or what to fix.

    Offline it never touches the network; every failure is a row, never a traceback.
    """
    from koe.sources import check_sources

    results = check_sources(config, online=online)
    name_w = max([len("source")] + [len(r.source) for r in results])
    type_w = max([len("type")] + [len(r.type) for r in results])
    print(f"{'source':<{name_w}}  {'type':<{type_w}}  {'status':<6}  detail")
    for r in results:
        print(f"{r.source:<{name_w}}  {r.type:<{type_w}}  {r.status:<6}  {r.detail}")
    failed = sum(r.status != "ok" for r in results)
    print(f"{len(results) - failed} ok, {failed} failed" + ("" if online else
          " (offline: credentials and config only; --online also sends one request each)"))
    return 1 if failed else 0


def _train(args: argparse.Namespace) -> int:
    from sentiment.train import train_sentiment

    if not args.data_dir.exists():
        raise KoeError(f"labelled data folder {args.data_dir} not found; pass --data-dir")
    out = args.out
    if out is None:
        from sentiment.registry import default_artifact_dir

        out = default_artifact_dir()
    metrics = train_sentiment(args.data_dir, out, seed=args.seed,
                              max_english=args.max_english or None)
    for k, v in metrics.items():
        print(f"{k}: {v}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        for noisy in ("httpx", "httpcore", "urllib3"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        if args.command == "train":
            return _train(args)
        if args.command == "eval":
            return _eval(args)
        config = load_config(args.config)
        if args.command == "run":
            return _run(config, args)
        if args.command == "alerts":
            return _alerts_list(config, args.json)
        if args.command == "rescore":
            return _rescore(config)
        if args.command == "sources":
            return _sources_check(config, online=args.online)
        if args.command == "config":
            print(f"{args.config}: ok; {len(config.brands)} brands, {len(config.sources)} sources, "
                  f"{len(config.topics)} topics, model {config.sentiment.model}, "
                  f"database {config.storage.path}")
            return 0
    except KoeError as e:
        print(f"koe: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
