"""Statistics for cross-client comparison (spec 4.2): group tests, correlations, trends, seasonality, distributions.

Every function is pure (DataFrame or Series plus column names and options in, a typed result out) and every
result is JSON-ready: ``to_dict()`` never holds NaN or infinity. When the data cannot support an answer the
result says so with ``status="insufficient_data"``, a ``reason`` sentence and the sample size, instead of
raising or returning NaN. Bad *arguments* (a missing column, an unknown method) raise
:class:`~thrive_analytics.exceptions.DataValidationError` naming the argument and the allowed values.

Choices that change numbers in a report, documented once here:

* :func:`compare_groups` picks the test with a fixed, reported rule (``method="auto"``): Welch's ANOVA (two
  groups: Welch's t-test) when every usable group has at least :data:`NORMALITY_MIN_N` (8) observations, a
  non-zero spread and passes Shapiro–Wilk (per-group p-values Holm-adjusted across the groups, kept when
  >= ``normality_alpha``, default 0.05; groups above 5,000 observations are not tested, their means being
  normal enough by the central limit theorem). Otherwise Kruskal–Wallis (two groups: Mann–Whitney U), because
  with fewer than 8 values a normality test has too little power for its "pass" to mean anything.
  Welch rather than the classic F-test because client groups rarely share a variance; the classic one-way
  ANOVA is available as ``method="anova"``.
* Effect sizes: ω² (primary) and η² from the one-way sum-of-squares decomposition for the ANOVA family (also
  under Welch's test: the test changes the inference, not the share of variance explained; ω² is clipped at
  0), ε² = H / (n - 1) for Kruskal–Wallis (Tomczak & Tomczak 2014), Hedges' g (exact small-sample
  correction) for t-tests, rank-biserial r = 2·U₁/(n₁n₂) - 1 for Mann–Whitney (positive: first group larger).
* Confidence intervals per group: t-based for the mean; for the median the distribution-free interval between
  order statistics x₍ₖ₎ and x₍ₙ₋ₖ₊₁₎ with the largest k whose binomial coverage is still >= the level
  (deterministic, no bootstrap; the achieved coverage is reported; it needs n >= 6 for 95 %).
* Post-hoc pairs use the test family of the omnibus test and Holm's correction over all pairs.
* :func:`trend` defaults to OLS on actual elapsed time (days for a DatetimeIndex), which the direction rule
  and CI describe exactly under independent errors. Daily social metrics are autocorrelated, which makes the
  OLS interval too narrow; ``method="theil_sen"`` (Theil–Sen slope, its CI, Mann–Kendall p-value) resists
  viral spikes. The direction is ``"up"``/``"down"`` only when the slope's CI excludes 0, else ``"stable"``.
* :func:`seasonal_pattern` uses STL (robust) with a seasonal smoother of 11 (statsmodels' default is 7): a
  little smoother, so white noise shows little seasonal strength (on 120 days of noise, mean 0.15 with 11
  against 0.22 with 7). Strengths follow Wang, Smith & Hyndman (2006) as in Hyndman & Athanasopoulos,
  *Forecasting: Principles and Practice* (3rd ed.) §4.3.
* :func:`performance_bands` cuts at the sample tertiles (quantiles with linear interpolation, as pandas and R
  type 7): ``low`` <= q(1/3) < ``medium`` <= q(2/3) < ``high``; ties get the same band, so bands can be unequal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Literal

import numpy as np
import pandas as pd

from .exceptions import DataValidationError, LazyModule
from .results import JsonResult, jsonable

__all__ = [
    "CorrelationPair",
    "CorrelationResult",
    "ExcludedGroup",
    "GroupComparison",
    "GroupSummary",
    "PairwiseComparison",
    "SeasonalPattern",
    "SeasonalPosition",
    "TrendResult",
    "compare_groups",
    "correlation_matrix",
    "distribution_summary",
    "performance_bands",
    "seasonal_pattern",
    "trend",
]

Status = Literal["ok", "insufficient_data"]
NORMALITY_MIN_N = 8
SHAPIRO_MAX_N = 5000
COMPARE_METHODS = ("auto", "welch", "anova", "kruskal")
CORRELATION_METHODS = ("spearman", "pearson", "kendall")
P_ADJUST_METHODS = ("holm", "fdr_bh", "none")
TREND_METHODS = ("ols", "theil_sen")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# ---------------------------------------------------------------------------------------------------------------
# JSON safety and validation helpers (shared with anomaly.py)
# ---------------------------------------------------------------------------------------------------------------
sps = LazyModule("scipy.stats", "analytics")  # imported on first use
_json_safe = jsonable  # the package's one JSON converter (thrive_analytics.results)


def _num(x: Any) -> float | None:
    """A finite Python float, or None."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _label(x: Any) -> Any:
    """A group label as a JSON-native value (numpy scalars unwrapped, other objects as strings)."""
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, str | int | float | bool):
        return x
    if isinstance(x, pd.Timestamp | dt.date):
        return x.isoformat()
    return str(x)


def _choice(name: str, value: Any, allowed: Sequence[Any]) -> None:
    if value not in allowed:
        raise DataValidationError(
            f"{name}={value!r} is not supported; allowed values: {', '.join(map(repr, allowed))}"
        )


