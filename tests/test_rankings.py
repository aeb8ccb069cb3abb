"""Tests for thrive_analytics.rankings: hand-computed percentiles, composites, ties, rank changes, benchmarks."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from thrive_analytics.exceptions import DataValidationError
from thrive_analytics.rankings import DEFAULT_WEIGHTS, METRICS, FactorWeights, rank_clients


def frame(**columns) -> pd.DataFrame:
    """A current-period frame; columns not given get neutral defaults (everyone equal)."""
    n = len(next(iter(columns.values())))
    base = {
        "client_id": list(range(1, n + 1)),
        "client_name": [f"Client {chr(65 + i)}" for i in range(n)],
        "client_type": ["business"] * n,
        "industry": ["retail"] * n,
        "size": ["small"] * n,
        "engagement_rate": [0.05] * n,
        "engagement_growth": [0.0] * n,
        "audience_growth": [0.0] * n,
        "revenue": [1000.0] * n,
        "satisfaction": [4.0] * n,
        "consistency": [0.5] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


# Four clients A-D; percentiles (kind="mean", 100 * (rank - 0.5) / 4) written beside each column.
FOUR = dict(
    engagement_rate=[0.04, 0.03, 0.02, 0.01],  # 87.5, 62.5, 37.5, 12.5
    engagement_growth=[0.10, 0.30, 0.20, 0.00],  # 37.5, 87.5, 62.5, 12.5
    audience_growth=[0.01, 0.02, 0.04, 0.03],  # 12.5, 37.5, 87.5, 62.5  -> growth 25, 62.5, 75, 37.5
    revenue=[Decimal("1000"), Decimal("4000"), Decimal("2000"), Decimal("3000")],  # 12.5, 87.5, 37.5, 62.5
    satisfaction=[5.0, 3.0, 4.0, 2.0],  # 87.5, 37.5, 62.5, 12.5
    consistency=[0.9, 0.5, 0.7, 0.8],  # 87.5, 12.5, 37.5, 62.5
)
# Overall with 0.30/0.25/0.20/0.15/0.10:
#   A .3*87.5 + .25*25 + .2*12.5 + .15*87.5 + .1*87.5 = 56.875
#   B .3*62.5 + .25*62.5 + .2*87.5 + .15*37.5 + .1*12.5 = 58.75
#   C .3*37.5 + .25*75 + .2*37.5 + .15*62.5 + .1*37.5 = 50.625
#   D .3*12.5 + .25*37.5 + .2*62.5 + .15*12.5 + .1*62.5 = 33.75
OVERALL = {1: 56.875, 2: 58.75, 3: 50.625, 4: 33.75}


def by_id(entries) -> dict:
    return {e.client_id: e for e in entries}


def indicator(entry, metric):
    return next(p for p in entry.performance_indicators if p.metric == metric)


def json_ok(result) -> dict:
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


def test_percentile_ranks_match_scipy_kind_mean():
    values = [0.01, 0.02, 0.02, 0.05, 0.09]
    result = rank_clients(frame(engagement_rate=values))
    scores = {e.client_id: e.score for e in result.by_engagement}
    for i, v in enumerate(values, start=1):
        assert scores[i] == pytest.approx(sps.percentileofscore(values, v, kind="mean"))
    assert scores[1] == pytest.approx(10.0) and scores[5] == pytest.approx(90.0)


def test_factor_lists_and_weighted_composite_by_hand():
    result = rank_clients(frame(**FOUR))
    eng = by_id(result.by_engagement)
    assert [eng[i].score for i in (1, 2, 3, 4)] == pytest.approx([87.5, 62.5, 37.5, 12.5])
    assert [e.client_id for e in result.by_growth] == [3, 2, 4, 1]
    assert [e.score for e in result.by_growth] == pytest.approx([75.0, 62.5, 37.5, 25.0])
    assert by_id(result.by_growth)[1].components == pytest.approx(
        {"engagement_growth": 37.5, "audience_growth": 12.5}
    )
    assert [e.client_id for e in result.by_revenue] == [2, 4, 3, 1]
    overall = result.by_overall_performance
    assert [e.client_id for e in overall] == [2, 1, 3, 4]
    assert [e.rank for e in overall] == [1, 2, 3, 4]
    for e in overall:
        assert e.score == pytest.approx(OVERALL[e.client_id])
        assert sum(c["weight"] for c in e.components.values()) == pytest.approx(1.0)
    assert by_id(overall)[1].components["growth"] == pytest.approx({"score": 25.0, "weight": 0.25})
    assert result.weights == pytest.approx(DEFAULT_WEIGHTS.normalised())


def test_missing_factor_is_reweighted_over_the_available_ones():
    data = frame(**{**FOUR, "satisfaction": [None, 3.0, 4.0, 2.0]})
    overall = by_id(rank_clients(data).by_overall_performance)
    # A: engagement 87.5, growth 25, revenue 12.5, consistency 87.5 over weights .3+.25+.2+.1 = .85
    assert overall[1].score == pytest.approx((0.3 * 87.5 + 0.25 * 25 + 0.2 * 12.5 + 0.1 * 87.5) / 0.85)
    assert overall[1].components["satisfaction"] == {"score": None, "weight": 0.0}
    assert overall[1].components["engagement"]["weight"] == pytest.approx(0.3 / 0.85)
    # satisfaction percentiles now among B, C, D only: 3 -> 50, 4 -> 83.3, 2 -> 16.7
    assert overall[2].components["satisfaction"]["score"] == pytest.approx(50.0)
    assert overall[3].components["satisfaction"]["score"] == pytest.approx(250 / 3)


def test_growth_factor_uses_whichever_growth_metric_exists():
    data = frame(**{**FOUR, "audience_growth": [None, 0.02, 0.04, 0.03]})
    growth = by_id(rank_clients(data).by_growth)
    assert growth[1].score == pytest.approx(37.5)  # engagement_growth percentile alone
    assert growth[1].components == {"engagement_growth": pytest.approx(37.5), "audience_growth": None}


def test_ties_share_the_minimum_rank_and_are_ordered_by_name():
    data = frame(engagement_rate=[0.05, 0.03, 0.03, 0.01], client_name=["Delta", "Charlie", "Bravo", "Alpha"])
    eng = rank_clients(data).by_engagement
    assert [e.rank for e in eng] == [1, 2, 2, 4]
    assert [e.client_name for e in eng] == ["Delta", "Bravo", "Charlie", "Alpha"]
    assert eng[1].score == eng[2].score == pytest.approx(50.0)


def test_custom_weights_are_renormalised_and_unnamed_factors_get_zero():
    result = rank_clients(frame(**FOUR), weights={"engagement": 2, "growth": 2})
    assert result.weights == {
        "engagement": 0.5,
        "growth": 0.5,
        "revenue": 0.0,
        "satisfaction": 0.0,
        "consistency": 0.0,
    }
    overall = result.by_overall_performance
    # A (87.5 + 25) / 2 = 56.25, B 62.5, C (37.5 + 75) / 2 = 56.25, D 25: A and C tie at rank 2
    assert [(e.client_id, e.rank) for e in overall] == [(2, 1), (1, 2), (3, 2), (4, 4)]
    assert [e.score for e in overall] == pytest.approx([62.5, 56.25, 56.25, 25.0])
    same = rank_clients(frame(**FOUR), weights=FactorWeights(1, 1, 0, 0, 0)).by_overall_performance
    assert [e.score for e in same] == pytest.approx([62.5, 56.25, 56.25, 25.0])


def test_no_positive_weight_factor_means_no_score():
    data = frame(**{**FOUR, "satisfaction": [None, 3.0, 4.0, 2.0]})
    overall = rank_clients(data, weights={"satisfaction": 1}).by_overall_performance
    assert [e.client_id for e in overall] == [3, 2, 4, 1]
    last = overall[-1]
    assert last.rank is None and last.score is None
    assert "no factor with a positive weight" in last.reason


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"engagement": -1}, "weights['engagement']=-1 must be a finite, non-negative number"),
        ({"popularity": 1}, "unknown factor 'popularity'; allowed factors: engagement, growth, revenue"),
        ({"engagement": 0, "growth": 0}, "at least one factor a positive weight"),
        ({"engagement": True}, "must be a finite, non-negative number"),
        ({"engagement": float("nan")}, "must be a finite, non-negative number"),
        ([0.3, 0.7], "must be a mapping of factor to weight"),
    ],
)
def test_weight_validation(weights, message):
    with pytest.raises(DataValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        rank_clients(frame(**FOUR), weights=weights)


def test_factor_weights_dataclass_validates_and_normalises():
    with pytest.raises(DataValidationError, match="FactorWeights\\['growth'\\]=-0.1"):
        FactorWeights(engagement=1, growth=-0.1, revenue=0, satisfaction=0, consistency=0)
    assert FactorWeights(2, 1, 1, 0, 0).normalised() == {
        "engagement": 0.5,
        "growth": 0.25,
        "revenue": 0.25,
        "satisfaction": 0.0,
        "consistency": 0.0,
    }
    assert DEFAULT_WEIGHTS.to_dict() == {
        "engagement": 0.3,
        "growth": 0.25,
        "revenue": 0.2,
        "satisfaction": 0.15,
        "consistency": 0.1,
    }


def test_rank_changes_against_the_previous_period():
    current = frame(engagement_rate=[0.04, 0.03, 0.02, 0.01, 0.025])  # ranks A1 B2 C4 D5 E3
    previous = frame(engagement_rate=[0.01, 0.02, 0.03, 0.04, 0.05], client_id=[1, 2, 3, 4, 99])
    eng = by_id(rank_clients(current, previous).by_engagement)
    # previous ranks among 1, 2, 3, 4, 99: 99 -> 1, 4 -> 2, 3 -> 3, 2 -> 4, 1 -> 5
    assert {i: (eng[i].rank, eng[i].previous_rank, eng[i].rank_change) for i in (1, 2, 3, 4)} == {
        1: (1, 5, 4),
        2: (2, 4, 2),
        3: (4, 3, -1),
        4: (5, 2, -3),
    }
    new = eng[5]  # client 5 is not in the previous period
    assert (new.rank, new.previous_rank, new.rank_change) == (3, None, None)


def test_no_previous_period_means_no_rank_change():
    result = rank_clients(frame(**FOUR))
    assert not result.has_previous_period
    for e in result.by_overall_performance:
        assert e.previous_rank is None and e.rank_change is None
        assert all(p.trend is None and p.note == "no previous period given" for p in e.performance_indicators)


def test_empty_previous_period_gives_no_previous_ranks():
    result = rank_clients(frame(**FOUR), pd.DataFrame())
    assert result.has_previous_period
    e = result.by_engagement[0]
    assert e.previous_rank is None and e.rank_change is None
    assert indicator(e, "revenue").note == "no previous-period revenue value"


def test_benchmark_uses_cohort_median_or_falls_back_to_portfolio():
    data = frame(
        engagement_rate=[0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.10, 0.20, 0.07],
        client_type=["business"] * 6 + ["startup"] * 2 + [None],
    )
    eng = by_id(rank_clients(data).by_engagement)
    # business: 6 clients >= 5 -> cohort median 0.035, percentile (rank - 0.5) / 6
    b6 = indicator(eng[6], "engagement_rate")
    assert (b6.benchmark, b6.benchmark_basis, b6.benchmark_group, b6.benchmark_n) == pytest.approx(
        (0.035, "cohort", "client_type=business", 6)
    )
    assert b6.percentile == pytest.approx(5.5 / 6 * 100) and b6.status == "excellent"
    assert indicator(eng[4], "engagement_rate").status == "good"  # 3.5 / 6 = 58.3
    assert indicator(eng[2], "engagement_rate").percentile == pytest.approx(25.0)
    assert indicator(eng[2], "engagement_rate").status == "average"  # exactly 25 is average
    assert indicator(eng[1], "engagement_rate").status == "poor"  # 8.3
    # startup: 2 clients < 5 -> portfolio of all 9: median 0.05; 0.10 is 8th of 9 -> 7.5 / 9
    s = indicator(eng[7], "engagement_rate")
    assert (s.benchmark, s.benchmark_basis, s.benchmark_group, s.benchmark_n) == pytest.approx(
        (0.05, "portfolio", "portfolio", 9)
    )
    assert s.percentile == pytest.approx(7.5 / 9 * 100) and s.status == "excellent"
    # no client_type: portfolio as well
    assert indicator(eng[9], "engagement_rate").benchmark_basis == "portfolio"


def test_status_boundaries_75_50_25():
    two = by_id(rank_clients(frame(engagement_rate=[0.01, 0.02])).by_engagement)
    assert indicator(two[2], "engagement_rate").percentile == pytest.approx(75.0)
    assert indicator(two[2], "engagement_rate").status == "excellent"
    assert indicator(two[1], "engagement_rate").percentile == pytest.approx(25.0)
    assert indicator(two[1], "engagement_rate").status == "average"
    three = by_id(rank_clients(frame(engagement_rate=[0.01, 0.02, 0.03, 0.04, 0.05])).by_engagement)
    assert indicator(three[3], "engagement_rate").percentile == pytest.approx(50.0)
    assert indicator(three[3], "engagement_rate").status == "good"
    assert indicator(three[1], "engagement_rate").status == "poor"  # 10
    one = rank_clients(frame(engagement_rate=[0.01])).by_engagement[0]
    assert indicator(one, "engagement_rate").percentile == 50.0
    assert indicator(one, "engagement_rate").status == "good"


def test_indicator_trends_with_tolerances():
    current = frame(
        engagement_rate=[0.104, 0.106, 0.094, 0.1],
        engagement_growth=[0.11, 0.13, 0.07, 0.0],
        revenue=[100.0, 0.0, 100.0, 50.0],
        satisfaction=[4.0, 4.0, 4.0, None],
    )
    previous = frame(
        engagement_rate=[0.1, 0.1, 0.1, 0.1],
        engagement_growth=[0.10, 0.10, 0.10, 0.0],
        revenue=[0.0, 0.0, 100.0, 50.0],
        satisfaction=[4.0, 4.0, 4.0, 4.0],
    )
    ind = {e.client_id: e for e in rank_clients(current, previous).by_engagement}
    trend = lambda i, m: indicator(ind[i], m).trend  # noqa: E731
    # engagement_rate: +4 % stable, +6 % improving, -6 % declining (relative tolerance 5 %)
    assert [trend(i, "engagement_rate") for i in (1, 2, 3)] == ["stable", "improving", "declining"]
    # engagement_growth: +1 pp stable, +3 pp improving, -3 pp declining (absolute tolerance 2 pp)
    assert [trend(i, "engagement_growth") for i in (1, 2, 3)] == ["stable", "improving", "declining"]
    # revenue from 0: any rise improves, 0 -> 0 is stable
    assert trend(1, "revenue") == "improving" and trend(2, "revenue") == "stable"
    assert indicator(ind[1], "revenue").previous_value == 0.0
    missing = indicator(ind[4], "satisfaction")
    assert missing.value is None and missing.trend is None and missing.status is None
    assert missing.note == "no satisfaction value this period"


def test_indicator_note_for_a_client_absent_from_previous():
    previous = frame(engagement_rate=[0.1], client_id=[1])
    e = by_id(rank_clients(frame(engagement_rate=[0.1, 0.2]), previous).by_engagement)[2]
    p = indicator(e, "engagement_rate")
    assert p.trend is None and p.previous_value is None
    assert p.note == "no previous-period engagement_rate value"


def test_every_metric_has_an_indicator_on_every_list():
    result = rank_clients(frame(**FOUR))
    for name in ("by_engagement", "by_growth", "by_revenue", "by_overall_performance"):
        for e in getattr(result, name):
            assert [p.metric for p in e.performance_indicators] == list(METRICS)


def test_cohort_by_several_columns():
    data = frame(engagement_rate=[0.01, 0.02, 0.03, 0.04, 0.05], size=["small"] * 5)
    e = rank_clients(data, cohort_by=("client_type", "size")).by_engagement[0]
    assert indicator(e, "engagement_rate").benchmark_group == "client_type=business, size=small"
    with pytest.raises(DataValidationError, match="cohort_by names column 'region'"):
        rank_clients(data, cohort_by="region")
    with pytest.raises(DataValidationError, match="cohort_by must name at least one column"):
        rank_clients(data, cohort_by=())


# --- edge cases -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("empty", [pd.DataFrame(), frame(**FOUR).iloc[:0]])
def test_empty_frame_gives_empty_rankings(empty):
    result = rank_clients(empty)
    assert result.by_overall_performance == () and result.n_clients == 0
    assert result.reason == "no clients in the current period"
    assert json_ok(result)["by_engagement"] == []


def test_one_client():
    result = rank_clients(frame(engagement_rate=[0.05]))
    e = result.by_overall_performance[0]
    assert (e.rank, e.score) == (1, 50.0)
    p = indicator(e, "engagement_rate")
    assert (p.benchmark, p.benchmark_basis, p.status) == (0.05, "portfolio", "good")


def test_all_equal_values_tie_at_rank_one():
    result = rank_clients(frame(engagement_rate=[0.05] * 6))
    for name in ("by_engagement", "by_growth", "by_revenue", "by_overall_performance"):
        entries = getattr(result, name)
        assert [e.rank for e in entries] == [1] * 6
        assert all(e.score == pytest.approx(50.0) for e in entries)


def test_nan_inputs_are_missing_not_zero():
    data = frame(**{**FOUR, "engagement_rate": [0.04, np.nan, 0.02, 0.01], "consistency": [np.nan] * 4})
    result = rank_clients(data)
    eng = result.by_engagement
    assert [e.client_id for e in eng] == [1, 3, 4, 2]
    assert eng[-1].rank is None and eng[-1].score is None
    assert eng[-1].reason == "no engagement_rate value for this client"
    b = by_id(result.by_overall_performance)[2]
    assert b.rank is not None and b.components["engagement"] == {"score": None, "weight": 0.0}
    assert b.components["consistency"] == {"score": None, "weight": 0.0}
    data = json_ok(result)
    assert data["by_engagement"][-1]["score"] is None


def test_to_dict_is_json_safe_with_decimals():
    prev = frame(**{**FOUR, "revenue": [Decimal("900.50"), None, Decimal("2000"), Decimal("3000")]})
    out = json_ok(rank_clients(frame(**FOUR), prev))
    first = out["by_revenue"][0]
    assert first["client_id"] == 2
    assert next(p for p in first["performance_indicators"] if p["metric"] == "revenue")["value"] == 4000.0
    assert out["cohort_by"] == ["client_type"]
    assert set(out) >= {"by_engagement", "by_growth", "by_revenue", "by_overall_performance", "weights"}


# --- validation -------------------------------------------------------------------------------------------------
def test_missing_column_is_one_sentence_naming_it():
    with pytest.raises(DataValidationError) as err:
        rank_clients(frame(**FOUR).drop(columns=["revenue"]))
    msg = str(err.value)
    assert msg.startswith("current has no column 'revenue'; expected columns: client_id, client_name")
    assert "(optional: satisfaction, consistency, industry, size)" in msg
    with pytest.raises(DataValidationError, match="previous has no column 'audience_growth'"):
        rank_clients(frame(**FOUR), frame(**FOUR).drop(columns=["audience_growth"]))


def test_optional_columns_may_be_absent():
    data = frame(**FOUR).drop(columns=["satisfaction", "consistency", "industry", "size"])
    overall = by_id(rank_clients(data).by_overall_performance)
    # A: (.3*87.5 + .25*25 + .2*12.5) / .75
    assert overall[1].score == pytest.approx((0.3 * 87.5 + 0.25 * 25 + 0.2 * 12.5) / 0.75)


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("revenue", ["12", "a lot", 2.0, 3.0], "column 'revenue' must hold numbers .* got 'a lot'"),
        ("engagement_rate", [np.inf, 0.1, 0.1, 0.1], "column 'engagement_rate' contains an infinite value"),
        (
            "satisfaction",
            [6.0, 4.0, 4.0, 4.0],
            "'satisfaction' must be between 1 and 5; got 6 for client_id 1",
        ),
        (
            "consistency",
            [0.5, -0.1, 0.5, 0.5],
            "'consistency' must be between 0 and 1; got -0.1 for client_id 2",
        ),
        ("engagement_growth", [-1.5, 0, 0, 0], "'engagement_growth' must be >= -1; got -1.5"),
        ("engagement_rate", [True, False, True, True], "must hold numbers, got booleans"),
        ("client_id", [1, 1, 2, 3], "client_id 1 on 2 rows; give one row per client"),
        ("client_id", [1, None, 2, 3], "a row without a client_id"),
    ],
)
def test_bad_values_are_rejected(column, values, message):
    with pytest.raises(DataValidationError, match=message):
        rank_clients(frame(**{**FOUR, column: values}))


def test_arguments_must_be_dataframes():
    with pytest.raises(DataValidationError, match="current must be a pandas DataFrame, got list"):
        rank_clients([1, 2])  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="previous must be a pandas DataFrame, got dict"):
        rank_clients(frame(**FOUR), {})  # type: ignore[arg-type]


def test_non_numbers_are_named_in_the_message():
    with pytest.raises(DataValidationError, match=r"column 'revenue' must hold numbers .* got \{'x': 1\}"):
        rank_clients(frame(**{**FOUR, "revenue": [None, {"x": 1}, 1.0, 2.0]}))
