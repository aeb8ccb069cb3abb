"""Tests for thrive_analytics.anomaly: detection quality, no look-ahead, speed, and alerts."""

from __future__ import annotations

import dataclasses
import json
import time

import numpy as np
import pandas as pd
import pytest

from thrive_analytics.anomaly import (
    DETECTION_COLUMNS,
    PerformanceAlert,
    Threshold,
    alerts_from_anomalies,
    build_alerts,
    detect_anomalies,
    detections_to_records,
    infer_period,
)
from thrive_analytics.exceptions import DataValidationError

SEED = 20260512
SIGMA = 10.0
WEEKLY = np.array([0.0, 5, 8, 6, 3, -30, -25])  # Monday..Sunday: a normal weekend dip of 3 sigma


def synthetic_daily(seed: int, n: int = 365, sigma: float = SIGMA) -> pd.Series:
    """Trend + weekly seasonality + Gaussian noise, daily."""
    rng = np.random.default_rng([SEED, seed])
    idx = pd.date_range("2025-01-01", periods=n, freq="D")
    y = 500 + 0.3 * np.arange(n) + WEEKLY[idx.day_of_week] + rng.normal(0, sigma, n)
    return pd.Series(y, index=idx, name="reach")


def json_dumps_alert(alert: PerformanceAlert) -> str:
    return json.dumps(dataclasses.asdict(alert), allow_nan=False, default=str)


# ---------------------------------------------------------------------------------------------------------------
# Detection quality
# ---------------------------------------------------------------------------------------------------------------
def test_injected_six_sigma_spikes_and_drops_are_found_with_few_false_positives():
    print(f"seed {SEED}")
    found = injected = false_pos = clean_scored = 0
    for seed in range(12):
        clean = synthetic_daily(seed)
        det = detect_anomalies(clean)
        false_pos += int(det["is_anomaly"].sum())
        clean_scored += int(det["scored"].sum())
        rng = np.random.default_rng([SEED, seed, 1])
        pos = rng.choice(np.arange(70, 365), size=8, replace=False)
        signs = rng.choice([-1.0, 1.0], size=8)
        dirty = clean.copy()
        dirty.iloc[pos] += signs * 6 * SIGMA
        det = detect_anomalies(dirty)
        hits = det.iloc[pos]
        found += int(hits["is_anomaly"].sum())
        injected += len(pos)
        # a found spike is a spike, a found drop a drop
        flagged = hits[hits["is_anomaly"]]
        assert ((flagged["direction"] == "spike") == (signs[hits["is_anomaly"].to_numpy()] > 0)).all()
    recall, fp_rate = found / injected, false_pos / clean_scored
    print(
        f"recall {recall:.3f} ({found}/{injected}), false positives {fp_rate:.4f} ({false_pos}/{clean_scored})"
    )
    assert recall >= 0.9
    assert fp_rate <= 0.01


def test_a_normal_weekend_dip_is_not_flagged():
    rng = np.random.default_rng([SEED, 99])
    idx = pd.date_range("2025-01-06", periods=200, freq="D")
    level = 1000 * np.exp(0.002 * np.arange(200))
    weekday = np.where(idx.day_of_week == 5, 0.55, np.where(idx.day_of_week == 6, 0.75, 1.0))
    s = pd.Series(level * weekday * (1 + rng.normal(0, 0.02, 200)), index=idx)
    det = detect_anomalies(s)
    saturdays = det[det.index.day_of_week == 5]
    assert saturdays["scored"].sum() > 15
    assert not saturdays["is_anomaly"].any()
    # Saturday is 45 % below a weekday and 36 robust scales below a naive level, yet expected to be low:
    assert (saturdays["expected"].dropna() < 0.7 * level[idx.day_of_week == 5][-1]).all()
    assert det["is_anomaly"].mean() <= 0.01


