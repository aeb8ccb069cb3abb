"""Cross-client analytics (spec 4.2): comparison with statistics, trends, distributions, correlations, insights.

The portfolio figures come from the stored cross-client answer; the comparison of the clients picked on the
page is :func:`thrive_analytics.service.compare_clients` (a few clients; stored per data revision as the
``compare`` answer, so a comparison asked before is a read); the portfolio's
daily series is summed per day in the database (365 rows for a year, whatever the number of clients).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func

from .. import charts
from .. import metrics as m
from ..insights import TEST_NAMES
from ..reports.branding import Brand
from ..reports.document import Section
from ..service.answers import answer
from ..service.common import resolve_period
from ..service.compare import COMPARABLE
from ..warehouse import TenantSession, schema
from .views import check_time_range, figure, frame_of, section, table

__all__ = [
    "COMPARABLE",
    "METRIC_LABELS",
    "comparison",
    "correlations",
    "cross_client_sections",
    "default_selection",
    "distributions",
    "insights",
    "portfolio_daily",
    "statistics",
    "trends",
]

COMPARE_KINDS = {"engagement_rate": "percent", "followers": "int"}
#: The comparison's metric picker: metric -> label.
METRIC_LABELS = {
    "engagement_rate": "Engagement rate",
    "impressions": "Impressions",
    "engagements": "Engagements",
    "clicks": "Clicks",
    "followers": "Followers",
}
FACTOR_LABELS = {
    "engagement_rate": "engagement rate",
    "audience_growth": "audience growth",
    "published_posts": "posts published",
    "revenue": "revenue",
    "satisfaction": "satisfaction",
    "consistency": "consistency",
}


def cross_client_sections(
    session: TenantSession,
    time_range: str = "30d",
    end: dt.date | None = None,
    *,
    brand: Brand | None = None,
) -> dict[str, Section]:
    """The portfolio-wide sections but the comparison (it depends on the picked clients) and the
    distributions (four charts: a page draws them after the first paint, :func:`distributions`)."""
    check_time_range(time_range)
    cross = answer(session, "cross_client", time_range=time_range, end=end)
    daily = portfolio_daily(session, time_range, end)
    return {
        "statistics": statistics(cross, brand=brand),
        "trends": trends(cross, daily, brand=brand),
        "correlations": correlations(cross),
        "insights": insights(cross),
    }


def default_selection(cross: dict, n: int = 3) -> list[int]:
    """The clients a comparison starts with: the top ``n`` by overall performance."""
    ranked = cross["client_rankings"].get("by_overall_performance", [])
    return [r["client_id"] for r in ranked[:n]]


def comparison(
    session: TenantSession,
    clients: list[int | str],
    time_range: str = "30d",
    end: dt.date | None = None,
    metric: str = "engagement_rate",
    *,
    brand: Brand | None = None,
) -> Section:
    """The picked clients side by side on ``metric``, with a test of whether they differ."""
    if len(clients) < 2:
        return section("comparison", "Comparison", paragraphs=["Pick at least two clients to compare."])
    # stored per data revision like the page's other answers: the next visitor's default comparison is a read
    result = answer(session, "compare", clients=list(clients), time_range=time_range, end=end, metric=metric)
    kind = COMPARE_KINDS.get(metric, "float")
    rows = result["comparison_data"]
    chart = charts.bars_figure(
        frame_of(rows, ["client_name", "daily_mean"]),
        "client_name",
        "daily_mean",
        title=f"Mean {COMPARABLE[metric]}",
        kind=kind,
        brand=brand,
    )
    stats = result["statistical_analysis"]
    figures = []
    if stats.get("status") == "ok":
        figures = [
            figure("p-value", stats.get("p_value"), "float", note=TEST_NAMES.get(stats.get("test"), "")),
            figure(
                "Effect size", stats.get("effect_size"), "float", note=stats.get("effect_size_name") or ""
            ),
        ]
    tab = table(
        "Compared clients",
        rows,
        [
            ("client_name", "Client", "text"),
            ("daily_mean", f"Mean {COMPARABLE[metric]}", kind),
            ("impressions", "Impressions", "int"),
            ("engagements", "Engagements", "int"),
            ("engagement_rate", "Engagement rate", "percent"),
            ("engagement_growth", "Engagement growth", "percent"),
            ("published_posts", "Posts", "int"),
            ("audience_growth", "Audience growth", "percent"),
        ],
    )
    return section(
        "comparison",
        "Comparison",
        paragraphs=result["insights"],
        figures=figures,
        charts=[chart],
        tables=[tab],
    )


def statistics(cross: dict, *, brand: Brand | None = None) -> Section:
    """Whether engagement differs between client types and sizes (the test the answer chose, per group)."""
    stats = cross["statistical_analysis"]
    paragraphs, rows = [], []
    for key, what in (("engagement_by_client_type", "client types"), ("engagement_by_size", "client sizes")):
        test = stats.get(key) or {}
        if test.get("status") != "ok":
            paragraphs.append(f"No test across {what}: {test.get('reason') or 'too few clients'}.")
            continue
        name, p = TEST_NAMES.get(test["test"], test["test"]), test["p_value"]
        verdict = "differ" if test.get("significant") else "do not differ clearly"
        paragraphs.append(f"Engagement rates {verdict} between {what} ({name}, p = {p:.3g}).")
        rows += [{"factor": what[:-1], **g} for g in test.get("groups", [])]
    tab = table(
        "Engagement rate by group",
        rows,
        [
            ("factor", "Grouped by", "text"),
            ("group", "Group", "text"),
            ("n", "Clients", "int"),
            ("median", "Median", "percent"),
            ("mean", "Mean", "percent"),
            ("mean_ci_lower", "Mean, 95 % CI from", "percent"),
            ("mean_ci_upper", "to", "percent"),
        ],
    )
    agg = cross["aggregate_metrics"]
    figures = [
        figure("Clients", agg.get("total_clients"), "int"),
        figure(
            "Engagement rate",
            agg.get("average_engagement"),
            "percent",
            cross["changes"].get("engagement_rate"),
        ),
        figure(
            "Posts published",
            agg.get("total_published_content"),
            "int",
            cross["changes"].get("published_content"),
        ),
        figure(
            "Conversion rate",
            agg.get("average_conversion_rate"),
            "percent",
            cross["changes"].get("conversion_rate"),
        ),
    ]
    return section("statistics", "Statistics", paragraphs=paragraphs, figures=figures, tables=[tab])


def portfolio_daily(session: TenantSession, time_range: str, end: dt.date | None = None) -> pd.DataFrame:
    """Every client's daily figures summed per day (engagements, impressions, clicks, engagement rate)."""
    period = resolve_period(time_range, end)
    daily = schema.account_metrics_daily
    sums = [func.sum(daily.c[c]).label(c) for c in ("impressions", "likes", "comments", "shares", "clicks")]
    stmt = (
        session.select(daily.c.metric_date, *sums)
        .where(daily.c.metric_date.between(period.start, period.end))
        .group_by(daily.c.metric_date)
        .order_by(daily.c.metric_date)
    )
    frame = session.frame(stmt)
    if frame.empty:
        return pd.DataFrame(
            columns=["metric_date", "impressions", "engagements", "clicks", "engagement_rate"]
        )
    frame["metric_date"] = pd.to_datetime(frame["metric_date"].astype(str))
    for column in ("impressions", "likes", "comments", "shares", "clicks"):
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    frame["engagements"] = m.engagements(frame)
    frame["engagement_rate"] = frame["engagements"] / frame["impressions"].where(frame["impressions"] > 0)
    return frame[["metric_date", "impressions", "engagements", "clicks", "engagement_rate"]]


