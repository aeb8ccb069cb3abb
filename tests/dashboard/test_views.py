"""The dashboards' views against the demo warehouse (SQLite and PostgreSQL): the figures are the service
layer's answers, new choices change them, and a client viewer's views name no other client."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from thrive_analytics.dashboard import (
    views_alerts,
    views_client,
    views_client_agency,
    views_cross_client,
    views_portfolio,
    views_revenue,
)
from thrive_analytics.dashboard.views import visible_clients
from thrive_analytics.exceptions import DataValidationError, PermissionDeniedError
from thrive_analytics.reports.document import Section, render_section_html
from thrive_analytics.service import client_analytics, compare_clients
from thrive_analytics.service.answers import answer
from thrive_analytics.service.client import peer_comparison
from thrive_analytics.service.common import resolve_period
from thrive_analytics.service.cross_client import client_frame
from thrive_analytics.service.loaders import load_daily

END = dt.date(2026, 6, 30)
ORG = "northwind-digital"


def figures(section: Section) -> dict:
    return {f.label: f.value for f in section.key_figures}


def html_of(sections: dict[str, Section]) -> str:
    return "".join(render_section_html(s) for s in sections.values())


def busy_clients(session, n: int = 2) -> list[dict]:
    """The first ``n`` active clients with impressions in the period."""
    cross = answer(session, "cross_client", time_range="30d", end=END)
    rows = [c for c in cross["client_analytics"] if c["content_metrics"]["total_views"]]
    return rows[:n]


def test_portfolio_figures_are_the_stored_answers(warehouse):
    with warehouse.scoped(ORG) as session:
        sections = views_portfolio.portfolio(session, "30d", END)
        business = answer(session, "overview", time_range="30d", end=END)
        cross = answer(session, "cross_client", time_range="30d", end=END)
        money = answer(session, "revenue", time_range="30d", end=END)
    cards = figures(sections["cards"])
    assert cards["Active clients"] == business["active_clients"]
    assert cards["Revenue"] == pytest.approx(business["total_revenue"])
    assert cards["Team utilisation"] == pytest.approx(business["team_utilization"])
    growth = figures(sections["growth"])
    assert growth["Client retention"] == pytest.approx(business["growth_metrics"]["retention_rate"])
    ranked = sections["rankings"].tables[0].rows
    expected = cross["client_rankings"]["by_overall_performance"]
    assert [r["client_name"] for r in ranked] == [r["client_name"] for r in expected]
    assert ranked[0]["score"] == pytest.approx(expected[0]["score"])
    revenue = figures(sections["revenue"])
    assert revenue["MRR"] == pytest.approx(money["analytics"]["revenue_metrics"]["mrr"])
    streams = {r["stream"]: r["amount"] for r in sections["revenue"].tables[0].rows}
    breakdown = money["analytics"]["revenue_breakdown"]
    assert streams["Subscriptions"] == pytest.approx(breakdown["subscription_revenue"]["amount"])
    assert sum(streams.values()) == pytest.approx(breakdown["total_revenue"], abs=0.05)
    assert all(section.charts or section.id == "cards" for section in sections.values())


def test_the_time_range_changes_the_portfolio(warehouse):
    with warehouse.scoped(ORG) as session:
        week = views_portfolio.portfolio(session, "7d", END)
        quarter = views_portfolio.portfolio(session, "90d", END)
    assert figures(week["cards"])["Revenue"] < figures(quarter["cards"])["Revenue"]
    assert week["growth"].charts[0].svg != quarter["growth"].charts[0].svg
    assert "2026-06-24 to 2026-06-30" in week["cards"].paragraphs[0]
    with pytest.raises(DataValidationError, match="Unknown time range '2w'"):
        views_portfolio.portfolio(session, "2w", END)


def test_client_views_are_the_client_answer_and_follow_the_picker(warehouse):
    with warehouse.scoped(ORG) as session:
        first, second = busy_clients(session)
        one = views_client.client_sections(session, first["client_id"], "30d", END)
        other = views_client.client_sections(session, second["client_id"], "30d", END)
        week = views_client.client_sections(session, first["client_id"], "7d", END)
        clicks = views_client.client_sections(session, first["client_id"], "30d", END, metric="clicks")
        expected = client_analytics(session, first["client_id"], time_range="30d", end=END).to_dict()
    row = expected["client_analytics"]
    summary = figures(one["summary"])
    assert summary["Impressions"] == row["impressions"]
    assert summary["Engagement rate"] == pytest.approx(row["engagement_rate"])
    assert summary["Followers"] == expected["audience_insights"]["total_followers"]
    assert one["summary"].title == first["client_name"] and other["summary"].title == second["client_name"]
    assert figures(one["summary"]) != figures(other["summary"])
    assert figures(one["summary"])["Impressions"] > figures(week["summary"])["Impressions"]
    chart = one["performance"].charts[0]
    assert chart.title == "Engagements per day" and len(chart.data.rows) == 30
    assert clicks["performance"].charts[0].title == "Clicks per day"
    assert [r["title"] for r in one["content"].tables[0].rows] == [
        r["title"] for r in expected["top_content"]
    ]
    assert "health" in set(one) and "peers" not in one  # peers: after the first paint


def test_peers_from_the_stored_answer_are_the_service_comparison(warehouse):
    with warehouse.scoped(ORG) as session:
        client = busy_clients(session, 1)[0]
        cross = answer(session, "cross_client", time_range="30d", end=END)
        period = resolve_period("30d", END)
        own, _ = client_frame(session, period, [client["client_id"]])
        expected = peer_comparison(session, period, own, client["client_id"])
        section = views_client_agency.peers(session, client["client_id"], "30d", END)
    found = views_client_agency.peers_from_answer(cross, client["client_id"])
    medians = {r["measure"]: r["peer_median"] for t in section.tables for r in t.rows}
    assert medians["Engagement rate"] == pytest.approx(expected["metrics"]["engagement_rate"]["peer_median"])
    assert {k: v for k, v in found.items() if k != "metrics"} == {
        k: v for k, v in expected.items() if k != "metrics"
    }
    assert found["metrics"].keys() == expected["metrics"].keys()
    for metric, values in expected["metrics"].items():
        assert found["metrics"][metric] == pytest.approx(values), metric


def test_a_client_viewer_sees_only_their_client(warehouse):
    with warehouse.scoped(ORG) as session:
        everyone = visible_clients(session)
        mine = busy_clients(session, 1)[0]
    slug = everyone.loc[everyone["id"] == mine["client_id"], "slug"].item()
    others = [n for n in everyone["name"] if n != mine["client_name"] and n not in mine["client_name"]]
    with warehouse.scoped(ORG, client=slug) as session:
        assert visible_clients(session)["name"].tolist() == [mine["client_name"]]
        sections = views_client.client_sections(session, slug, "30d", END)
        outlook = views_client.forecast(session, slug, "30d", END)
        with pytest.raises(PermissionDeniedError):
            views_client_agency.peers(session, slug, "30d", END)
    assert set(sections) == {"summary", "performance", "content", "audience", "recommendations"}
    text = html_of({**sections, "forecast": outlook}) + repr(sections)
    assert mine["client_name"] in text
    leaked = [n for n in others if re.search(rf"\b{re.escape(n)}\b", text)]
    assert leaked == []
    assert "health" not in text.lower() and "opportunit" not in text.lower()


def test_cross_client_comparison_statistics_and_trends(warehouse):
    with warehouse.scoped(ORG) as session:
        picked = [c["client_id"] for c in busy_clients(session, 3)]
        section = views_cross_client.comparison(session, picked, "30d", END, metric="impressions")
        expected = compare_clients(session, picked, time_range="30d", end=END, metric="impressions").to_dict()
        sections = views_cross_client.cross_client_sections(session, "30d", END)
        cross = answer(session, "cross_client", time_range="30d", end=END)
        daily = load_daily(session, dt.date(2026, 6, 1), END)
        fewer = views_cross_client.comparison(session, picked[:1], "30d", END)
    means = {r["client_name"]: r["daily_mean"] for r in section.tables[0].rows}
    assert means == pytest.approx({r["client_name"]: r["daily_mean"] for r in expected["comparison_data"]})
    assert section.paragraphs == expected["insights"]
    assert figures(section)["p-value"] == pytest.approx(expected["statistical_analysis"]["p_value"])
    assert fewer.paragraphs == ["Pick at least two clients to compare."]
    test = cross["statistical_analysis"]["engagement_by_client_type"]
    assert f"p = {test['p_value']:.3g}" in sections["statistics"].paragraphs[0]
    totals = sections["trends"].charts[1].data.rows
    by_day = (
        daily.assign(e=daily["likes"] + daily["comments"] + daily["shares"]).groupby("metric_date")["e"].sum()
    )
    assert [r["engagements"] for r in totals] == by_day.tolist()
    pairs = sections["correlations"].tables[0].rows
    assert pairs and abs(pairs[0]["coefficient"]) >= abs(pairs[-1]["coefficient"])
    assert sections["insights"].paragraphs[0].startswith(cross["insights"][0]["title"])
    assert "distributions" not in sections  # drawn after the first paint
    assert len(views_cross_client.distributions(cross).charts) == 4


def test_revenue_views_are_the_revenue_answer(warehouse):
    with warehouse.scoped(ORG) as session:
        sections = views_revenue.revenue_sections(session, "30d", END)
        money = answer(session, "revenue", time_range="30d", end=END)
        cross = answer(session, "cross_client", time_range="30d", end=END)
        quarter = views_revenue.revenue_sections(session, "90d", END)
        outlook = views_revenue.forecasts(session, "30d", END)
        model = views_revenue.churn_model(session, "30d", END)
    r = money["analytics"]["revenue_metrics"]
    shown = figures(sections["metrics"])
    assert shown["ARR"] == pytest.approx(r["arr"]) and shown["Client lifetime value"] == pytest.approx(
        r["client_ltv"]
    )
    assert figures(quarter["metrics"])["Revenue"] != shown["Revenue"]
    movements = {row["movement"]: row["amount"] for row in sections["mrr"].charts[0].data.rows}
    assert movements["Closing MRR"] == pytest.approx(r["mrr"])
    by_client = sections["clients"].tables[0].rows
    assert len(by_client) == len(money["analytics"]["client_revenue"])
    at_risk = {
        c["client_name"]
        for c in cross["client_analytics"]
        if c["health_indicators"]["retention_risk"] != "low"
    }
    assert {row["client_name"] for row in sections["churn_risk"].tables[0].rows} == at_risk
    values = [row["expected_value"] for row in sections["upsell"].tables[0].rows]
    assert values == sorted(values, reverse=True)
    assert outlook.id == "forecast" and outlook.paragraphs  # 150 days of history: "no forecast" reasons
    assert model.id == "churn_model" and (model.tables or model.paragraphs[0].startswith("No churn model"))


def test_portfolio_daily_is_summed_in_the_database(warehouse):
    with warehouse.scoped(ORG) as session:
        daily = views_cross_client.portfolio_daily(session, "7d", END)
        raw = load_daily(session, dt.date(2026, 6, 24), END)
    assert list(daily["metric_date"]) == list(pd.date_range("2026-06-24", END))
    assert daily["impressions"].tolist() == raw.groupby("metric_date")["impressions"].sum().tolist()


def test_activity_feed_is_scoped(warehouse):
    with warehouse.scoped(ORG) as session:
        everyone = visible_clients(session)
        agency = views_alerts.activity_rows(session, limit=40, now=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
        counts = views_alerts.open_alerts(session)
    kinds = {r["kind"] for r in agency}
    assert {"Post published", "Campaign started"} <= kinds
    assert [r["when"] for r in agency] == sorted((r["when"] for r in agency), reverse=True)
    assert all(r["when"] <= "2026-07-01 00:00" for r in agency)
    assert set(counts) == {"critical", "high", "medium", "low"}
    slug, name = everyone.loc[0, "slug"], everyone.loc[0, "name"]
    with warehouse.scoped(ORG, client=slug) as session:
        mine = views_alerts.activity_rows(session, limit=40)
        section = views_alerts.activity(session)
    assert mine and {r["client"] for r in mine} == {name}
    assert set(everyone["name"]) - {name} & set(section.tables[0].rows[0].values()) == set()
