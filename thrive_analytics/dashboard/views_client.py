"""One client's dashboard (spec 4.3 for one client): performance, top content, audience, recommendations,
comparison with peers, health (agency only) and forecasts.

The client's figures are :func:`thrive_analytics.service.client_analytics` for that one client (about 0.1 s
for an organisation of 500 clients); peers are read from the stored cross-client answer rather than computed
again. A client viewer's page is built from a session that holds only their client and leaves out the
agency-internal sections (health, risks, opportunities) and the peer comparison, as client reports do.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import charts
from .. import metrics as m
from ..reports.branding import Brand
from ..reports.catalog import KPIS
from ..reports.document import Section
from ..service import loaders
from ..service.client import client_analytics, client_forecasts
from ..service.common import resolve_period
from ..warehouse import TenantSession
from .views import check_time_range, figure, frame_of, is_client_viewer, section, table

__all__ = ["DAILY_METRICS", "client_answer", "client_sections", "forecast", "performance"]

#: The daily series the metric picker offers: (label, kind).
DAILY_METRICS = {
    "engagements": ("Engagements", "int"),
    "engagement_rate": ("Engagement rate", "percent"),
    "impressions": ("Impressions", "int"),
    "reach": ("Reach", "int"),
    "clicks": ("Clicks", "int"),
    "conversions": ("Conversions", "int"),
    "followers": ("Followers", "int"),
}


def client_answer(
    session: TenantSession, client: str | int, time_range: str = "30d", end: dt.date | None = None
) -> dict:
    """The client's answer (no peers, no forecast: those come from :func:`peers` and :func:`forecast`),
    without the health indicators for a client viewer."""
    check_time_range(time_range)
    result = client_analytics(session, client, time_range=time_range, end=end).to_dict()
    if is_client_viewer(session):
        result["client_analytics"].pop("health_indicators", None)
    return result


def client_sections(
    session: TenantSession,
    client: str | int,
    time_range: str = "30d",
    end: dt.date | None = None,
    metric: str = "engagements",
    *,
    brand: Brand | None = None,
) -> dict[str, Section]:
    """The client's sections; the agency's pages also get ``health`` (and, drawn after the first paint,
    :func:`.views_client_agency.peers`)."""
    result = client_answer(session, client, time_range, end)
    sections = {
        "summary": summary(result),
        "performance": performance(result, metric, brand=brand),
        "content": content(result, brand=brand),
        "audience": audience(result, brand=brand),
        "recommendations": recommendations(result),
    }
    if not is_client_viewer(session):
        from .views_client_agency import health

        sections["health"] = health(result)  # peers: views_client_agency.peers, after the first paint
    return sections


def summary(result: dict) -> Section:
    row, audience_ = result["client_analytics"], result["audience_insights"]
    previous = {
        "engagements": row.get("previous_engagements"),
        "engagement_rate": row.get("previous_engagement_rate"),
        "published_posts": row.get("previous_published_posts"),
        "audience_growth": row.get("previous_audience_growth"),
    }
    values = {**row, "followers": audience_.get("total_followers")}
    names = ("impressions", "engagements", "engagement_rate", "clicks", "published_posts", "audience_growth")
    figures = [
        figure(KPIS[n][0], values.get(n), KPIS[n][1], m.growth(values.get(n), previous.get(n)))
        if previous.get(n) is not None
        else figure(KPIS[n][0], values.get(n), KPIS[n][1])
        for n in (*names, "followers")
    ]
    client = result["client"]
    period = result["period"]
    text = (
        f"{client['name']} · {client['client_type']}, {client['sector']} · "
        f"{period['start']} to {period['end']}"
    )
    return section("summary", client["name"], paragraphs=[text], figures=figures)


def performance(result: dict, metric: str = "engagements", *, brand: Brand | None = None) -> Section:
    """The client's chosen daily metric over the period (and engagements beside it)."""
    if metric not in DAILY_METRICS:
        from ..exceptions import DataValidationError

        raise DataValidationError(f"Unknown metric {metric!r}; use one of {', '.join(DAILY_METRICS)}.")
    daily = frame_of(result["performance_data"], ["metric_date", *DAILY_METRICS])
    label, kind = DAILY_METRICS[metric]
    chosen = charts.line_figure(
        daily, "metric_date", metric, title=f"{label} per day", kind=kind, brand=brand
    )
    return section("performance", "Performance", charts=[chosen])


