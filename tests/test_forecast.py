"""Forecasting: output shape and intervals, validation, determinism, speed, and backtests against seasonal naive.

Reference series: the Mauna Loa weekly CO2 record shipped inside statsmodels (``statsmodels.datasets.co2``,
read from the installed package's CSV, no network), averaged to months; and a synthetic daily series with a
trend, weekly seasonality and noise like the demo data's account metrics (seed ``SEED``).
MASE follows Hyndman & Koehler (2006): out-of-sample MAE / in-sample MAE of the one-step seasonal naive method.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from thrive_analytics.exceptions import DataValidationError, ThriveError
from thrive_analytics.forecast import BacktestResult, Forecaster, backtest, forecast

SEED = 20260630


def daily_reach(n: int = 365, seed: int = SEED) -> pd.Series:
    """Daily reach: level 500, +0.8 a day, a weekly cycle (weekend dip) and Gaussian noise (sd 12)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    weekly = 40 * np.sin(2 * np.pi * t / 7) + 15 * np.cos(2 * np.pi * t / 7)
    values = 500 + 0.8 * t + weekly + rng.normal(0, 12, n)
    return pd.Series(values, index=pd.date_range("2025-01-01", periods=n, freq="D"), name="reach")


@pytest.fixture(scope="module")
def reach() -> pd.Series:
    return daily_reach()


@pytest.fixture(scope="module")
def fitted(reach) -> Forecaster:
    return Forecaster().fit(reach, horizon_hint=28)


@pytest.fixture(scope="module")
def co2_monthly() -> pd.Series:
    from statsmodels.datasets import co2

    weekly = co2.load_pandas().data["co2"]
    # Monthly means of the weekly record; a few months with no reading are interpolated (5 of 526).
    monthly = weekly.resample("MS").mean().interpolate()
    return monthly["1990":"2001"]


# --- shape, intervals, determinism ----------------------------------------------------------------------------
def test_forecast_frame_shape_index_and_columns(reach):
    result = forecast(reach, 28)
    assert list(result.columns) == ["mean", "lower", "upper"]
    assert len(result) == 28
    expected_index = pd.date_range("2026-01-01", periods=28, freq="D")
    pd.testing.assert_index_equal(result.index, expected_index)
    assert np.isfinite(result.to_numpy()).all()


def test_monthly_index_continues_the_series(co2_monthly):
    result = forecast(co2_monthly, 6, models=("ets",))
    assert result.index[0] == pd.Timestamp("2002-01-01")
    assert result.index.freqstr == "MS"
    assert len(result) == 6


def test_interval_contains_mean_and_widens_with_horizon(fitted):
    result = fitted.predict(28)
    assert (result["lower"] <= result["mean"]).all()
    assert (result["mean"] <= result["upper"]).all()
    width = (result["upper"] - result["lower"]).to_numpy()
    assert width[-1] > width[0]
    assert width[0] > 0
    # Same weekday a week apart: the interval never narrows as the horizon grows.
    assert np.all(width[7:] >= width[:-7] - 1e-9)


def test_higher_level_gives_a_wider_nested_interval(fitted):
    narrow, wide = fitted.predict(14, level=0.8), fitted.predict(14, level=0.95)
    pd.testing.assert_series_equal(narrow["mean"], wide["mean"])
    assert (wide["lower"] < narrow["lower"]).all()
    assert (wide["upper"] > narrow["upper"]).all()


def test_forecast_is_deterministic(reach):
    last_months = reach.iloc[-120:]
    first = forecast(last_months, 14, level=0.9)
    second = forecast(last_months, 14, level=0.9)
    pd.testing.assert_frame_equal(first, second)


def test_multiplicative_error_intervals_are_deterministic():
    # Positive data with a multiplicative-error ETS: its intervals are simulated, with a fixed seed.
    series = daily_reach(120, seed=7)
    model = Forecaster(models=("ets",)).fit(series)
    assert model.candidates_["name"].str.startswith("ETS(M").any()
    pd.testing.assert_frame_equal(model.predict(10), model.predict(10))


def test_fitted_attributes(fitted):
    assert fitted.n_obs_ == 365
    assert fitted.freq_ == "D"
    assert fitted.season_length_ == 7
    assert fitted.nonnegative_ is True
    assert fitted.holdout_size_ == 28
    assert fitted.family_ in {"ets", "sarimax"}
    chosen = fitted.candidates_[fitted.candidates_["selected"]]
    assert chosen["name"].tolist() == [fitted.selected_]
    assert chosen["aicc"].iloc[0] == pytest.approx(fitted.aicc_)
    assert np.isfinite(fitted.aicc_)
    assert set(fitted.candidates_["family"]) == {"ets", "sarimax"}
    # The weekly cycle is strong: the chosen model is seasonal with period 7.
    assert "[7]" in fitted.selected_
    assert hasattr(fitted.model_, "forecast")
    assert repr(fitted).startswith("Forecaster(selected_=")