def test_hourly_series_uses_the_daily_cycle():
    rng = np.random.default_rng([SEED, 7])
    idx = pd.date_range("2025-03-01", periods=24 * 30, freq="h")
    s = pd.Series(100 + 50 * np.sin(2 * np.pi * (idx.hour - 6) / 24) + rng.normal(0, 5, len(idx)), index=idx)
    assert infer_period(pd.Timedelta(hours=1)) == 24 and infer_period(pd.Timedelta(days=1)) == 7
    det = detect_anomalies(s)
    assert det["scored"].sum() == len(s) - 24 * 4 - 96  # min_history = 4 seasons + window // 2
    assert det["is_anomaly"].mean() <= 0.01
    s.iloc[[400, 650]] += [60.0, -60.0]
    det = detect_anomalies(s)
    assert det["is_anomaly"].iloc[[400, 650]].tolist() == [True, True]
    assert det["direction"].iloc[[400, 650]].tolist() == ["spike", "drop"]


def test_log1p_transform_for_multiplicative_metrics():
    s = synthetic_daily(3).abs()
    s.iloc[200] *= 3
    det = detect_anomalies(s, transform="log1p")
    assert det["is_anomaly"].iloc[200] and det["direction"].iloc[200] == "spike"
    assert det["expected"].iloc[200] == pytest.approx(s.iloc[193:200].mean(), rel=0.1)
    with pytest.raises(DataValidationError, match="negative values"):
        detect_anomalies(s - 1000, transform="log1p")


# ---------------------------------------------------------------------------------------------------------------
# No look-ahead
# ---------------------------------------------------------------------------------------------------------------
def test_no_look_ahead_truncation_and_future_changes_never_change_the_past():
    full = synthetic_daily(1)
    full.iloc[[120, 240]] += [80.0, -80.0]
    full.iloc[150:155] = np.nan
    reference = detect_anomalies(full)
    for k in [1, 2, 30, 56, 57, 58, 100, 121, 150, 156, 200, 241, 300, 364]:
        pd.testing.assert_frame_equal(detect_anomalies(full.iloc[:k]), reference.iloc[:k])
    # garbage after day k (spikes, a level shift, gaps) leaves days before k untouched
    rng = np.random.default_rng([SEED, 5])
    for k in [60, 180, 300]:
        changed = full.copy()
        changed.iloc[k:] = changed.iloc[k:] * 3 + rng.normal(0, 500, len(full) - k)
        changed.iloc[k + 3 : k + 9] = np.nan
        pd.testing.assert_frame_equal(detect_anomalies(changed).iloc[:k], reference.iloc[:k])


def test_a_point_does_not_judge_itself():
    s = synthetic_daily(2)
    reference = detect_anomalies(s)
    for t in [60, 150, 300]:
        changed = s.copy()
        changed.iloc[t] = 10_000.0
        det = detect_anomalies(changed)
        cols = ["expected", "lower", "upper", "scale"]
        pd.testing.assert_frame_equal(det.iloc[: t + 1][cols], reference.iloc[: t + 1][cols])
        assert det["is_anomaly"].iloc[t] and det["direction"].iloc[t] == "spike"


# ---------------------------------------------------------------------------------------------------------------
# Edge cases
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 5, 40])
def test_short_series_are_not_judged(n):
    s = synthetic_daily(2).iloc[:n]
    det = detect_anomalies(s)
    assert list(det.columns) == list(DETECTION_COLUMNS)
    assert det.index.equals(s.index)
    assert not det["is_anomaly"].any() and not det["scored"].any()
    assert (det["score"] == 0.0).all()
    records = detections_to_records(det)
    json.dumps(records, allow_nan=False)
    if n:
        assert records[0]["expected"] is None and records[0]["timestamp"] == "2025-01-01T00:00:00"


def test_nan_gaps_and_missing_timestamps():
    s = synthetic_daily(4)
    s.iloc[100:107] = np.nan
    s.iloc[250] += 80
    det = detect_anomalies(s)
    assert not det["scored"].iloc[100:107].any() and not det["is_anomaly"].iloc[100:107].any()
    assert det["is_anomaly"].iloc[250]
    # dropping the rows instead of NaN gives the same answer for the remaining timestamps
    dropped = detect_anomalies(s.dropna())
    pd.testing.assert_frame_equal(dropped, det.dropna(subset=["value"]))
    json.dumps(detections_to_records(det), allow_nan=False)