def _require_columns(frame: Any, columns: Iterable[str], argument: str = "frame") -> None:
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(f"{argument} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{argument} has no column {', '.join(map(repr, missing))}; available columns: "
            f"{', '.join(map(repr, map(str, frame.columns)))}"
        )


def _numeric(values: pd.Series, name: str) -> pd.Series:
    """``values`` as float64 (NaN for missing); raises naming ``name`` if not numeric or infinite."""
    if values.dtype == bool or not (pd.api.types.is_numeric_dtype(values) or values.isna().all()):
        raise DataValidationError(f"column {name!r} must be numeric, got dtype {values.dtype}")
    out = values.astype("float64")
    if np.isinf(out.to_numpy()).any():
        raise DataValidationError(
            f"column {name!r} contains infinite values; replace them with NaN or fix the data"
        )
    return out


def _alpha(alpha: float, name: str = "alpha") -> None:
    if not (isinstance(alpha, int | float) and 0 < alpha < 1):
        raise DataValidationError(f"{name}={alpha!r} must be a number strictly between 0 and 1 (e.g. 0.05)")


def _adjust(pvalues: Sequence[float | None], method: str) -> list[float | None]:
    """Adjusted p-values over the non-None entries (the family); None stays None.

    Holm (step-down) and Benjamini–Hochberg, written out because statsmodels' ``multipletests(method="holm")``
    runs a full ``gc.collect()`` on every call (about 0.1 s in a large process); the tests check both against
    ``multipletests``.
    """
    idx = [i for i, p in enumerate(pvalues) if p is not None]
    out: list[float | None] = [None] * len(pvalues)
    if not idx:
        return out
    raw = np.array([pvalues[i] for i in idx], dtype=float)
    m = len(raw)
    order = np.argsort(raw, kind="stable")
    if method == "holm":
        adj_sorted = np.maximum.accumulate((m - np.arange(m)) * raw[order])
    elif method == "fdr_bh":
        adj_sorted = np.minimum.accumulate((m / np.arange(m, 0, -1)) * raw[order][::-1])[::-1]
    else:
        adj_sorted = raw[order]
    adj = np.empty(m)
    adj[order] = np.minimum(adj_sorted, 1.0)
    for i, p in zip(idx, adj, strict=True):
        out[i] = float(p)
    return out


_JsonMixin = JsonResult


# ---------------------------------------------------------------------------------------------------------------
# compare_groups
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupSummary(_JsonMixin):
    group: Any
    n: int
    mean: float | None
    median: float | None
    std: float | None
    mean_ci_lower: float | None
    mean_ci_upper: float | None
    median_ci_lower: float | None
    median_ci_upper: float | None
    median_ci_coverage: float | None
    shapiro_p: float | None = None


@dataclass(frozen=True)
class ExcludedGroup(_JsonMixin):
    group: Any
    n: int
    reason: str


@dataclass(frozen=True)
class PairwiseComparison(_JsonMixin):
    group_a: Any
    group_b: Any
    test: str
    statistic: float | None
    p_value: float | None
    p_adjusted: float | None
    significant: bool
    effect_size: float | None
    effect_size_name: str
    difference: float | None
    difference_name: str


@dataclass(frozen=True)
class GroupComparison(_JsonMixin):
    """Result of :func:`compare_groups`; ``status`` says whether a test could be run."""

    status: Status
    reason: str | None
    value_col: str
    group_col: str
    test: str | None
    test_selection: str | None
    statistic: float | None
    df_num: float | None
    df_denom: float | None
    p_value: float | None
    alpha: float
    significant: bool | None
    effect_size: float | None
    effect_size_name: str | None
    effect_sizes: dict[str, float | None]
    n_total: int
    n_missing: int
    groups: list[GroupSummary]
    excluded_groups: list[ExcludedGroup]
    pairwise: list[PairwiseComparison]
    p_adjust_method: str = "holm"
    confidence_level: float = 0.95


