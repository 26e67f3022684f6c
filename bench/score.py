"""Scoring throughput and memory: batched (as the pipeline scores) against one text at a time.

    .venv/bin/python bench/score.py                      # 10,000 mentions, the default model
    .venv/bin/python bench/score.py --n 2000 --naive-n 200 --model vader

Builds a throwaway database of sample mentions the way ``koe run`` does (sample collector ->
staging -> ``pipeline.load`` -> ``storage.Store``), then runs each pass in its own subprocess so
peak RSS belongs to that pass alone. Prints figures; asserts nothing. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from koe.config import SentimentSettings

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # runnable without `pip install -e .`
    sys.path.insert(0, str(REPO))

TWEET_CHARS = 280
# The sample source yields about this many stored mentions per day per unit of
# mentions_per_day with the demo's three brands (1.3 + 0.8 + 0.8 volume, weekday swing).
MENTIONS_PER_UNIT = 2.5
SAMPLE_SEED = 0

PASSES = {
    "batched": "batched, all texts",
    "naive": "naive, one text per call",
    "tweets": "batched, English <= 280 chars",
}


def _config_text(db: Path, per_day: int, model: str) -> str:
    text = (REPO / "koe.toml").read_text(encoding="utf-8")
    replaced = (text.replace('path = ".koe/koe.duckdb"', f'path = "{db}"')
                .replace("mentions_per_day = 40", f"mentions_per_day = {per_day}")
                .replace('model = "koe-minilm"', f'model = "{model}"'))
    if replaced.count(str(db)) != 1 or f'model = "{model}"' not in replaced:
        raise SystemExit("koe.toml changed shape; update bench/score.py's replacements")
    return replaced


def build_database(workdir: Path, n: int, model: str) -> tuple[Path, int, float]:
    """At least ``n`` stored mentions, collected and loaded as ``koe run`` would."""
    from koe import pipeline
    from koe.config import load_config
    from koe.privacy import resolve_key
    from storage import Store

    started = time.perf_counter()
    days = max(7, min(60, math.ceil(n / 2000)))
    per_day = min(5000, math.ceil(n / (MENTIONS_PER_UNIT * days)) + 1)
    config_path = workdir / "koe.toml"
    config_path.write_text(_config_text(workdir / "koe.duckdb", per_day, model), encoding="utf-8")
    config = load_config(config_path)
    key = resolve_key(None, workdir)
    store = Store(config.storage.path)
    last = datetime.now(UTC).date() - timedelta(days=1)
    stored, first = 0, last
    for _ in range(20):  # widen the window back in time until there are enough mentions
        first = last - timedelta(days=days - 1)
        interval = pipeline.Interval.days(first, last)
        for job in pipeline.plan(config, interval, store):
            pipeline.collect(config, job)
        pipeline.load(config, interval, "bench", key, store)
        stored = store.count("mentions")
        if stored >= n:
            break
        last = first - timedelta(days=1)
    if stored < n:
        raise SystemExit(f"only {stored} mentions stored; lower --n")
    return config_path, stored, time.perf_counter() - started


def _peak_rss_mib() -> float:
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return kib / (1024 * 1024) if sys.platform == "darwin" else kib / 1024


def run_pass(kind: str, config_path: Path, n: int, topics: bool = True) -> dict[str, Any]:
    """One pass in this process: load the model, score, report rates and peak RSS."""
    from koe.config import load_config
    from sentiment import load_analyzer
    from storage import Store

    config = load_config(config_path)
    started = time.perf_counter()
    analyzer = load_analyzer(config.sentiment, config.topics if topics else ())
    load_s = time.perf_counter() - started
    pending = Store(config.storage.path).pending_texts(analyzer.model_id)
    if kind == "tweets":
        pending = [p for p in pending if p.language == "en" and len(p.text) <= TWEET_CHARS]
    rng = random.Random(SAMPLE_SEED)
    if len(pending) > n:
        pending = sorted(rng.sample(pending, n), key=lambda p: (p.source, p.source_id))
    texts, langs = [p.text for p in pending], [p.language for p in pending]
    analyzer.analyze(texts[:1], langs[:1])  # lazy first-use loads are not scoring speed
    rss_loaded = _peak_rss_mib()
    started = time.perf_counter()
    if kind == "naive":
        for text, lang in zip(texts, langs, strict=True):
            analyzer.analyze([text], [lang])
    else:
        analyzer.analyze(texts, langs)
    seconds = time.perf_counter() - started
    return {
        "pass": kind, "model_id": analyzer.model_id, "model_version": analyzer.model_version,
        "texts": len(texts), "chars_mean": sum(map(len, texts)) / max(len(texts), 1),
        "english_share": sum(lang == "en" for lang in langs) / max(len(langs), 1),
        "batch_size": analyzer.batch_size if kind != "naive" else 1,
        "topics": len(config.topics) if topics else 0, "load_s": load_s, "seconds": seconds,
        "texts_per_s": len(texts) / seconds if seconds > 0 else 0.0,
        "rss_after_load_mib": rss_loaded, "peak_rss_mib": _peak_rss_mib(),
    }


def _spawn(kind: str, config_path: Path, n: int, topics: bool) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind,
           "--config", str(config_path), "--n", str(n)] + ([] if topics else ["--no-topics"])
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} pass failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=10_000, help="stored mentions scored in batch")
    p.add_argument("--model", default=SentimentSettings().model,
                   help=f"model id (default: {SentimentSettings().model})")
    p.add_argument("--naive-n", type=int, default=500,
                   help="texts for the one-at-a-time pass, a seeded sample (default 500)")
    p.add_argument("--no-topics", action="store_true",
                   help="sentiment only: skip topic tagging (which pipeline.score does)")
    p.add_argument("--keep", type=Path, default=None,
                   help="build the database in this folder and keep it")
    p.add_argument("--worker", choices=sorted(PASSES), help=argparse.SUPPRESS)
    p.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.worker:
        print(json.dumps(run_pass(args.worker, args.config, args.n, not args.no_topics)))
        return 0
    if args.n < 1 or args.naive_n < 1:
        p.error("--n and --naive-n must be at least 1")

    with tempfile.TemporaryDirectory(prefix="koe-bench-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        config_path, stored, build_s = build_database(workdir, args.n, args.model)
        print(f"database: {stored} stored mentions built in {build_s:.1f}s "
              f"(sample collector -> pipeline.load) at {workdir / 'koe.duckdb'}")
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
              f"Python {platform.python_version()}, load average "
              f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}")
        topics = not args.no_topics
        results = [_spawn("batched", config_path, args.n, topics),
                   _spawn("naive", config_path, min(args.naive_n, args.n), topics),
                   _spawn("tweets", config_path, args.n, topics)]

    first = results[0]
    print(f"model: {first['model_id']} ({first['model_version']}), "
          + (f"plus {first['topics']} topics tagged, as pipeline.score's analyzer does"
             if first["topics"] else "sentiment only (--no-topics)"))
    print(f"{'pass':<34} {'texts':>6} {'chars':>6} {'batch':>5} {'load s':>7} {'score s':>8} "
          f"{'texts/s':>8} {'RSS loaded':>11} {'peak RSS':>9}")
    for r in results:
        print(f"{PASSES[r['pass']]:<34} {r['texts']:>6} {r['chars_mean']:>6.0f} "
              f"{r['batch_size']:>5} {r['load_s']:>7.1f} {r['seconds']:>8.1f} "
              f"{r['texts_per_s']:>8.1f} {r['rss_after_load_mib']:>8.0f} MiB "
              f"{r['peak_rss_mib']:>5.0f} MiB")
    naive, batched = results[1], results[0]
    if naive["texts_per_s"] > 0:
        print(f"batching speed-up: {batched['texts_per_s'] / naive['texts_per_s']:.1f}x "
              f"(naive pass on a seeded sample of {naive['texts']} of {args.n} texts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
