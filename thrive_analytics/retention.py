"""Contractual retention: the shifted-beta-geometric (sBG) model and discounted expected residual lifetime.

A cohort of clients (subscribers, retainer contracts) is observed at the start of periods ``0..T``;
``alive[t]`` is how many of them are still active at the start of period ``t`` (``alive[0]`` is the cohort
size, or ``1.0`` when shares are given). Each client renews at the end of every period with a probability
``1 - theta`` that stays fixed for that client, and ``theta`` varies across clients as ``Beta(alpha, beta)``.

References
----------
* Fader, P. S. & Hardie, B. G. S. (2007), "How to Project Customer Retention", *Journal of Interactive
  Marketing* 21(1), 76-90 ("F&H 2007"): the model, its maximum-likelihood fit (eqs. 1-3 and 7-8).
* Fader, P. S. & Hardie, B. G. S. (2010), "Customer-Base Valuation in a Contractual Setting: The Perils of
  Ignoring Heterogeneity", *Marketing Science* 29(1), 85-93 ("F&H 2010"): discounted expected lifetime
  (DEL) and discounted expected residual lifetime (DERL, eq. 6).

Timing used by :meth:`SBGModel.derl` and :meth:`SBGModel.clv` (F&H 2010's): a client pays at the start of
every period she is active, so a new client pays at ``t = 0`` (undiscounted) and, if she survives, at
``t = 1, 2, ...`` discounted by ``(1 + d) ** t``. A client "who has made ``n`` renewals" has paid ``n + 1``
times; DERL values her at the end of her current period, *just before* her next renewal decision, so her
next payment (made immediately if she renews) is undiscounted and the payments she already made are excluded:

    DERL(d | n) = sum_{k>=1} S(n + k) / S(n) / (1 + d) ** (k - 1)
                = (beta + n) / (alpha + beta + n) * 2F1(1, beta + n + 1; alpha + beta + n + 1; 1 / (1 + d))

and for a client about to make her first payment

    DEL(d) = sum_{t>=0} S(t) / (1 + d) ** t = 2F1(1, beta; alpha + beta; 1 / (1 + d)) = 1 + DERL(d | 0) / (1 + d).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DataValidationError, LazyModule, ThriveError

_optimize = LazyModule("scipy.optimize", "analytics")
_special = LazyModule("scipy.special", "analytics")

__all__ = ["SBGModel", "fit_sbg"]

NOT_FIT_MESSAGE = "Model has not been fit yet. Call .fit() first."
_LOG_BOUND = 15.0  # |log alpha|, |log beta| <= 15: beyond that the fit has run off to a degenerate corner


class SBGModel:
    """Shifted-beta-geometric model of contract renewals (F&H 2007), fitted by maximum likelihood.

    ``SBGModel().fit(alive)`` fits one cohort; given several cohorts (a 2-D array, a list of sequences or a
    DataFrame with one NaN-padded column per cohort) it fits one ``(alpha, beta)`` pooled across them, the
    parameters that maximise the summed log-likelihood. Use :func:`fit_sbg` for one model per cohort.

    Fitted attributes: ``alpha_``, ``beta_``, ``log_likelihood_`` (in the units of ``alive``: counts give the
    log-likelihood of the customers, shares the per-customer value), ``n_periods_`` (the longest calibration
    period ``T``) and ``n_cohorts_``.
    """

    alpha_: float
    beta_: float
    log_likelihood_: float
    n_periods_: int
    n_cohorts_: int

    def __repr__(self) -> str:
        if not self._is_fit():
            return "SBGModel()"
        return f"SBGModel(alpha_={self.alpha_:.4g}, beta_={self.beta_:.4g}, n_periods_={self.n_periods_})"

    # --- fitting ------------------------------------------------------------------------------------------
    def fit(self, alive: Any) -> SBGModel:
        """Fit ``alpha_`` and ``beta_`` to one cohort's survivor counts, or pooled across several cohorts."""
        cohorts = list(_as_cohorts(alive, names=None).values())
        if len(cohorts) == 1:
            _require_identifiable(cohorts[0], "alive")
        elif max(len(c) for c in cohorts) < 3:
            raise DataValidationError(
                "alive needs at least one cohort observed for 2 or more periods to fit pooled parameters; "
                f"the longest cohort has {max(len(c) for c in cohorts) - 1} period(s)."
            )
        alpha, beta, log_lik = _maximise(cohorts)
        self.alpha_, self.beta_, self.log_likelihood_ = alpha, beta, log_lik
        self.n_periods_ = max(len(c) for c in cohorts) - 1
        self.n_cohorts_ = len(cohorts)
        return self

    # --- the model's quantities -------------------------------------------------------------------------
    def survival(self, t: Any) -> Any:
        """S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta): the share of a cohort still active at ``t``.

        ``t`` is a period number ``>= 0`` (``S(0) = 1``) or an array of them; returns a float or an array.
        """
        alpha, beta = self._params()
        t_arr = _periods(t, "t", minimum=0)
        return _scalar_or_array(
            np.exp(_special.betaln(alpha, beta + t_arr) - _special.betaln(alpha, beta)), t
        )

    def retention_rate(self, t: Any) -> Any:
        """r_t = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1), for periods ``t >= 1`` (F&H 2007 eq. 8)."""
        alpha, beta = self._params()
        t_arr = _periods(t, "t", minimum=1)
        return _scalar_or_array((beta + t_arr - 1) / (alpha + beta + t_arr - 1), t)

    def churn_probability(self, t: Any) -> Any:
        """P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta): the share churning in period ``t >= 1`` (eq. 7)."""
        alpha, beta = self._params()
        t_arr = _periods(t, "t", minimum=1)
        return _scalar_or_array(
            np.exp(_special.betaln(alpha + 1, beta + t_arr - 1) - _special.betaln(alpha, beta)), t
        )

    def predict(self, periods: Any) -> pd.DataFrame:
        """Projected ``survival``, ``retention_rate`` and ``churn_probability`` for periods ``1..periods``.

        ``periods`` is the last period to project (an int) or an explicit array of periods ``>= 1``.
        The frame is indexed by ``period``.
        """
        self._params()
        if np.ndim(periods) == 0:
            last = _periods(periods, "periods", minimum=1)
            t = np.arange(1, int(last) + 1)
        else:
            t = np.atleast_1d(_periods(periods, "periods", minimum=1))
        frame = pd.DataFrame(
            {
                "survival": self.survival(t),
                "retention_rate": self.retention_rate(t),
                "churn_probability": self.churn_probability(t),
            },
            index=pd.Index(t, name="period"),
        )
        return frame

    def derl(self, discount_rate: float, renewals: int = 1) -> float:
        """Discounted expected residual lifetime of a client who has made ``renewals`` renewals (F&H 2010 eq. 6).

        ``DERL(d | n) = (beta + n) / (alpha + beta + n) * 2F1(1, beta + n + 1; alpha + beta + n + 1; 1 / (1 + d))``:
        the expected number of future payments, discounted at ``discount_rate`` per period, valued just before
        her next renewal decision (the next payment is undiscounted; payments already made are excluded).
        F&H write the same quantity with ``n - 1`` renewals and ``beta + n - 1``.
        """
        alpha, beta = self._params()
        d = _discount_rate(discount_rate)
        n = _renewals(renewals)
        return float(
            (beta + n)
            / (alpha + beta + n)
            * _special.hyp2f1(1.0, beta + n + 1, alpha + beta + n + 1, 1 / (1 + d))
        )

    def discounted_expected_lifetime(self, discount_rate: float) -> float:
        """Discounted expected lifetime of a new client, first payment included: ``2F1(1, beta; alpha + beta; 1/(1+d))``."""
        alpha, beta = self._params()
        d = _discount_rate(discount_rate)
        return float(_special.hyp2f1(1.0, beta, alpha + beta, 1 / (1 + d)))

    def clv(self, value_per_period: float, discount_rate: float, renewals: int | None = None) -> float:
        """Expected (residual) lifetime value of one client paying ``value_per_period`` at the start of each period.

        * ``renewals=None`` (default): a new client about to make her first payment. The first payment is
          included, undiscounted: ``E(CLV) = value * DEL(d) = value * (1 + DERL(d | 0) / (1 + d))``.
        * ``renewals=n``: an existing client who has made ``n`` renewals, valued just before her next renewal
          decision; only future payments count (the current period's payment is already made and excluded):
          ``E(RLV) = value * DERL(d | n)``.
        """
        value = _finite(value_per_period, "value_per_period")
        if renewals is None:
            return value * self.discounted_expected_lifetime(discount_rate)
        return value * self.derl(discount_rate, renewals=renewals)

    # --- helpers ------------------------------------------------------------------------------------------
    def _is_fit(self) -> bool:
        return hasattr(self, "alpha_")

    def _params(self) -> tuple[float, float]:
        if not self._is_fit():
            raise ThriveError(NOT_FIT_MESSAGE)
        return self.alpha_, self.beta_