def content(result: dict, *, brand: Brand | None = None) -> Section:
    by_type = result["audience_insights"].get("engagement_rate_by_content_type", {})
    frame = pd.DataFrame({"format": list(by_type), "engagement_rate": list(by_type.values())})
    chart = charts.bars_figure(
        frame,
        "format",
        "engagement_rate",
        title="Engagement rate by post format",
        kind="percent",
        brand=brand,
    )
    rows = [{**r, "published_at": str(r.get("published_at") or "")[:10]} for r in result["top_content"]]
    tab = table(
        "Best-performing posts",
        rows,
        [
            ("title", "Post", "text"),
            ("platform", "Platform", "text"),
            ("content_type", "Format", "text"),
            ("published_at", "Published", "text"),
            ("impressions", "Impressions", "int"),
            ("engagements", "Engagements", "int"),
            ("engagement_rate", "Engagement rate", "percent"),
        ],
        "The posts of the period with the most engagements.",
    )
    return section("content", "Top content", charts=[chart], tables=[tab])


def audience(result: dict, *, brand: Brand | None = None) -> Section:
    aud = result["audience_insights"]
    followers = aud.get("followers_by_platform", {})
    rates = aud.get("engagement_by_platform", {})
    names = sorted(set(followers) | set(rates))
    frame = pd.DataFrame(
        {
            "platform": names,
            "followers": [followers.get(p) for p in names],
            "engagement_rate": [rates.get(p) for p in names],
        }
    )
    charts_ = [
        charts.bars_figure(frame, "platform", "followers", title="Followers by platform", brand=brand),
        charts.bars_figure(
            frame,
            "platform",
            "engagement_rate",
            title="Engagement rate by platform",
            kind="percent",
            brand=brand,
        ),
    ]
    tab = table(
        "Best times to publish",
        aud.get("peak_engagement_times", []),
        [
            ("day", "Day", "text"),
            ("hour", "Hour", "int"),
            ("avg_engagement", "Mean engagements", "float"),
            ("posts", "Posts", "int"),
        ],
    )
    figures = [
        figure("Followers", aud.get("total_followers"), "int"),
        figure("Audience growth", aud.get("audience_growth_rate"), "percent"),
    ]
    return section("audience", "Audience", figures=figures, charts=charts_, tables=[tab])


def recommendations(result: dict) -> Section:
    items = result["recommendations"]
    paragraphs = [f"{r['title']} ({r['priority']} priority): {r['description']}" for r in items] or [
        "No change of course is needed: the figures of this period are in line with the previous one."
    ]
    return section("recommendations", "Recommendations", paragraphs=paragraphs)


def forecast(
    session: TenantSession,
    client: str | int,
    time_range: str = "30d",
    end: dt.date | None = None,
    *,
    brand: Brand | None = None,
) -> Section:
    """14-day forecasts of the client's engagements and followers with 95 % intervals (slow: about 1.5 s, so
    pages draw it after the first paint)."""
    record = session.client(client)
    period = resolve_period(time_range, end)
    result = client_forecasts(session, int(record["id"]), period.end)
    daily = loaders.load_daily(session, period.end - dt.timedelta(days=89), period.end, [int(record["id"])])
    daily = daily.assign(engagements=m.engagements(daily))
    charts_, paragraphs = [], []
    for name, label in (("engagements", "Engagements"), ("followers", "Followers")):
        fc = result.get(name) or {}
        if fc.get("status") != "ok" or daily.empty:
            paragraphs.append(
                f"No {name} forecast: {fc.get('reason') or result.get('reason') or 'not enough history'}"
            )
            continue
        points = pd.DataFrame(fc["points"]).assign(date=lambda f: pd.to_datetime(f["date"])).set_index("date")
        history_ = daily.set_index("metric_date")[name].astype(float)
        charts_.append(
            charts.forecast_figure(
                history_,
                points[["mean", "lower", "upper"]],
                title=f"{label}: the next two weeks",
                brand=brand,
            )
        )
    paragraphs.append("The shaded band is the 95 % prediction interval.")
    return section("forecast", "Outlook", paragraphs=paragraphs, charts=charts_)
