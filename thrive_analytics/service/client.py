"""One client's answer ("how is City of Maplewood doing?"), optionally compared with its peers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import metrics as m
from ..results import JsonResult
from ..warehouse import TenantSession
from . import loaders
from .common import resolve_period
from .cross_client import client_figures, client_frame

PEER_METRICS = (
    "engagement_rate",
    "audience_growth",
    "engagement_per_post",
    "published_posts",
    "conversion_rate",
)
MIN_PEERS = 5


@dataclass
class ClientAnalytics(JsonResult):
    organization_id: int
    period: dict
    client: dict
    client_analytics: dict
    performance_data: list[dict]
    top_content: list[dict]
    audience_insights: dict
    recommendations: list[dict]
    competitor_comparison: dict | None = None
    forecasts: dict | None = None


def client_analytics(
    session: TenantSession,
    client: str | int,
    *,
    time_range: str = "30d",
    end: dt.date | None = None,
    include_comparison: bool = False,
    include_forecast: bool = False,
    include_health: bool = True,
    top: int = 5,
) -> ClientAnalytics:
    """The client's figures for the period, its daily series, best posts, audience and recommendations."""
    record = session.client(client)
    cid = int(record["id"])
    period = resolve_period(time_range, end)
    frame = client_figures(session, period, [cid])
    row = frame.loc[cid].to_dict() if cid in frame.index else {"client_id": cid}
    current = loaders.load_daily(session, period.start, period.end, [cid])
    series = current.assign(engagements=m.engagements(current))
    series["engagement_rate"] = series["engagements"] / series["impressions"].replace(0, np.nan)
    performance = series[
        [
            "metric_date",
            "impressions",
            "reach",
            "engagements",
            "engagement_rate",
            "clicks",
            "conversions",
            "followers",
        ]
    ]
    content = loaders.load_content(session, period.start, period.end, [cid], titles=True)
    published = content.loc[content["status"] == "published"].assign(engagements=lambda f: m.engagements(f))
    published["engagement_rate"] = published["engagements"] / published["impressions"].replace(0, np.nan)
    best = published.sort_values(["engagements", "impressions"], ascending=False).head(top)
    platforms = loaders.load_platform_totals(session, period.start, period.end, [cid])
    followers = loaders.load_followers(session, [period.start, period.end], [cid])
    last = followers.loc[followers["metric_date"] == pd.Timestamp(period.end)]
    by_type = (
        published.groupby("content_type")[["engagements", "impressions"]]
        .sum()
        .assign(engagement_rate=lambda f: f["engagements"] / f["impressions"].replace(0, np.nan))
        if not published.empty
        else pd.DataFrame(columns=["engagements", "impressions", "engagement_rate"])
    )
    audience = {
        "followers_by_platform": dict(zip(last["platform"], last["followers"].astype(int), strict=True)),
        "total_followers": int(last["followers"].sum()),
        "audience_growth_rate": row.get("audience_growth"),
        "engagement_by_platform": m.engagement_by_platform(platforms).get(cid, {}),
        "peak_engagement_times": m.peak_engagement_times(content).get(cid, []),
        "engagement_rate_by_content_type": by_type["engagement_rate"]
        .dropna()
        .sort_values(ascending=False)
        .to_dict(),
    }
    comparison = peer_comparison(session, period, frame, cid) if include_comparison else None
    if include_health and cid in frame.index:
        from ..health import health_indicators
        from .signals import health_signals

        row["health_indicators"] = health_indicators(health_signals(session, frame, period)).get(cid)
    forecasts = client_forecasts(session, cid, period.end) if include_forecast else None
    return ClientAnalytics(
        organization_id=session.scope.org_id,
        period=period.to_dict(),
        client={
            k: record[k] for k in ("id", "slug", "name", "client_type", "sector", "size", "tier", "status")
        },
        client_analytics=row,
        performance_data=performance.to_dict("records"),
        top_content=best[
            [
                "content_id",
                "title",
                "platform",
                "content_type",
                "published_at",
                "impressions",
                "engagements",
                "engagement_rate",
                "clicks",
            ]
        ].to_dict("records"),
        audience_insights=audience,
        recommendations=recommendations(row, audience),
        competitor_comparison=comparison,
        forecasts=forecasts,
    )


FORECAST_HISTORY_DAYS = 180
FORECAST_HORIZON = 14