def fit_sbg(
    alive: Any, *, cohorts: Sequence[Any] | None = None, pooled: bool = False
) -> SBGModel | dict[Any, SBGModel]:
    """Fit the sBG model to one cohort, to each of several cohorts, or pooled across several cohorts.

    ``alive``: the number (or share) of a cohort still active at the start of periods ``0..T`` as a sequence,
    array or Series (one cohort) -> one fitted :class:`SBGModel`. Several cohorts come as a 2-D array (one
    column per cohort), a list of sequences (lengths may differ) or a DataFrame (one column per cohort,
    NaN-padded at the end for younger cohorts). Then:

    * ``pooled=False`` (default): a ``dict`` mapping each cohort's name to its own fitted model, in input
      order. Names are the DataFrame's columns, else ``cohorts`` if given, else ``0, 1, ...``.
    * ``pooled=True``: one :class:`SBGModel` whose ``(alpha_, beta_)`` maximise the log-likelihood summed over
      all cohorts (F&H's "fitting several cohorts at once"); young cohorts with one period contribute too.

    ``cohorts``: names for the cohorts of a 2-D array or list input (one per cohort).
    """
    if _is_single_cohort(alive):
        if cohorts is not None:
            raise DataValidationError(
                "cohorts names several cohorts, but alive holds a single cohort; pass cohorts only with 2-D input."
            )
        return SBGModel().fit(alive)
    by_name = _as_cohorts(alive, names=cohorts)
    if pooled:
        return SBGModel().fit(list(by_name.values()))
    return {name: SBGModel().fit(counts) for name, counts in by_name.items()}


