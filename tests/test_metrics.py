"""Portfolio and per-client metrics against figures worked out by hand."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from thrive_analytics import metrics as m
from thrive_analytics.exceptions import DataValidationError
from thrive_analytics.stats import trend

D = pd.Timestamp


def daily_frame(rows) -> pd.DataFrame:
    base = dict.fromkeys(m.METRICS, 0) | {"followers": 0}
    return pd.DataFrame([base | r for r in rows])


def content_frame(rows) -> pd.DataFrame:
    base = dict.fromkeys(m.METRICS, 0) | {
        "platform": "instagram",
        "content_type": "image",
        "status": "published",
    }
    frame = pd.DataFrame([base | r for r in rows])
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True)
    return frame


def test_period_for_every_range_and_previous_period():
    p = m.period_for("30d", dt.date(2026, 6, 30))
    assert (p.start, p.end) == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert (p.previous_start, p.previous_end) == (dt.date(2026, 5, 2), dt.date(2026, 5, 31))
    assert p.days == 30
    assert m.period_for("7d", dt.date(2026, 6, 30)).start == dt.date(2026, 6, 24)
    assert m.period_for("90d", dt.date(2026, 6, 30)).start == dt.date(2026, 4, 2)
    year = m.period_for("1y", dt.date(2026, 6, 30))
    assert year.days == 365 and year.previous_end == dt.date(2025, 6, 30)
    with pytest.raises(DataValidationError, match="Unknown time range '2w'; use one of 7d, 30d, 90d, 1y"):
        m.period_for("2w", dt.date(2026, 6, 30))


def test_ratio_and_growth_never_divide_by_zero():
    assert m.ratio(1, 4) == 0.25
    assert m.ratio(1, 0) is None and m.ratio(0, 0) is None and m.ratio(None, 3) is None
    assert m.growth(150, 100) == pytest.approx(0.5)
    assert m.growth(5, 0) is None and m.growth(None, 1) is None and m.growth(1, None) is None
    assert (
        m.none_if_nan(float("nan")) is None
        and m.none_if_nan(float("inf")) is None
        and m.none_if_nan("x") is None
    )


def test_aggregate_metrics_by_hand():
    daily = daily_frame(
        [
            {
                "client_id": 1,
                "metric_date": D("2026-06-01"),
                "impressions": 1000,
                "likes": 30,
                "comments": 5,
                "shares": 5,
                "views": 100,
                "clicks": 40,
                "conversions": 4,
            },
            {
                "client_id": 1,
                "metric_date": D("2026-06-02"),
                "impressions": 1000,
                "likes": 10,
                "comments": 0,
                "shares": 0,
                "views": 50,
                "clicks": 10,
                "conversions": 1,
            },
            {
                "client_id": 2,
                "metric_date": D("2026-06-01"),
                "impressions": 0,
                "likes": 0,
                "views": 0,
                "clicks": 0,
            },
        ]
    )
    content = content_frame(
        [
            {"content_id": 1, "client_id": 1, "published_at": "2026-06-01 10:00"},
            {"content_id": 2, "client_id": 1, "status": "draft", "published_at": None},
        ]
    )
    agg = m.aggregate_metrics(daily, content, [1, 2, 2])
    # (30+5+5+10) engagements / 2000 impressions = 2.5 %; 5 conversions / 50 clicks = 10 %
    assert agg.average_engagement == pytest.approx(0.025)
    assert agg.average_conversion_rate == pytest.approx(0.10)
    assert (agg.total_clients, agg.total_content, agg.total_published_content) == (2, 2, 1)
    assert (agg.total_views, agg.total_clicks, agg.total_impressions, agg.total_engagements) == (
        150,
        50,
        2000,
        50,
    )
    empty = m.aggregate_metrics(daily.iloc[:0], content.iloc[:0], [])
    assert (
        empty.average_engagement is None
        and empty.average_conversion_rate is None
        and empty.total_clients == 0
    )
    json.dumps(empty.to_dict(), allow_nan=False)


def test_client_totals_rates_are_from_sums_not_means_of_daily_rates():
    daily = daily_frame(
        [
            {"client_id": 7, "metric_date": D("2026-06-01"), "impressions": 100, "likes": 10},  # 10 %
            {"client_id": 7, "metric_date": D("2026-06-02"), "impressions": 900, "likes": 9},  # 1 %
            {"client_id": 8, "metric_date": D("2026-06-01"), "impressions": 0, "likes": 0},
        ]
    )
    totals = m.client_totals(daily)
    assert totals.loc[7, "engagement_rate"] == pytest.approx(19 / 1000)  # not (10 % + 1 %) / 2
    assert np.isnan(totals.loc[8, "engagement_rate"])


def test_audience_growth_needs_both_days_per_platform():
    frame = pd.DataFrame(
        [
            {"client_id": 1, "platform": "facebook", "metric_date": D("2026-06-01"), "followers": 1000},
            {"client_id": 1, "platform": "facebook", "metric_date": D("2026-06-30"), "followers": 1100},
            {"client_id": 1, "platform": "instagram", "metric_date": D("2026-06-01"), "followers": 500},
            {"client_id": 1, "platform": "instagram", "metric_date": D("2026-06-30"), "followers": 400},
            {
                "client_id": 1,
                "platform": "youtube",
                "metric_date": D("2026-06-30"),
                "followers": 9999,
            },  # new: ignored
            {"client_id": 2, "platform": "facebook", "metric_date": D("2026-06-01"), "followers": 0},
            {"client_id": 2, "platform": "facebook", "metric_date": D("2026-06-30"), "followers": 10},
        ]
    )
    growth = m.audience_growth(frame, dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert growth.loc[1] == pytest.approx((1100 + 400) / (1000 + 500) - 1)  # 0 %
    assert np.isnan(growth.loc[2])  # from zero followers: no growth rate


def test_content_metrics_and_peak_times():
    rows = []
    for i in range(3):  # three Tuesday 18:00 posts with 10 engagements each
        rows.append(
            {
                "content_id": i,
                "client_id": 1,
                "published_at": f"2026-06-0{2 + 0}T18:00",
                "likes": 10,
                "impressions": 100,
                "clicks": 4,
                "conversions": 1,
            }
        )
    for i in range(3, 6):  # three Monday 09:00 posts with 2 engagements each, one of them a video
        rows.append(
            {
                "content_id": i,
                "client_id": 1,
                "published_at": "2026-06-01T09:00",
                "likes": 2,
                "impressions": 100,
                "content_type": "video" if i == 3 else "image",
            }
        )
    rows.append(
        {
            "content_id": 9,
            "client_id": 1,
            "published_at": "2026-06-05T07:00",
            "likes": 500,
            "impressions": 1000,
        }
    )  # one lucky post
    rows.append({"content_id": 10, "client_id": 1, "published_at": None, "status": "draft"})
    content = content_frame(rows)
    per_client = m.content_metrics(content).loc[1]
    assert (
        per_client["total_content"] == 8
        and per_client["published_content"] == 7
        and per_client["draft_content"] == 1
    )
    assert per_client["engagement_per_post"] == pytest.approx((30 + 6 + 500) / 7)
    assert per_client["conversion_rate"] == pytest.approx(3 / 12)
    assert per_client["content_type_breakdown"] == {"image": 7, "video": 1}
    peaks = m.peak_engagement_times(content, top=2)[1]
    assert peaks[0] == {"day": "Tuesday", "hour": 18, "avg_engagement": 10.0, "posts": 3}
    assert peaks[1]["day"] == "Monday" and len(peaks) == 2  # the single 07:00 post is not a slot


def test_distributions_add_up_to_one():
    frame = pd.DataFrame({"platform": ["a", "a", "b", "c"], "impressions": [10, 30, 40, 20]})
    by_count = m.share_distribution(frame, "platform")
    assert by_count == {"a": 0.5, "b": 0.25, "c": 0.25}
    by_weight = m.share_distribution(frame, "platform", "impressions")
    assert list(by_weight) == ["a", "b", "c"] and by_weight["a"] == pytest.approx(0.4)
    assert m.share_distribution(frame.iloc[:0], "platform") == {}


def test_vectorised_trend_matches_the_statistics_module():
    rng = np.random.default_rng(3)
    days = pd.date_range("2026-06-01", periods=30)
    rows = {"up": 50 + 2 * np.arange(30) + rng.normal(0, 3, 30), "flat": 50 + rng.normal(0, 3, 30)}
    pivot = pd.DataFrame(rows, index=days).T
    pivot.iloc[0, 4] = np.nan
    result = m.trend_directions(pivot)
    for name in rows:
        reference = trend(pd.Series(pivot.loc[name].to_numpy(), index=days).dropna())
        assert result.loc[name, "slope"] == pytest.approx(reference.slope)
        assert result.loc[name, "lower"] == pytest.approx(reference.slope_ci_lower)
        assert result.loc[name, "direction"] == reference.direction
    assert result.loc["up", "direction"] == "up" and result.loc["flat", "direction"] == "stable"
    short = m.trend_directions(pd.DataFrame([[1.0, 2.0, np.nan]], index=["x"]))
    assert short.loc["x", "direction"] == "stable" and np.isnan(short.loc["x", "slope"])


def test_consistency_is_one_for_steady_weeks_and_lower_for_bursty_ones():
    days = pd.date_range("2026-06-01", periods=28)  # four whole weeks, Monday to Sunday
    steady = daily_frame([{"client_id": 1, "metric_date": d, "likes": 10} for d in days])
    bursty = daily_frame(
        [{"client_id": 2, "metric_date": d, "likes": 70 if i < 7 else 0} for i, d in enumerate(days)]
    )
    result = m.consistency(pd.concat([steady, bursty]))
    assert result.loc[1] == pytest.approx(1.0)
    assert result.loc[2] == pytest.approx(0.0)  # CV = sqrt(3) > 1, clipped


def test_missing_columns_are_named():
    with pytest.raises(DataValidationError, match="The daily frame lacks column.*impressions"):
        m.client_totals(pd.DataFrame({"client_id": [1], "metric_date": [D("2026-06-01")]}))