def test_daily_local_time_across_daylight_saving_change():
    s = synthetic_daily(9, n=200)
    local = s.tz_localize("Europe/London")  # 30 March and 26 October 2025 have 23 and 25 hours
    det = detect_anomalies(local)
    assert det.index.equals(local.index)
    np.testing.assert_array_equal(det["score"].to_numpy(), detect_anomalies(s)["score"].to_numpy())


def test_result_keeps_the_input_order_and_non_datetime_index():
    s = synthetic_daily(5)
    shuffled = s.sample(frac=1.0, random_state=1)
    det = detect_anomalies(shuffled)
    assert det.index.equals(shuffled.index)
    pd.testing.assert_frame_equal(det.sort_index(), detect_anomalies(s), check_freq=False)
    plain = detect_anomalies(s.reset_index(drop=True), period=7)
    np.testing.assert_array_equal(plain["score"].to_numpy(), detect_anomalies(s)["score"].to_numpy())


def test_constant_history_flags_any_change_with_finite_scores():
    s = pd.Series(100.0, index=pd.date_range("2025-01-01", periods=80, freq="D"))
    s.iloc[70] = 101.0
    det = detect_anomalies(s)
    assert det["is_anomaly"].sum() == 1 and det["is_anomaly"].iloc[70]
    assert np.isfinite(det["score"]).all()
    json.dumps(detections_to_records(det), allow_nan=False)


def test_detect_anomalies_validates_input():
    s = synthetic_daily(6).iloc[:20]
    with pytest.raises(DataValidationError, match="regular grid"):
        detect_anomalies(s.set_axis(s.index + pd.to_timedelta(np.r_[0, 0.5, [0] * 18], unit="D")))
    with pytest.raises(DataValidationError, match="duplicate timestamps"):
        detect_anomalies(pd.concat([s, s.iloc[:1]]))
    with pytest.raises(DataValidationError, match="must be numeric"):
        detect_anomalies(s.astype(str))
    with pytest.raises(DataValidationError, match=r"transform='log'.*'none', 'log1p'"):
        detect_anomalies(s, transform="log")
    with pytest.raises(DataValidationError, match="threshold"):
        detect_anomalies(s, threshold=0)


def _best_ms(func, repeat: int = 7) -> float:
    func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def test_detection_is_fast():
    daily = synthetic_daily(8)
    hourly = pd.Series(
        np.random.default_rng(1).normal(100, 5, 720), index=pd.date_range("2025-01-01", periods=720, freq="h")
    )
    daily_ms, hourly_ms = (
        _best_ms(lambda: detect_anomalies(daily)),
        _best_ms(lambda: detect_anomalies(hourly)),
    )
    print(f"1 year daily: {daily_ms:.1f} ms; 30 days hourly: {hourly_ms:.1f} ms")
    assert daily_ms < 50 and hourly_ms < 50


# ---------------------------------------------------------------------------------------------------------------
# Alerts
# ---------------------------------------------------------------------------------------------------------------
def _detections(rows: list[tuple[str, float, float, float]]) -> pd.DataFrame:
    """A hand-made detect_anomalies() frame: (date, value, expected, score) per flagged point."""
    idx = pd.DatetimeIndex([r[0] for r in rows])
    score = np.array([r[3] for r in rows])
    return pd.DataFrame(
        {
            "value": [r[1] for r in rows],
            "expected": [r[2] for r in rows],
            "score": score,
            "is_anomaly": np.abs(score) > 3.5,
            "direction": np.where(score > 0, "spike", "drop"),
        },
        index=idx,
    )