def trends(cross: dict, daily: pd.DataFrame, *, brand: Brand | None = None) -> Section:
    rate = charts.line_figure(
        daily,
        "metric_date",
        "engagement_rate",
        title="Portfolio engagement rate per day",
        kind="percent",
        brand=brand,
    )
    volume = charts.line_figure(
        daily, "metric_date", "engagements", title="Portfolio engagements per day", kind="int", brand=brand
    )
    paragraphs = []
    for t in cross.get("trends", []):
        if t.get("status") == "ok":
            paragraphs.append(
                f"The portfolio's {t['metric'].replace('_', ' ')} is {t['direction']} "
                f"({t['relative_slope_pct']:+.2f} % of its mean per day, p = {t['p_value']:.3g})."
            )
    directions = pd.Series([c.get("trend_direction") for c in cross["client_analytics"]]).value_counts()
    figures = [figure(f"Clients trending {d}", directions.get(d, 0), "int") for d in ("up", "stable", "down")]
    return section("trends", "Trends", paragraphs=paragraphs, figures=figures, charts=[rate, volume])


def distributions(cross: dict, *, brand: Brand | None = None) -> Section:
    clients = pd.DataFrame(
        [
            {
                "client_type": c["client_type"],
                "industry": c["industry"],
                "engagement_rate": c["engagement_metrics"]["engagement_rate"],
            }
            for c in cross["client_analytics"]
        ],
        columns=["client_type", "industry", "engagement_rate"],
    )
    by_type = charts.distribution_figure(
        clients, "client_type", "engagement_rate", title="Engagement rate by client type", brand=brand
    )
    by_industry = charts.distribution_figure(
        clients, "industry", "engagement_rate", title="Engagement rate by industry", brand=brand
    )
    shares = []
    for key, what in (("content_type_distribution", "content type"), ("platform_distribution", "platform")):
        dist = cross.get(key) or {}
        frame = pd.DataFrame({what: list(dist), "share": list(dist.values())})
        shares.append(charts.shares_figure(frame, what, "share", title=f"Share by {what}", brand=brand))
    return section("distributions", "Distributions", charts=[*shares, by_type, by_industry])


