"""Demo-generation benchmark: 500 clients x 365 days x 5 platforms into SQLite, in rows written per second.

Printed beside two baselines measured in the same run on a sample of the same rows (account_metrics_daily):
SQLAlchemy Core ``insert()`` executemany with one dict per row (the usual way), and one INSERT per row (the
naive way). Target: at least 200,000 rows/s for the whole generation (issue 2). Exits 1 below the target.

    .venv/bin/python benchmarks/bench_demo.py [--clients 500] [--days 365] [--hourly-days 0] [--no-check]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from thrive_analytics.demo import generate_demo
from thrive_analytics.warehouse import make_engine, schema, upgrade

TARGET_ROWS_PER_SECOND = 200_000
END = dt.date(2026, 10, 31)


def fresh_engine(folder: Path, name: str):
    engine = make_engine(f"sqlite:///{folder / name}")
    upgrade(engine)
    return engine


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument(
        "--hourly-days", type=int, default=0, help="also write hourly metrics (the scale option)"
    )
    parser.add_argument("--sample", type=int, default=50_000, help="rows for the baselines")
    parser.add_argument("--no-check", action="store_true", help="do not fail below the target")
    args = parser.parse_args()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite file (WAL)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine = fresh_engine(folder, "demo.sqlite")
        started = time.perf_counter()
        with engine.begin() as conn:
            summary = generate_demo(
                conn,
                orgs=1,
                clients=args.clients,
                days=args.days,
                seed=42,
                end_date=END,
                hourly_days=args.hourly_days,
            )
        seconds = time.perf_counter() - started
        rate = summary.total_rows / seconds
        print(f"\nthrive demo: {summary.total_rows:,} rows in {seconds:.2f} s = {rate:,.0f} rows/s")
        for table, rows in sorted(summary.rows.items(), key=lambda kv: -kv[1]):
            if rows:
                print(f"  {table:<26} {rows:>12,}")
        if args.hourly_days:
            hourly = summary.rows.get("account_metrics_hourly", 0)
            values = hourly * (len(schema.METRIC_COLUMNS) + 1)
            print(
                f"  hourly grain: {hourly:,} rows x {len(schema.METRIC_COLUMNS) + 1} metrics = {values:,} data points"
            )

        # Baselines on a sample of the same rows, into fresh warehouses holding the same parents.
        table = schema.account_metrics_daily
        with engine.connect() as conn:
            sample = [dict(r) for r in conn.execute(select(table).limit(args.sample)).mappings()]
            parents = {
                t: [dict(r) for r in conn.execute(select(t)).mappings()]
                for t in (schema.organizations, schema.clients, schema.platform_accounts)
            }
        results = {}
        for label, one_by_one in (
            ("SQLAlchemy insert() executemany, dict rows", False),
            ("one INSERT per row", True),
        ):
            other = fresh_engine(folder, f"baseline-{one_by_one}.sqlite")
            with other.begin() as conn:
                for parent, rows in parents.items():
                    conn.execute(insert(parent), rows)
            t0 = time.perf_counter()
            with other.begin() as conn:
                if one_by_one:
                    for row in sample:
                        conn.execute(insert(table), row)
                else:
                    conn.execute(insert(table), sample)
            results[label] = len(sample) / (time.perf_counter() - t0)
            other.dispose()
        print(f"\nbaselines on {len(sample):,} rows of {table.name} (same run):")
        for label, value in results.items():
            print(f"  {label:<45} {value:>12,.0f} rows/s   (thrive demo is {rate / value:.1f}x)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory: {peak:,.0f} MiB")
    verdict = "PASS" if rate >= TARGET_ROWS_PER_SECOND else "FAIL"
    print(f"target >= {TARGET_ROWS_PER_SECOND:,} rows/s: {verdict} ({rate:,.0f} rows/s)")
    return 0 if verdict == "PASS" or args.no_check else 1


if __name__ == "__main__":
    sys.exit(main())
