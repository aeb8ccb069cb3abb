"""Written insights fire on strong evidence only, carry their figures, and are ranked by importance."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pandas as pd

from thrive_analytics import insights as ins


def test_portfolio_change_threshold_and_wording():
    changes = {"engagement_rate": -0.12, "views": 0.03, "clicks": None}
    current = {"average_engagement": 0.022, "total_views": 1030}
    previous = {"average_engagement": 0.025, "total_views": 1000}
    result = ins.portfolio_insights(changes, current, previous)
    assert len(result) == 1  # views moved 3 %, under the 5 % threshold; clicks have no figure
    only = result[0]
    assert only.title == "Portfolio engagement rate fell 12%"
    assert "to 2.2% (previous period 2.5%)" in only.description
    assert only.importance == 64.0  # 40 + 0.12 * 200
    json.dumps(only.to_dict(), allow_nan=False)


def test_group_difference_needs_significance():
    groups = [{"group": "municipality", "median": 0.034}, {"group": "startup", "median": 0.021}]
    significant = {
        "status": "ok",
        "significant": True,
        "test": "kruskal_wallis",
        "p_value": 0.003,
        "groups": groups,
    }
    [insight] = ins.group_insight(significant)
    assert insight.title == "Municipality clients out-engage startup clients"
    assert (
        "3.4% for municipality against 2.1% for startup (Kruskal–Wallis test, p = 0.003)"
        in insight.description
    )
    assert ins.group_insight({**significant, "significant": False}) == []
    assert ins.group_insight({"status": "insufficient_data"}) == []


def frame(rows):
    base = {"start_date": dt.date(2025, 1, 1), "end_date": None, "previous_engagements": 1000}
    return pd.DataFrame([base | r for r in rows])


def test_client_movements_use_comparable_clients_only():
    clients = frame(
        [
            {"client_id": 1, "client_name": "City of A", "engagement_growth": -0.5},
            {"client_id": 2, "client_name": "B Bakery", "engagement_growth": -0.1},
            {
                "client_id": 3,
                "client_name": "New C",
                "engagement_growth": 50.0,
                "start_date": dt.date(2026, 6, 15),
            },
            {"client_id": 4, "client_name": "Tiny D", "engagement_growth": 3.0, "previous_engagements": 20},
            {
                "client_id": 5,
                "client_name": "Gone E",
                "engagement_growth": -0.9,
                "end_date": dt.date(2026, 6, 10),
            },
            {"client_id": 6, "client_name": "F Labs", "engagement_growth": 0.4},
        ]
    )
    comparable = ins.comparable_clients(clients, dt.date(2026, 5, 2), dt.date(2026, 6, 30))
    assert comparable["client_id"].tolist() == [1, 2, 6]
    falling, rising = ins.client_movement_insights(comparable)
    assert falling.title == "1 client lost at least 20% of engagements"
    assert "City of A (-50%)" in falling.description and falling.affected_clients == [1]
    assert rising.affected_clients == [6] and "F Labs (+40%)" in rising.description


def test_content_types_with_lift():
    rows = [{"status": "published", "content_type": "reel", "likes": 30, "comments": 0, "shares": 0}] * 10
    rows += [{"status": "published", "content_type": "text", "likes": 10, "comments": 0, "shares": 0}] * 30
    rows += [{"status": "published", "content_type": "live", "likes": 90, "comments": 0, "shares": 0}] * 2
    [reel] = ins.content_type_insights(pd.DataFrame(rows))  # live: only 2 posts, not enough
    overall = (30 * 10 + 10 * 30 + 90 * 2) / 42
    assert reel.title == f"Reel posts earn {30 / overall:.1f}× the average"
    assert ins.content_type_insights(pd.DataFrame(rows).assign(status="draft")) == []


def test_risk_insight_and_ranking():
    high = SimpleNamespace(type="billing_issues", severity="high")
    health = {
        1: SimpleNamespace(client_name="City of A", risk_factors=[high]),
        2: SimpleNamespace(
            client_name="B", risk_factors=[SimpleNamespace(type="communication_gap", severity="low")]
        ),
    }
    [risk] = ins.risk_insight(health)
    assert risk.affected_clients == [1] and "City of A (billing issues)" in risk.description
    ranked = ins.rank_insights(
        [*ins.portfolio_insights({"views": 0.06}, {"total_views": 106}, {"total_views": 100}), risk]
    )
    assert [i.type for i in ranked] == ["at_risk", "portfolio_change"]
    assert ins.risk_insight({}) == []
