"""The revenue question (spec 5.1 GET /revenue): streams, MRR/ARR, churn, LTV, profitability, forecasts.

The period is the same as every other answer's (7d, 30d, 90d, 1y ending on ``end``); invoice amounts are
spread over their service days (:func:`thrive_analytics.revenue.recognized_revenue`), so a 30-day window
that straddles two months counts the part of each month's invoices that falls inside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..results import JsonResult
from ..revenue import RevenueInputs, revenue_analytics
from ..warehouse import TenantSession, schema
from . import loaders
from .common import resolve_period


@dataclass
class RevenueAnswer(JsonResult):
    organization_id: int
    period: dict
    analytics: Any
    churn_risk: list[dict]


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
    """Revenue analytics for the organisation over the period; forecasts only when asked for."""
    period = resolve_period(time_range, end)
    result = revenue_analytics(
        load_revenue_inputs(session),
        period.start,
        period.end,
        forecast_months=3 if include_forecasting else 0,
        churn_probability=churn_probability,
    )
    at_risk = []
    if churn_probability is not None:
        top = churn_probability.sort_values(ascending=False).head(10)
        at_risk = [{"client_id": int(k), "churn_probability": float(v)} for k, v in top.items()]
    return RevenueAnswer(
        organization_id=session.scope.org_id,
        period=period.to_dict(),
        analytics=result,
        churn_risk=at_risk,
    )