def correlations(cross: dict) -> Section:
    """How client factors move together (Spearman, Holm-adjusted), strongest first."""
    matrix = cross["statistical_analysis"].get("correlations") or {}
    pairs = [p for p in matrix.get("pairs", []) if p.get("status") == "ok"]
    pairs.sort(key=lambda p: abs(p.get("coefficient") or 0), reverse=True)
    rows = [
        {
            "pair": f"{FACTOR_LABELS.get(p['column_a'], p['column_a'])} · {FACTOR_LABELS.get(p['column_b'], p['column_b'])}",
            "coefficient": p["coefficient"],
            "ci_lower": p["ci_lower"],
            "ci_upper": p["ci_upper"],
            "p_adjusted": p["p_adjusted"],
            "significant": "yes" if p.get("significant") else "no",
            "n": p["n"],
        }
        for p in pairs
    ]
    strong = [r for r in rows if r["significant"] == "yes"]
    text = (
        f"{len(strong)} of {len(rows)} pairs of client factors are correlated beyond chance"
        + (f"; the strongest: {strong[0]['pair']} (ρ = {strong[0]['coefficient']:.2f})." if strong else ".")
        if rows
        else "Too few clients to correlate their factors."
    )
    tab = table(
        "Correlations between client factors",
        rows,
        [
            ("pair", "Factors", "text"),
            ("coefficient", "Spearman ρ", "float"),
            ("ci_lower", "95 % CI from", "float"),
            ("ci_upper", "to", "float"),
            ("p_adjusted", "p (Holm)", "float"),
            ("significant", "Significant", "text"),
            ("n", "Clients", "int"),
        ],
    )
    return section("correlations", "Correlations", paragraphs=[text], tables=[tab])


def insights(cross: dict) -> Section:
    items = cross.get("insights") or []
    paragraphs = [
        f"{i['title']}. {i['description']} {i.get('recommended_action') or ''}".strip() for i in items
    ] or ["Nothing stands out in this period."]
    return section("insights", "Insights", paragraphs=paragraphs)
