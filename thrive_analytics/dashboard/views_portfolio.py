"""The service-provider dashboard (spec 4.1): overview cards, growth, rankings, revenue breakdown.

Every figure comes from the stored overview, cross-client and revenue answers of the period
(:func:`thrive_analytics.service.answers.answer`); the activity feed and the alerts are in
:mod:`.views_alerts`. The portfolio is the agency's own view: a client viewer never opens it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import charts
from ..reports.branding import Brand
from ..reports.document import Section, Table
from ..service.answers import answer
from ..warehouse import TenantSession
from .views import change, check_time_range, figure, frame_of, period_text, section, table

__all__ = ["STREAM_LABELS", "cards", "growth", "portfolio", "rankings", "revenue_breakdown"]

STREAM_LABELS = {
    "subscription_revenue": "Subscriptions",
    "marketplace_commissions": "Marketplace commissions",
    "white_label_revenue": "White-label licences",
    "performance_bonus_revenue": "Performance bonuses",
    "additional_services": "Additional services",
}
CHANGE_LABELS = {
    "engagement_rate": "Engagement rate",
    "views": "Views",
    "clicks": "Clicks",
    "published_content": "Posts published",
    "conversion_rate": "Conversion rate",
}
RANKING_COLUMNS = [
    ("rank", "Rank", "int"),
    ("client_name", "Client", "text"),
    ("score", "Score", "float"),
    ("rank_change", "Places gained", "int"),
    ("engagement_rate", "Engagement rate", "percent"),
    ("engagement_growth", "Engagement growth", "percent"),
    ("revenue", "Revenue", "currency"),
    ("satisfaction", "CSAT", "float"),
    ("health_score", "Health", "float"),
    ("retention_risk", "Retention risk", "text"),
    ("trend_direction", "Trend", "text"),
]


def portfolio(
    session: TenantSession, time_range: str = "30d", end: dt.date | None = None, *, brand: Brand | None = None
) -> dict[str, Section]:
    """Every section of the portfolio dashboard, from three stored answers."""
    check_time_range(time_range)
    business = answer(session, "overview", time_range=time_range, end=end)
    cross = answer(session, "cross_client", time_range=time_range, end=end)
    money = answer(session, "revenue", time_range=time_range, end=end)
    return {
        "cards": cards(business),
        "growth": growth(business, cross, brand=brand),
        "rankings": rankings(cross, brand=brand),
        "revenue": revenue_breakdown(money, brand=brand),
    }


def cards(business: dict, open_alerts: int | None = None) -> Section:
    """The business at a glance: clients, revenue, campaigns, team, satisfaction and open alerts (the live
    cards: the overview answer is cheap to compute again when data arrives)."""
    g = business["growth_metrics"]
    revenue_change = change(business["total_revenue"], business["previous_revenue"])
    figures = [
        figure("Active clients", business["active_clients"], "int", g.get("client_growth_rate")),
        figure("Revenue", business["total_revenue"], "currency", revenue_change),
        figure("Marketplace revenue", business["marketplace_revenue"], "currency"),
        figure("Active campaigns", business["active_campaigns"], "int"),
        figure("Team utilisation", business["team_utilization"], "percent"),
        figure("Client satisfaction", business["avg_client_satisfaction"], "float", note="CSAT, 1-5"),
    ]
    if open_alerts is not None:
        figures.append(figure("Open alerts", open_alerts, "int"))
    text = f"{business['organization_name']} · {period_text(business['period'])}"
    return section("cards", "At a glance", paragraphs=[text], figures=figures)


def growth(business: dict, cross: dict, *, brand: Brand | None = None) -> Section:
    g = business["growth_metrics"]
    figures = [
        figure("Client growth", g.get("client_growth_rate"), "percent"),
        figure("Revenue growth", g.get("revenue_growth_rate"), "percent"),
        figure("Client retention", g.get("retention_rate"), "percent"),
        figure("Client churn", g.get("churn_rate"), "percent"),
        figure("New clients", g.get("acquisition_rate"), "percent", note="of clients at the start"),
    ]
    changes = pd.DataFrame(
        {
            "measure": [CHANGE_LABELS[k] for k in CHANGE_LABELS],
            "change": [cross["changes"].get(k) for k in CHANGE_LABELS],
        }
    )
    chart = charts.bars_figure(
        changes, "measure", "change", title="Change against the previous period", kind="percent", brand=brand
    )
    return section("growth", "Growth", figures=figures, charts=[chart])


def ranking_rows(cross: dict) -> list[dict]:
    """One row per ranked client: rank and score (overall performance) with the client's figures."""
    by_id = {c["client_id"]: c for c in cross["client_analytics"]}
    rows = []
    for r in cross["client_rankings"].get("by_overall_performance", []):
        c = by_id.get(r["client_id"], {})
        engagement = c.get("engagement_metrics", {})
        health = c.get("health_indicators") or {}
        rows.append(
            {
                "client_id": r["client_id"],
                "rank": r["rank"],
                "client_name": r["client_name"],
                "score": r["score"],
                "rank_change": r["rank_change"],
                "engagement_rate": engagement.get("engagement_rate"),
                "engagement_growth": engagement.get("engagement_growth"),
                "revenue": c.get("revenue"),
                "satisfaction": c.get("satisfaction"),
                "health_score": health.get("health_score"),
                "retention_risk": health.get("retention_risk"),
                "trend_direction": c.get("trend_direction"),
            }
        )
    return rows


