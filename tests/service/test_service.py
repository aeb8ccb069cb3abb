"""The service layer's answers on the demo warehouse, on both backends, checked against direct queries."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest
from sqlalchemy import func

from thrive_analytics.exceptions import DataValidationError, NotFoundError
from thrive_analytics.service import (
    client_analytics,
    compare_clients,
    cross_client,
    industry_benchmarks,
    overview,
    revenue,
)
from thrive_analytics.warehouse import schema

END = dt.date(2026, 6, 30)


def first_org(warehouse) -> str:
    return warehouse.organizations().iloc[0]["slug"]


def test_cross_client_aggregates_equal_direct_sums(warehouse):
    org = first_org(warehouse)
    with warehouse.scoped(org) as session:
        result = cross_client(session, time_range="30d", end=END)
        daily = schema.account_metrics_daily
        start = dt.date(2026, 6, 1)
        row = session.execute(
            session.select(
                func.sum(daily.c.impressions),
                func.sum(daily.c.likes + daily.c.comments + daily.c.shares),
                func.sum(daily.c.views),
                func.sum(daily.c.clicks),
            ).where(daily.c.metric_date.between(start, END))
        ).one()
    row = [int(v) for v in row]  # PostgreSQL sums bigints as numeric
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    agg = data["aggregate_metrics"]
    assert (
        agg["total_impressions"] == row[0] and agg["total_views"] == row[2] and agg["total_clicks"] == row[3]
    )
    assert agg["average_engagement"] == pytest.approx(row[1] / row[0])
    assert data["period"] == {
        "start": "2026-06-01",
        "end": "2026-06-30",
        "previous_start": "2026-05-02",
        "previous_end": "2026-05-31",
        "label": "30d",
    }
    assert len(data["client_analytics"]) == agg["total_clients"] > 0
    overall = data["client_rankings"]["by_overall_performance"]
    assert overall[0]["rank"] == 1 and all(
        a["score"] >= b["score"]
        for a, b in itertools.pairwise(overall)
        if a["score"] is not None and b["score"] is not None
    )
    assert abs(sum(data["platform_distribution"].values()) - 1) < 1e-9
    scores = [c["health_indicators"]["health_score"] for c in data["client_analytics"]]
    assert all(0 <= s <= 100 for s in scores if s is not None)
    risks = {r["type"] for c in data["client_analytics"] for r in c["health_indicators"]["risk_factors"]}
    assert (
        risks <= {"engagement_decline", "low_satisfaction", "billing_issues", "communication_gap"} and risks
    )
    assert data["statistical_analysis"]["engagement_by_client_type"]["status"] in {"ok", "insufficient_data"}


def test_client_answer_and_another_organisations_client(warehouse):
    orgs = warehouse.organizations()
    a, b = orgs.iloc[0]["slug"], orgs.iloc[1]["slug"]
    with warehouse.scoped(b) as session:
        foreign = int(session.clients().iloc[0]["id"])
    with warehouse.scoped(a) as session:
        mine = session.clients()
        cid = int(mine.loc[mine["status"] == "active"].iloc[0]["id"])
        result = client_analytics(
            session, cid, time_range="30d", end=END, include_comparison=True, include_forecast=True
        )
        with pytest.raises(NotFoundError, match="No client"):
            client_analytics(session, foreign, end=END)
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["client"]["id"] == cid
    assert len(data["performance_data"]) == 30
    assert {r["metric_date"][:10] for r in data["performance_data"]} <= {
        f"2026-06-{d:02d}" for d in range(1, 31)
    }
    tops = [r["engagements"] for r in data["top_content"]]
    assert tops == sorted(tops, reverse=True)
    assert data["competitor_comparison"]["status"] in {"ok", "insufficient_data"}
    engagement = data["forecasts"]["engagements"]
    assert engagement["status"] == "ok" and len(engagement["points"]) == 14
    assert engagement["points"][0]["date"] == "2026-07-01"
    assert all(p["lower"] <= p["mean"] <= p["upper"] for p in engagement["points"])


def test_client_viewer_gets_no_peer_comparison(warehouse):
    org = first_org(warehouse)
    with warehouse.scoped(org) as session:
        cid = int(session.clients().iloc[0]["id"])
    with warehouse.session(warehouse.scope_for(org, cid)) as session:
        result = client_analytics(session, cid, end=END, include_comparison=True)
    assert result.competitor_comparison["status"] == "not_available"


def test_overview_revenue_is_prorated_invoices(warehouse):
    org = first_org(warehouse)
    with warehouse.scoped(org) as session:
        result = overview(session, time_range="30d", end=END)
        invoices = schema.invoices
        june = session.scalar(
            session.select(func.sum(invoices.c.amount)).where(
                invoices.c.period_start >= dt.date(2026, 6, 1),
                invoices.c.period_end <= END,
                invoices.c.status != "void",
            )
        )
    # Invoices wholly inside June count in full; others are spread over their service days, so the
    # period's revenue is at least the June-only invoices.
    assert isinstance(result.total_revenue, Decimal)
    assert result.total_revenue >= (june or Decimal(0))
    assert 0 < result.active_clients <= result.total_clients
    g = result.growth_metrics
    assert g["churn_rate"] == pytest.approx(1 - g["retention_rate"])
    json.dumps(result.to_dict(), allow_nan=False)


def test_compare_two_clients_and_bad_requests(warehouse):
    org = first_org(warehouse)
    with warehouse.scoped(org) as session:
        ids = session.clients().query("status == 'active'")["id"].tolist()[:2]
        result = compare_clients(session, ids, end=END)
        with pytest.raises(DataValidationError, match="at least two different clients"):
            compare_clients(session, [ids[0], ids[0]], end=END)
        with pytest.raises(DataValidationError, match="Unknown metric 'mood'"):
            compare_clients(session, ids, end=END, metric="mood")
        with pytest.raises(DataValidationError, match="Unknown time range"):
            compare_clients(session, ids, end=END, time_range="3d")
    assert len(result.comparison_data) == 2 and result.insights
    assert "leads on daily engagement rate" in result.insights[0]


def test_benchmarks_withhold_small_cohorts(warehouse):
    org = first_org(warehouse)
    scope = warehouse.scope_for(org)
    result = industry_benchmarks(warehouse, scope, end=END)
    data = result.to_dict()
    assert data["cohorts"]
    for cohort in data["cohorts"]:
        if cohort["status"] == "suppressed":
            assert cohort["clients"] is None and "metrics" not in cohort
        else:
            assert cohort["clients"] >= 5
    with pytest.raises(DataValidationError, match="No benchmark data for industry 'alchemy'"):
        industry_benchmarks(warehouse, scope, industry="alchemy", end=END)
    with pytest.raises(DataValidationError, match="Unknown client size 'huge'"):
        industry_benchmarks(warehouse, scope, client_size="huge", end=END)


def test_revenue_answer_prorates_invoices_like_the_overview(warehouse):
    org = first_org(warehouse)
    with warehouse.scoped(org) as session:
        month = revenue(session, time_range="30d", end=END)  # exactly June
        straddling = revenue(session, time_range="30d", end=dt.date(2026, 6, 15))  # 17 May to 15 June
        business = overview(session, time_range="30d", end=dt.date(2026, 6, 15))
        invoices = schema.invoices
        june = session.scalar(
            session.select(func.sum(invoices.c.amount)).where(
                invoices.c.period_start >= dt.date(2026, 6, 1),
                invoices.c.period_end <= END,
                invoices.c.status != "void",
            )
        )
        rows = session.frame(
            session.select(invoices.c.period_start, invoices.c.period_end, invoices.c.amount).where(
                invoices.c.period_end >= dt.date(2026, 5, 17),
                invoices.c.period_start <= dt.date(2026, 6, 15),
                invoices.c.status != "void",
            )
        )
    # By hand: each invoice's amount times the share of its service days inside 17 May to 15 June.
    expected = Decimal("0.00")
    for first, last, amount in rows.itertuples(index=False):
        inside = (min(last, dt.date(2026, 6, 15)) - max(first, dt.date(2026, 5, 17))).days + 1
        days = (last - first).days + 1
        expected += amount if inside >= days else (amount * inside / days).quantize(Decimal("0.01"))
    assert month.analytics.revenue_metrics.total_revenue == june
    assert straddling.analytics.revenue_metrics.total_revenue == expected == business.total_revenue
    metrics = month.analytics.revenue_metrics
    assert metrics.arr == metrics.mrr * 12
    json.dumps(month.to_dict(), allow_nan=False)


def test_a_period_without_data_is_an_explicit_empty_answer(warehouse):
    org = first_org(warehouse)
    with warehouse.scoped(org) as session:
        data = cross_client(session, time_range="30d", end=dt.date(2020, 1, 31)).to_dict()
    json.dumps(data, allow_nan=False)
    agg = data["aggregate_metrics"]
    assert agg["total_impressions"] == 0 and agg["average_engagement"] is None  # "no data", not 0 %
    assert all(c["engagement_metrics"]["engagement_rate"] is None for c in data["client_analytics"])
    assert not [i for i in data["insights"] if i["type"] == "portfolio_change"]
    assert data["statistical_analysis"]["engagement_by_client_type"]["status"] == "insufficient_data"