def _median_ci(sorted_x: np.ndarray, level: float) -> tuple[float | None, float | None, float | None]:
    """Distribution-free CI for the median from order statistics (binomial coverage >= ``level``)."""
    n = len(sorted_x)
    if n == 0:
        return None, None, None
    ks = np.arange(1, n // 2 + 1)
    coverage = 1.0 - 2.0 * sps.binom.cdf(ks - 1, n, 0.5)
    ok = ks[coverage >= level - 1e-12]
    if len(ok) == 0:
        return None, None, None
    k = int(ok.max())
    return float(sorted_x[k - 1]), float(sorted_x[n - k]), float(coverage[k - 1])


def _summarise(label: Any, x: np.ndarray, level: float) -> GroupSummary:
    n = len(x)
    mean = float(np.mean(x))
    std = float(np.std(x, ddof=1)) if n > 1 else None
    lo = hi = None
    if std is not None:
        half = sps.t.ppf(0.5 + level / 2, n - 1) * std / math.sqrt(n)
        lo, hi = mean - half, mean + half
    mlo, mhi, cov = _median_ci(np.sort(x), level)
    return GroupSummary(
        _label(label), n, _num(mean), _num(np.median(x)), _num(std), _num(lo), _num(hi), mlo, mhi, cov
    )


def _welch_anova(samples: list[np.ndarray]) -> tuple[float, float, float, float]:
    """Welch's (1951) heteroscedastic one-way ANOVA: (F, df1, df2, p)."""
    k = len(samples)
    n = np.array([len(s) for s in samples], dtype=float)
    means = np.array([s.mean() for s in samples])
    var = np.array([s.var(ddof=1) for s in samples])
    w = n / var
    big_w = w.sum()
    grand = (w * means).sum() / big_w
    a = (w * (means - grand) ** 2).sum() / (k - 1)
    lam = ((1 - w / big_w) ** 2 / (n - 1)).sum()
    b = 1 + 2 * (k - 2) / (k**2 - 1) * lam
    f = a / b
    df2 = (k**2 - 1) / (3 * lam)
    return float(f), float(k - 1), float(df2), float(sps.f.sf(f, k - 1, df2))


def _ss_effects(samples: list[np.ndarray]) -> dict[str, float | None]:
    allx = np.concatenate(samples)
    n_total, k = len(allx), len(samples)
    grand = allx.mean()
    ssb = sum(len(s) * (s.mean() - grand) ** 2 for s in samples)
    sst = ((allx - grand) ** 2).sum()
    if sst == 0 or n_total <= k:
        return {"omega_squared": None, "eta_squared": None}
    msw = (sst - ssb) / (n_total - k)
    omega = (ssb - (k - 1) * msw) / (sst + msw)
    return {"omega_squared": _num(max(0.0, omega)), "eta_squared": _num(ssb / sst)}


def _hedges_g(a: np.ndarray, b: np.ndarray) -> float | None:
    na, nb = len(a), len(b)
    df = na + nb - 2
    if df < 2:
        return None
    pooled = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / df)
    if pooled == 0:
        return None
    j = math.exp(math.lgamma(df / 2) - math.lgamma((df - 1) / 2)) / math.sqrt(df / 2)
    return _num(j * (a.mean() - b.mean()) / pooled)


def _pair_test(
    a: np.ndarray, b: np.ndarray, family: str
) -> tuple[str, float | None, float | None, float | None]:
    """(test name, statistic, p-value, effect size) for one pair in the given test family."""
    if family == "kruskal":
        res = sps.mannwhitneyu(a, b, alternative="two-sided")
        r = 2 * float(res.statistic) / (len(a) * len(b)) - 1
        return "mann_whitney_u", _num(res.statistic), _num(res.pvalue), _num(r)
    equal_var = family == "anova"
    res = sps.ttest_ind(a, b, equal_var=equal_var)
    name = "student_t_test" if equal_var else "welch_t_test"
    return name, _num(res.statistic), _num(res.pvalue), _hedges_g(a, b)