def rankings(cross: dict, *, brand: Brand | None = None, top: int = 10) -> Section:
    rows = ranking_rows(cross)
    ranked = frame_of(rows[:top], ["client_name", "score"]).rename(columns={"client_name": "client"})
    chart = charts.bars_figure(
        ranked, "client", "score", title=f"Top {top} clients by performance score", kind="float", brand=brand
    )
    weights = cross["client_rankings"].get("weights") or {}
    text = (
        "The score weighs "
        + ", ".join(f"{name} {weight:.0%}" for name, weight in weights.items())
        + "; sort the table by any column."
        if weights
        else "No client had figures to rank in this period."
    )
    tab = table("Client rankings", rows, RANKING_COLUMNS, "Every client ranked by overall performance.")
    return section("rankings", "Client rankings", paragraphs=[text], charts=[chart], tables=[tab])


def stream_table(rows: list[dict], caption: str = "") -> Table:
    """The revenue streams of :func:`stream_rows` as a table (portfolio and revenue dashboards)."""
    columns = [
        ("stream", "Stream", "text"),
        ("amount", "This period", "currency"),
        ("previous_amount", "Previous period", "currency"),
        ("growth_rate", "Growth", "percent"),
        ("share", "Share", "percent"),
    ]
    return table("Revenue streams", rows, columns, caption)


def stream_rows(money: dict) -> list[dict]:
    breakdown = money["analytics"]["revenue_breakdown"]
    return [
        {
            "stream": label,
            "amount": breakdown[key]["amount"],
            "previous_amount": breakdown[key]["previous_amount"],
            "growth_rate": breakdown[key]["growth_rate"],
            "share": None if breakdown[key]["percentage"] is None else breakdown[key]["percentage"] / 100,
        }
        for key, label in STREAM_LABELS.items()
        if key in breakdown
    ]


def revenue_breakdown(money: dict, *, brand: Brand | None = None) -> Section:
    metrics = money["analytics"]["revenue_metrics"]
    figures = [
        figure("Revenue", metrics["total_revenue"], "currency", metrics["revenue_growth_rate"]),
        figure("MRR", metrics["mrr"], "currency"),
        figure("ARR", metrics["arr"], "currency"),
        figure("Revenue per client", metrics["revenue_per_client"], "currency"),
    ]
    rows = stream_rows(money)
    chart = charts.shares_figure(
        frame_of(rows, ["stream", "amount"]), "stream", "amount", title="Revenue by stream", brand=brand
    )
    tab = stream_table(rows, "Revenue recognised in the period, each invoice spread over the days it covers.")
    return section("revenue", "Revenue breakdown", figures=figures, charts=[chart], tables=[tab])
