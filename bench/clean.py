"""Load-step cleaning throughput: duplicate detection and spam flags, in Python, no database.

    .venv/bin/python bench/clean.py                 # 20,000 sample mentions
    .venv/bin/python bench/clean.py --n 50000 --stored 50000

Generates mentions with the sample source (as `koe run` would collect them), adds a share of
reposts and near copies, and times ``koe.cleaning.clean`` on them against ``--stored`` already
stored mentions. Prints mentions per second, duplicates found and peak RSS. Asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from collectors import build_collector
from koe.cleaning import Stored, clean, fingerprint
from koe.config import load_config

REPO = Path(__file__).resolve().parents[1]


def _mentions(n: int, end: datetime) -> list:  # type: ignore[type-arg]
    config = load_config(REPO / "koe.toml")
    source = config.sources[0].model_copy(update={"mentions_per_day": 400})
    collector = build_collector(source, brands=config.brands)
    out: list = []  # type: ignore[type-arg]
    days = 1
    while len(out) < n:
        out = list(collector.fetch(None, end - timedelta(days=days), end))
        days *= 2
    return out[-n:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="incoming mentions")
    parser.add_argument("--stored", type=int, default=20_000, help="already stored mentions")
    parser.add_argument("--copies", type=float, default=0.1, help="share of reposts added")
    args = parser.parse_args()

    end = datetime(2026, 11, 20, tzinfo=UTC)
    everything = _mentions(args.n + args.stored, end)
    stored_part, incoming = everything[:args.stored], everything[args.stored:]
    rng = random.Random(7)
    copies = [replace(m, source_id=f"rt-{i}", text=f"RT @someone: {m.text}",
                      created_at=m.created_at + timedelta(minutes=rng.randint(1, 600)))
              for i, m in enumerate(rng.sample(incoming, int(len(incoming) * args.copies)))]
    stored = [Stored(m.source, m.source_id, m.created_at, fingerprint(m.text), m.text)
              for m in stored_part]
    started = time.perf_counter()
    result = clean(incoming + copies, stored)
    seconds = time.perf_counter() - started
    total = len(incoming) + len(copies)
    exact = sum(d.kind == "exact" for d in result.duplicates)
    print(f"incoming mentions      {total:>10,} ({len(copies):,} reposts added)")
    print(f"stored mentions        {len(stored):>10,}")
    print(f"seconds                {seconds:>10.2f}")
    print(f"mentions/s             {total / seconds:>10,.0f}")
    print(f"duplicates found       {len(result.duplicates):>10,} ({exact:,} exact, "
          f"{len(result.duplicates) - exact:,} near)")
    print(f"flagged as spam        {result.flagged:>10,}")
    print(f"peak RSS               {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:>10.0f} MiB")


if __name__ == "__main__":
    main()
