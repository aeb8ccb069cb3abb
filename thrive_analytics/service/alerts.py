"""Performance alerts for an organisation (spec 5.3 performance_alert, 6.5 PerformanceAlert).

Daily series per client (engagements, impressions, clicks, followers) are read for the period plus the
history the detector needs (it judges each day only by the days before it), and anomaly and trend alerts are
kept for the days of the period.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from .. import metrics as m
from ..anomaly import build_alerts
from ..results import JsonResult
from ..warehouse import TenantSession
from . import loaders
from .common import resolve_period

HISTORY_DAYS = 84  # 12 weeks: the detector needs 8 weeks of same-weekday history before it scores a day
ALERT_METRICS = ("engagements", "impressions", "clicks", "net_followers")
THRESHOLD = 4.0  # robust z-score; with hundreds of series a day, 3.5 raises too many single-day alerts
PORTFOLIO_SHARE = 0.05  # a portfolio-wide alert needs at least 5 % of the clients (and at least 3)


@dataclass
class AlertsAnswer(JsonResult):
    organization_id: int
    period: dict
    alerts: list


def alert_series(daily: pd.DataFrame, names: dict) -> pd.DataFrame:
    """The long frame build_alerts reads: one row per client, metric and day."""
    frame = daily.sort_values(["client_id", "metric_date"]).assign(engagements=m.engagements(daily))
    # Followers are a running total: watch the daily change, not the level.
    frame["net_followers"] = frame.groupby("client_id")["followers"].diff()
    long = frame.melt(id_vars=["client_id", "metric_date"], value_vars=list(ALERT_METRICS), var_name="metric")
    long = long.rename(columns={"metric_date": "date"})
    long["client_name"] = long["client_id"].map(names)
    return long


def alerts(session: TenantSession, *, time_range: str = "7d", end: dt.date | None = None) -> AlertsAnswer:
    """Anomaly and trend alerts raised on the days of ``time_range``, most severe first."""
    period = resolve_period(time_range, end)
    since = period.start - dt.timedelta(days=HISTORY_DAYS)
    clients = loaders.load_clients(session)
    daily = loaders.load_daily(session, since, period.end)
    names = dict(zip(clients["id"], clients["name"], strict=True))
    portfolio_min = max(3, math.ceil(PORTFOLIO_SHARE * len(clients)))
    found = (
        build_alerts(
            alert_series(daily, names).dropna(subset=["value"]),
            since=pd.Timestamp(period.start),
            threshold=THRESHOLD,
            portfolio_min_clients=portfolio_min,
        )
        if not daily.empty
        else []
    )
    return AlertsAnswer(session.scope.org_id, period.to_dict(), found)
