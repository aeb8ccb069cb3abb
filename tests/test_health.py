"""Tests for thrive_analytics.health: hand-computed components, every risk boundary, opportunity rules."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from thrive_analytics.exceptions import DataValidationError
from thrive_analytics.health import (
    DEFAULT_HEALTH_WEIGHTS,
    RULES,
    THRESHOLDS,
    health_indicators,
)

# A healthy, unremarkable client: engagement 70, satisfaction 75, billing 100, communication 100
# -> health .35*70 + .30*75 + .20*100 + .15*100 = 82.
HEALTHY = dict(
    client_id=1,
    client_name="Maplewood Bakery",
    engagement_change=0.0,
    engagement_trend="stable",
    satisfaction=4.0,
    nps=None,
    overdue_invoices=0,
    days_late_avg=0.0,
    days_since_contact=7,
    response_hours_median=12.0,
    monthly_fee=Decimal("1000.00"),
    tier="professional",
    client_type="business",
    tenure_months=12,
    services=5,
)


def signals(*rows: dict) -> pd.DataFrame:
    out = []
    for i, row in enumerate(rows or ({},), start=1):
        out.append({**HEALTHY, "client_id": i, **row})
    return pd.DataFrame(out)


def one(**row):
    """The ClientHealthIndicators of a single client built from HEALTHY plus ``row``."""
    return health_indicators(signals(row))[1]


def component(result, name):
    return next(c for c in result.components if c.name == name)


def risk(result, kind):
    found = [r for r in result.risk_factors if r.type == kind]
    return found[0] if found else None


def opportunity(result, kind):
    found = [o for o in result.opportunities if o.type == kind]
    return found[0] if found else None


def json_ok(result) -> dict:
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


# --- the rule table -----------------------------------------------------------------------------------------------
def test_every_rule_is_named_once_and_documented():
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    assert all(len(r.help) > 10 for r in RULES)
    assert dict(THRESHOLDS) == {r.name: r.value for r in RULES}


# --- components and health score ---------------------------------------------------------------------------------
def test_healthy_client_by_hand():
    r = one()
    assert [(c.name, c.score) for c in r.components] == [
        ("engagement", 70.0),
        ("satisfaction", 75.0),
        ("billing", 100.0),
        ("communication", 100.0),
    ]
    assert r.health_score == pytest.approx(82.0)
    assert [c.weight for c in r.components] == pytest.approx([0.35, 0.30, 0.20, 0.15])
    assert (r.risk_factors, r.opportunities) == ((), ())
    assert (r.retention_risk, r.retention_risk_basis) == ("low", "health_score")
    assert (r.satisfaction_score, r.engagement_trend, r.engagement_trend_basis) == (4.0, "stable", "input")
    assert component(r, "engagement").driver == "engagement change +0% against the previous 30 days"
    assert component(r, "billing").driver == "0 overdue invoice(s), paid 0 days late on average"


@pytest.mark.parametrize(
    ("change", "trend", "score"),
    [
        (-0.6, "down", 0.0),
        (-0.5, "down", 0.0),
        (-0.25, "down", 35.0),  # 70 - 0.25 / 0.5 * 70
        (0.125, "up", 85.0),  # 70 + 0.125 / 0.25 * 30
        (0.5, "up", 100.0),
        (None, "up", 85.0),
        (None, "stable", 70.0),
        (None, "down", 35.0),
    ],
)
def test_engagement_component(change, trend, score):
    r = one(engagement_change=change, engagement_trend=trend)
    assert component(r, "engagement").score == pytest.approx(score)


@pytest.mark.parametrize(
    ("csat", "nps", "score", "driver"),
    [
        (4.0, 50, 75.0, "CSAT 4.0/5, NPS +50"),  # (75 + 75) / 2
        (3.0, -20, 45.0, "CSAT 3.0/5, NPS -20"),  # (50 + 40) / 2
        (None, 0, 50.0, "NPS +0"),
        (1.0, None, 0.0, "CSAT 1.0/5"),
    ],
)
def test_satisfaction_component(csat, nps, score, driver):
    c = component(one(satisfaction=csat, nps=nps), "satisfaction")
    assert (c.score, c.driver) == (pytest.approx(score), driver)


@pytest.mark.parametrize(
    ("overdue", "late", "score"),
    [(1, 30.0, 50.0), (0, 60.0, 50.0), (5, 0.0, 0.0), (0, -5.0, 100.0), (2, None, 50.0), (None, 90.0, 50.0)],
)
def test_billing_component(overdue, late, score):
    # 100 - 25 per overdue invoice - late penalty (0 at on time .. 50 at 60+ days), clipped to 0-100
    assert component(one(overdue_invoices=overdue, days_late_avg=late), "billing").score == pytest.approx(
        score
    )


@pytest.mark.parametrize(
    ("days", "hours", "score"),
    [(37, 72.0, 50.0), (14, 24.0, 100.0), (60, 120.0, 0.0), (37, None, 50.0), (None, 72.0, 50.0)],
)
def test_communication_component(days, hours, score):
    # contact 100 at <= 14 days .. 0 at 60; response 100 at <= 24 h .. 0 at 120 h; mean of the two
    r = one(days_since_contact=days, response_hours_median=hours)
    assert component(r, "communication").score == pytest.approx(score)


def test_missing_component_is_reweighted():
    r = one(satisfaction=None)
    sat = component(r, "satisfaction")
    assert sat.score is None and sat.effective_weight == 0.0 and "left out" in sat.note
    assert r.health_score == pytest.approx((0.35 * 70 + 0.2 * 100 + 0.15 * 100) / 0.7)  # 85
    assert component(r, "engagement").effective_weight == pytest.approx(0.5)
    assert r.satisfaction_score is None


def test_custom_weights():
    r = one(engagement_change=-0.25)  # engagement 35
    assert r.health_score == pytest.approx(0.35 * 35 + 0.3 * 75 + 0.2 * 100 + 0.15 * 100)
    custom = health_indicators(
        signals({"engagement_change": -0.25}), weights={"engagement": 1, "billing": 1}
    )[1]
    assert custom.health_score == pytest.approx((35 + 100) / 2)
    assert [c.weight for c in custom.components] == [0.5, 0.0, 0.5, 0.0]


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (
            {"mood": 1},
            "unknown factor 'mood'; allowed factors: engagement, satisfaction, billing, communication",
        ),
        ({"billing": -2}, "must be a finite, non-negative number"),
        ({"billing": 0}, "at least one factor a positive weight"),
    ],
)
def test_weight_validation(weights, message):
    with pytest.raises(DataValidationError, match=message):
        health_indicators(signals(), weights=weights)


# --- risk factors -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "severity"),
    [(-0.09, None), (-0.10, "low"), (-0.19, "low"), (-0.20, "medium"), (-0.34, "medium"), (-0.35, "high")],
)
def test_engagement_decline_severity(change, severity):
    r = risk(one(engagement_change=change, engagement_trend="stable"), "engagement_decline")
    assert (r.severity if r else None) == severity


def test_engagement_decline_description_and_actions():
    r = risk(one(engagement_change=-0.34), "engagement_decline")
    assert r.description == "Engagement fell 34% against the previous 30 days."
    assert len(r.recommended_actions) == 3  # two for every severity + one from medium
    high = risk(one(engagement_change=-0.5), "engagement_decline")
    assert len(high.recommended_actions) == 4 and "Escalate" in high.recommended_actions[-1]
    low = risk(one(engagement_change=-0.12), "engagement_decline")
    assert len(low.recommended_actions) == 2
    week = health_indicators(signals({"engagement_change": -0.34}), period_days=7)[1]
    assert risk(week, "engagement_decline").description == "Engagement fell 34% against the previous 7 days."


def test_down_trend_alone_is_a_low_engagement_decline():
    r = risk(one(engagement_change=-0.05, engagement_trend="down"), "engagement_decline")
    assert r.severity == "low"
    assert r.description == "Engagement is trending down (change against the previous 30 days: -5%)."
    r = risk(one(engagement_change=None, engagement_trend="down"), "engagement_decline")
    assert (r.severity, r.description) == ("low", "Engagement is trending down.")


@pytest.mark.parametrize(
    ("csat", "nps", "severity"),
    [
        (3.5, None, None),
        (3.49, None, "low"),
        (3.0, None, "low"),
        (2.99, None, "medium"),
        (2.5, None, "medium"),
        (2.49, None, "high"),
        (4.5, 0, None),
        (4.5, -1, "low"),
        (4.5, -20, "low"),
        (4.5, -21, "medium"),
        (4.5, -51, "high"),
        (3.4, -51, "high"),  # the worse of the two
    ],
)
def test_low_satisfaction_severity(csat, nps, severity):
    r = risk(one(satisfaction=csat, nps=nps), "low_satisfaction")
    assert (r.severity if r else None) == severity


def test_low_satisfaction_description():
    r = risk(one(satisfaction=2.8, nps=-25), "low_satisfaction")
    assert r.description == "Latest CSAT is 2.8/5 (below 3.0) and NPS is -25 (below -20)."
    assert r.evidence == {"satisfaction": 2.8, "nps": -25.0}
    assert len(r.recommended_actions) == 2


@pytest.mark.parametrize(
    ("overdue", "late", "severity"),
    [
        (0, 14.9, None),
        (1, 0, "low"),
        (2, 0, "medium"),
        (3, 0, "high"),
        (0, 15, "low"),
        (0, 30, "medium"),
        (0, 60, "high"),
        (1, 60, "high"),
    ],
)
def test_billing_issues_severity(overdue, late, severity):
    r = risk(one(overdue_invoices=overdue, days_late_avg=late), "billing_issues")
    assert (r.severity if r else None) == severity


def test_billing_issues_description():
    r = risk(one(overdue_invoices=2, days_late_avg=34), "billing_issues")
    assert r.description == "2 invoices are overdue; invoices were paid 34 days late on average."
    assert risk(one(overdue_invoices=1), "billing_issues").description == "1 invoice is overdue."


@pytest.mark.parametrize(
    ("days", "hours", "severity"),
    [
        (20, 47, None),
        (21, 12, "low"),
        (35, 12, "medium"),
        (60, 12, "high"),
        (7, 48, "low"),
        (7, 96, "medium"),
        (7, 168, "high"),
    ],
)
def test_communication_gap_severity(days, hours, severity):
    r = risk(one(days_since_contact=days, response_hours_median=hours), "communication_gap")
    assert (r.severity if r else None) == severity


def test_communication_gap_description():
    r = risk(one(days_since_contact=40, response_hours_median=100), "communication_gap")
    assert r.description == "No contact for 40 days; median reply time is 100 hours."
    assert r.severity == "medium"


# --- opportunities ------------------------------------------------------------------------------------------------
GROWING_FAN = dict(engagement_change=0.1, satisfaction=4.5)
# engagement 70 + 0.1/0.25*30 = 82, satisfaction 87.5 -> health .35*82 + .3*87.5 + 20 + 15 = 89.95


def test_upsell_to_the_next_tier_priced_by_list_price_ratio():
    r = one(**GROWING_FAN)
    assert r.health_score == pytest.approx(89.95)
    up = opportunity(r, "upsell")
    # 12 * 1000 * (3500 / 1500 - 1) = 16,000
    assert up.potential_value == Decimal("16000.00")
    assert up.probability == pytest.approx(round(0.6 * 0.8995 * (0.5 + 0.5 * 0.875), 3))  # 0.506
    assert up.description == (
        "Engagement is up 10% against the previous 30 days and CSAT is 4.5/5 on the professional tier: "
        "propose enterprise, worth 16,000 a year more."
    )
    assert up.action_plan[0].startswith("Prepare a proposal for the enterprise tier")
    basic = opportunity(one(**GROWING_FAN, tier="basic", monthly_fee=600.0), "upsell")
    assert basic.potential_value == Decimal("10800.00")  # 12 * 600 * (1500 / 600 - 1)


@pytest.mark.parametrize(
    "change",
    [
        {"tier": "enterprise"},  # no higher tier
        {"satisfaction": 3.9},  # CSAT below 4.0
        {"engagement_change": 0.04},  # engagement growing by less than 5 %
        {"overdue_invoices": 3},  # a high-severity risk
        {"days_since_contact": 59, "response_hours_median": 119, "overdue_invoices": 1, "days_late_avg": 59},
    ],
)
def test_no_upsell_when_a_condition_fails(change):
    assert opportunity(one(**{**GROWING_FAN, **change}), "upsell") is None


def test_upsell_engagement_boundary_is_plus_5_percent():
    assert opportunity(one(engagement_change=0.05, satisfaction=4.0), "upsell") is not None
    assert opportunity(one(engagement_change=0.0499, satisfaction=4.0), "upsell") is None


def test_upsell_uses_trend_when_change_is_missing_and_custom_tier_fees():
    r = health_indicators(
        signals({"engagement_change": None, "engagement_trend": "up", "satisfaction": 4.5, "tier": "basic"}),
        tier_fees={"basic": 500, "premium": 1250},
    )[1]
    assert opportunity(r, "upsell").potential_value == Decimal("18000.00")  # 12 * 1000 * 1.5


def test_cross_sell_from_the_services_count():
    cross = opportunity(one(services=3), "cross_sell")
    assert cross.potential_value == Decimal("2400.00")  # 2 missing x 10 % x 12,000
    assert cross.description.startswith("Buys 3 of 5 revenue streams; not yet 2 stream(s)")
    assert cross.probability == pytest.approx(round(0.4 * 0.82 * (0.5 + 0.5 * 0.75), 3))  # 0.287
    assert cross.action_plan[-1] == "Bundle them into one proposal for the next review meeting."


@pytest.mark.parametrize("streams", [["subscription", "white_label"], "subscription, white_label"])
def test_cross_sell_names_the_streams_not_bought(streams):
    cross = opportunity(one(services=2, streams=streams), "cross_sell")
    # marketplace 10 % + performance bonus 5 % + additional services 10 % of 12,000
    assert cross.potential_value == Decimal("3000.00")
    assert "not yet marketplace boosts, a performance bonus, additional services" in cross.description
    assert len(cross.action_plan) == 4


@pytest.mark.parametrize(
    "change",
    [
        {"services": 5},
        {"services": 3, "tenure_months": 2},
        {"services": 3, "engagement_change": -0.5, "satisfaction": 2.0},  # health below 60
        {"services": 2, "streams": list(("subscription", "marketplace_commission", "white_label",
                                          "performance_bonus", "additional_services"))},
    ],
)  # fmt: skip
def test_no_cross_sell_when_a_condition_fails(change):
    assert opportunity(one(**change), "cross_sell") is None


def test_service_expansion_needs_the_platforms_column():
    exp = opportunity(one(platforms=1), "service_expansion")
    assert exp.potential_value == Decimal("3600.00")  # 2 more platforms x 15 % x 12,000
    assert "add 2 more" in exp.description
    assert opportunity(one(platforms=3), "service_expansion") is None
    assert opportunity(one(platforms=1, engagement_change=-0.01), "service_expansion") is None
    assert opportunity(one(), "service_expansion") is None  # no platforms column


def test_performance_improvement_values_the_fees_at_risk():
    r = one(engagement_change=-0.25)  # health 69.75 -> retention medium -> 15 % of 12,000
    perf = opportunity(r, "performance_improvement")
    assert r.retention_risk == "medium"
    assert perf.potential_value == Decimal("1800.00")
    assert perf.description == (
        "Engagement fell 25% against the previous 30 days; recovering it protects an estimated "
        "1,800 a year of fees at risk."
    )
    assert perf.probability == pytest.approx(round(0.7 * 0.6975 * (0.5 + 0.5 * 0.75), 3))
    with_model = opportunity(one(engagement_change=-0.25, churn_probability=0.4), "performance_improvement")
    assert with_model.potential_value == Decimal("4800.00")
    assert opportunity(one(), "performance_improvement") is None


def test_opportunities_without_a_fee_are_unpriced():
    r = one(services=3, monthly_fee=None)
    cross = opportunity(r, "cross_sell")
    assert cross.potential_value is None and "worth" not in cross.description
    assert "monthly_fee is missing, so opportunities cannot be priced" in r.notes
    assert json_ok(r)["opportunities"][0]["potential_value"] is None


# --- retention risk -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("churn", "level"), [(0.0, "low"), (0.149, "low"), (0.15, "medium"), (0.349, "medium"), (0.35, "high")]
)
def test_retention_risk_from_churn_probability(churn, level):
    r = one(churn_probability=churn)
    assert (r.retention_risk, r.retention_risk_basis) == (level, "churn_probability")


@pytest.mark.parametrize(
    ("row", "health", "level"),
    [
        ({}, 82.0, "low"),
        ({"engagement_change": -0.25}, 69.75, "medium"),
        ({"engagement_change": -0.6, "satisfaction": 1.0}, 35.0, "high"),  # 0 + 0 + 20 + 15
        ({"churn_probability": np.nan}, 82.0, "low"),
    ],
)
def test_retention_risk_from_health_score(row, health, level):
    r = one(**row)
    assert r.health_score == pytest.approx(health)
    assert (r.retention_risk, r.retention_risk_basis) == (level, "health_score")


def test_retention_risk_boundaries_50_and_70():
    # engagement only: health = the engagement component
    w = {"engagement": 1}
    at_70 = health_indicators(signals({"engagement_change": 0.0}), weights=w)[1]
    at_50 = health_indicators(signals({"engagement_change": -1 / 7}), weights=w)[1]  # 70 - 20
    below = health_indicators(signals({"engagement_change": -0.15}), weights=w)[1]
    assert (at_70.health_score, at_70.retention_risk) == (70.0, "low")
    assert (at_50.health_score, at_50.retention_risk) == (pytest.approx(50.0), "medium")
    assert below.retention_risk == "high"


# --- engagement trend from a series -------------------------------------------------------------------------------
def test_engagement_trend_from_history_uses_stats_trend():
    days = pd.date_range("2026-06-01", periods=10, freq="D")
    history = pd.concat(
        [
            pd.DataFrame({"client_id": 1, "date": days, "engagement_rate": np.linspace(0.02, 0.05, 10)}),
            pd.DataFrame({"client_id": 2, "date": days[:3], "engagement_rate": [0.05, 0.04, 0.03]}),
        ]
    )
    data = signals({"engagement_trend": "down"}, {"engagement_trend": "stable"})
    out = health_indicators(data, engagement_history=history)
    assert (out[1].engagement_trend, out[1].engagement_trend_basis) == ("up", "series")
    assert (out[2].engagement_trend, out[2].engagement_trend_basis) == ("stable", "input")  # 3 points < 5
    no_column = health_indicators(data.drop(columns=["engagement_trend"]), engagement_history=history)
    assert no_column[1].engagement_trend == "up"
    assert (no_column[2].engagement_trend, no_column[2].engagement_trend_basis) == (None, None)
    with pytest.raises(DataValidationError, match="engagement_history has no column 'date'"):
        health_indicators(data, engagement_history=history.drop(columns=["date"]))


# --- edge cases ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("empty", [pd.DataFrame(), signals().iloc[:0]])
def test_empty_frame_gives_no_indicators(empty):
    assert health_indicators(empty) == {}


def test_all_signals_missing_is_explained_not_zero():
    row = {c: None for c in HEALTHY if c not in ("client_id", "client_name", "tier", "client_type", "nps")}
    r = one(**row, nps=np.nan)
    assert r.health_score is None and r.retention_risk is None
    assert r.risk_factors == () and r.opportunities == ()
    assert (
        "no component has both an input value and a positive weight, so there is no health score" in r.notes
    )
    out = json_ok(r)
    assert out["health_score"] is None and out["components"][0]["score"] is None


def test_several_clients_keyed_by_id_in_input_order():
    data = signals({}, {"engagement_change": -0.4}, {"client_id": "c-3"})
    out = health_indicators(data)
    assert list(out) == [1, 2, "c-3"]
    assert risk(out[2], "engagement_decline").severity == "high"


def test_to_dict_is_json_safe_and_money_is_float():
    r = one(**GROWING_FAN, services=3, platforms=1, churn_probability=0.05)
    out = json_ok(r)
    assert {o["type"] for o in out["opportunities"]} == {"upsell", "cross_sell", "service_expansion"}
    up = next(o for o in out["opportunities"] if o["type"] == "upsell")
    assert up["potential_value"] == 16000.0 and isinstance(up["potential_value"], float)
    assert out["components"][0]["inputs"] == {"engagement_change": 0.1, "engagement_trend": "stable"}
    assert out["retention_risk"] == "low"


# --- validation ---------------------------------------------------------------------------------------------------
def test_missing_column_is_one_sentence_naming_it():
    with pytest.raises(DataValidationError) as err:
        health_indicators(signals().drop(columns=["days_since_contact"]))
    msg = str(err.value)
    assert msg.startswith(
        "signals has no column 'days_since_contact'; expected columns: client_id, client_name"
    )
    assert msg.endswith("(optional: nps, churn_probability, streams, platforms).")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"engagement_trend": "sideways"},
            "'engagement_trend' has 'sideways' for client_id 1; expected one of: up",
        ),
        (
            {"tier": "gold"},
            "'tier' has 'gold' for client_id 1; expected one of: basic, professional, enterprise",
        ),
        ({"satisfaction": 0.5}, "'satisfaction' must be between 1 and 5; got 0.5 for client_id 1"),
        ({"churn_probability": 1.5}, "'churn_probability' must be between 0 and 1"),
        ({"overdue_invoices": -1}, "'overdue_invoices' must be >= 0"),
        ({"monthly_fee": "lots"}, "'monthly_fee' must hold numbers .* got 'lots'"),
        ({"streams": ["subscription", "seo"]}, "unknown stream 'seo' for client_id 1; expected names from"),
    ],
)
def test_bad_values_are_rejected(row, message):
    with pytest.raises(DataValidationError, match=message):
        health_indicators(signals(row))


def test_bad_arguments_are_rejected():
    with pytest.raises(DataValidationError, match="signals must be a pandas DataFrame"):
        health_indicators("clients.csv")  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="tier_fees\\['basic'\\]=0 must be a positive number"):
        health_indicators(signals(), tier_fees={"basic": 0})
    with pytest.raises(DataValidationError, match="tier_fees must be a non-empty mapping"):
        health_indicators(signals(), tier_fees={})
    with pytest.raises(DataValidationError, match="period_days=0 must be a positive whole number"):
        health_indicators(signals(), period_days=0)
    with pytest.raises(DataValidationError, match="client_id 1 on 2 rows"):
        health_indicators(signals({}, {"client_id": 1}))


def test_default_weights_sum_to_one():
    assert sum(DEFAULT_HEALTH_WEIGHTS.values()) == pytest.approx(1.0)
