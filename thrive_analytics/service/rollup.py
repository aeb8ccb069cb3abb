"""The rollup job: fills the spec's rollup tables (section 3.3) from the service layer's answers.

For each organisation and each snapshot day D it stores the 30-day answers ending on D:
``service_provider_metrics`` and ``cross_client_analytics`` (one row per organisation and day),
``client_analytics`` and ``client_performance_rankings`` (one row per client and day) and
``revenue_analytics`` (one row per organisation and day, client NULL). It is

* **incremental**: without explicit days it rolls up the days after the organisation's last rolled-up day,
  up to the last day with data (the first run does just that last day), at most ``max_days`` of them;
* **idempotent**: a day's rows are replaced, in one transaction per organisation and day, so running it
  twice leaves the same rows and an interrupted run loses no finished day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func

from ..dashboard.alerts import store_alerts
from ..results import jsonable
from ..revenue import mrr_at, recognized_by_stream
from ..warehouse import Scope, TenantSession, Warehouse, schema
from . import loaders
from .alerts import alerts
from .answers import answer_key, store
from .cross_client import cross_client
from .overview import overview

RANGE = "30d"


@dataclass
class RollupSummary:
    days: dict[str, list[str]] = field(default_factory=dict)  # org slug -> ISO days rolled up
    rows: int = 0


def last_data_day(session: TenantSession) -> dt.date | None:
    daily = schema.account_metrics_daily
    return session.scalar(session.select(func.max(daily.c.metric_date)))


def last_rolled_day(session: TenantSession) -> dt.date | None:
    table = schema.service_provider_metrics
    return session.scalar(session.select(func.max(table.c.metric_date)))


def due_days(session: TenantSession, max_days: int) -> list[dt.date]:
    """The days after the last rolled-up day up to the last day with data (at most ``max_days``, newest)."""
    latest = last_data_day(session)
    if latest is None:
        return []
    done = last_rolled_day(session)
    first = latest if done is None else done + dt.timedelta(days=1)
    days = [first + dt.timedelta(days=i) for i in range((latest - first).days + 1)]
    return days[-max_days:] if max_days else days


def rollup_day(session: TenantSession, day: dt.date, *, keep_answers: bool = False) -> int:
    """Replace organisation ``session``'s rollup rows of ``day``; return the rows written. With
    ``keep_answers`` the day's cross-client and overview answers are also stored (``service.answers``), so
    the first visitor after the rollup is served at once."""
    answer = cross_client(session, time_range=RANGE, end=day)
    business = overview(session, time_range=RANGE, end=day)
    if keep_answers:
        params = {"time_range": RANGE, "end": day}
        for question, result in (("cross_client", answer), ("overview", business)):
            key = answer_key(session, question, params)
            store(session, question, key, session.revision, result.to_dict())
    for table, column in (
        (schema.service_provider_metrics, "metric_date"),
        (schema.cross_client_analytics, "metric_date"),
        (schema.client_analytics, "metric_date"),
        (schema.client_performance_rankings, "ranking_date"),
        (schema.revenue_analytics, "revenue_date"),
    ):
        session.delete(table, table.c[column] == day)
    agg = answer.aggregate_metrics
    utilization = business.team_utilization
    rows = [
        (
            schema.service_provider_metrics,
            [
                {
                    "metric_date": day,
                    "total_clients": business.total_clients,
                    "active_clients": business.active_clients,
                    "total_campaigns": business.total_campaigns,
                    "active_campaigns": business.active_campaigns,
                    "total_revenue": business.total_revenue,
                    "marketplace_revenue": business.marketplace_revenue,
                    "team_utilization_rate": Decimal(str(round(min(utilization * 100, 999.99), 2)))
                    if utilization
                    else 0,
                    "avg_client_satisfaction": Decimal(str(round(business.avg_client_satisfaction, 2)))
                    if business.avg_client_satisfaction is not None
                    else 0,
                }
            ],
        ),
        (
            schema.cross_client_analytics,
            [
                {
                    "metric_date": day,
                    "total_content": agg["total_content"],
                    "total_published_content": agg["total_published_content"],
                    "aggregate_engagement_rate": _rate(agg["average_engagement"]),
                    "total_views": agg["total_views"],
                    "total_clicks": agg["total_clicks"],
                    "avg_conversion_rate": _rate(agg["average_conversion_rate"]),
                    "content_type_distribution": jsonable(answer.content_type_distribution),
                    "platform_distribution": jsonable(answer.platform_distribution),
                    "client_performance_summary": _summary(answer),
                    "insights": jsonable(answer.insights),
                }
            ],
        ),
    ]
    client_rows, ranking_rows = [], []
    rankings = answer.rankings
    ranks = {}
    if rankings:
        for name, listing in (
            ("overall_rank", rankings.by_overall_performance),
            ("engagement_rank", rankings.by_engagement),
            ("growth_rank", rankings.by_growth),
            ("revenue_rank", rankings.by_revenue),
        ):
            for r in listing:
                ranks.setdefault(r.client_id, {})[name] = r.rank
                if name == "overall_rank":
                    ranks[r.client_id]["performance_score"] = r.score
                    ranks[r.client_id]["ranking_factors"] = jsonable(r.components)
    for client in answer.client_analytics:
        cid = client["client_id"]
        score = client.get("performance_score")
        health = client.get("health_indicators")
        client_rows.append(
            {
                "client_id": cid,
                "metric_date": day,
                "content_metrics": jsonable(client["content_metrics"]),
                "engagement_metrics": jsonable(client["engagement_metrics"]),
                "platform_metrics": jsonable(client["engagement_metrics"].get("engagement_by_platform", {})),
                "audience_insights": {
                    "audience_growth_rate": jsonable(client["engagement_metrics"]["audience_growth_rate"])
                },
                "performance_score": _score(score),
                "health_indicators": jsonable(health) if health is not None else {},
            }
        )
        if cid in ranks:
            r = ranks[cid]
            ranking_rows.append(
                {
                    "client_id": cid,
                    "ranking_date": day,
                    "overall_rank": r.get("overall_rank"),
                    "engagement_rank": r.get("engagement_rank"),
                    "growth_rank": r.get("growth_rank"),
                    "revenue_rank": r.get("revenue_rank"),
                    "performance_score": _score(r.get("performance_score")),
                    "ranking_factors": r.get("ranking_factors") or {},
                    "improvement_recommendations": [
                        a
                        for f in (health.risk_factors if health is not None else [])
                        for a in f.recommended_actions
                    ][:5],
                }
            )
    rows.append((schema.client_analytics, client_rows))
    rows.append((schema.client_performance_rankings, ranking_rows))
    rows.append((schema.revenue_analytics, [_revenue_row(session, day)]))
    written = 0
    for table, batch in rows:
        if batch:
            session.insert(table, batch)
            written += len(batch)
    return written


def _revenue_row(session: TenantSession, day: dt.date) -> dict:
    start = day - dt.timedelta(days=29)
    inv = schema.invoices
    invoices = loaders.load_table(
        session,
        inv,
        inv.c.period_end >= start,
        inv.c.period_start <= day,
        inv.c.status != "void",
        columns=["stream", "period_start", "period_end", "amount"],
    )
    earned = recognized_by_stream(invoices, start, day)
    by_stream = {stream: earned.get(stream, Decimal("0.00")) for stream in schema.REVENUE_STREAMS}
    subscriptions = loaders.load_table(session, schema.subscriptions)
    return {
        "client_id": None,
        "revenue_date": day,
        "subscription_revenue": by_stream["subscription"],
        "marketplace_commission": by_stream["marketplace_commission"],
        "white_label_revenue": by_stream["white_label"],
        "total_revenue": sum(by_stream.values(), Decimal("0.00")),
        "mrr": mrr_at(subscriptions, day) if not subscriptions.empty else Decimal("0.00"),
        "revenue_sources": {k: float(v) for k, v in by_stream.items()},
    }


def _rate(value: float | None) -> Decimal:
    return Decimal("0") if value is None else Decimal(str(round(value, 4)))


def _score(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))


def _summary(answer) -> dict:
    ranked = [c for c in answer.client_analytics if c.get("performance_score") is not None]
    ranked.sort(key=lambda c: c["performance_score"], reverse=True)

    def pick(rows):
        return [
            {
                "client_id": c["client_id"],
                "client_name": c["client_name"],
                "score": round(c["performance_score"], 2),
            }
            for c in rows
        ]

    return {
        "clients": len(answer.client_analytics),
        "top": pick(ranked[:5]),
        "bottom": pick(ranked[-5:][::-1]),
    }


def run_rollup(
    warehouse: Warehouse,
    orgs: Iterable[str] | None = None,
    *,
    days: list[dt.date] | None = None,
    max_days: int = 31,
    progress: Callable[[str, dt.date, int], None] | None = None,
) -> RollupSummary:
    """Roll up ``days`` (or each organisation's due days) for ``orgs`` (default: every organisation)."""
    summary = RollupSummary()
    slugs = list(orgs) if orgs else warehouse.organizations()["slug"].tolist()
    for slug in slugs:
        scope = warehouse.scope_for(slug)
        with warehouse.session(scope) as session:
            todo = sorted(days) if days else due_days(session, max_days)
        for day in todo:
            with warehouse.session(Scope(scope.org_id)) as session:
                written = rollup_day(session, day, keep_answers=day == todo[-1])
            summary.rows += written
            summary.days.setdefault(slug, []).append(day.isoformat())
            if progress:
                progress(slug, day, written)
        if todo:  # the alerts of the newest day's week, stored so open dashboards show new ones live
            with warehouse.session(Scope(scope.org_id), write=True) as session:
                store_alerts(session, alerts(session, time_range="7d", end=todo[-1]).alerts)
    return summary
