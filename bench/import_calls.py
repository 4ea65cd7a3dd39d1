"""Import speed of the call-log feed: N generated records into a migrated temp SQLite database.

    python -m bench.import_calls [--records 100000] [--database-url URL]

Prints one JSON line: records, seconds, records_per_second, then the same for a second run of
the same file (all duplicates). Results are written down in bench/IMPORT.md.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from service import clock, migrate
from service.calls.cli import run_import
from service.db import make_engine


def generate(path: Path, count: int, *, seed: int = 12345, broken_every: int = 0) -> None:
    """Write `count` call records as JSON lines (every `broken_every`-th row broken, if > 0).

    The calls end about a day ago, seven seconds apart, so none is "in the future".
    """
    rng = random.Random(seed)
    start = (clock.now() - timedelta(seconds=count * 7, days=1)).replace(microsecond=0)
    outcomes = ["answered"] * 8 + ["missed", "abandoned"]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            began = start + timedelta(seconds=i * 7 + rng.randint(0, 6))
            record = {
                "call_id": f"C{seed}-{i:08d}",
                "caller_number": f"1{rng.randint(3, 9)}{rng.randint(0, 999999999):09d}",
                "called_number": "12345",
                "started_at": began.isoformat(),
                "ended_at": (began + timedelta(seconds=rng.randint(20, 900))).isoformat(),
                "agent": f"op{rng.randint(1, 60):03d}",
                "direction": "inbound",
                "outcome": rng.choice(outcomes),
                "recording_url": f"https://pbx.example/rec/{i}.wav",
            }
            if broken_every and i % broken_every == broken_every - 1:
                record["started_at"] = "yesterday"
            handle.write(json.dumps(record) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "calls.jsonl"
        generate(data, args.records)
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        tz = ZoneInfo("Asia/Shanghai")
        figures = {"records": args.records, "database": engine.dialect.name}
        for label in ("first", "again"):
            began = time.perf_counter()
            summary = run_import(engine, data, kind="jsonl", tz=tz, progress=False)
            seconds = time.perf_counter() - began
            figures[f"{label}_seconds"] = round(seconds, 2)
            figures[f"{label}_records_per_second"] = round(args.records / seconds)
            figures[f"{label}_summary"] = summary.line()
        engine.dispose()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
