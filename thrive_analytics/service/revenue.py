"""The revenue question (spec 5.1 GET /revenue): streams, MRR/ARR, churn, LTV, profitability, forecasts.

Invoices are monthly, so the revenue answer covers whole calendar months: the last complete month for
'7d' and '30d', the last 3 for '90d' and the last 12 for '1y', each compared with the months before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..exceptions import DataValidationError
from ..metrics import TIME_RANGES
from ..results import JsonResult
from ..revenue import RevenueInputs, revenue_analytics
from ..warehouse import TenantSession, schema
from . import loaders

MONTHS = {"7d": 1, "30d": 1, "90d": 3, "1y": 12}


@dataclass
class RevenueAnswer(JsonResult):
    organization_id: int
    period: dict
    analytics: Any
    churn_risk: list[dict]


def month_window(time_range: str, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """The whole calendar months ``time_range`` stands for, ending with the last month complete by ``end``."""
    if time_range not in TIME_RANGES:
        raise DataValidationError(f"Unknown time range {time_range!r}; use one of {', '.join(TIME_RANGES)}.")
    if end is None:
        end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    following = end + dt.timedelta(days=1)
    last_day = end if following.day == 1 else end.replace(day=1) - dt.timedelta(days=1)
    first = last_day.replace(day=1)
    for _ in range(MONTHS[time_range] - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, last_day


def load_revenue_inputs(session: TenantSession) -> RevenueInputs:
    return RevenueInputs(
        clients=loaders.load_clients(session),
        subscriptions=loaders.load_table(session, schema.subscriptions),
        invoices=loaders.load_table(session, schema.invoices),
        expenses=loaders.load_table(session, schema.expenses),
        time_entries=loaders.load_table(session, schema.time_entries),
    )


def revenue(
    session: TenantSession,
    *,
    time_range: str = "30d",
    end: dt.date | None = None,
    include_forecasting: bool = False,
    churn_probability=None,
) -> RevenueAnswer:
    """Revenue analytics for the organisation over whole months; forecasts only when asked for."""
    start, last = month_window(time_range, end)
    result = revenue_analytics(
        load_revenue_inputs(session),
        start,
        last,
        forecast_months=3 if include_forecasting else 0,
        churn_probability=churn_probability,
    )
    at_risk = []
    if churn_probability is not None:
        top = churn_probability.sort_values(ascending=False).head(10)
        at_risk = [{"client_id": int(k), "churn_probability": float(v)} for k, v in top.items()]
    return RevenueAnswer(
        organization_id=session.scope.org_id,
        period={
            "start": start.isoformat(),
            "end": last.isoformat(),
            "label": time_range,
            "unit": "calendar months",
        },
        analytics=result,
        churn_risk=at_risk,
    )