def test_predict_before_fit_raises_the_conventions_message():
    with pytest.raises(ThriveError, match=r"^Model has not been fit yet\. Call \.fit\(\) first\.$"):
        Forecaster().predict(5)


# --- non-negativity and odd series ----------------------------------------------------------------------------
def test_counts_are_clipped_at_zero():
    rng = np.random.default_rng(SEED)
    counts = pd.Series(
        rng.poisson(0.6, 90).astype(float), index=pd.date_range("2025-03-01", periods=90, freq="D")
    )
    result = forecast(counts, 14)
    assert (result.to_numpy() >= 0).all()
    assert (result["lower"] == 0).any()
    unclipped = forecast(counts, 14, nonnegative=False)
    assert (unclipped["lower"] < 0).any()


def test_series_with_negative_values_is_not_clipped():
    # Net follower change can be negative: nonnegative defaults to False and nothing is clipped.
    rng = np.random.default_rng(SEED)
    net_change = pd.Series(
        -100 + rng.normal(0, 1, 80), index=pd.date_range("2025-01-01", periods=80, freq="D")
    )
    model = Forecaster().fit(net_change)
    assert model.nonnegative_ is False
    result = model.predict(10)
    assert (result["upper"] < 0).all()
    assert result["mean"].mean() == pytest.approx(-100, abs=1)


def test_constant_series_forecasts_the_constant():
    flat = pd.Series(42.0, index=pd.date_range("2025-01-01", periods=30, freq="D"))
    result = forecast(flat, 7)
    np.testing.assert_allclose(result["mean"], 42.0)
    assert np.isfinite(result.to_numpy()).all()


def test_unsorted_input_is_sorted(reach):
    shuffled = reach.iloc[:60].sample(frac=1.0, random_state=1)
    result = forecast(shuffled, 3, models=("naive",))
    assert result.index[0] == reach.index[60]


# --- season length and short series ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("periods", "freq", "expected"),
    [
        (365, "D", 7),
        (13, "D", 1),  # fewer than two weeks: no weekly season
        (120, "W-SUN", 52),
        (60, "W-SUN", 1),  # fewer than two years of weeks
        (30, "MS", 12),
        (20, "ME", 1),
        (40, "B", 5),
        (60, "h", 24),
    ],
)
def test_season_length_follows_the_frequency_when_data_allow(periods, freq, expected):
    series = pd.Series(
        np.arange(periods, dtype=float) % 5 + 10,
        index=pd.date_range("2024-01-01", periods=periods, freq=freq),
    )
    assert Forecaster(models=("naive",)).fit(series).season_length_ == expected


def test_short_series_fall_back_to_non_seasonal_models(reach):
    short = reach.iloc[:12]
    model = Forecaster().fit(short)
    assert model.season_length_ == 1
    assert "[" not in model.selected_
    result = model.predict(5)
    assert np.isfinite(result.to_numpy()).all()


def test_explicit_season_length(reach):
    model = Forecaster(season_length=1, models=("naive",)).fit(reach)
    assert model.selected_ == "NAIVE"
    assert model.predict(3)["mean"].tolist() == [reach.iloc[-1]] * 3


# --- validation ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, "0.9", True, None])
def test_level_validation(reach, level):
    with pytest.raises(DataValidationError, match=r"level must be a probability strictly between 0 and 1"):
        forecast(reach, 5, level=level)


@pytest.mark.parametrize("horizon", [0, -3, 2.5, "7"])
def test_horizon_validation(reach, horizon):
    with pytest.raises(DataValidationError, match=r"horizon must be a whole number of periods >= 1"):
        forecast(reach, horizon)


def test_insufficient_data_names_the_count():
    seven = pd.Series([1.0, 2, 3, 4, 5, 6, 7], index=pd.date_range("2025-01-01", periods=7, freq="D"))
    with pytest.raises(DataValidationError, match=r"insufficient data: .* at least 8 observations; got 7\."):
        forecast(seven, 3)


def test_backtest_insufficient_data_names_the_count(reach):
    with pytest.raises(
        DataValidationError, match=r"insufficient data: .*needs at least 51 observations; got 40\."
    ):
        backtest(reach.iloc[:40], 14, folds=3)