def compare_groups(
    frame: pd.DataFrame,
    value_col: str,
    group_col: str,
    *,
    min_group_size: int = 3,
    alpha: float = 0.05,
    method: str = "auto",
    normality_alpha: float = 0.05,
) -> GroupComparison:
    """Compare ``value_col`` across the groups of ``group_col`` (e.g. engagement rate by client type).

    ``method``: ``"auto"`` (rule in the module docstring), ``"welch"`` (Welch's ANOVA / t-test), ``"anova"``
    (classic one-way ANOVA / Student's t-test) or ``"kruskal"`` (Kruskal–Wallis / Mann–Whitney U). Rows with a
    missing value or group are dropped (counted in ``n_missing``); groups with fewer than ``min_group_size``
    values are excluded and listed in ``excluded_groups``. Fewer than two usable groups, or no variation at all,
    gives ``status="insufficient_data"`` with the group summaries that could be computed.
    """
    _require_columns(frame, [value_col, group_col])
    _choice("method", method, COMPARE_METHODS)
    _alpha(alpha)
    _alpha(normality_alpha, "normality_alpha")
    if not isinstance(min_group_size, int) or min_group_size < 2:
        raise DataValidationError(f"min_group_size={min_group_size!r} must be an integer >= 2")
    values = _numeric(frame[value_col], value_col)
    keep = values.notna() & frame[group_col].notna()
    n_missing = int((~keep).sum())
    data = pd.DataFrame({"v": values[keep], "g": frame.loc[keep, group_col]})
    level = 0.95

    usable: list[tuple[Any, np.ndarray]] = []
    excluded: list[ExcludedGroup] = []
    for label, grp in data.groupby("g", sort=True, observed=True)["v"]:
        x = grp.to_numpy(dtype=float)
        if len(x) < min_group_size:
            excluded.append(
                ExcludedGroup(_label(label), len(x), f"n={len(x)} < min_group_size={min_group_size}")
            )
        else:
            usable.append((label, x))

    def result(status: Status, reason: str | None, **kw: Any) -> GroupComparison:
        base: dict[str, Any] = dict(
            test=None,
            test_selection=None,
            statistic=None,
            df_num=None,
            df_denom=None,
            p_value=None,
            significant=None,
            effect_size=None,
            effect_size_name=None,
            effect_sizes={},
            pairwise=[],
        )
        base.update(kw)
        return GroupComparison(
            status=status,
            reason=reason,
            value_col=value_col,
            group_col=group_col,
            alpha=alpha,
            n_total=int(sum(len(x) for _, x in usable)),
            n_missing=n_missing,
            groups=summaries,
            excluded_groups=excluded,
            **base,
        )

    summaries = [_summarise(label, x, level) for label, x in usable]
    if len(usable) < 2:
        return result(
            "insufficient_data",
            f"{len(usable)} group(s) with at least {min_group_size} non-missing values in {value_col!r}; "
            "at least 2 are needed to compare",
        )
    samples = [x for _, x in usable]
    allx = np.concatenate(samples)
    if np.ptp(allx) == 0:
        return result(
            "insufficient_data", f"all {len(allx)} values of {value_col!r} are identical; nothing to compare"
        )

    # -- normality and test choice
    constant = [str(_label(lbl)) for lbl, x in usable if np.ptp(x) == 0]
    testable = [
        i for i, x in enumerate(samples) if NORMALITY_MIN_N <= len(x) <= SHAPIRO_MAX_N and np.ptp(x) > 0
    ]
    raw_p = [float(sps.shapiro(samples[i]).pvalue) for i in testable]
    adj_p = _adjust(raw_p, "holm")
    shapiro = dict(zip(testable, raw_p, strict=True))
    summaries = [dataclasses.replace(s, shapiro_p=_num(shapiro.get(i))) for i, s in enumerate(summaries)]
    small = [str(_label(lbl)) for lbl, x in usable if len(x) < NORMALITY_MIN_N]
    failed = [str(_label(usable[i][0])) for i, p in zip(testable, adj_p, strict=True) if p < normality_alpha]
    if method == "auto":
        if constant:
            family, why = (
                "kruskal",
                f"group(s) {', '.join(constant)} have no variation, so variances cannot be weighed",
            )
        elif small:
            family, why = (
                "kruskal",
                f"group(s) {', '.join(small)} have fewer than {NORMALITY_MIN_N} values, too few to check normality",
            )
        elif failed:
            family, why = (
                "kruskal",
                f"group(s) {', '.join(failed)} fail Shapiro–Wilk (Holm-adjusted p < {normality_alpha})",
            )
        else:
            family = "welch"
            why = f"all groups have n >= {NORMALITY_MIN_N} and pass Shapiro–Wilk (Holm-adjusted p >= {normality_alpha})"
        selection = f"auto: {'rank-based test' if family == 'kruskal' else 'Welch test'} because {why}"
    else:
        family, selection = method, f"method={method!r} requested"
    if family == "welch" and constant:
        return result(
            "insufficient_data",
            f"Welch's test needs variation within every group; group(s) {', '.join(constant)} are constant "
            "(use method='kruskal' or 'auto')",
            test_selection=selection,
        )

    # -- omnibus test
    effects: dict[str, float | None]
    if len(samples) == 2:
        test, stat, p, es = _pair_test(samples[0], samples[1], family)
        es_name = "rank_biserial" if family == "kruskal" else "hedges_g"
        effects = {es_name: es}
        df_num = df_den = None
        if family == "welch":
            df_den = _num(sps.ttest_ind(samples[0], samples[1], equal_var=False).df)
        elif family == "anova":
            df_den = float(len(allx) - 2)
    elif family == "kruskal":
        res = sps.kruskal(*samples)
        test, stat, p, df_num, df_den = (
            "kruskal_wallis",
            _num(res.statistic),
            _num(res.pvalue),
            float(len(samples) - 1),
            None,
        )
        es_name, es = "epsilon_squared", _num(res.statistic / (len(allx) - 1))
        effects = {es_name: es}
    else:
        if family == "welch":
            f, df_num, df_den, p = _welch_anova(samples)
            test = "welch_anova"
        else:
            res = sps.f_oneway(*samples)
            f, p, df_num, df_den = (
                float(res.statistic),
                float(res.pvalue),
                float(len(samples) - 1),
                float(len(allx) - len(samples)),
            )
            test = "one_way_anova"
        stat, p = _num(f), _num(p)
        effects = _ss_effects(samples)
        es_name, es = "omega_squared", effects["omega_squared"]

    # -- post-hoc pairs with Holm's correction
    pairs = list(combinations(range(len(usable)), 2))
    tests = [_pair_test(samples[i], samples[j], family) for i, j in pairs]
    adjusted = _adjust([t[2] for t in tests], "holm")
    pairwise = []
    for (i, j), (pname, pstat, pp, pes), padj in zip(pairs, tests, adjusted, strict=True):
        if family == "kruskal":
            diff, diff_name = float(np.median(samples[i]) - np.median(samples[j])), "median_difference"
        else:
            diff, diff_name = float(samples[i].mean() - samples[j].mean()), "mean_difference"
        pairwise.append(
            PairwiseComparison(
                _label(usable[i][0]),
                _label(usable[j][0]),
                pname,
                pstat,
                pp,
                padj,
                bool(padj is not None and padj < alpha),
                pes,
                "rank_biserial" if family == "kruskal" else "hedges_g",
                _num(diff),
                diff_name,
            )
        )
    return result(
        "ok",
        None,
        test=test,
        test_selection=selection,
        statistic=stat,
        df_num=df_num,
        df_denom=df_den,
        p_value=p,
        significant=None if p is None else bool(p < alpha),
        effect_size=es,
        effect_size_name=es_name,
        effect_sizes=effects,
        pairwise=pairwise,
    )


# ---------------------------------------------------------------------------------------------------------------
# correlation_matrix
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CorrelationPair(_JsonMixin):
    column_a: str
    column_b: str
    n: int
    status: Status
    reason: str | None
    coefficient: float | None
    ci_lower: float | None
    ci_upper: float | None
    p_value: float | None
    p_adjusted: float | None
    significant: bool | None


