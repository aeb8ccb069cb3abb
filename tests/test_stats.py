"""Tests for thrive_analytics.stats against published values, scipy/statsmodels and hand-worked examples."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.oneway import anova_oneway

from thrive_analytics.exceptions import DataValidationError
from thrive_analytics.stats import (
    _adjust,
    compare_groups,
    correlation_matrix,
    distribution_summary,
    performance_bands,
    seasonal_pattern,
    trend,
)

# PlantGrowth: dried plant weights under a control and two treatments, 10 plants each.
# Source: R `datasets::PlantGrowth`, from Dobson, A. J. (1983) *An Introduction to Statistical Modelling*,
# Chapman and Hall, Table 7.1. Published results (R 4.x):
#   summary(aov(weight ~ group))               F = 4.846 on 2 and 27 df, p = 0.01591
#   kruskal.test(weight ~ group)               chi-squared = 7.9882, df = 2, p = 0.01842
#   oneway.test(weight ~ group) (Welch)        F = 5.181, num df = 2, denom df = 17.128, p = 0.01739
#   sums of squares (aov): group 3.7663, residuals 10.4921
PLANT_GROWTH = {
    "ctrl": [4.17, 5.58, 5.18, 6.11, 4.50, 4.61, 5.17, 4.53, 5.33, 5.14],
    "trt1": [4.81, 4.17, 4.41, 3.59, 5.87, 3.83, 6.03, 4.89, 4.32, 4.69],
    "trt2": [6.31, 5.12, 5.54, 5.50, 5.37, 5.29, 4.92, 6.15, 5.80, 5.26],
}


def plant_growth() -> pd.DataFrame:
    return pd.DataFrame([(g, w) for g, ws in PLANT_GROWTH.items() for w in ws], columns=["group", "weight"])


def json_ok(result) -> dict:
    """to_dict() must serialise with allow_nan=False; returns the round-tripped dict."""
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


def holm_by_hand(p: list[float]) -> list[float]:
    order = sorted(range(len(p)), key=lambda i: p[i])
    m, running, out = len(p), 0.0, [0.0] * len(p)
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


@pytest.mark.parametrize("method", ["holm", "fdr_bh"])
def test_p_value_adjustment_matches_statsmodels(method):
    rng = np.random.default_rng(1)
    p = list(np.concatenate([rng.uniform(0, 0.06, 12), [0.01, 0.01, 0.5, 1.0]]))
    assert _adjust(p, method) == pytest.approx(list(multipletests(p, method=method)[1]), rel=1e-12)
    assert _adjust([0.2, None, 0.01], method)[1] is None
    assert _adjust([0.2, None, 0.01], "holm") == [0.2, None, 0.02]


# ---------------------------------------------------------------------------------------------------------------
# compare_groups
# ---------------------------------------------------------------------------------------------------------------
def test_plant_growth_classic_anova_matches_published_values():
    res = compare_groups(plant_growth(), "weight", "group", method="anova")
    assert res.status == "ok" and res.test == "one_way_anova"
    assert res.statistic == pytest.approx(4.846, abs=5e-4)
    assert res.p_value == pytest.approx(0.01591, abs=5e-6)
    assert (res.df_num, res.df_denom) == (2.0, 27.0)
    scipy_res = sps.f_oneway(*PLANT_GROWTH.values())
    assert res.statistic == pytest.approx(scipy_res.statistic, rel=1e-12)
    # eta² = SSB / SST and omega² = (SSB - df_b MSW) / (SST + MSW) from the published sums of squares.
    ssb, ssw = 3.7663, 10.4921
    msw = ssw / 27
    assert res.effect_sizes["eta_squared"] == pytest.approx(ssb / (ssb + ssw), abs=1e-4)
    assert res.effect_size == pytest.approx((ssb - 2 * msw) / (ssb + ssw + msw), abs=1e-4)
    assert res.effect_size_name == "omega_squared"


def test_plant_growth_kruskal_wallis_matches_published_values():
    res = compare_groups(plant_growth(), "weight", "group", method="kruskal")
    assert res.test == "kruskal_wallis"
    assert res.statistic == pytest.approx(7.9882, abs=5e-5)
    assert res.p_value == pytest.approx(0.01842, abs=5e-6)
    assert res.df_num == 2.0
    assert res.statistic == pytest.approx(sps.kruskal(*PLANT_GROWTH.values()).statistic, rel=1e-12)
    # epsilon² = H / (n - 1) (Tomczak & Tomczak 2014)
    assert res.effect_size == pytest.approx(7.988228749 / 29, rel=1e-8)
    assert res.effect_size_name == "epsilon_squared"
    assert all(p.test == "mann_whitney_u" for p in res.pairwise)


def test_plant_growth_auto_picks_welch_anova_and_matches_published_values():
    res = compare_groups(plant_growth(), "weight", "group")
    # every group has n = 10 >= 8 and passes Shapiro-Wilk (p = 0.75, 0.45, 0.56), so Welch's ANOVA
    assert res.test == "welch_anova"
    assert "Shapiro" in res.test_selection
    assert res.statistic == pytest.approx(5.181, abs=5e-4)
    assert res.df_num == 2.0
    assert res.df_denom == pytest.approx(17.128, abs=5e-4)
    assert res.p_value == pytest.approx(0.01739, abs=5e-6)
    sm_res = anova_oneway(list(PLANT_GROWTH.values()), use_var="unequal")
    assert res.statistic == pytest.approx(sm_res.statistic, rel=1e-10)
    assert res.p_value == pytest.approx(sm_res.pvalue, rel=1e-10)
    assert res.significant is True
    shapiro = {g.group: g.shapiro_p for g in res.groups}
    assert shapiro["ctrl"] == pytest.approx(sps.shapiro(PLANT_GROWTH["ctrl"]).pvalue)


def test_pairwise_welch_t_tests_with_holm_correction_by_hand():
    res = compare_groups(plant_growth(), "weight", "group")
    pairs = {(p.group_a, p.group_b): p for p in res.pairwise}
    assert list(pairs) == [("ctrl", "trt1"), ("ctrl", "trt2"), ("trt1", "trt2")]
    raw = [sps.ttest_ind(PLANT_GROWTH[a], PLANT_GROWTH[b], equal_var=False).pvalue for a, b in pairs]
    expected = holm_by_hand(raw)
    # by hand: trt1-trt2 (smallest p) x 3, ctrl-trt2 x 2, ctrl-trt1 x 1, then running maximum
    assert expected == pytest.approx([0.25038, 0.09580, 0.02790], abs=5e-5)
    for (key, pair), p_raw, p_adj in zip(pairs.items(), raw, expected, strict=True):
        assert pair.test == "welch_t_test"
        assert pair.p_value == pytest.approx(p_raw, rel=1e-12)
        assert pair.p_adjusted == pytest.approx(p_adj, rel=1e-12), key
    assert [p.significant for p in pairs.values()] == [False, False, True]
    # Hedges' g for trt1 vs trt2 by hand: d = (m1 - m2) / pooled sd, J ~= 1 - 3 / (4 df - 1)
    a, b = np.array(PLANT_GROWTH["trt1"]), np.array(PLANT_GROWTH["trt2"])
    d = (a.mean() - b.mean()) / math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    assert pairs[("trt1", "trt2")].effect_size == pytest.approx(d * (1 - 3 / (4 * 18 - 1)), abs=2e-3)
    assert pairs[("trt1", "trt2")].difference == pytest.approx(a.mean() - b.mean())


def test_group_summaries_and_confidence_intervals():
    res = compare_groups(plant_growth(), "weight", "group")
    ctrl = next(g for g in res.groups if g.group == "ctrl")
    x = np.array(PLANT_GROWTH["ctrl"])
    assert (ctrl.n, ctrl.mean, ctrl.median) == (10, pytest.approx(5.032), pytest.approx(5.155))
    lo, hi = sps.t.interval(0.95, 9, loc=x.mean(), scale=sps.sem(x))
    assert (ctrl.mean_ci_lower, ctrl.mean_ci_upper) == (pytest.approx(lo), pytest.approx(hi))
    # n = 10: the distribution-free 95 % CI for the median is [x(2), x(9)], coverage 1 - 2 * 11/1024
    s = np.sort(x)
    assert (ctrl.median_ci_lower, ctrl.median_ci_upper) == (s[1], s[8])
    assert ctrl.median_ci_coverage == pytest.approx(1 - 2 * 11 / 1024)


def test_median_ci_is_none_below_six_observations():
    frame = pd.DataFrame({"v": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10], "g": ["a"] * 5 + ["b"] * 5})
    res = compare_groups(frame, "v", "g")
    assert all(g.median_ci_lower is None and g.median_ci_coverage is None for g in res.groups)
    json_ok(res)


def test_two_groups_use_welch_t_test():
    frame = plant_growth().query("group != 'trt2'")
    res = compare_groups(frame, "weight", "group")
    ref = sps.ttest_ind(PLANT_GROWTH["ctrl"], PLANT_GROWTH["trt1"], equal_var=False)
    assert res.test == "welch_t_test"
    assert res.statistic == pytest.approx(ref.statistic)
    assert res.p_value == pytest.approx(ref.pvalue)
    assert res.df_denom == pytest.approx(ref.df)
    assert res.effect_size_name == "hedges_g"
    assert len(res.pairwise) == 1 and res.pairwise[0].p_adjusted == pytest.approx(ref.pvalue)


def test_two_small_groups_use_mann_whitney_with_rank_biserial():
    # a beats b in 8 of 9 pairs and ties none: U_a = 8, r = 2 * 8 / 9 - 1 = 7/9
    frame = pd.DataFrame({"v": [5.0, 6, 7, 1, 2, 5.5], "g": list("aaabbb")})
    res = compare_groups(frame, "v", "g")
    assert res.test == "mann_whitney_u"
    assert "fewer than 8" in res.test_selection
    assert res.statistic == 8.0
    assert res.effect_size == pytest.approx(7 / 9)
    assert res.p_value == pytest.approx(sps.mannwhitneyu([5, 6, 7], [1, 2, 5.5]).pvalue)


def test_skewed_groups_use_kruskal_wallis():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "v": np.concatenate([rng.lognormal(0, 1.5, 40), rng.lognormal(0.5, 1.5, 40)]),
            "g": ["x"] * 40 + ["y"] * 40,
        }
    )
    frame = pd.concat([frame, pd.DataFrame({"v": rng.lognormal(1, 1.5, 40), "g": "z"})])
    res = compare_groups(frame, "v", "g")
    assert res.test == "kruskal_wallis"
    assert "fail Shapiro" in res.test_selection
    assert res.p_value == pytest.approx(sps.kruskal(*[g["v"] for _, g in frame.groupby("g")]).pvalue)


def test_small_groups_are_excluded_and_listed():
    frame = pd.concat([plant_growth(), pd.DataFrame({"group": ["tiny", "tiny"], "weight": [1.0, 2.0]})])
    res = compare_groups(frame, "weight", "group")
    assert [g.group for g in res.groups] == ["ctrl", "trt1", "trt2"]
    assert [(e.group, e.n) for e in res.excluded_groups] == [("tiny", 2)]
    assert "min_group_size=3" in res.excluded_groups[0].reason
    assert res.statistic == pytest.approx(5.181, abs=5e-4)


def test_missing_values_are_dropped_and_counted():
    frame = plant_growth()
    frame.loc[len(frame)] = ["ctrl", np.nan]
    frame.loc[len(frame)] = [None, 4.0]
    res = compare_groups(frame, "weight", "group")
    assert res.n_missing == 2 and res.n_total == 30
    assert res.statistic == pytest.approx(5.181, abs=5e-4)


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (pd.DataFrame({"v": pd.Series([], dtype=float), "g": pd.Series([], dtype=str)}), "0 group(s)"),
        (pd.DataFrame({"v": [1.0, 2, 3, 4], "g": ["a"] * 4}), "1 group(s)"),
        (pd.DataFrame({"v": [np.nan] * 6, "g": list("aaabbb")}), "0 group(s)"),
        (pd.DataFrame({"v": [3.0] * 6, "g": list("aaabbb")}), "identical"),
    ],
    ids=["empty", "one-group", "all-nan", "constant"],
)
def test_insufficient_data_is_explicit_and_json_safe(frame, reason):
    res = compare_groups(frame, "v", "g")
    assert res.status == "insufficient_data"
    assert reason in res.reason
    d = json_ok(res)
    assert d["p_value"] is None and d["statistic"] is None and d["pairwise"] == []


def test_constant_groups_with_different_levels_use_rank_test():
    frame = pd.DataFrame({"v": [1.0] * 4 + [2.0] * 4 + [3.0] * 4, "g": list("aaaabbbbcccc")})
    res = compare_groups(frame, "v", "g")
    assert res.test == "kruskal_wallis" and "no variation" in res.test_selection
    assert all(g.std == 0.0 for g in res.groups)
    json_ok(res)
    forced = compare_groups(frame, "v", "g", method="welch")
    assert forced.status == "insufficient_data" and "constant" in forced.reason
    json_ok(forced)


def test_compare_groups_validates_arguments():
    with pytest.raises(DataValidationError, match=r"'weights'.*available columns: 'group', 'weight'"):
        compare_groups(plant_growth(), "weights", "group")
    with pytest.raises(DataValidationError, match=r"method='t'.*'auto', 'welch', 'anova', 'kruskal'"):
        compare_groups(plant_growth(), "weight", "group", method="t")
    with pytest.raises(DataValidationError, match="'group' must be numeric"):
        compare_groups(plant_growth(), "group", "weight")
    with pytest.raises(DataValidationError, match="alpha"):
        compare_groups(plant_growth(), "weight", "group", alpha=5)
    with pytest.raises(DataValidationError, match="infinite"):
        compare_groups(pd.DataFrame({"v": [1.0, np.inf], "g": ["a", "b"]}), "v", "g")


# ---------------------------------------------------------------------------------------------------------------
# correlation_matrix
# ---------------------------------------------------------------------------------------------------------------
# Worked example from Wikipedia, "Spearman's rank correlation coefficient" (IQ vs hours of TV per week):
# sum of squared rank differences 194, rho = 1 - 6 * 194 / (10 * (100 - 1)) = -29/165 = -0.175757...,
# p = 0.627188 (t-distribution).
IQ = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110]
TV = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17]


def test_spearman_hand_worked_example():
    rank_iq = [7, 4, 1, 5, 3, 6, 2, 10, 9, 8]
    rank_tv = [3, 7, 1, 10, 8, 9, 6, 4, 2, 5]
    d2 = sum((a - b) ** 2 for a, b in zip(rank_iq, rank_tv, strict=True))
    assert d2 == 194
    res = correlation_matrix(pd.DataFrame({"iq": IQ, "tv": TV}), ["iq", "tv"])
    pair = res.pair("tv", "iq")
    assert pair.n == 10 and pair.status == "ok"
    assert pair.coefficient == pytest.approx(1 - 6 * d2 / (10 * 99)) == pytest.approx(-29 / 165)
    assert pair.p_value == pytest.approx(0.627188, abs=1e-6)
    assert pair.ci_lower < pair.coefficient < pair.ci_upper
    assert res.matrix().loc["iq", "tv"] == pytest.approx(-29 / 165)
    assert res.matrix().loc["iq", "iq"] == 1.0


def test_pearson_and_kendall_match_scipy_with_fisher_ci():
    rng = np.random.default_rng(3)
    x = rng.normal(size=40)
    frame = pd.DataFrame({"x": x, "y": 0.5 * x + rng.normal(size=40)})
    res = correlation_matrix(frame, ["x", "y"], method="pearson")
    ref = sps.pearsonr(frame["x"], frame["y"])
    ci = ref.confidence_interval(0.95)
    pair = res.pairs[0]
    assert (pair.coefficient, pair.p_value) == (pytest.approx(ref.statistic), pytest.approx(ref.pvalue))
    assert (pair.ci_lower, pair.ci_upper) == (pytest.approx(ci.low), pytest.approx(ci.high))
    kendall = correlation_matrix(frame, ["x", "y"], method="kendall").pairs[0]
    ref_k = sps.kendalltau(frame["x"], frame["y"])
    assert (kendall.coefficient, kendall.p_value) == (
        pytest.approx(ref_k.statistic),
        pytest.approx(ref_k.pvalue),
    )


def test_correlation_pairwise_complete_n_holm_and_insufficient_pairs():
    rng = np.random.default_rng(11)
    n = 30
    a = rng.normal(size=n)
    frame = pd.DataFrame({"a": a, "b": a + rng.normal(size=n), "c": rng.normal(size=n), "d": np.nan})
    frame.loc[:4, "b"] = np.nan  # b has 25 values
    frame.loc[:7, "d"] = rng.normal(size=8)  # d has only 8 values
    res = correlation_matrix(frame, ["a", "b", "c", "d"], min_n=10)
    by_pair = {(p.column_a, p.column_b): p for p in res.pairs}
    assert by_pair[("a", "b")].n == 25 and by_pair[("a", "c")].n == 30
    assert by_pair[("a", "b")].coefficient == pytest.approx(
        sps.spearmanr(frame["a"][5:], frame["b"][5:]).statistic
    )
    insufficient = [k for k, p in by_pair.items() if p.status == "insufficient_data"]
    assert insufficient == [("a", "d"), ("b", "d"), ("c", "d")]
    assert all(by_pair[k].coefficient is None and by_pair[k].p_adjusted is None for k in insufficient)
    assert "min_n=10" in by_pair[("b", "d")].reason
    tested = [k for k in by_pair if k not in insufficient]
    raw = [by_pair[k].p_value for k in tested]
    for k, adj in zip(tested, holm_by_hand(raw), strict=True):
        assert by_pair[k].p_adjusted == pytest.approx(adj)
    d = json_ok(res)
    assert d["pairs"][2]["coefficient"] is None
    assert np.isnan(res.matrix("p_value").loc["a", "d"])
    bh = correlation_matrix(frame, ["a", "b", "c", "d"], p_adjust="fdr_bh")
    bh_pairs = {(p.column_a, p.column_b): p for p in bh.pairs}
    expected = multipletests(raw, method="fdr_bh")[1]
    assert [bh_pairs[k].p_adjusted for k in tested] == pytest.approx(list(expected))


def test_correlation_constant_column_and_validation():
    frame = pd.DataFrame({"a": np.arange(12.0), "b": np.ones(12)})
    res = correlation_matrix(frame, ["a", "b"])
    assert res.pairs[0].status == "insufficient_data" and "no variation" in res.pairs[0].reason
    json_ok(res)
    with pytest.raises(DataValidationError, match=r"method='rank'.*'spearman', 'pearson', 'kendall'"):
        correlation_matrix(frame, ["a", "b"], method="rank")
    with pytest.raises(DataValidationError, match="at least 2 distinct"):
        correlation_matrix(frame, ["a"])
    with pytest.raises(DataValidationError, match="no column 'z'"):
        correlation_matrix(frame, ["a", "z"])


# ---------------------------------------------------------------------------------------------------------------
# trend
# ---------------------------------------------------------------------------------------------------------------
def _irregular_series(seed: int = 5, slope: float = 0.8) -> pd.Series:
    rng = np.random.default_rng(seed)
    days = np.sort(rng.choice(np.arange(120), size=60, replace=False))  # gaps of irregular length
    idx = pd.Timestamp("2026-01-01") + pd.to_timedelta(days, unit="D")
    return pd.Series(200 + slope * days + rng.normal(0, 12, len(days)), index=idx)


def test_trend_ols_matches_statsmodels_on_actual_time():
    s = _irregular_series()
    res = trend(s)
    x = ((s.index - s.index[0]) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    fit = sm.OLS(s.to_numpy(), sm.add_constant(x)).fit()
    lo, hi = fit.conf_int(0.05)[1]
    assert res.status == "ok" and res.x_unit == "day" and res.n == 60
    assert res.slope == pytest.approx(fit.params[1], rel=1e-10)
    assert (res.slope_ci_lower, res.slope_ci_upper) == (
        pytest.approx(lo, rel=1e-10),
        pytest.approx(hi, rel=1e-10),
    )
    assert res.p_value == pytest.approx(fit.pvalues[1], rel=1e-6)
    assert res.intercept == pytest.approx(fit.params[0], rel=1e-10)
    assert res.r_squared == pytest.approx(fit.rsquared, rel=1e-10)
    assert res.direction == "up"
    assert res.relative_slope_pct == pytest.approx(100 * fit.params[1] / s.mean())
    weekly = trend(s, period_days=7)
    assert weekly.slope_per_period == pytest.approx(7 * fit.params[1])
    assert weekly.relative_slope_ci_lower_pct == pytest.approx(100 * 7 * lo / s.mean())
    json_ok(res)


def test_trend_direction_follows_the_confidence_interval():
    rng = np.random.default_rng(2)
    idx = pd.date_range("2026-01-01", periods=30, freq="D")
    down = trend(pd.Series(100 - 0.5 * np.arange(30) + rng.normal(0, 1, 30), index=idx))
    assert down.direction == "down" and down.slope_ci_upper < 0
    # a positive point estimate whose CI straddles 0 is "stable", not "up"
    noisy = pd.Series(100 + 0.05 * np.arange(30) + rng.normal(0, 10, 30), index=idx)
    res = trend(noisy)
    assert res.slope_ci_lower < 0 < res.slope_ci_upper
    assert res.direction == "stable"


def test_trend_theil_sen_matches_scipy_and_resists_a_viral_spike():
    s = _irregular_series(slope=0.5)
    s.iloc[30] += 5000
    res = trend(s, method="theil_sen")
    x = ((s.index - s.index[0]) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    ref = sps.theilslopes(s.to_numpy(), x, alpha=0.95)
    assert (res.slope, res.slope_ci_lower, res.slope_ci_upper) == (
        pytest.approx(ref.slope),
        pytest.approx(ref.low_slope),
        pytest.approx(ref.high_slope),
    )
    assert res.p_value == pytest.approx(sps.kendalltau(x, s.to_numpy()).pvalue)
    assert res.slope == pytest.approx(0.5, abs=0.15) and res.direction == "up"


def test_trend_accepts_xy_pairs_and_drops_missing_values():
    x = [0.0, 1, 2, 3, 4, 5]
    y = [1.0, 3, np.nan, 7, 9, 11]
    res = trend((x, y))
    assert res.n == 5 and res.x_unit == "x"
    assert res.slope == pytest.approx(2.0) and res.slope_ci_lower == pytest.approx(2.0)
    assert res.p_value == 0.0 and res.direction == "up"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (pd.Series([], dtype=float), "n=0"),
        (pd.Series([1.0, np.nan, 2.0]), "n=2"),
        ((np.array([3.0] * 6), np.arange(6.0)), "same time"),
    ],
)
def test_trend_insufficient_data(data, reason):
    res = trend(data)
    assert res.status == "insufficient_data" and reason in res.reason and res.direction is None
    json_ok(res)


def test_trend_constant_values_are_stable():
    res = trend(pd.Series([5.0] * 10, index=pd.date_range("2026-01-01", periods=10)))
    assert (res.slope, res.direction, res.p_value, res.r_squared) == (0.0, "stable", 1.0, None)
    json_ok(res)
    with pytest.raises(DataValidationError, match=r"method='lowess'.*'ols', 'theil_sen'"):
        trend(pd.Series([1.0, 2.0]), method="lowess")


# ---------------------------------------------------------------------------------------------------------------
# seasonal_pattern
# ---------------------------------------------------------------------------------------------------------------
WEEKLY = np.array([10.0, 30.0, 40.0, 20.0, 0.0, -60.0, -40.0])  # Monday..Sunday, peak Wednesday


def test_seasonal_strength_high_for_weekly_series_with_named_peak_and_trough():
    rng = np.random.default_rng(8)
    idx = pd.date_range("2026-01-05", periods=84, freq="D")  # starts on a Monday
    s = pd.Series(500 + 0.5 * np.arange(84) + WEEKLY[idx.day_of_week] + rng.normal(0, 5, 84), index=idx)
    res = seasonal_pattern(s)
    assert res.status == "ok" and res.position_kind == "day_of_week"
    assert res.seasonal_strength > 0.9
    assert (res.peak_name, res.trough_name) == ("Wednesday", "Saturday")
    assert [p.name for p in res.profile] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    effects = np.array([p.effect for p in res.profile])
    assert np.corrcoef(effects, WEEKLY)[0, 1] > 0.99
    assert res.trend_strength > 0.5
    # strength formula by hand from the STL components
    from statsmodels.tsa.seasonal import STL

    fit = STL(s.to_numpy(), period=7, seasonal=11, robust=True).fit()
    r, season = fit.resid, fit.seasonal
    assert res.seasonal_strength == pytest.approx(max(0.0, 1 - r.var() / (season + r).var()))
    json_ok(res)


def test_seasonal_strength_low_for_white_noise():
    rng = np.random.default_rng(21)
    s = pd.Series(rng.normal(100, 10, 112), index=pd.date_range("2026-01-01", periods=112, freq="D"))
    res = seasonal_pattern(s)
    assert res.seasonal_strength < 0.3


def test_seasonal_pattern_hourly_gaps_and_insufficient_data():
    idx = pd.date_range("2026-03-01", periods=24 * 6, freq="h")
    rng = np.random.default_rng(4)
    daily = 100 + 30 * np.sin(2 * np.pi * (idx.hour - 8) / 24) + 25 * (idx.hour == 14) - 25 * (idx.hour == 2)
    s = pd.Series(daily + rng.normal(0, 2, len(idx)), index=idx)
    s = s.drop(s.index[[30, 31, 50]])  # missing timestamps are gaps, interpolated
    res = seasonal_pattern(s, period=24)
    assert res.position_kind == "hour_of_day" and res.n_interpolated == 3
    assert res.peak_name == "14:00" and res.trough_name == "02:00"
    short = seasonal_pattern(s.iloc[:40], period=24)
    assert short.status == "insufficient_data" and "2 full periods" in short.reason
    json_ok(short)
    flat = seasonal_pattern(pd.Series(3.0, index=pd.date_range("2026-01-01", periods=21)))
    assert flat.status == "insufficient_data" and "identical" in flat.reason
    json_ok(flat)


# ---------------------------------------------------------------------------------------------------------------
# distributions
# ---------------------------------------------------------------------------------------------------------------
def test_distribution_summary_by_hand():
    frame = pd.DataFrame(
        {
            "type": ["muni"] * 5 + ["biz"] * 2 + ["solo"],
            "rate": [1.0, 2.0, 3.0, 4.0, 5.0, 10.0, np.nan, 7.0],
        }
    )
    out = distribution_summary(frame, "rate", "type")
    assert list(out.columns) == ["count", "mean", "std", "min", "p25", "median", "p75", "p90", "max"]
    muni = out.loc["muni"]
    # R type 7 quantiles of 1..5: p25 = 2, p75 = 4, p90 = 4.6; sd = sqrt(2.5)
    assert muni.tolist() == pytest.approx([5, 3.0, math.sqrt(2.5), 1.0, 2.0, 3.0, 4.0, 4.6, 5.0])
    assert out.loc["biz", "count"] == 1 and np.isnan(out.loc["solo", "std"])
    two = distribution_summary(frame.assign(band="x"), "rate", ["type", "band"])
    assert two.index.names == ["type", "band"]
    assert distribution_summary(frame.iloc[:0], "rate", "type").empty


def test_performance_bands_tertiles():
    values = pd.Series([5.0, 1, 9, 3, 7, 2, 8, 4, 6, np.nan], index=list("abcdefghij"))
    bands = performance_bands(values)
    # tertiles of 1..9 (linear): 3.667 and 6.333
    assert bands.attrs["cut_points"] == pytest.approx([11 / 3, 19 / 3])
    assert bands.to_dict() == {
        "a": "medium", "b": "low", "c": "high", "d": "low", "e": "high", "f": "low", "g": "high",
        "h": "medium", "i": "medium", "j": np.nan,
    }  # fmt: skip
    assert list(bands.cat.categories) == ["low", "medium", "high"] and bands.cat.ordered
    # a value equal to a cut point takes the lower band; ties share a band
    assert performance_bands([1, 2, 2, 2, 3]).tolist() == ["low", "low", "low", "low", "high"]
    assert performance_bands([4, 4, 4]).tolist() == ["medium"] * 3
    quart = performance_bands(range(1, 9), labels=("q1", "q2", "q3", "q4"))
    assert quart.tolist() == ["q1", "q1", "q2", "q2", "q3", "q3", "q4", "q4"]
    with pytest.raises(DataValidationError, match="at least 2 distinct labels"):
        performance_bands([1, 2], labels=("only",))
