"""Forecast backtests on the demo warehouse beat seasonal naive (MASE < 1), as issue 3 asks."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from thrive_analytics import metrics as m
from thrive_analytics.forecast import backtest
from thrive_analytics.service import loaders


@pytest.mark.parametrize("metric", ["engagements", "impressions"])
def test_portfolio_daily_forecast_beats_seasonal_naive(sqlite_warehouse, metric):
    org = sqlite_warehouse.organizations().iloc[0]["slug"]
    with sqlite_warehouse.scoped(org) as session:
        daily = loaders.load_daily(session, dt.date(2026, 2, 1), dt.date(2026, 6, 30))
    totals = daily.assign(engagements=m.engagements(daily)).groupby("metric_date")[metric].sum()
    series = pd.Series(totals.to_numpy(dtype=float), index=pd.DatetimeIndex(totals.index)).asfreq("D")
    result = backtest(series, 14, folds=3).to_dict()
    print(f"{metric}: MASE {result['mase']:.3f} against seasonal naive")
    assert result["mase"] < 1.0