@dataclass(frozen=True)
class CorrelationResult(_JsonMixin):
    """Pairwise correlations; use :meth:`matrix` for a square DataFrame of one field."""

    method: str
    p_adjust_method: str
    alpha: float
    min_n: int
    columns: list[str]
    pairs: list[CorrelationPair]

    def pair(self, a: str, b: str) -> CorrelationPair:
        for p in self.pairs:
            if {p.column_a, p.column_b} == {a, b}:
                return p
        raise DataValidationError(
            f"no correlation pair ({a!r}, {b!r}); columns: {', '.join(map(repr, self.columns))}"
        )

    def matrix(self, field_name: str = "coefficient") -> pd.DataFrame:
        """Square DataFrame of ``coefficient``, ``p_value``, ``p_adjusted`` or ``n`` (NaN where insufficient)."""
        _choice("field_name", field_name, ("coefficient", "p_value", "p_adjusted", "n"))
        pos = {c: i for i, c in enumerate(self.columns)}
        values = np.full((len(self.columns), len(self.columns)), np.nan)
        for p in self.pairs:
            v = getattr(p, field_name)
            values[pos[p.column_a], pos[p.column_b]] = values[pos[p.column_b], pos[p.column_a]] = (
                np.nan if v is None else v
            )
        if field_name == "coefficient":
            np.fill_diagonal(values, 1.0)
        out = pd.DataFrame(values, index=self.columns, columns=self.columns)
        return out


# Standard errors of Fisher's z for each coefficient (Fieller, Hartley & Pearson 1957 for Spearman and Kendall).
_FISHER = {"pearson": (1.0, 3), "spearman": (1.06, 3), "kendall": (0.437, 4)}


def correlation_matrix(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    method: str = "spearman",
    min_n: int = 10,
    p_adjust: str = "holm",
    alpha: float = 0.05,
) -> CorrelationResult:
    """Pairwise correlations of ``columns`` on pairwise-complete rows, with p-values and adjusted p-values.

    ``method``: spearman (default: social metrics are skewed and related monotonically, not linearly), pearson
    or kendall; p-values are scipy's (t-approximation for Spearman). ``p_adjust``: holm (default), fdr_bh or
    none, over all pairs that could be tested. The CI is Fisher's z interval (SE 1/sqrt(n-3) for Pearson,
    sqrt(1.06/(n-3)) for Spearman, sqrt(0.437/(n-4)) for Kendall). A pair with fewer than ``min_n`` complete
    rows, or a column without variation among them, is ``status="insufficient_data"`` with None figures.
    """
    columns = list(columns)
    _require_columns(frame, columns)
    _choice("method", method, CORRELATION_METHODS)
    _choice("p_adjust", p_adjust, P_ADJUST_METHODS)
    _alpha(alpha)
    if len(columns) < 2 or len(set(columns)) != len(columns):
        raise DataValidationError(f"columns={columns!r} must name at least 2 distinct columns")
    if not isinstance(min_n, int) or min_n < 3:
        raise DataValidationError(f"min_n={min_n!r} must be an integer >= 3")
    data = {c: _numeric(frame[c], c).to_numpy() for c in columns}
    func = {"spearman": sps.spearmanr, "pearson": sps.pearsonr, "kendall": sps.kendalltau}[method]
    factor, offset = _FISHER[method]
    raw: list[dict[str, Any]] = []
    for a, b in combinations(columns, 2):
        mask = np.isfinite(data[a]) & np.isfinite(data[b])
        x, y = data[a][mask], data[b][mask]
        n = int(mask.sum())
        row: dict[str, Any] = dict(
            column_a=a,
            column_b=b,
            n=n,
            status="insufficient_data",
            coefficient=None,
            ci_lower=None,
            ci_upper=None,
            p_value=None,
        )
        flat = [c for c, v in ((a, x), (b, y)) if n and np.ptp(v) == 0]
        if n < min_n:
            row["reason"] = f"n={n} pairwise-complete rows < min_n={min_n}"
        elif flat:
            row["reason"] = (
                f"column(s) {', '.join(map(repr, flat))} have no variation over the {n} complete rows"
            )
        else:
            res = func(x, y)
            r, p = float(res.statistic), float(res.pvalue)
            row.update(status="ok", reason=None, coefficient=_num(r), p_value=_num(p))
            if abs(r) >= 1:
                row.update(ci_lower=r, ci_upper=r)
            elif n > offset:
                z, half = math.atanh(r), sps.norm.ppf(1 - alpha / 2) * math.sqrt(factor / (n - offset))
                row.update(ci_lower=math.tanh(z - half), ci_upper=math.tanh(z + half))
        raw.append(row)
    adjusted = _adjust([r["p_value"] for r in raw], p_adjust)
    pairs = [
        CorrelationPair(**r, p_adjusted=pa, significant=None if pa is None else bool(pa < alpha))
        for r, pa in zip(raw, adjusted, strict=True)
    ]
    return CorrelationResult(method, p_adjust, alpha, min_n, columns, pairs)


