"""The data a report reads, in one pass through a tenant-scoped session, as JSON-ready values.

A client report reads the client's answer (with peer comparison and forecasts where the report shows them),
the fees of the period and the client's service levels; a cross-client report reads the stored cross-client
answer and the portfolio's daily series. Everything after this module is pure: sections are built from a
:class:`ReportData`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from .. import metrics as m
from ..exceptions import DataValidationError
from ..results import jsonable
from ..revenue import recognized_by_stream
from ..service.answers import answer
from ..service.benchmarks import industry_benchmarks
from ..service.client import client_analytics
from ..service.common import resolve_period
from ..service.loaders import load_daily
from ..service.prefetch import per_client
from ..warehouse import Scope, TenantSession, Warehouse, schema

#: Report types that show a peer comparison / a forecast / industry benchmarks.
WITH_PEERS = {"detailed", "competitive"}
WITH_FORECAST = {"detailed"}
WITH_BENCHMARKS = {"competitive"}


@dataclass
class ReportData:
    organization: dict
    client: dict | None
    period_start: dt.date
    period_end: dt.date
    row: dict  # the client's (or the portfolio's) figures of the period, with previous_* where known
    daily: list[dict] = field(default_factory=list)
    top_content: list[dict] = field(default_factory=list)
    audience: dict = field(default_factory=dict)
    recommendations: list[dict] = field(default_factory=list)
    forecasts: dict = field(default_factory=dict)
    comparison: dict | None = None
    benchmarks: dict | None = None
    spend: dict = field(default_factory=dict)
    service_levels: dict = field(default_factory=dict)
    rankings: list[dict] = field(default_factory=list)
    clients: list[dict] = field(default_factory=list)
    statistics: dict = field(default_factory=dict)
    insights: list[dict] = field(default_factory=list)

    @property
    def has_activity(self) -> bool:
        return bool(self.row.get("impressions") or self.row.get("published_posts"))


def gather(
    session: TenantSession,
    report_type: str,
    client: str | int | None,
    time_range: str,
    end: dt.date | None,
    warehouse: Warehouse | None = None,
) -> ReportData:
    """Everything a ``report_type`` report of ``client`` (None: the portfolio) shows."""
    organization = session.organization()
    org = {k: organization[k] for k in ("id", "slug", "name", "currency")}
    if client is None:
        return _portfolio(session, org, time_range, end, report_type, warehouse)
    result = client_analytics(
        session,
        client,
        time_range=time_range,
        end=end,
        include_comparison=report_type in WITH_PEERS,
        include_forecast=report_type in WITH_FORECAST,
        include_health=False,  # agency-internal: never in a client's report
    ).to_dict()
    row = dict(result["client_analytics"])
    period = resolve_period(time_range, end)
    audience = result["audience_insights"]
    row["followers"] = audience.get("total_followers")
    benchmarks = None
    if report_type in WITH_BENCHMARKS and warehouse is not None:
        try:
            benchmarks = industry_benchmarks(
                warehouse,
                Scope(org["id"]),
                industry=result["client"]["sector"],
                client_size=result["client"]["size"],
                time_range=time_range,
                end=period.end,
            ).to_dict()
        except DataValidationError:  # no organisation has data for the client's industry this period
            benchmarks = None
    cid = int(result["client"]["id"])
    return ReportData(
        organization=org,
        client=result["client"],
        period_start=period.start,
        period_end=period.end,
        row=row,
        daily=result["performance_data"],
        top_content=result["top_content"],
        audience=audience,
        recommendations=result["recommendations"],
        forecasts=result.get("forecasts") or {},
        comparison=result.get("competitor_comparison"),
        benchmarks=benchmarks,
        spend=client_spend(session, cid, period.start, period.end),
        service_levels=service_levels(session, cid, period.end),
    )


def _portfolio(session, org, time_range, end, report_type, warehouse) -> ReportData:
    period = resolve_period(time_range, end)
    cross = answer(session, "cross_client", time_range=time_range, end=period.end)
    agg, before = cross["aggregate_metrics"], cross["previous_aggregate_metrics"]
    row = {
        "impressions": agg["total_impressions"],
        "engagements": agg["total_engagements"],
        "engagement_rate": agg["average_engagement"],
        "views": agg["total_views"],
        "clicks": agg["total_clicks"],
        "conversion_rate": agg["average_conversion_rate"],
        "published_posts": agg["total_published_content"],
        "clients": agg["total_clients"],
        "previous_engagements": before["total_engagements"],
        "previous_engagement_rate": before["average_engagement"],
        "previous_published_posts": before["total_published_content"],
    }
    daily = load_daily(session, period.start, period.end)
    series = daily.groupby("metric_date")[[*m.METRICS, "followers"]].sum().reset_index()
    series["engagements"] = m.engagements(series)
    series["engagement_rate"] = series["engagements"] / series["impressions"].where(series["impressions"] > 0)
    row["conversions"] = int(series["conversions"].sum()) if len(series) else 0
    row["followers"] = int(series["followers"].iloc[-1]) if len(series) else None
    benchmarks = None
    if report_type in WITH_BENCHMARKS and warehouse is not None:
        benchmarks = industry_benchmarks(
            warehouse, Scope(org["id"]), time_range=time_range, end=period.end
        ).to_dict()
    return ReportData(
        organization=org,
        client=None,
        period_start=period.start,
        period_end=period.end,
        row=row,
        daily=jsonable(series),
        rankings=cross["client_rankings"].get("by_overall_performance", []),
        clients=[
            {
                "client_name": c["client_name"],
                "client_type": c["client_type"],
                "engagement_rate": c["engagement_metrics"]["engagement_rate"],
            }
            for c in cross["client_analytics"]
        ],
        statistics=cross["statistical_analysis"],
        insights=cross["insights"],
        benchmarks=benchmarks,
    )


def client_spend(session: TenantSession, client_id: int, start: dt.date, end: dt.date) -> dict:
    """Fees earned from the client on the period's days (each invoice spread over the days it covers)."""
    invoices = _invoices(session, start, end, [client_id])
    if invoices.empty:
        return {"total": 0.0, "by_stream": {}}
    earned = recognized_by_stream(invoices, start, end)
    by_stream = {stream: float(amount) for stream, amount in earned.items() if amount}
    return {"total": float(sum(earned.values(), Decimal("0.00"))), "by_stream": by_stream}


