"""Forecast benchmark: ``forecast()`` (automatic model selection with a backtest, prediction intervals) on a
year of daily points, beside a single statsmodels ETS fit of the same series in the same run.

Target: < 1 s for 365 daily points (a client answer forecasts two series; a report one).

    .venv/bin/python benchmarks/bench_forecast.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
import pandas as pd
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from thrive_analytics.forecast import forecast


def series(n: int = 365, seed: int = 7) -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 500 + 0.8 * t + 40 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 12, n)
    return pd.Series(values, index=pd.date_range("2025-01-01", periods=n, freq="D"))


def median_time(func, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = series()
    forecast(data, 28)  # warm imports
    ours = median_time(lambda: forecast(data, 28), args.runs)
    one_fit = median_time(
        lambda: (
            ExponentialSmoothing(data, trend="add", seasonal="add", seasonal_periods=7).fit().forecast(28)
        ),
        args.runs,
    )
    print(f"forecast(365 daily points, 28 ahead): {ours * 1000:.0f} ms (target < 1,000 ms)")
    print(f"baseline, one ETS fit without selection, backtest or intervals: {one_fit * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