# ---------------------------------------------------------------------------------------------------------------
# trend
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrendResult(_JsonMixin):
    """Linear trend of a metric over time. ``slope`` is per day (DatetimeIndex) or per x unit."""

    status: Status
    reason: str | None
    method: str
    n: int
    alpha: float
    x_unit: str
    slope: float | None = None
    slope_ci_lower: float | None = None
    slope_ci_upper: float | None = None
    p_value: float | None = None
    intercept: float | None = None
    r_squared: float | None = None
    mean: float | None = None
    period_days: float = 1.0
    slope_per_period: float | None = None
    relative_slope_pct: float | None = None
    relative_slope_ci_lower_pct: float | None = None
    relative_slope_ci_upper_pct: float | None = None
    direction: Literal["up", "down", "stable"] | None = None
    start: str | None = None
    end: str | None = None


def _xy(data: Any) -> tuple[np.ndarray, np.ndarray, str, Any, Any]:
    """(x, y, unit, x_start, x_end) with x in days for datetimes; rows with missing y dropped."""
    if isinstance(data, pd.Series):
        x_raw, y_raw = data.index, data
    elif isinstance(data, tuple | list) and len(data) == 2:
        x_raw, y_raw = data
    else:
        raise DataValidationError(
            f"data must be a pandas Series (indexed by time) or an (x, y) pair, got {type(data).__name__}"
        )
    y = pd.Series(np.asarray(y_raw))
    if len(y) != len(x_raw):
        raise DataValidationError(
            f"x has {len(x_raw)} values but y has {len(y)}; they must have the same length"
        )
    y = _numeric(y if pd.api.types.is_numeric_dtype(y) else pd.to_numeric(y, errors="coerce"), "y").to_numpy()
    xs = pd.Index(x_raw)
    if isinstance(xs, pd.DatetimeIndex) or pd.api.types.is_datetime64_any_dtype(xs):
        ts = pd.DatetimeIndex(xs)
        ok = ~np.isnan(y) & ~ts.isna()
        ts = ts[ok]
        x = ((ts - ts.min()) / pd.Timedelta(days=1)).to_numpy(dtype=float) if len(ts) else np.array([])
        return x, y[ok], "day", (ts.min() if len(ts) else None), (ts.max() if len(ts) else None)
    if not pd.api.types.is_numeric_dtype(xs):
        raise DataValidationError(f"x must be datetimes or numbers, got dtype {xs.dtype}")
    x = xs.to_numpy(dtype=float)
    ok = ~np.isnan(y) & np.isfinite(x)
    x, y = x[ok], y[ok]
    return x, y, "x", (_num(x.min()) if len(x) else None), (_num(x.max()) if len(x) else None)


def trend(
    data: pd.Series | tuple[Any, Any],
    *,
    alpha: float = 0.05,
    method: str = "ols",
    period_days: float = 1.0,
    min_n: int = 5,
) -> TrendResult:
    """Slope of ``data`` over actual elapsed time, its (1 - alpha) CI, p-value, relative slope and direction.

    ``data``: a Series indexed by timestamps (irregular gaps are fine: x is days since the first observation),
    a Series with a numeric index, or an ``(x, y)`` pair. Missing values are dropped. ``period_days`` sets the
    period of ``slope_per_period`` and ``relative_slope_pct`` (= 100 · slope · period / |mean|, e.g. 7 for
    "% per week"; in x units when x is numeric). ``method``: ``"ols"`` (default) or ``"theil_sen"``.
    """
    _choice("method", method, TREND_METHODS)
    _alpha(alpha)
    if not (isinstance(period_days, int | float) and period_days > 0):
        raise DataValidationError(f"period_days={period_days!r} must be a positive number")
    if not isinstance(min_n, int) or min_n < 3:
        raise DataValidationError(f"min_n={min_n!r} must be an integer >= 3")
    x, y, unit, start, end = _xy(data)
    n = len(y)
    base: dict[str, Any] = dict(
        method=method,
        n=n,
        alpha=alpha,
        x_unit=unit,
        period_days=float(period_days),
        start=_json_safe(start),
        end=_json_safe(end),
    )
    if n < min_n:
        return TrendResult("insufficient_data", f"n={n} non-missing observations < min_n={min_n}", **base)
    if np.ptp(x) == 0:
        return TrendResult("insufficient_data", f"all {n} observations are at the same time", **base)
    mean = float(y.mean())
    r2: float | None = None
    if method == "ols":
        xm = x.mean()
        sxx = ((x - xm) ** 2).sum()
        slope = float(((x - xm) * (y - mean)).sum() / sxx)
        intercept = mean - slope * xm
        resid = y - intercept - slope * x
        sse, sst = float((resid**2).sum()), float(((y - mean) ** 2).sum())
        se = math.sqrt(sse / (n - 2) / sxx)
        if se == 0:  # a perfect line: the slope is known exactly
            lo = hi = slope
            p = 1.0 if slope == 0 else 0.0
        else:
            half = float(sps.t.ppf(1 - alpha / 2, n - 2)) * se
            lo, hi = slope - half, slope + half
            p = float(2 * sps.t.sf(abs(slope / se), n - 2))
        r2 = None if sst == 0 else 1 - sse / sst
    else:
        res = sps.theilslopes(y, x, alpha=1 - alpha)
        slope, intercept, lo, hi = (
            float(res.slope),
            float(res.intercept),
            float(res.low_slope),
            float(res.high_slope),
        )
        tau = sps.kendalltau(x, y)
        p = _num(tau.pvalue) if np.ptp(y) > 0 else 1.0
    direction = "up" if lo > 0 else "down" if hi < 0 else "stable"
    rel = lambda v: None if mean == 0 else 100 * v * period_days / abs(mean)  # noqa: E731
    return TrendResult(
        "ok",
        None,
        slope=_num(slope),
        slope_ci_lower=_num(lo),
        slope_ci_upper=_num(hi),
        p_value=_num(p),
        intercept=_num(intercept),
        r_squared=_num(r2),
        mean=_num(mean),
        slope_per_period=_num(slope * period_days),
        relative_slope_pct=_num(rel(slope)),
        relative_slope_ci_lower_pct=_num(rel(lo)),
        relative_slope_ci_upper_pct=_num(rel(hi)),
        direction=direction,
        **base,
    )