@per_client()
def _invoices(session: TenantSession, start: dt.date, end: dt.date, client_ids) -> pd.DataFrame:
    inv = schema.invoices
    stmt = session.select(
        *(inv.c[c] for c in ("client_id", "stream", "status", "period_start", "period_end", "amount"))
    ).where(inv.c.period_start <= end, inv.c.period_end >= start)
    if client_ids is not None:
        stmt = stmt.where(inv.c.client_id.in_(client_ids))
    return session.frame(stmt.order_by(inv.c.client_id, inv.c.id))


def service_levels(session: TenantSession, client_id: int, end: dt.date, days: int = 90) -> dict:
    """Messages from the client's public channels in the last ``days`` days: how many, how many answered,
    the median hours to answer."""
    since = dt.datetime.combine(end - dt.timedelta(days=days - 1), dt.time.min)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)
    inbound = _inbound(session, since, until, [client_id])
    if inbound.empty:
        return {"inbound": 0, "answered_share": None, "response_hours_median": None, "days": days}
    sent = pd.to_datetime(inbound["sent_at"], utc=True)
    answered = pd.to_datetime(inbound["responded_at"], utc=True)
    hours = ((answered - sent).dt.total_seconds() / 3600).dropna()
    return {
        "inbound": len(inbound),
        "answered_share": float(answered.notna().mean()),
        "response_hours_median": float(hours.median()) if len(hours) else None,
        "days": days,
    }


@per_client()
def _inbound(session: TenantSession, since: dt.datetime, until: dt.datetime, client_ids) -> pd.DataFrame:
    comms = schema.communications
    stmt = session.select(comms.c.client_id, comms.c.sent_at, comms.c.responded_at).where(
        comms.c.direction == "inbound", comms.c.sent_at >= since, comms.c.sent_at < until
    )
    if client_ids is not None:
        stmt = stmt.where(comms.c.client_id.in_(client_ids))
    return session.frame(stmt.order_by(comms.c.client_id, comms.c.sent_at, comms.c.id))