# --- likelihood ---------------------------------------------------------------------------------------------
def _negative_log_likelihood(log_params: np.ndarray, cohorts: list[np.ndarray]) -> float:
    alpha, beta = np.exp(log_params)
    log_b = _special.betaln(alpha, beta)
    total = 0.0
    for counts in cohorts:
        horizon = len(counts) - 1
        t = np.arange(1, horizon + 1)
        log_churn = _special.betaln(alpha + 1, beta + t - 1) - log_b  # ln P(T = t), F&H 2007 eq. 7
        log_survive = _special.betaln(alpha, beta + horizon) - log_b  # ln S(T): the right-censored survivors
        lost = counts[:-1] - counts[1:]
        total += float(np.sum(lost * log_churn) + counts[-1] * log_survive)
    return -total


def _maximise(cohorts: list[np.ndarray]) -> tuple[float, float, float]:
    scale = max(float(c[0]) for c in cohorts)
    scaled = [c / scale for c in cohorts]  # same optimum; keeps the objective near 1 for the optimiser
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * 2
    best = None
    for start in ((0.0, 0.0), (0.0, 2.0), (-1.0, 1.0)):
        result = _optimize.minimize(
            _negative_log_likelihood,
            np.array(start),
            args=(scaled,),
            method="L-BFGS-B",
            bounds=bounds,
            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000},
        )
        if best is None or result.fun < best.fun:
            best = result
    assert best is not None
    polished = _optimize.minimize(
        _negative_log_likelihood,
        best.x,
        args=(scaled,),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000},
    )
    if polished.fun < best.fun:
        best = polished
    log_alpha, log_beta = best.x
    if max(abs(log_alpha), abs(log_beta)) >= _LOG_BOUND - 0.5 or not np.isfinite(best.fun):
        raise DataValidationError(
            "alive does not identify the sBG parameters (the maximum-likelihood fit runs off to "
            f"alpha={np.exp(log_alpha):.3g}, beta={np.exp(log_beta):.3g}); use more periods or cohorts."
        )
    log_lik = -_negative_log_likelihood(best.x, cohorts)
    return float(np.exp(log_alpha)), float(np.exp(log_beta)), log_lik


# --- input handling -----------------------------------------------------------------------------------------
def _is_single_cohort(alive: Any) -> bool:
    if isinstance(alive, pd.DataFrame):
        return False
    if isinstance(alive, pd.Series | np.ndarray):
        return np.ndim(alive) == 1
    if isinstance(alive, Sequence) and not isinstance(alive, str | bytes):
        return all(np.ndim(item) == 0 for item in alive)
    return False


