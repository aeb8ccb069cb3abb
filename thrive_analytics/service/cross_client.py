"""The cross-client question: "how are all of organisation X's clients doing over the last 30 days?"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import metrics as m
from ..results import JsonResult
from ..warehouse import TenantSession, schema
from . import loaders
from .common import resolve_period
from .prefetch import per_client


@dataclass
class CrossClientAnalytics(JsonResult):
    organization_id: int
    period: dict
    aggregate_metrics: dict
    previous_aggregate_metrics: dict
    changes: dict
    client_analytics: list[dict]
    client_rankings: Any
    content_type_distribution: dict
    platform_distribution: dict
    statistical_analysis: dict
    insights: list = field(default_factory=list)
    trends: list[dict] = field(default_factory=list)


def active_clients(clients: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Clients that were clients on at least one day of the period."""
    started = clients["start_date"] <= end
    not_ended = clients["end_date"].isna() | (clients["end_date"] >= start)
    return clients.loc[started & not_ended]


def client_frame(session: TenantSession, period: m.Period, client_ids=None) -> tuple[pd.DataFrame, dict]:
    """Per-client figures for the period and the previous one, plus the raw frames the answer needs."""
    clients = loaders.load_clients(session, client_ids)
    clients = active_clients(clients, period.previous_start, period.end).set_index("id", drop=False)
    ids = clients.index.tolist() if client_ids is not None else None
    # Day by day for the period (trends, consistency), per client only for the one before (changes).
    current = loaders.load_daily(session, period.start, period.end, ids)
    previous = loaders.load_client_sums(session, period.previous_start, period.previous_end, ids)
    cur, prev = m.client_totals(current), m.client_totals(previous)
    followers = loaders.load_followers(
        session, [period.previous_start, period.previous_end, period.start, period.end], ids
    )
    content = loaders.load_content(session, period.start, period.end, ids)
    content_prev = loaders.load_content(
        session, period.previous_start, period.previous_end, ids, with_metrics=False
    )
    posts = m.content_metrics(content)
    published_prev = content_prev.loc[content_prev["status"] == "published"].groupby("client_id").size()
    # One column per day of the period (a day without rows is a gap in the fit, not skipped), so a client's
    # trend does not depend on which other clients are in the frame.
    pivot = current.assign(e=m.engagements(current)).pivot_table(
        index="client_id", columns="metric_date", values="e"
    )
    days = pd.date_range(period.start, period.end)
    if len(pivot.columns):
        days = days.as_unit(pd.DatetimeIndex(pivot.columns).unit)  # the loaders' unit, or no day would match
    pivot = pivot.reindex(columns=days)
    trends = (
        m.trend_directions(pivot)
        if not pivot.empty
        else pd.DataFrame({"direction": pd.Series(dtype="str"), "relative_slope": pd.Series(dtype="float64")})
    )

    frame = clients[
        ["id", "name", "slug", "client_type", "sector", "size", "tier", "status", "start_date", "end_date"]
    ].rename(columns={"id": "client_id", "name": "client_name"})
    frame["impressions"] = cur["impressions"].reindex(frame.index).fillna(0).astype("int64")
    frame["engagements"] = cur["engagements"].reindex(frame.index).fillna(0).astype("int64")
    frame["views"] = cur["views"].reindex(frame.index).fillna(0).astype("int64")
    frame["clicks"] = cur["clicks"].reindex(frame.index).fillna(0).astype("int64")
    frame["conversions"] = cur["conversions"].reindex(frame.index).fillna(0).astype("int64")
    frame["previous_engagements"] = prev["engagements"].reindex(frame.index).fillna(0).astype("int64")
    frame["engagement_rate"] = cur["engagement_rate"].reindex(frame.index)
    frame["previous_engagement_rate"] = prev["engagement_rate"].reindex(frame.index)
    frame["conversion_rate"] = cur["conversion_rate"].reindex(frame.index)
    frame["engagement_growth"] = (
        cur["engagements"].reindex(frame.index) / prev["engagements"].reindex(frame.index).replace(0, np.nan)
        - 1
    )
    frame["audience_growth"] = m.audience_growth(followers, period.start, period.end).reindex(frame.index)
    frame["previous_audience_growth"] = m.audience_growth(
        followers, period.previous_start, period.previous_end
    ).reindex(frame.index)
    frame["published_posts"] = posts["published_content"].reindex(frame.index).fillna(0).astype("int64")
    frame["previous_published_posts"] = published_prev.reindex(frame.index).fillna(0).astype("int64")
    frame["engagement_per_post"] = posts["engagement_per_post"].reindex(frame.index)
    frame["consistency"] = m.consistency(current).reindex(frame.index)
    frame["trend_direction"] = trends["direction"].reindex(frame.index).fillna("stable")
    frame["trend_relative_slope"] = trends["relative_slope"].reindex(frame.index)
    revenue = _revenue_by_client(session, period.start, period.end, ids)
    frame["revenue"] = revenue.reindex(frame.index).fillna(0.0)
    frame["previous_revenue"] = (
        _revenue_by_client(session, period.previous_start, period.previous_end, ids)
        .reindex(frame.index)
        .fillna(0.0)
    )
    satisfaction = _latest_survey(session, period.end, ids)
    frame["satisfaction"] = satisfaction["csat"].reindex(frame.index)
    frame["nps"] = satisfaction["nps"].reindex(frame.index)
    raw = {
        "current": current,
        "previous_sums": previous,
        "content": content,
        "content_previous": content_prev,
        "clients": clients,
    }
    return frame, raw


