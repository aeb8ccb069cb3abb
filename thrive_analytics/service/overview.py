"""The service-provider overview (spec 6.1 ServiceProviderMetrics): the business at a glance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from .. import metrics as m
from ..results import JsonResult
from ..revenue import recognized_revenue
from ..warehouse import TenantSession, schema
from . import loaders
from .common import resolve_period


@dataclass
class ServiceProviderOverview(JsonResult):
    organization_id: int
    organization_name: str
    period: dict
    total_clients: int
    active_clients: int
    total_campaigns: int
    active_campaigns: int
    total_revenue: Decimal
    previous_revenue: Decimal
    marketplace_revenue: Decimal
    team_utilization: float | None
    avg_client_satisfaction: float | None
    growth_metrics: dict


def _active_on(clients: pd.DataFrame, day: dt.date) -> pd.Series:
    return (clients["start_date"] <= day) & (clients["end_date"].isna() | (clients["end_date"] >= day))


def overview(
    session: TenantSession, *, time_range: str = "30d", end: dt.date | None = None
) -> ServiceProviderOverview:
    """Clients, campaigns, revenue, team utilisation, satisfaction and growth for the period.

    * active clients: clients on the last day of the period; total clients: every client ever signed.
    * client growth: active at end / active at the start − 1; retention: share of clients active at the start
      still active at the end; churn = 1 − retention; acquisition: clients signed in the period / active at start.
    * revenue: recognised day by day over each invoice's service period
      (:func:`thrive_analytics.revenue.recognized_revenue`);
      marketplace revenue: the marketplace-commission stream.
    * team utilisation: billable hours / capacity hours (weekly capacity × weeks in the period) of the
      organisation's active team members (roles other than client viewer).
    * satisfaction: mean of each client's latest CSAT (1–5) up to the end of the period.
    """
    period = resolve_period(time_range, end)
    org = session.organization()
    clients = loaders.load_clients(session)
    at_start, at_end = _active_on(clients, period.start), _active_on(clients, period.end)
    started_in = clients["start_date"].between(period.start, period.end)
    campaigns = loaders.load_table(session, schema.campaigns, columns=["start_date", "end_date", "status"])
    invoices = loaders.load_table(
        session,
        schema.invoices,
        schema.invoices.c.period_end >= period.previous_start,
        schema.invoices.c.period_start <= period.end,
        schema.invoices.c.status != "void",
        columns=["stream", "period_start", "period_end", "amount"],
    )
    total = recognized_revenue(invoices, period.start, period.end)
    before = recognized_revenue(invoices, period.previous_start, period.previous_end)
    marketplace = recognized_revenue(
        invoices.loc[invoices["stream"] == "marketplace_commission"], period.start, period.end
    )
    retained = int((at_start & at_end).sum())
    start_count, end_count = int(at_start.sum()), int(at_end.sum())
    retention = m.ratio(retained, start_count)
    return ServiceProviderOverview(
        organization_id=session.scope.org_id,
        organization_name=org["name"],
        period=period.to_dict(),
        total_clients=len(clients),
        active_clients=end_count,
        total_campaigns=len(campaigns),
        active_campaigns=int(
            ((campaigns["start_date"] <= period.end) & (campaigns["end_date"] >= period.end)).sum()
        )
        if not campaigns.empty
        else 0,
        total_revenue=total,
        previous_revenue=before,
        marketplace_revenue=marketplace,
        team_utilization=team_utilization(session, period.start, period.end),
        avg_client_satisfaction=_satisfaction(session, period.end),
        growth_metrics={
            "client_growth_rate": m.growth(end_count, start_count),
            "revenue_growth_rate": m.growth(float(total), float(before)),
            "retention_rate": retention,
            "churn_rate": None if retention is None else 1.0 - retention,
            "acquisition_rate": m.ratio(int(started_in.sum()), start_count),
        },
    )


def team_utilization(session: TenantSession, start: dt.date, end: dt.date) -> float | None:
    users, entries = schema.users, schema.time_entries
    team = loaders.load_table(
        session,
        users,
        users.c.role != "client_viewer",
        users.c.is_active,
        columns=["id", "weekly_capacity_hours"],
    )
    hours = loaders.load_table(
        session,
        entries,
        entries.c.work_date.between(start, end),
        entries.c.billable,
        columns=["user_id", "hours"],
    )
    weeks = ((end - start).days + 1) / 7
    capacity = (
        float(sum(team["weekly_capacity_hours"].dropna(), Decimal(0))) * weeks if not team.empty else 0.0
    )
    billable = float(sum(hours["hours"], Decimal(0))) if not hours.empty else 0.0
    return m.ratio(billable, capacity)


def _satisfaction(session: TenantSession, end: dt.date) -> float | None:
    surveys = schema.surveys
    frame = loaders.load_table(
        session,
        surveys,
        surveys.c.survey_date <= end,
        surveys.c.csat.is_not(None),
        columns=["client_id", "survey_date", "csat"],
    )
    if frame.empty:
        return None
    latest = frame.sort_values("survey_date").groupby("client_id")["csat"].last()
    return float(latest.mean())