def _as_cohorts(alive: Any, names: Sequence[Any] | None) -> dict[Any, np.ndarray]:
    """Validated cohorts (trailing NaN padding removed) keyed by name, in input order."""
    if isinstance(alive, Mapping):
        raise DataValidationError(
            "alive must be a sequence, array, Series or DataFrame of survivor counts; got a mapping "
            "(use pd.DataFrame(mapping) for one column per cohort)."
        )
    if _is_single_cohort(alive):
        return {0: _validate_cohort(alive, "alive")}
    if isinstance(alive, pd.DataFrame):
        if names is not None:
            raise DataValidationError(
                "cohorts cannot be combined with a DataFrame: the DataFrame's columns name the cohorts."
            )
        columns: list[tuple[Any, Any]] = [(name, alive[name]) for name in alive.columns]
    elif isinstance(alive, np.ndarray) and alive.ndim == 2:
        columns = list(enumerate(alive.T))
    elif isinstance(alive, Sequence) and not isinstance(alive, str | bytes):
        columns = list(enumerate(alive))
    else:
        raise DataValidationError(
            "alive must be a sequence, array, Series or DataFrame of survivor counts; "
            f"got {type(alive).__name__}."
        )
    if not columns:
        raise DataValidationError("alive holds no cohorts; pass at least one cohort of survivor counts.")
    if names is not None:
        names = list(names)
        if len(names) != len(columns):
            raise DataValidationError(
                f"cohorts has {len(names)} name(s) but alive holds {len(columns)} cohort(s); give one name per cohort."
            )
        if len(set(names)) != len(names):
            raise DataValidationError(f"cohorts must be unique; got {names!r}.")
        columns = [(name, values) for name, (_, values) in zip(names, columns, strict=True)]
    return {name: _validate_cohort(values, f"alive[{name!r}]") for name, values in columns}


def _validate_cohort(values: Any, label: str) -> np.ndarray:
    try:
        counts = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataValidationError(f"{label} must hold numbers (survivor counts or shares); {exc}.") from None
    if counts.ndim != 1:
        raise DataValidationError(f"{label} must be one-dimensional; got shape {counts.shape}.")
    nan = np.isnan(counts)
    if nan.any():
        first_nan = int(np.argmax(nan))
        if not nan[first_nan:].all():
            raise DataValidationError(
                f"{label} has a missing value at period {first_nan} followed by observed values; "
                "only trailing NaN padding (younger cohorts) is allowed."
            )
        counts = counts[:first_nan]
    if counts.size < 2:
        raise DataValidationError(
            f"{label} needs the cohort size and at least one period (2 values or more); got {counts.size}."
        )
    if not np.isfinite(counts).all():
        raise DataValidationError(f"{label} must be finite; got {counts.tolist()}.")
    if counts[0] <= 0:
        raise DataValidationError(f"{label}[0] (the cohort size) must be positive; got {counts[0]:g}.")
    if (counts < 0).any():
        bad = int(np.argmax(counts < 0))
        raise DataValidationError(f"{label} must be non-negative; got {counts[bad]:g} at period {bad}.")
    rises = np.flatnonzero(np.diff(counts) > 0)
    if rises.size:
        t = int(rises[0]) + 1
        raise DataValidationError(
            f"{label} must be non-increasing (a cohort cannot regain customers); it rises from "
            f"{counts[t - 1]:g} at period {t - 1} to {counts[t]:g} at period {t}."
        )
    return counts


def _require_identifiable(counts: np.ndarray, label: str) -> None:
    if counts.size < 3:
        raise DataValidationError(
            f"{label} needs the cohort size and at least 2 periods (3 values or more) to identify alpha and "
            f"beta; got {counts.size}."
        )
    if counts[-1] == counts[0]:
        raise DataValidationError(
            f"{label} shows no churn at all ({counts[0]:g} active throughout); the sBG model cannot be fit."
        )


def _periods(t: Any, name: str, minimum: int) -> np.ndarray:
    arr = np.asarray(t, dtype=float)
    if not np.isfinite(arr).all() or (arr != np.round(arr)).any() or (arr < minimum).any():
        raise DataValidationError(f"{name} must be whole period numbers >= {minimum}; got {t!r}.")
    return arr


def _scalar_or_array(values: np.ndarray, t: Any) -> Any:
    return float(values) if np.ndim(t) == 0 else values


def _finite(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataValidationError(f"{name} must be a number; got {value!r}.") from None
    if not np.isfinite(number):
        raise DataValidationError(f"{name} must be finite; got {value!r}.")
    return number


def _discount_rate(value: Any) -> float:
    d = _finite(value, "discount_rate")
    if d <= 0:
        raise DataValidationError(f"discount_rate must be > 0 (e.g. 0.1 for 10% per period); got {value!r}.")
    return d


def _renewals(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise DataValidationError(f"renewals must be a whole number >= 0; got {value!r}.")
    return int(value)