@per_client(by="index")
def client_figures(session: TenantSession, period: m.Period, client_ids=None) -> pd.DataFrame:
    """The per-client figures of :func:`client_frame` alone (one row per client, indexed by client id). In a
    batch (``service.prefetch``) a one-client call is a row of the whole organisation's frame, computed once:
    every figure is computed row by row, so the row is the one-client frame's, to the last bit."""
    return client_frame(session, period, client_ids)[0]


@per_client(by="index")
def _revenue_by_client(session: TenantSession, start: dt.date, end: dt.date, client_ids) -> pd.Series:
    invoices = schema.invoices
    stmt = session.select(invoices.c.client_id, invoices.c.amount).where(
        invoices.c.period_start.between(start, end), invoices.c.status != "void"
    )
    if client_ids is not None:
        stmt = stmt.where(invoices.c.client_id.in_(client_ids))
    stmt = stmt.order_by(invoices.c.client_id, invoices.c.id)
    frame = session.frame(stmt)
    if frame.empty:
        return pd.Series(dtype="float64")
    return frame.groupby("client_id")["amount"].sum().map(float)


@per_client(by="index")
def _latest_survey(session: TenantSession, end: dt.date, client_ids) -> pd.DataFrame:
    surveys = schema.surveys
    stmt = session.select(surveys.c.client_id, surveys.c.survey_date, surveys.c.csat, surveys.c.nps).where(
        surveys.c.survey_date <= end
    )
    if client_ids is not None:
        stmt = stmt.where(surveys.c.client_id.in_(client_ids))
    stmt = stmt.order_by(surveys.c.client_id, surveys.c.survey_date, surveys.c.id)
    frame = session.frame(stmt)
    if frame.empty:
        return pd.DataFrame(columns=["csat", "nps"], dtype="float64")
    return (
        frame.sort_values("survey_date", kind="stable")
        .groupby("client_id")[["csat", "nps"]]
        .last()
        .astype("float64")
    )


