"""Forecasts of one regular time series (followers, reach, revenue ...) with prediction intervals.

``forecast(series, horizon)`` picks a model automatically and returns the next ``horizon`` periods with
columns ``mean``, ``lower`` and ``upper``; :class:`Forecaster` is the same thing in fit/predict form and keeps
the fitted model; :func:`backtest` measures the procedure by rolling-origin evaluation against the seasonal
naive method (MASE, Hyndman & Koehler 2006).

How a model is chosen
---------------------
1. **ETS** (statsmodels ``ETSModel``): trend none, additive or additive damped; seasonality none or
   additive; additive error for every structure, then (when every value is > 0) the multiplicative-error
   version of the best structure. The candidates are ranked by AICc, which is valid because they share one
   likelihood for the same data.
2. **SARIMAX**: the differencing is chosen first, as ``auto.arima`` does (seasonal differencing when the STL
   seasonal strength is >= 0.64, then a first difference when the KPSS test rejects stationarity at 5%);
   with the differencing fixed, ARIMA(1,d,0), (0,d,1) and (1,d,1) (only the last two, each with a seasonal
   MA(1) term, when seasonally differenced; a constant or drift when d + D <= 1) are ranked by AICc.
   Seasonal SARIMAX terms are used up to a season length of 24 (weekly data with a 52-week season gets
   seasonal ETS only).
3. AICc is not comparable between the two families (different likelihoods, differenced data), so the best
   ETS and the best SARIMAX are compared on a **holdout**: both are refitted (warm-started) on the series
   without its last ``k = min(max(horizon, season_length), n // 5)`` points (at least 1; ``holdout=`` on
   :class:`Forecaster` overrides it) and the one with the lower MAE on those points wins, ETS on a tie.
   The forecast comes from the winner fitted on the full series.

If no candidate can be fitted (a constant series, say), the (seasonal) naive method is used; it can also be
asked for explicitly with ``models=("naive",)``.

Season length and short series
------------------------------
``season_length=None`` infers the season from the frequency: 7 for daily, 5 for business-daily, 52 for
weekly, 12 for monthly, 4 for quarterly, 24 for hourly data, none otherwise. A season is only used when the
series covers at least two full seasons; shorter series get non-seasonal models. Fewer than 8 observations
raise :class:`~thrive_analytics.exceptions.DataValidationError` ("insufficient data").

Input and output
----------------
``series`` is a numeric pandas Series with a DatetimeIndex at a regular frequency (inferred). Unsorted input
is sorted; duplicate dates, missing values and missing dates inside the range are errors (the message names
how many dates are missing and how to fill them: the module never invents data). The result is indexed by
the next ``horizon`` dates at the series' frequency and contains no NaN or infinity. ``nonnegative=None``
(default) means "non-negative when every observed value is >= 0" (counts such as followers or reach); then
``mean``, ``lower`` and ``upper`` are clipped at 0.

Speed: about 0.8 s of CPU time for a 28-day forecast from 365 daily points on the 2-CPU development machine
(``tests/test_forecast.py`` measures it; weekly data with a 52-week season take longer, about 1.5 s). BLAS is kept to one thread while fitting: the models'
matrices are tiny and extra threads only add contention.

Prediction intervals are statsmodels' (exact for additive-error ETS and SARIMAX; simulated with a fixed seed,
1,000 paths, for multiplicative-error ETS, so results are deterministic); ``lower <= mean <= upper`` always.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from .exceptions import DataValidationError, ThriveError, require

__all__ = ["MODELS", "BacktestResult", "Forecaster", "backtest", "forecast"]

MODELS = ("ets", "sarimax")
KNOWN_MODELS = ("ets", "sarimax", "naive")
MIN_OBSERVATIONS = 8
NOT_FIT_MESSAGE = "Model has not been fit yet. Call .fit() first."
SEASONAL_STRENGTH_THRESHOLD = 0.64  # Wang, Smith & Hyndman (2006); FPP3 section 9.1 (nsdiffs)
MAX_SARIMAX_SEASON = 24
_SIMULATIONS = 1000  # repetitions for simulated ETS intervals (multiplicative error), with a fixed seed


def forecast(
    series: pd.Series,
    horizon: int,
    level: float = 0.95,
    *,
    season_length: int | None = None,
    models: Sequence[str] = MODELS,
    nonnegative: bool | None = None,
) -> pd.DataFrame:
    """Forecast the next ``horizon`` periods of ``series`` with a ``level`` prediction interval.

    Returns a DataFrame indexed by the next ``horizon`` dates with columns ``mean``, ``lower`` and ``upper``.
    See the module documentation for how the model is chosen; ``models`` restricts the candidate families
    (``"ets"``, ``"sarimax"``, ``"naive"``).
    """
    horizon = _validate_horizon(horizon)
    level = _validate_level(level)
    forecaster = Forecaster(season_length=season_length, models=models, nonnegative=nonnegative)
    return forecaster.fit(series, horizon_hint=horizon).predict(horizon, level=level)


class Forecaster:
    """Automatic ETS/SARIMAX forecaster: ``Forecaster().fit(series).predict(horizon, level=0.95)``.

    Fitted attributes: ``model_`` (the statsmodels results of the selected model, or ``None`` for the naive
    method), ``selected_`` (its name, e.g. ``"ETS(A,Ad,A)[7]"``), ``family_`` (``"ets"``, ``"sarimax"`` or
    ``"naive"``), ``aicc_`` (its AICc; ``nan`` for the naive method), ``candidates_`` (every candidate with its
    family, AICc, holdout MAE and whether it was selected), ``holdout_size_``, ``freq_``, ``season_length_``
    (1 when no season is used), ``nonnegative_``, ``n_obs_`` and ``last_date_``.

    ``fit(series, horizon_hint=None)``: ``horizon_hint`` (the horizon you mean to forecast) sizes the holdout
    that chooses between ETS and SARIMAX; without it the holdout is one season (see the module documentation).
    """

    model_: Any
    selected_: str
    family_: str
    aicc_: float
    candidates_: pd.DataFrame
    holdout_size_: int
    freq_: str
    season_length_: int
    nonnegative_: bool
    n_obs_: int
    last_date_: pd.Timestamp

    def __init__(
        self,
        *,
        season_length: int | None = None,
        models: Sequence[str] = MODELS,
        nonnegative: bool | None = None,
        holdout: int | None = None,
    ) -> None:
        self.season_length = _validate_season_length(season_length)
        self.models = _validate_models(models)
        if nonnegative is not None and not isinstance(nonnegative, bool | np.bool_):
            raise DataValidationError(
                f"nonnegative must be True, False or None (automatic); got {nonnegative!r}."
            )
        self.nonnegative = nonnegative
        if holdout is not None and (not _is_int(holdout) or holdout < 1):
            raise DataValidationError(
                f"holdout must be a whole number >= 1 or None (automatic); got {holdout!r}."
            )
        self.holdout = holdout

    def __repr__(self) -> str:
        if not hasattr(self, "selected_"):
            return f"Forecaster(models={self.models!r})"
        return f"Forecaster(selected_={self.selected_!r}, freq_={self.freq_!r}, n_obs_={self.n_obs_})"

    def fit(self, series: pd.Series, horizon_hint: int | None = None) -> Forecaster:
        """Select and fit a model on ``series``; ``horizon_hint`` sizes the holdout (default: one season)."""
        y, freq = _prepare(series)
        n = len(y)
        m = _resolve_season_length(self.season_length, freq, n)
        _import_statsmodels()  # outside catch_warnings: statsmodels sets global warning filters on import
        hint = _validate_horizon(horizon_hint) if horizon_hint is not None else max(m, 1)
        holdout = self.holdout or max(1, min(max(hint, m), n // 5))
        if n - holdout < MIN_OBSERVATIONS - 1:
            raise DataValidationError(
                f"holdout={holdout} leaves {n - holdout} of the series' {n} observations to refit on; "
                f"use a holdout of at most {n - MIN_OBSERVATIONS + 1}."
            )
        candidates: list[_Candidate] = []
        with _quiet_single_threaded():
            if "ets" in self.models:
                candidates += _fit_ets_candidates(y, m)
            if "sarimax" in self.models:
                candidates += _fit_sarimax_candidates(y, m)
            if "naive" in self.models:
                candidates.append(_naive_candidate(y, m))
            finalists = _family_winners(candidates)
            if len(finalists) > 1:
                for candidate in finalists:
                    candidate.holdout_mae = _holdout_mae(candidate, y, holdout)
                finalists.sort(key=lambda c: (c.holdout_mae, _FAMILY_ORDER[c.family]))
            chosen = next((c for c in finalists if c.forecast_is_finite(max(2 * m, 12))), None)
        if chosen is None:
            chosen = _naive_candidate(y, m)
            candidates.append(chosen)
        chosen.selected = True

        self.model_ = None if chosen.family == "naive" else chosen.results
        self._chosen = chosen
        self.selected_ = chosen.name
        self.family_ = chosen.family
        self.aicc_ = chosen.aicc
        self.candidates_ = pd.DataFrame(
            [
                {
                    "name": c.name,
                    "family": c.family,
                    "aicc": c.aicc,
                    "holdout_mae": c.holdout_mae,
                    "selected": c.selected,
                }
                for c in candidates
            ],
            columns=["name", "family", "aicc", "holdout_mae", "selected"],
        )
        self.holdout_size_ = holdout
        self.freq_ = freq
        self.season_length_ = m
        self.nonnegative_ = bool(y.min() >= 0) if self.nonnegative is None else bool(self.nonnegative)
        self.n_obs_ = n
        self.last_date_ = y.index[-1]
        return self

    def predict(self, horizon: int, level: float = 0.95) -> pd.DataFrame:
        """The next ``horizon`` periods: ``mean`` and the ``level`` prediction interval ``lower``/``upper``."""
        if not hasattr(self, "selected_"):
            raise ThriveError(NOT_FIT_MESSAGE)
        horizon = _validate_horizon(horizon)
        level = _validate_level(level)
        with _quiet_single_threaded():
            mean, lower, upper = self._chosen.forecast(horizon, level)
        frame = pd.DataFrame(
            {"mean": mean, "lower": np.minimum(lower, mean), "upper": np.maximum(upper, mean)},
            index=pd.date_range(self.last_date_, periods=horizon + 1, freq=self.freq_)[1:],
        )
        if self.nonnegative_:
            frame = frame.clip(lower=0.0)
        if not np.isfinite(frame.to_numpy()).all():
            raise ThriveError(
                f"The selected model {self.selected_} produced a non-finite forecast for horizon {horizon}; "
                "try a shorter horizon or models=('naive',)."
            )
        return frame


@dataclass(frozen=True)
class BacktestResult:
    """Rolling-origin evaluation of :class:`Forecaster` against the seasonal naive method.

    ``mase`` is the mean over folds of (the model's MAE on the fold) / (the in-sample MAE of the one-step
    seasonal naive method on the fold's training data); ``naive_mase`` is the same for the seasonal naive
    forecasts themselves. ``mae``/``rmse`` and ``naive_mae``/``naive_rmse`` pool every forecast error of every
    fold. ``per_fold`` has one row per fold.
    """

    horizon: int
    folds: int
    season_length: int
    mase: float
    mae: float
    rmse: float
    naive_mase: float
    naive_mae: float
    naive_rmse: float
    per_fold: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: floats, ints, strings and ISO dates only."""
        rows = []
        for record in self.per_fold.to_dict(orient="records"):
            rows.append(
                {
                    key: _date(value)
                    if isinstance(value, pd.Timestamp)
                    else (float(value) if isinstance(value, float | np.floating) else value)
                    for key, value in record.items()
                }
            )
        summary = {
            name: float(getattr(self, name))
            for name in ("mase", "mae", "rmse", "naive_mase", "naive_mae", "naive_rmse")
        }
        return {
            "horizon": self.horizon,
            "folds": self.folds,
            "season_length": self.season_length,
            **summary,
            "per_fold": rows,
        }


def backtest(
    series: pd.Series,
    horizon: int,
    *,
    folds: int = 3,
    season_length: int | None = None,
    models: Sequence[str] = MODELS,
) -> BacktestResult:
    """Rolling-origin backtest: ``folds`` consecutive, non-overlapping test windows of ``horizon`` points.

    Fold ``i`` trains on everything before its window (the model is selected afresh on each fold) and
    forecasts the window. MASE scales each fold's MAE by the in-sample MAE of the one-step seasonal naive
    method on that fold's training data (Hyndman & Koehler 2006), with the season length the fold's model used.
    """
    horizon = _validate_horizon(horizon)
    if not _is_int(folds) or folds < 1:
        raise DataValidationError(f"folds must be a whole number >= 1; got {folds!r}.")
    season_length = _validate_season_length(season_length)
    models = _validate_models(models)
    y, _ = _prepare(series)
    n = len(y)
    smallest_train = n - folds * horizon
    if smallest_train < MIN_OBSERVATIONS + 1:
        raise DataValidationError(
            f"insufficient data: a backtest with {folds} fold(s) of horizon {horizon} needs at least "
            f"{folds * horizon + MIN_OBSERVATIONS + 1} observations; got {n}."
        )
    rows = []
    errors: list[np.ndarray] = []
    naive_errors: list[np.ndarray] = []
    for fold in range(folds):
        origin = n - (folds - fold) * horizon
        train, test = y.iloc[:origin], y.iloc[origin : origin + horizon]
        forecaster = Forecaster(season_length=season_length, models=models).fit(train, horizon_hint=horizon)
        predicted = forecaster.predict(horizon)["mean"].to_numpy()
        m = forecaster.season_length_
        naive = _seasonal_naive_mean(train.to_numpy(), m, horizon)
        history = train.to_numpy()
        scale = float(np.mean(np.abs(history[m:] - history[:-m])))
        if not scale > 0:
            raise DataValidationError(
                f"MASE is undefined for fold {fold + 1}: the seasonal naive method (season length {m}) fits its "
                "training data exactly (in-sample MAE 0)."
            )
        error = test.to_numpy() - predicted
        naive_error = test.to_numpy() - naive
        errors.append(error)
        naive_errors.append(naive_error)
        rows.append(
            {
                "fold": fold + 1,
                "origin": test.index[0],
                "train_size": len(train),
                "model": forecaster.selected_,
                "mae": float(np.mean(np.abs(error))),
                "rmse": float(np.sqrt(np.mean(error**2))),
                "mase": float(np.mean(np.abs(error)) / scale),
                "naive_mae": float(np.mean(np.abs(naive_error))),
                "naive_rmse": float(np.sqrt(np.mean(naive_error**2))),
                "naive_mase": float(np.mean(np.abs(naive_error)) / scale),
                "scale": scale,
                "season_length": m,
            }
        )
    per_fold = pd.DataFrame(rows)
    all_errors, all_naive = np.concatenate(errors), np.concatenate(naive_errors)
    return BacktestResult(
        horizon=horizon,
        folds=folds,
        season_length=int(per_fold["season_length"].iloc[-1]),
        mase=float(per_fold["mase"].mean()),
        mae=float(np.mean(np.abs(all_errors))),
        rmse=float(np.sqrt(np.mean(all_errors**2))),
        naive_mase=float(per_fold["naive_mase"].mean()),
        naive_mae=float(np.mean(np.abs(all_naive))),
        naive_rmse=float(np.sqrt(np.mean(all_naive**2))),
        per_fold=per_fold,
    )


# --- candidates ----------------------------------------------------------------------------------------------
_FAMILY_ORDER = {"ets": 0, "sarimax": 1, "naive": 2}


class _Candidate:
    """One fitted model: its name, family, AICc, statsmodels results and how to refit and forecast it."""

    def __init__(self, name: str, family: str, spec: dict[str, Any], results: Any, aicc: float) -> None:
        self.name, self.family, self.spec, self.results, self.aicc = name, family, spec, results, aicc
        self.holdout_mae = math.nan
        self.selected = False

    def refit(self, y: pd.Series) -> _Candidate:
        """The same specification fitted on ``y``, warm-started from this fit's parameters."""
        if self.family == "naive":
            return _naive_candidate(y, self.spec["m"])
        results = _fit_spec(self.family, self.spec, y, start_params=self.results.params)
        return _Candidate(self.name, self.family, self.spec, results, float(results.aicc))

    def point_forecast(self, horizon: int) -> np.ndarray:
        if self.family == "ets":
            return np.asarray(self.results.forecast(horizon), dtype=float)
        if self.family == "sarimax":
            return np.asarray(self.results.get_forecast(horizon).predicted_mean, dtype=float)
        return _seasonal_naive_mean(self.results.values, self.results.m, horizon)

    def forecast(self, horizon: int, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        alpha = 1 - level
        if self.family == "ets":
            n = self.results.nobs
            prediction = self.results.get_prediction(
                start=n,
                end=n + horizon - 1,
                simulate_repetitions=_SIMULATIONS,
                **({"rng": np.random.default_rng(0)} if self.spec["error"] == "mul" else {}),
            )
            frame = prediction.summary_frame(alpha=alpha)
            return (
                frame["mean"].to_numpy(float),
                frame["pi_lower"].to_numpy(float),
                frame["pi_upper"].to_numpy(float),
            )
        if self.family == "sarimax":
            frame = self.results.get_forecast(horizon).summary_frame(alpha=alpha)
            return (
                frame["mean"].to_numpy(float),
                frame["mean_ci_lower"].to_numpy(float),
                frame["mean_ci_upper"].to_numpy(float),
            )
        return self.results.forecast(horizon, level)

    def forecast_is_finite(self, horizon: int) -> bool:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mean = self.point_forecast(horizon)
        except Exception:  # any failure disqualifies the candidate
            return False
        return bool(np.isfinite(mean).all())


@contextmanager
def _quiet_single_threaded() -> Iterator[None]:
    """Silence statsmodels' convergence chatter and keep BLAS on one thread.

    The matrices of these small models are tiny: BLAS threads only add contention (a year of daily data fits
    about twice as fast single-threaded on a 2-CPU machine). threadpoolctl ships with scikit-learn (the
    ``analytics`` extra); without it the thread count is left alone.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        limits: Any = nullcontext()
    else:
        limits = threadpool_limits(limits=1)
    with warnings.catch_warnings(), limits:
        warnings.simplefilter("ignore")
        yield


def _import_statsmodels() -> None:
    for module in (
        "statsmodels.tsa.exponential_smoothing.ets",
        "statsmodels.tsa.statespace.sarimax",
        "statsmodels.tsa.seasonal",
        "statsmodels.tsa.stattools",
    ):
        require(module, "analytics")


def _fit_spec(family: str, spec: dict[str, Any], y: pd.Series, start_params: Any = None) -> Any:
    if family == "ets":
        ets = require("statsmodels.tsa.exponential_smoothing.ets", "analytics")
        model = ets.ETSModel(
            y,
            error=spec["error"],
            trend=spec["trend"],
            damped_trend=spec["damped"],
            seasonal=spec["seasonal"],
            seasonal_periods=spec["m"] if spec["seasonal"] else None,
        )
        return model.fit(disp=False, start_params=start_params, maxiter=1000)
    sarimax = require("statsmodels.tsa.statespace.sarimax", "analytics")
    model = sarimax.SARIMAX(
        y, order=spec["order"], seasonal_order=spec["seasonal_order"], trend=spec["trend"]
    )
    return model.fit(disp=False, start_params=start_params)


def _try_fit(family: str, name: str, spec: dict[str, Any], y: pd.Series) -> _Candidate | None:
    try:
        results = _fit_spec(family, spec, y)
    except Exception:  # a candidate that cannot be fitted is simply not a candidate
        return None
    aicc = float(results.aicc)
    if not math.isfinite(aicc) or not np.isfinite(np.asarray(results.params, dtype=float)).all():
        return None
    return _Candidate(name, family, spec, results, aicc)


def _fit_ets_candidates(y: pd.Series, m: int) -> list[_Candidate]:
    """Additive-error ETS for every trend/season structure, then the multiplicative-error twin of the best one.

    The two-stage search keeps the fit fast: the error type rarely changes which structure wins, and the
    multiplicative-error fits are the slow ones.
    """
    n = len(y)
    structures = [
        (trend, damped, seasonal)
        for trend, damped in ((None, False), ("add", False), ("add", True))
        for seasonal in ((None, "add") if m > 1 else (None,))
        # smoothing + initial states + sigma; ETS needs a few spare points beyond them (as forecast::ets)
        if n > 3 + (2 if trend else 0) + (1 if damped else 0) + (m if seasonal else 0) + 3
    ]
    fitted = [c for c in (_fit_ets("add", *structure, m, y) for structure in structures) if c is not None]
    if fitted and y.min() > 0:
        best = min(fitted, key=lambda c: c.aicc).spec
        twin = _fit_ets("mul", best["trend"], best["damped"], best["seasonal"], m, y)
        if twin is not None:
            fitted.append(twin)
    return fitted


def _fit_ets(
    error: str, trend: str | None, damped: bool, seasonal: str | None, m: int, y: pd.Series
) -> _Candidate | None:
    code = f"{error[0].upper()},{'N' if not trend else ('Ad' if damped else 'A')},{'A' if seasonal else 'N'}"
    name = f"ETS({code})" + (f"[{m}]" if seasonal else "")
    spec = {"error": error, "trend": trend, "damped": damped, "seasonal": seasonal, "m": m}
    return _try_fit("ets", name, spec, y)


def _fit_sarimax_candidates(y: pd.Series, m: int) -> list[_Candidate]:
    n = len(y)
    values = y.to_numpy(dtype=float)
    seasonal_diff = int(
        1 < m <= MAX_SARIMAX_SEASON and n >= 3 * m and _seasonal_strength(y, m) >= SEASONAL_STRENGTH_THRESHOLD
    )
    working = values[m:] - values[:-m] if seasonal_diff else values
    diff = int(_kpss_rejects(working))
    trend = "c" if diff + seasonal_diff <= 1 else "n"
    fitted = []
    # seasonal fits are slow: two orders there, three without a seasonal part
    for p, q in ((0, 1), (1, 1)) if seasonal_diff else ((1, 0), (0, 1), (1, 1)):
        order = (p, diff, q)
        seasonal_order = (0, 1, 1, m) if seasonal_diff else (0, 0, 0, 0)
        n_params = p + q + (1 if seasonal_diff else 0) + (1 if trend == "c" else 0) + 1
        if n - diff - seasonal_diff * m <= n_params + 3:
            continue
        name = f"SARIMAX({p},{diff},{q})" + (f"(0,1,1)[{m}]" if seasonal_diff else "")
        if trend == "c":
            name += "+drift" if diff + seasonal_diff == 1 else "+const"
        spec = {"order": order, "seasonal_order": seasonal_order, "trend": trend}
        candidate = _try_fit("sarimax", name, spec, y)
        if candidate is not None:
            fitted.append(candidate)
    return fitted


def _family_winners(candidates: Iterable[_Candidate]) -> list[_Candidate]:
    best: dict[str, _Candidate] = {}
    for candidate in candidates:
        current = best.get(candidate.family)
        if current is None or candidate.aicc < current.aicc:
            best[candidate.family] = candidate
    return sorted(best.values(), key=lambda c: _FAMILY_ORDER[c.family])


def _holdout_mae(candidate: _Candidate, y: pd.Series, holdout: int) -> float:
    train, test = y.iloc[:-holdout], y.iloc[-holdout:].to_numpy(dtype=float)
    try:
        mean = candidate.refit(train).point_forecast(holdout)
    except Exception:  # a finalist that cannot be refitted on the shorter series loses
        return math.inf
    mae = float(np.mean(np.abs(test - mean)))
    return mae if math.isfinite(mae) else math.inf


def _seasonal_strength(y: pd.Series, m: int) -> float:
    """F_S = max(0, 1 - Var(R) / Var(S + R)) from an STL decomposition (FPP3 section 4.3)."""
    seasonal = require("statsmodels.tsa.seasonal", "analytics")
    try:
        decomposition = seasonal.STL(y.to_numpy(dtype=float), period=m).fit()
    except Exception:
        return 0.0
    remainder = np.asarray(decomposition.resid)
    both = remainder + np.asarray(decomposition.seasonal)
    total = float(np.var(both))
    return 0.0 if total <= 0 else max(0.0, 1.0 - float(np.var(remainder)) / total)


def _kpss_rejects(values: np.ndarray) -> bool:
    """KPSS test of level stationarity at the 5% level (the test ``auto.arima`` uses to choose d)."""
    if np.ptp(values) == 0:
        return False
    stattools = require("statsmodels.tsa.stattools", "analytics")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # p-values outside the table are clipped with a warning
        try:
            _, p_value, *_ = stattools.kpss(values, regression="c", nlags="auto")
        except Exception:
            return False
    return bool(p_value < 0.05)


class _NaiveResults:
    """The (seasonal) naive method with its textbook prediction intervals (FPP3 section 5.5)."""

    def __init__(self, values: np.ndarray, m: int) -> None:
        self.values, self.m = values, m
        residuals = values[m:] - values[:-m]
        self.sigma = float(np.sqrt(np.mean(residuals**2))) if residuals.size else 0.0
        self.params = np.array([self.sigma])
        self.aicc = math.nan

    def forecast(self, horizon: int, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        stats = require("scipy.stats", "analytics")
        mean = _seasonal_naive_mean(self.values, self.m, horizon)
        seasons_ahead = np.floor(np.arange(horizon) / self.m) + 1
        half_width = stats.norm.ppf(0.5 + level / 2) * self.sigma * np.sqrt(seasons_ahead)
        return mean, mean - half_width, mean + half_width


def _naive_candidate(y: pd.Series, m: int) -> _Candidate:
    m = m if len(y) > m else 1
    name = f"SNAIVE[{m}]" if m > 1 else "NAIVE"
    return _Candidate(name, "naive", {"m": m}, _NaiveResults(y.to_numpy(dtype=float), m), math.nan)


def _seasonal_naive_mean(values: np.ndarray, m: int, horizon: int) -> np.ndarray:
    last_season = values[-m:]
    return np.asarray([last_season[i % m] for i in range(horizon)], dtype=float)


# --- validation ----------------------------------------------------------------------------------------------
def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _validate_horizon(horizon: Any) -> int:
    if not _is_int(horizon) or horizon < 1:
        raise DataValidationError(f"horizon must be a whole number of periods >= 1; got {horizon!r}.")
    return int(horizon)


def _validate_level(level: Any) -> float:
    if isinstance(level, bool) or not isinstance(level, int | float | np.floating) or not 0 < level < 1:
        raise DataValidationError(
            f"level must be a probability strictly between 0 and 1 (e.g. 0.8 or 0.95); got {level!r}."
        )
    return float(level)


def _validate_season_length(season_length: Any) -> int | None:
    if season_length is None:
        return None
    if not _is_int(season_length) or season_length < 1:
        raise DataValidationError(
            "season_length must be None (inferred from the frequency) or a whole number >= 1 "
            f"(1 for no seasonality); got {season_length!r}."
        )
    return int(season_length)


def _validate_models(models: Any) -> tuple[str, ...]:
    if isinstance(models, str):
        models = (models,)
    try:
        chosen = tuple(models)
    except TypeError:
        raise DataValidationError(f"models must be a sequence of model names; got {models!r}.") from None
    unknown = [name for name in chosen if name not in KNOWN_MODELS]
    if unknown or not chosen:
        allowed = ", ".join(repr(name) for name in KNOWN_MODELS)
        got = repr(unknown[0]) if unknown else "nothing"
        raise DataValidationError(f"models must name one or more of {allowed}; got {got}.")
    return chosen


def _prepare(series: Any) -> tuple[pd.Series, str]:
    """A float Series sorted by date with a regular frequency set on its index, and that frequency."""
    if not isinstance(series, pd.Series):
        raise DataValidationError(
            f"series must be a pandas Series with a DatetimeIndex; got {type(series).__name__}."
        )
    if not isinstance(series.index, pd.DatetimeIndex):
        raise DataValidationError(
            f"series must have a DatetimeIndex; got {type(series.index).__name__} (use series.set_axis(pd.to_datetime(...)))."
        )
    if len(series) < MIN_OBSERVATIONS:
        raise DataValidationError(
            f"insufficient data: forecasting needs at least {MIN_OBSERVATIONS} observations; got {len(series)}."
        )
    try:
        y = series.astype(float)
    except (TypeError, ValueError):
        raise DataValidationError(f"series must be numeric; got dtype {series.dtype}.") from None
    y = y.sort_index()
    duplicated = y.index.duplicated()
    if duplicated.any():
        raise DataValidationError(
            f"series has {int(duplicated.sum())} duplicate date(s), first {_date(y.index[duplicated][0])}; "
            "aggregate them first (e.g. series.groupby(level=0).sum())."
        )
    missing = ~np.isfinite(y.to_numpy())
    if missing.any():
        raise DataValidationError(
            f"series has {int(missing.sum())} missing or infinite value(s), first at {_date(y.index[missing][0])}; "
            "fill or drop them first (e.g. series.interpolate())."
        )
    freq = _infer_frequency(y.index)
    y.index = pd.DatetimeIndex(y.index, freq=freq)
    return y.rename(series.name), freq


def _infer_frequency(index: pd.DatetimeIndex) -> str:
    offset = index.freq or _infer_offset(index)
    if offset is not None:
        return to_offset(offset).freqstr
    first = index[0]
    for freq in ("MS", "ME", f"W-{first.day_name()[:3].upper()}", "D", "h"):
        grid = pd.date_range(index[0], index[-1], freq=freq)
        if len(grid) and index.isin(grid).all():
            gaps = grid.difference(index)
            raise DataValidationError(
                f"series is missing {len(gaps)} of {len(grid)} dates at frequency '{freq}' (first missing "
                f"{_date(gaps[0])}); fill them first, e.g. series.asfreq('{freq}').interpolate() or .fillna(0)."
            )
    raise DataValidationError(
        "series has no regular frequency (its dates are not daily, weekly, monthly or hourly steps); "
        "resample it first, e.g. series.resample('D').sum()."
    )


def _date(timestamp: pd.Timestamp) -> str:
    return timestamp.date().isoformat() if timestamp == timestamp.normalize() else timestamp.isoformat()


def _infer_offset(index: pd.DatetimeIndex) -> Any:
    try:
        with pd.option_context("future.infer_freq_returns_offset", True):
            return pd.infer_freq(index)
    except (KeyError, pd.errors.OptionError):  # pragma: no cover - pandas without the option
        return pd.infer_freq(index)


def _default_season_length(freq: str) -> int:
    offset = to_offset(freq)
    if offset.n != 1:
        return 1
    name = type(offset).__name__
    return {
        "Day": 7,
        "BusinessDay": 5,
        "Week": 52,
        "MonthBegin": 12,
        "MonthEnd": 12,
        "QuarterBegin": 4,
        "QuarterEnd": 4,
        "Hour": 24,
    }.get(name, 1)


def _resolve_season_length(season_length: int | None, freq: str, n: int) -> int:
    m = _default_season_length(freq) if season_length is None else season_length
    return m if m > 1 and n >= 2 * m else 1