def client_forecasts(session: TenantSession, cid: int, end: dt.date) -> dict:
    """14-day forecasts of the client's daily engagements and followers (with 95 % intervals) from the last
    180 days, by the forecasting module's automatic model selection."""
    from ..exceptions import DataValidationError
    from ..forecast import forecast

    daily = loaders.load_daily(session, end - dt.timedelta(days=FORECAST_HISTORY_DAYS - 1), end, [cid])
    result = {}
    if daily.empty:
        return {"status": "insufficient_data", "reason": "No daily metrics in the last 180 days."}
    index = pd.DatetimeIndex(daily["metric_date"])
    series = {
        "engagements": pd.Series(m.engagements(daily).to_numpy(dtype=float), index=index),
        "followers": pd.Series(daily["followers"].to_numpy(dtype=float), index=index),
    }
    for name, values in series.items():
        values = values.asfreq("D")
        try:
            frame = forecast(values.interpolate(limit_direction="both"), FORECAST_HORIZON)
        except DataValidationError as exc:
            result[name] = {"status": "insufficient_data", "reason": str(exc)}
            continue
        result[name] = {
            "status": "ok",
            "points": [
                {
                    "date": day.date().isoformat(),
                    "mean": row["mean"],
                    "lower": row["lower"],
                    "upper": row["upper"],
                }
                for day, row in frame.iterrows()
            ],
        }
    return result


def peer_comparison(session: TenantSession, period: m.Period, own: pd.DataFrame, cid: int) -> dict:
    """The client against the median of its peers: same client type in the organisation (at least
    ``MIN_PEERS`` others), else the whole portfolio. Not available to a client viewer, whose scope holds no
    other client."""
    if session.scope.client_id is not None:
        return {"status": "not_available", "reason": "Peer comparison is not available to a client viewer."}
    everyone, _ = client_frame(session, period)
    client_type = own.loc[cid, "client_type"] if cid in own.index else None
    peers = everyone.loc[(everyone["client_type"] == client_type) & (everyone.index != cid)]
    cohort = f"{client_type} clients"
    if len(peers) < MIN_PEERS:
        peers, cohort = everyone.loc[everyone.index != cid], "all clients"
    if len(peers) < MIN_PEERS:
        return {
            "status": "insufficient_data",
            "reason": f"Fewer than {MIN_PEERS} peers to compare with.",
            "peers": len(peers),
        }
    result = {"status": "ok", "cohort": cohort, "peers": len(peers), "metrics": {}}
    for metric in PEER_METRICS:
        values = peers[metric].dropna().astype(float)
        value = own.loc[cid, metric] if cid in own.index else None
        value = m.none_if_nan(value)
        percentile = None if value is None or values.empty else float((values < value).mean() * 100)
        result["metrics"][metric] = {
            "value": value,
            "peer_median": m.none_if_nan(values.median()) if not values.empty else None,
            "peer_p25": m.none_if_nan(values.quantile(0.25)) if not values.empty else None,
            "peer_p75": m.none_if_nan(values.quantile(0.75)) if not values.empty else None,
            "percentile": percentile,
        }
    return result


def recommendations(row: dict, audience: dict) -> list[dict]:
    """Concrete next steps from the client's own numbers (each with the figure that prompted it)."""
    result = []
    peaks = audience.get("peak_engagement_times") or []
    if peaks:
        slot = peaks[0]
        result.append(
            {
                "title": "Publish in the best-performing slot",
                "description": (
                    f"Posts on {slot['day']} at {slot['hour']:02d}:00 averaged {slot['avg_engagement']:.0f} "
                    f"engagements over {slot['posts']} posts; schedule key content there."
                ),
                "priority": "medium",
            }
        )
    by_type = audience.get("engagement_rate_by_content_type") or {}
    if len(by_type) >= 2:
        (best, best_rate), (worst, worst_rate) = next(iter(by_type.items())), list(by_type.items())[-1]
        if worst_rate and best_rate > 1.5 * worst_rate:
            result.append(
                {
                    "title": f"Shift effort from {worst} to {best}",
                    "description": (
                        f"{best.capitalize()} posts reached an engagement rate of {best_rate:.1%} against "
                        f"{worst_rate:.1%} for {worst}."
                    ),
                    "priority": "high" if best_rate > 2 * worst_rate else "medium",
                }
            )
    growth = m.none_if_nan(row.get("engagement_growth"))
    if growth is not None and growth < -0.2:
        result.append(
            {
                "title": "Investigate the engagement drop",
                "description": f"Engagements fell {abs(growth):.0%} against the previous period.",
                "priority": "high",
            }
        )
    posts, before = row.get("published_posts"), row.get("previous_published_posts")
    if posts is not None and before and posts < 0.7 * before:
        result.append(
            {
                "title": "Restore the publishing cadence",
                "description": f"{int(posts)} posts were published against {int(before)} in the previous period.",
                "priority": "medium",
            }
        )
    return result