def ranking_inputs(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The current and previous per-client frames the rankings module expects."""
    base = frame[["client_id", "client_name", "client_type", "size"]].assign(industry=frame["sector"])
    current = base.assign(
        engagement_rate=frame["engagement_rate"],
        engagement_growth=frame["engagement_growth"],
        audience_growth=frame["audience_growth"],
        revenue=frame["revenue"],
        satisfaction=frame["satisfaction"],
        consistency=frame["consistency"],
    )
    previous = base.assign(
        engagement_rate=frame["previous_engagement_rate"],
        engagement_growth=np.nan,
        audience_growth=frame["previous_audience_growth"],
        revenue=frame["previous_revenue"],
        satisfaction=np.nan,
        consistency=np.nan,
    )
    return current.reset_index(drop=True), previous.reset_index(drop=True)


def statistical_analysis(frame: pd.DataFrame) -> dict:
    """Engagement compared across client types, and how client factors correlate (Spearman)."""
    from ..stats import compare_groups, correlation_matrix, distribution_summary

    usable = frame.dropna(subset=["engagement_rate"])
    columns = [
        "engagement_rate",
        "audience_growth",
        "published_posts",
        "revenue",
        "satisfaction",
        "consistency",
    ]
    return {
        "engagement_by_client_type": compare_groups(usable, "engagement_rate", "client_type").to_dict(),
        "engagement_by_size": compare_groups(usable, "engagement_rate", "size").to_dict(),
        "correlations": correlation_matrix(frame, columns, method="spearman").to_dict(),
        "engagement_distribution_by_client_type": distribution_summary(
            usable, "engagement_rate", "client_type"
        ),
        "engagement_distribution_by_industry": distribution_summary(usable, "engagement_rate", "sector"),
    }


def cross_client(
    session: TenantSession,
    *,
    time_range: str = "30d",
    end: dt.date | None = None,
    with_statistics: bool = True,
) -> CrossClientAnalytics:
    """Every client of the session's organisation over ``time_range``, compared, ranked and summarised."""
    from ..health import health_indicators
    from ..rankings import rank_clients
    from .signals import health_signals

    period = resolve_period(time_range, end)
    frame, raw = client_frame(session, period)
    health = health_indicators(health_signals(session, frame, period)) if len(frame) else {}
    current, previous = raw["current"], raw["previous_sums"]
    ids = frame.index.tolist()
    aggregate = m.aggregate_metrics(current, raw["content"], ids)
    before = m.aggregate_metrics(previous, raw["content_previous"], ids)
    changes = {
        "engagement_rate": m.growth(aggregate.average_engagement, before.average_engagement),
        "views": m.growth(aggregate.total_views, before.total_views),
        "clicks": m.growth(aggregate.total_clicks, before.total_clicks),
        "published_content": m.growth(aggregate.total_published_content, before.total_published_content),
        "conversion_rate": m.growth(aggregate.average_conversion_rate, before.average_conversion_rate),
    }
    cur_rank, prev_rank = ranking_inputs(frame)
    rankings = rank_clients(cur_rank, prev_rank) if len(frame) else None
    scores = _overall_scores(rankings)
    published = raw["content"].loc[raw["content"]["status"] == "published"]
    platform_totals = loaders.load_platform_totals(session, period.start, period.end)
    client_rows = []
    peaks = m.peak_engagement_times(raw["content"])
    by_platform = m.engagement_by_platform(platform_totals)
    for row in frame.itertuples(index=False):
        cid = row.client_id
        client_rows.append(
            {
                "client_id": cid,
                "client_name": row.client_name,
                "client_type": row.client_type,
                "industry": row.sector,
                "content_metrics": {
                    "published_content": row.published_posts,
                    "total_views": row.views,
                    "total_clicks": row.clicks,
                    "conversion_rate": row.conversion_rate,
                },
                "engagement_metrics": {
                    "engagement_rate": row.engagement_rate,
                    "engagement_growth": row.engagement_growth,
                    "average_engagement_per_post": row.engagement_per_post,
                    "peak_engagement_times": peaks.get(cid, []),
                    "engagement_by_platform": by_platform.get(cid, {}),
                    "audience_growth_rate": row.audience_growth,
                },
                "revenue": row.revenue,
                "satisfaction": row.satisfaction,
                "performance_score": scores.get(cid),
                "health_indicators": health.get(cid),
                "trend_direction": row.trend_direction,
            }
        )
    portfolio = current.groupby("metric_date")[["likes", "comments", "shares", "impressions"]].sum()
    portfolio_rate = (m.engagements(portfolio) / portfolio["impressions"].replace(0, np.nan)).rename(
        "engagement_rate"
    )
    trends = []
    if len(portfolio_rate.dropna()) >= 3:
        from ..stats import trend

        series = pd.Series(portfolio_rate.to_numpy(), index=pd.to_datetime(portfolio_rate.index))
        trends.append({"metric": "engagement_rate", **trend(series.dropna()).to_dict()})
    statistics = statistical_analysis(frame) if with_statistics else {}
    still = frame["end_date"].isna() | (frame["end_date"] >= period.end)
    current_clients = set(frame.loc[still, "client_id"].tolist())
    from .. import insights as ins

    insights = ins.rank_insights(
        [
            *ins.portfolio_insights(changes, aggregate.to_dict(), before.to_dict()),
            *ins.group_insight(statistics.get("engagement_by_client_type", {})),
            *ins.client_movement_insights(ins.comparable_clients(frame, period.previous_start, period.end)),
            *ins.content_type_insights(raw["content"]),
            *ins.risk_insight({cid: h for cid, h in health.items() if cid in current_clients}),
        ]
    )
    answer = CrossClientAnalytics(
        organization_id=session.scope.org_id,
        period=period.to_dict(),
        aggregate_metrics=aggregate.to_dict(),
        previous_aggregate_metrics=before.to_dict(),
        changes=changes,
        client_analytics=client_rows,
        client_rankings=compact_rankings(rankings),
        content_type_distribution=m.share_distribution(published, "content_type"),
        platform_distribution=m.share_distribution(platform_totals, "platform", "impressions"),
        statistical_analysis=statistics,
        insights=insights,
        trends=trends,
    )
    answer.rankings = rankings  # the full objects, for the rollup job (not part of the JSON answer)
    return answer


def compact_rankings(rankings) -> dict:
    """The rankings as the answer carries them: every list with rank, score and rank change; performance
    indicators and score components once per client, in the overall list (they do not depend on the list)."""
    if rankings is None:
        return {}

    def entry(r, full: bool) -> dict:
        row = {
            "client_id": r.client_id,
            "client_name": r.client_name,
            "rank": r.rank,
            "score": r.score,
            "previous_rank": r.previous_rank,
            "rank_change": r.rank_change,
        }
        if full:
            row["performance_indicators"] = r.performance_indicators
            row["components"] = r.components
        return row

    return {
        "by_engagement": [entry(r, False) for r in rankings.by_engagement],
        "by_growth": [entry(r, False) for r in rankings.by_growth],
        "by_revenue": [entry(r, False) for r in rankings.by_revenue],
        "by_overall_performance": [entry(r, True) for r in rankings.by_overall_performance],
        "weights": rankings.weights,
        "n_clients": rankings.n_clients,
    }


def _overall_scores(rankings) -> dict:
    if rankings is None:
        return {}
    return {r.client_id: r.score for r in rankings.by_overall_performance}