def test_anomaly_alert_text_carries_the_figures():
    det = _detections([("2026-05-12", 1204.0, 3350.0, -9.1)])
    (alert,) = alerts_from_anomalies(
        det, client_id="c-17", client_name="City of Maplewood", metric="reach", platform="instagram"
    )
    # 1204 / 3350 = 0.3594: 64 % below
    assert alert.description == (
        "Reach for City of Maplewood on Instagram fell to 1,204 on 12 May 2026, 64% below the expected 3,350."
    )
    assert alert.title == "Unusual drop in Reach for City of Maplewood"
    assert (alert.type, alert.severity, alert.acknowledged) == ("anomaly", "high", False)
    assert alert.affected_clients == ("c-17",) and alert.affected_metrics == ("reach",)
    assert alert.timestamp == pd.Timestamp("2026-05-12", tz="UTC")
    assert alert.recommended_actions[0].priority == "high"
    assert {a.priority for a in alert.recommended_actions} <= {"low", "medium", "high"}
    assert alert.evidence[0]["deviation_pct"] == pytest.approx(-64.06, abs=0.01)
    d = json.loads(json_dumps_alert(alert))
    assert d["recommended_actions"][0]["resources"] and d["timestamp"].startswith("2026-05-12")
    assert (
        json.loads(json.dumps(alert.to_dict(), allow_nan=False))["timestamp"] == "2026-05-12T00:00:00+00:00"
    )
    # the same input gives the same id
    again = alerts_from_anomalies(det, client_id="c-17", client_name="City of Maplewood", metric="reach")
    assert again[0].id == alert.id


def test_anomaly_severity_bands_and_ordering():
    det = _detections(
        [("2026-05-01", 150, 100, 4.0), ("2026-05-02", 170, 100, 6.0), ("2026-05-03", 40, 100, -9.0),
         ("2026-05-04", 300, 100, 13.0), ("2026-05-05", 90, 100, -1.0)]
    )  # fmt: skip
    alerts = alerts_from_anomalies(det, client_id="c1", metric="engagement", since="2026-05-02")
    assert [a.severity for a in alerts] == [
        "critical",
        "high",
        "medium",
    ]  # 4.0 is before `since`, -1.0 normal
    assert [a.timestamp.day for a in alerts] == [4, 3, 2]
    assert "rose to 300 on 4 May 2026, 200% above the expected 100." in alerts[0].description


def _long_frame(n_days: int = 140) -> pd.DataFrame:
    rng = np.random.default_rng([SEED, 42])
    idx = pd.date_range("2026-01-01", periods=n_days, freq="D")
    weekday = np.array([1, 1.05, 1.1, 1.05, 1, 0.7, 0.75])[idx.day_of_week]
    names = {"c1": "City of Maplewood", "c2": "Riverside Bakery", "c3": "Oak Trust", "c4": "Town of Elm"}
    rows = []
    for cid, name in names.items():
        for metric, base in (("reach", 3000.0), ("engagement", 200.0)):
            y = np.round(base * weekday * (1 + rng.normal(0, 0.03, n_days)))
            rows += [(cid, name, "instagram", metric, d, v) for d, v in zip(idx, y, strict=True)]
    return pd.DataFrame(rows, columns=["client_id", "client_name", "platform", "metric", "date", "value"])


def test_build_alerts_single_client_drop_and_portfolio_event():
    frame = _long_frame()
    drop_day, event_day = pd.Timestamp("2026-05-11"), pd.Timestamp("2026-05-01")
    mask = (frame.client_id == "c1") & (frame.metric == "reach") & (frame.date == drop_day)
    frame.loc[mask, "value"] = 1100.0
    event = (frame.metric == "engagement") & (frame.date == event_day)
    frame.loc[event, "value"] *= 3
    alerts = build_alerts(frame, platform_col="platform", since="2026-04-01", trend_periods=None)
    drop = next(a for a in alerts if a.affected_clients == ("c1",) and a.timestamp.date() == drop_day.date())
    ev = drop.evidence[0]
    assert drop.type == "anomaly" and drop.severity == "critical"  # |score| >= 12
    assert (
        f"fell to 1,100 on 11 May 2026, {abs(ev['deviation_pct']):.0f}% below the expected"
        in drop.description
    )
    assert f"{ev['reference']:,.0f}" in drop.description and "on Instagram" in drop.description
    portfolio = next(a for a in alerts if len(a.affected_clients) == 4)
    assert portfolio.title == "Engagement spiked for 4 of 4 clients on 1 May 2026"
    assert portfolio.description.startswith("4 of 4 clients are affected.")
    assert portfolio.affected_metrics == ("engagement",)
    assert portfolio.recommended_actions[0].action.startswith("Check platform status")
    # breadth escalates: the same spike for one client alone would be one level lower
    alone = build_alerts(frame[frame.client_id == "c2"], since="2026-04-01", trend_periods=None)
    single = next(a for a in alone if a.timestamp.date() == event_day.date())
    order = ["low", "medium", "high", "critical"]
    assert order.index(portfolio.severity) == min(3, order.index(single.severity) + 1)
    # sorted by severity, then newest first
    ranks = [order.index(a.severity) for a in alerts]
    assert ranks == sorted(ranks, reverse=True)
    for a in alerts:
        json_dumps_alert(a)
        json.dumps(a.to_dict(), allow_nan=False)


