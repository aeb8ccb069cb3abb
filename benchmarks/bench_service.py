"""Service-layer benchmark: the cross-client answer and one client's answer for an organisation with 500
clients and a year of daily data per platform, on SQLite, beside a naive baseline in the same run.

Naive baseline: load every daily metric row and every post of the organisation with pandas (``read_sql``)
and group in pandas — what a hand-run notebook does. Spec: cross-client < 500 ms (target 200 ms), one
client < 300 ms (target 100 ms). Figures are medians of warm runs.

The cross-client answer is timed twice: computed from the source tables (what the first request after a
data change costs) and served as a stored answer (``service.answers``: every later request until the
organisation's data changes, and every request after ``thrive rollup``).

    .venv/bin/python benchmarks/bench_service.py [--runs 5] [--db sqlite:///existing.sqlite]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from thrive_analytics import Warehouse
from thrive_analytics.demo import generate_demo
from thrive_analytics.service import client_analytics, cross_client
from thrive_analytics.service.answers import answer
from thrive_analytics.warehouse import make_engine, upgrade

END = dt.date(2026, 10, 31)
ORG = "northwind-digital"


def timed(func, runs: int) -> tuple[float, object]:
    result, times = None, []
    for _ in range(runs):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def naive_cross_client(url: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Every row of the organisation into pandas, then per-client figures for the period."""
    engine = make_engine(url)
    with engine.connect() as conn:
        daily = pd.read_sql(
            "SELECT * FROM account_metrics_daily WHERE org_id = 1", conn, parse_dates=["metric_date"]
        )
        posts = pd.read_sql(
            "SELECT * FROM content_items WHERE org_id = 1", conn, parse_dates=["published_at"]
        )
        post_metrics = pd.read_sql("SELECT * FROM content_metrics WHERE org_id = 1", conn)
    engine.dispose()
    daily = daily[(daily["metric_date"] >= pd.Timestamp(start)) & (daily["metric_date"] <= pd.Timestamp(end))]
    sums = daily.groupby("client_id")[
        ["impressions", "likes", "comments", "shares", "clicks", "conversions"]
    ].sum()
    sums["engagement_rate"] = (sums["likes"] + sums["comments"] + sums["shares"]) / sums["impressions"]
    posts = posts[
        (posts["published_at"] >= pd.Timestamp(start))
        & (posts["published_at"] < pd.Timestamp(end) + pd.Timedelta(days=1))
    ]
    totals = (
        post_metrics.groupby("content_id")[["likes", "comments", "shares"]].sum().sum(axis=1).rename("eng")
    )
    sums["posts"] = posts.groupby("client_id").size()
    sums["engagement_per_post"] = posts.join(totals, on="id").groupby("client_id")["eng"].mean()
    return sums


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", default=None, help="reuse a warehouse built with the same demo arguments")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite file (WAL)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        if not args.db:
            engine = make_engine(url)
            upgrade(engine)
            started = time.perf_counter()
            with engine.begin() as conn:
                summary = generate_demo(conn, orgs=1, clients=500, days=365, seed=42, end_date=END)
            print(
                f"built the warehouse: {summary.total_rows:,} rows in {time.perf_counter() - started:.1f} s"
            )
            engine.dispose()
        warehouse = Warehouse(url)
        with warehouse.scoped(ORG) as session:
            client_id = int(session.clients().iloc[0]["id"])

        def run_cross():
            with warehouse.scoped(ORG) as session:
                return cross_client(session, time_range="30d", end=END).to_dict()

        def run_stored():
            with warehouse.scoped(ORG) as session:
                return answer(session, "cross_client", time_range="30d", end=END)

        def run_client():
            with warehouse.scoped(ORG) as session:
                return client_analytics(session, client_id, time_range="30d", end=END).to_dict()

        run_cross(), run_client()  # warm imports and caches
        cross_s, cross = timed(run_cross, args.runs)
        first_s, _ = timed(run_stored, 1)  # nothing stored yet: computed and stored
        stored_s, stored = timed(run_stored, args.runs)
        assert stored == cross, "the stored answer differs from the computed one"
        client_s, _ = timed(run_client, args.runs)
        start = END - dt.timedelta(days=29)
        naive_s, _ = timed(lambda: naive_cross_client(url, start, END), max(1, args.runs // 2))
        print(f"\nclients in the answer: {len(cross['client_analytics'])} (times include JSON serialisation)")
        print(f"{'answer':<34}{'median':>10}{'spec':>10}{'target':>10}")
        print(f"{'cross-client (30d), computed':<34}{cross_s * 1000:>8.0f}ms{'500ms':>10}{'200ms':>10}")
        print(f"{'cross-client (30d), stored':<34}{stored_s * 1000:>8.0f}ms{'500ms':>10}{'200ms':>10}")
        print(f"{'  first request: compute + store':<34}{first_s * 1000:>8.0f}ms")
        print(f"{'one client (30d)':<34}{client_s * 1000:>8.0f}ms{'300ms':>10}{'100ms':>10}")
        print(f"{'naive baseline: load all, pandas':<34}{naive_s * 1000:>8.0f}ms")
        print(
            f"\ncross-client is {naive_s / cross_s:.1f}x the naive baseline computed, {naive_s / stored_s:.0f}x "
            f"stored; one client {naive_s / client_s:.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
