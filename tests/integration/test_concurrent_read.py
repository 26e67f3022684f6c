"""The dashboard never fails or blocks while the pipeline writes.

A separate process (DuckDB locks are per process) keeps upserting and publishing while this
process reads the published snapshot as the dashboard does. Readers open the snapshot without
any lock wait, so a read that would block fails instead; every read must succeed and see a
consistent, never-shrinking database.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from storage import Store, read_snapshot
from storage.db import snapshot_path

WRITER = textwrap.dedent("""
    import sys
    from datetime import datetime, timedelta, timezone
    from pathlib import Path
    from koe.records import Mention
    from storage import Store
    store = Store(Path(sys.argv[1]))
    t0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
    for batch in range(int(sys.argv[2])):
        rows = [Mention("w", f"{batch}-{i}", "x" * 200, t0 + timedelta(minutes=batch),
                        brands=("A",)) for i in range(500)]
        store.upsert_mentions(rows, t0)
        store.publish()
        print(batch, flush=True)
""")


def test_reads_never_fail_or_block_during_writes(tmp_path: Path) -> None:
    path = tmp_path / "koe.duckdb"
    Store(path).publish()
    batches = 40
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(batches)],
                              stdout=subprocess.PIPE, text=True)
    counts, reads_during_write = [], 0
    try:
        while writer.poll() is None:
            with read_snapshot(path) as con:
                assert con is not None
                n, distinct = con.execute(
                    "SELECT count(*), count(DISTINCT source_id) FROM mentions").fetchall()[0]
            assert n == distinct and n % 500 == 0  # whole batches only, never a torn write
            counts.append(n)
            reads_during_write += 1
    finally:
        writer.wait(timeout=120)
    assert writer.returncode == 0
    assert reads_during_write >= 10, "the writer finished before the reader could overlap it"
    assert counts == sorted(counts), "a reader saw the data shrink"
    with read_snapshot(path) as con:
        assert con.execute("SELECT count(*) FROM mentions").fetchall()[0][0] == batches * 500
    assert snapshot_path(path).exists()
