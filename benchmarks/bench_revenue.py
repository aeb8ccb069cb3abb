"""Revenue benchmark: every revenue result (MRR and its movements, ARR, churn, profitability, the sBG LTV model,
per-client revenue) for an agency of 500 clients over two years, beside a plain pandas monthly revenue table of
the same invoices in the same run (the least any revenue summary does: one group-by).

The book is :func:`thrive_analytics.demo.books.synthetic_revenue_book`: about 12,000 invoices, 100,000 time
entries and 2,000 expenses. Timed: validating the inputs, every result, and ``to_dict()`` serialised to JSON.
Target: < 300 ms (a revenue dashboard answers on request).

    .venv/bin/python benchmarks/bench_revenue.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import timeit

import pandas as pd

from thrive_analytics.demo.books import synthetic_revenue_book
from thrive_analytics.revenue import RevenueInputs, revenue_analytics

START, END = "2026-04-01", "2026-06-30"


def ours(frames: dict) -> None:
    result = revenue_analytics(RevenueInputs(**frames), START, END, forecast_months=0)
    json.dumps(result.to_dict(), allow_nan=False)


def monthly_table(frames: dict) -> None:
    invoices = frames["invoices"]
    paid = invoices[invoices["status"] == "paid"]
    month = pd.to_datetime(paid["period_start"]).dt.to_period("M")
    paid["amount"].astype(float).groupby([month, paid["stream"]]).sum().unstack(fill_value=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    frames = synthetic_revenue_book()
    print(", ".join(f"{name} {len(frame):,}" for name, frame in frames.items()))
    ours(frames)  # warm imports (SciPy's optimiser for the LTV fit is imported on first use)
    monthly_table(frames)
    ours_s = statistics.median(timeit.repeat(lambda: ours(frames), number=1, repeat=args.runs))
    base_s = statistics.median(timeit.repeat(lambda: monthly_table(frames), number=1, repeat=args.runs))
    print(
        f"{'every revenue result + to_dict (median of ' + str(args.runs) + ')':58s} {ours_s * 1000:8.0f} ms"
    )
    print(f"{'baseline: pandas monthly revenue by stream, same invoices':58s} {base_s * 1000:8.0f} ms")
    print(f"target < 300 ms: {'met' if ours_s < 0.3 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