def test_build_alerts_several_metrics_of_one_client_escalate():
    frame = _long_frame()
    day = pd.Timestamp("2026-05-06")
    mask = (frame.client_id == "c3") & (frame.date == day)
    frame.loc[mask, "value"] *= 0.5
    alerts = build_alerts(frame, since=day, trend_periods=None)
    (alert,) = [a for a in alerts if a.timestamp.date() == day.date()]
    assert alert.affected_metrics == ("engagement", "reach")
    assert (
        "Engagement for Oak Trust fell to" in alert.description
        and "Reach for Oak Trust fell to" in alert.description
    )
    base = max(e["score"] for e in alert.evidence)
    assert base < 0 and alert.severity in ("high", "critical")


def test_threshold_alerts_fire_on_crossings():
    frame = _long_frame(60)
    frame = frame[(frame.metric == "reach") & (frame.client_id == "c2")].copy()
    frame.loc[frame.date.between("2026-02-10", "2026-02-14"), "value"] = 1500.0  # below 2,000 for 5 days
    frame.loc[frame.date == "2026-02-20", "value"] = 1900.0  # and once more
    alerts = build_alerts(frame, thresholds={"reach": Threshold(floor=2000)}, trend_periods=None)
    crossings = sorted((a for a in alerts if a.type == "threshold"), key=lambda a: a.timestamp)
    assert [a.timestamp.day for a in crossings] == [10, 20]
    assert (
        crossings[0].description
        == "Reach for Riverside Bakery was 1,500 on 10 February 2026, below the floor of 2,000."
    )
    assert crossings[0].severity == "high"  # 25 % beyond the floor: the high band starts at 25 %
    assert crossings[1].severity == "low"  # 5 % beyond
    with pytest.raises(DataValidationError, match="floor=3 is above ceiling=1"):
        Threshold(floor=3, ceiling=1)


def test_trend_alert_for_a_sustained_decline_only():
    frame = _long_frame(84)
    client = (frame.client_id == "c4") & (frame.metric == "engagement")
    last28 = client & (frame.date > frame.date.max() - pd.Timedelta(days=28))
    frame.loc[last28, "value"] *= np.linspace(1.0, 0.6, int(last28.sum()))
    alerts = [a for a in build_alerts(frame) if a.type == "trend"]
    assert len(alerts) == 1
    (alert,) = alerts
    assert alert.affected_clients == ("c4",) and alert.affected_metrics == ("engagement",)
    ev = alert.evidence[0]
    assert ev["total_decline_pct"] > 25 and ev["p_value"] < 0.05
    assert "has declined over the 28 days to 25 March 2026" in alert.description
    assert f"a {ev['total_decline_pct']:.0f}% fall" in alert.description
    json_dumps_alert(alert)


def test_build_alerts_validates_columns_and_duplicates():
    frame = _long_frame(30)
    with pytest.raises(DataValidationError, match="no column 'value'"):
        build_alerts(frame.drop(columns="value"))
    with pytest.raises(DataValidationError, match="duplicate rows"):
        build_alerts(pd.concat([frame, frame.iloc[:1]]))
    with pytest.raises(DataValidationError, match="'date' has 1 missing dates"):
        build_alerts(frame.assign(date=frame.date.where(frame.index != 3)))
    assert build_alerts(frame.iloc[:0]) == []
    # 30 days is too short to judge anything: no alerts, no crash
    assert build_alerts(frame, client_name_col=None) == []