def test_missing_dates_are_an_error_not_silently_filled(reach):
    gappy = reach.iloc[:50].drop(reach.index[[10, 20]])
    with pytest.raises(
        DataValidationError, match=r"missing 2 of 50 dates at frequency 'D' \(first missing 2025-01-11\)"
    ):
        forecast(gappy, 5)


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ([1.0] * 20, "must be a pandas Series"),
        (pd.Series(np.ones(20)), "must have a DatetimeIndex; got RangeIndex"),
        (
            pd.Series([1.0, np.nan] + [2.0] * 18, index=pd.date_range("2025-01-01", periods=20)),
            r"1 missing or infinite value\(s\), first at 2025-01-02",
        ),
        (
            pd.Series(
                np.ones(20),
                index=pd.DatetimeIndex(["2025-01-01"] * 2).append(pd.date_range("2025-01-02", periods=18)),
            ),
            r"1 duplicate date\(s\), first 2025-01-01",
        ),
        (pd.Series(list("abcdefghij"), index=pd.date_range("2025-01-01", periods=10)), "must be numeric"),
    ],
)
def test_series_validation(series, message):
    with pytest.raises(DataValidationError, match=message):
        forecast(series, 3)


def test_model_and_option_validation(reach):
    with pytest.raises(
        DataValidationError, match=r"models must name one or more of 'ets', 'sarimax', 'naive'; got 'prophet'"
    ):
        forecast(reach, 3, models=("ets", "prophet"))
    with pytest.raises(DataValidationError, match=r"models must name one or more .*got nothing"):
        forecast(reach, 3, models=())
    with pytest.raises(DataValidationError, match=r"season_length must be None .* got 0"):
        forecast(reach, 3, season_length=0)
    with pytest.raises(DataValidationError, match=r"nonnegative must be True, False or None"):
        forecast(reach, 3, nonnegative="yes")
    with pytest.raises(DataValidationError, match=r"folds must be a whole number >= 1; got 0"):
        backtest(reach, 7, folds=0)


# --- backtests and MASE -------------------------------------------------------------------------------------------
def test_backtest_beats_seasonal_naive_on_mauna_loa_co2(co2_monthly):
    # Monthly CO2, 1990-2001 (144 months): three 12-month folds. Measured: MASE 0.23 for the model against
    # 0.91 for seasonal naive (MAE 0.36 against 1.41 ppm).
    result = backtest(co2_monthly, 12, folds=3)
    assert isinstance(result, BacktestResult)
    assert result.season_length == 12
    assert result.mase < 1
    assert result.mase < 0.5 * result.naive_mase
    assert result.mae < result.naive_mae
    assert result.rmse < result.naive_rmse
    assert len(result.per_fold) == 3
    assert result.per_fold["origin"].tolist() == [
        pd.Timestamp(f"{year}-01-01") for year in (1999, 2000, 2001)
    ]
    assert (result.per_fold["train_size"] == [108, 120, 132]).all()
    json.dumps(result.to_dict(), allow_nan=False)


def test_backtest_beats_seasonal_naive_on_trending_weekly_data():
    # Half a year of daily reach. Seasonal naive lags a trend by one season; a trend-aware model does not
    # (measured MASE 0.68 against 1.24 for seasonal naive).
    result = backtest(daily_reach(180), 14, folds=3)
    assert result.mase < 1
    assert result.mase < result.naive_mase
    assert result.per_fold["model"].str.contains(r"\[7\]").all()
    assert result.to_dict()["per_fold"][0]["origin"] == "2025-05-19"  # day 138 = 180 - 3 * 14


def test_seasonal_naive_mase_is_exactly_one_when_its_errors_are_its_in_sample_errors():
    # Each week repeats the last one plus 3: every one-step seasonal naive error in sample is 3, and so is
    # every error of a seasonal naive forecast up to one season ahead, so MASE(seasonal naive) = 1 exactly.
    t = np.arange(70)
    pattern = np.array([5.0, 9.0, 4.0, 7.0, 8.0, 2.0, 1.0])
    series = pd.Series(
        pattern[t % 7] + 3.0 * (t // 7), index=pd.date_range("2025-01-06", periods=70, freq="D")
    )
    result = backtest(series, 7, folds=2, models=("naive",))
    assert result.naive_mase == pytest.approx(1.0, abs=1e-12)
    assert result.mase == pytest.approx(1.0, abs=1e-12)  # the model *is* seasonal naive here
    assert result.naive_mae == pytest.approx(3.0)


def test_naive_mase_of_a_straight_line_one_step_ahead_is_one():
    line = pd.Series(np.arange(40, dtype=float), index=pd.date_range("2025-01-01", periods=40, freq="D"))
    result = backtest(line, 1, folds=4, season_length=1, models=("naive",))
    assert result.naive_mase == pytest.approx(1.0, abs=1e-12)
    assert result.season_length == 1


def test_mase_is_undefined_for_a_perfectly_periodic_series():
    periodic = pd.Series(
        np.tile([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0], 10), index=pd.date_range("2025-01-01", periods=70)
    )
    with pytest.raises(DataValidationError, match="MASE is undefined for fold 1"):
        backtest(periodic, 7, folds=2, models=("naive",))