# ---------------------------------------------------------------------------------------------------------------
# seasonal_pattern
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeasonalPosition(_JsonMixin):
    position: int
    name: str
    effect: float | None
    effect_pct: float | None
    n: int


@dataclass(frozen=True)
class SeasonalPattern(_JsonMixin):
    """STL-based seasonal profile; strengths are in [0, 1], near 1 when the remainder is small beside it."""

    status: Status
    reason: str | None
    period: int
    n: int
    position_kind: str
    n_interpolated: int = 0
    seasonal_strength: float | None = None
    trend_strength: float | None = None
    profile: list[SeasonalPosition] = field(default_factory=list)
    peak_position: int | None = None
    peak_name: str | None = None
    trough_position: int | None = None
    trough_name: str | None = None
    amplitude: float | None = None
    relative_amplitude_pct: float | None = None


def _naive_index(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Time zone removed for grid arithmetic: wall-clock time for daily or coarser data (a day across a DST
    change is still one day, and weekdays stay local), UTC for finer data (an hour is always an hour)."""
    if index.tz is None:
        return index
    wall = index.tz_localize(None)
    step = pd.Series(wall.sort_values()).diff().median() if len(wall) > 1 else pd.Timedelta(days=1)
    return wall if step >= pd.Timedelta(days=1) else index.tz_convert(None)


def _regular(series: pd.Series) -> tuple[pd.Series, pd.Timedelta | None]:
    """Series on a regular grid (DatetimeIndex gaps as NaN), leading/trailing NaN trimmed; and the step."""
    s = _numeric(series, str(series.name or "series"))
    step = None
    if isinstance(s.index, pd.DatetimeIndex):
        if s.index.hasnans or s.index.has_duplicates:
            raise DataValidationError(
                "series index has missing or duplicate timestamps; aggregate them first"
            )
        s = s.set_axis(_naive_index(s.index)).sort_index()
        if len(s) >= 2:
            step = pd.Series(s.index).diff().median()
            grid = pd.date_range(s.index[0], s.index[-1], freq=step)
            if not s.index.isin(grid).all():
                raise DataValidationError(
                    f"series timestamps are not on a regular grid of step {step}; resample first"
                )
            s = s.reindex(grid)
    valid = s.notna().to_numpy()
    if not valid.any():
        return s.iloc[0:0], step
    first, last = int(valid.argmax()), len(s) - int(valid[::-1].argmax())
    return s.iloc[first:last], step


def seasonal_pattern(
    series: pd.Series, *, period: int = 7, seasonal: int = 11, robust: bool = True, max_gap_share: float = 0.2
) -> SeasonalPattern:
    """Seasonal profile of ``series`` by position in the cycle (day of week for daily data, hour for hourly).

    Interior gaps (NaN or missing timestamps) are linearly interpolated, counted in ``n_interpolated``; more
    than ``max_gap_share`` of the span missing, or fewer than two full periods, is insufficient data. The
    profile holds the mean STL seasonal component per position (``effect``, in the metric's units, and
    ``effect_pct``, relative to the mean trend level).
    """
    from statsmodels.tsa.seasonal import STL

    if not isinstance(series, pd.Series):
        raise DataValidationError(f"series must be a pandas Series, got {type(series).__name__}")
    if not isinstance(period, int) or period < 2:
        raise DataValidationError(f"period={period!r} must be an integer >= 2 (e.g. 7 for daily data)")
    if not isinstance(seasonal, int) or seasonal < 3 or seasonal % 2 == 0:
        raise DataValidationError(f"seasonal={seasonal!r} must be an odd integer >= 3")
    s, step = _regular(series)
    kind = "index"
    if step == pd.Timedelta(days=1) and period == 7:
        kind = "day_of_week"
    elif step == pd.Timedelta(hours=1) and period == 24:
        kind = "hour_of_day"
    elif step == pd.Timedelta(hours=1) and period == 168:
        kind = "hour_of_week"
    n_obs = int(s.notna().sum())
    gaps = int(s.isna().sum())
    base: dict[str, Any] = dict(period=period, n=n_obs, position_kind=kind, n_interpolated=gaps)
    if n_obs < 2 * period or len(s) < 2 * period:
        return SeasonalPattern(
            "insufficient_data", f"n={n_obs} observations < 2 full periods of {period}", **base
        )
    if gaps > max_gap_share * len(s):
        return SeasonalPattern(
            "insufficient_data",
            f"{gaps} of {len(s)} points are missing (more than {max_gap_share:.0%})",
            **base,
        )
    if np.ptp(s.dropna().to_numpy()) == 0:
        return SeasonalPattern(
            "insufficient_data", f"all {n_obs} values are identical; there is no pattern", **base
        )
    values = s.interpolate(method="linear").to_numpy()
    fit = STL(values, period=period, seasonal=seasonal, robust=robust).fit()
    seas, tr, resid = np.asarray(fit.seasonal), np.asarray(fit.trend), np.asarray(fit.resid)
    var_r = resid.var()
    f_s = max(0.0, 1 - var_r / (seas + resid).var()) if (seas + resid).var() > 0 else 0.0
    f_t = max(0.0, 1 - var_r / (tr + resid).var()) if (tr + resid).var() > 0 else 0.0

    if kind == "day_of_week":
        pos = s.index.day_of_week.to_numpy()
        names = list(WEEKDAYS)
    elif kind == "hour_of_day":
        pos = s.index.hour.to_numpy()
        names = [f"{h:02d}:00" for h in range(24)]
    elif kind == "hour_of_week":
        pos = (s.index.day_of_week * 24 + s.index.hour).to_numpy()
        names = [f"{d} {h:02d}:00" for d in WEEKDAYS for h in range(24)]
    else:
        pos = np.arange(len(s)) % period
        names = [str(i) for i in range(period)]
    level = float(np.mean(tr))
    effects = pd.Series(seas).groupby(pos).mean().reindex(range(period))
    counts = pd.Series(pos).value_counts().reindex(range(period), fill_value=0)
    profile = [
        SeasonalPosition(
            i,
            names[i],
            _num(effects[i]),
            _num(100 * effects[i] / level) if level > 0 else None,
            int(counts[i]),
        )
        for i in range(period)
    ]
    peak, trough = int(effects.idxmax()), int(effects.idxmin())
    amp = float(effects.max() - effects.min())
    return SeasonalPattern(
        "ok",
        None,
        seasonal_strength=_num(f_s),
        trend_strength=_num(f_t),
        profile=profile,
        peak_position=peak,
        peak_name=names[peak],
        trough_position=trough,
        trough_name=names[trough],
        amplitude=_num(amp),
        relative_amplitude_pct=_num(100 * amp / level) if level > 0 else None,
        **base,
    )


# ---------------------------------------------------------------------------------------------------------------
# distributions
# ---------------------------------------------------------------------------------------------------------------
SUMMARY_COLUMNS = ("count", "mean", "std", "min", "p25", "median", "p75", "p90", "max")


def distribution_summary(frame: pd.DataFrame, value_col: str, by: str | Sequence[str]) -> pd.DataFrame:
    """count, mean, std, min, p25, median, p75, p90, max of ``value_col`` per group of ``by``.

    Indexed by the group key(s), sorted. Missing values are not counted; rows whose group is missing are left
    out. Quantiles interpolate linearly (R type 7). ``std`` (ddof=1) is NaN for a group with one value, and a
    group with no values has count 0 and NaN figures: convert NaN to None before serialising.
    """
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise DataValidationError("by must name at least one column")
    _require_columns(frame, [value_col, *keys])
    data = frame[keys].copy()
    data["_v"] = _numeric(frame[value_col], value_col)
    grouped = data.groupby(keys, sort=True, observed=True, dropna=True)["_v"]
    out = pd.DataFrame(
        {
            "count": grouped.count(),
            "mean": grouped.mean(),
            "std": grouped.std(ddof=1),
            "min": grouped.min(),
            "p25": grouped.quantile(0.25),
            "median": grouped.median(),
            "p75": grouped.quantile(0.75),
            "p90": grouped.quantile(0.90),
            "max": grouped.max(),
        }
    )
    out["count"] = out["count"].astype("int64")
    return out.loc[:, list(SUMMARY_COLUMNS)]


def performance_bands(
    values: pd.Series | Sequence[float], labels: Sequence[str] = ("low", "medium", "high")
) -> pd.Series:
    """Band each value by the sample quantiles (tertiles for three labels): an ordered categorical Series.

    Cut points are the quantiles at 1/k, ..., (k-1)/k of the non-missing values (linear interpolation); a value
    equal to a cut point takes the lower band. Missing values get no band (NaN). If all values are equal no band
    can tell them apart and all get the middle label (``labels[(k - 1) // 2]``). The cut points are in
    ``result.attrs["cut_points"]``.
    """
    labels = list(labels)
    if len(labels) < 2 or len(set(labels)) != len(labels):
        raise DataValidationError(f"labels={labels!r} must be at least 2 distinct labels")
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype="float64")
    v = _numeric(s, str(s.name or "values"))
    k = len(labels)
    finite = v.dropna().to_numpy()
    cuts = np.quantile(finite, np.arange(1, k) / k) if len(finite) else np.array([])
    codes = np.full(len(v), -1)
    ok = v.notna().to_numpy()
    if len(finite):
        codes[ok] = (
            (k - 1) // 2 if np.ptp(finite) == 0 else np.searchsorted(cuts, v.to_numpy()[ok], side="left")
        )
    out = pd.Series(
        pd.Categorical.from_codes(codes, categories=labels, ordered=True), index=s.index, name=s.name
    )
    out.attrs["cut_points"] = [float(c) for c in cuts]
    return out
