"""The sBG model against Fader & Hardie's published fits, its identities, multi-cohort fits and validation.

Reference data: F&H 2007 ("How to Project Customer Retention", J. Interactive Marketing 21(1)), the "regular"
and "high end" cohorts of 1,000 customers each, active at the start of years 0..7 (the paper's seven-year
calibration period). The values live in ``tests/data/retention_fh2007_cohorts.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln, hyp2f1

from thrive_analytics.exceptions import DataValidationError, ThriveError
from thrive_analytics.retention import SBGModel, fit_sbg

DATA = Path(__file__).parent / "data" / "retention_fh2007_cohorts.csv"


@pytest.fixture(scope="module")
def cohorts() -> pd.DataFrame:
    return pd.read_csv(DATA, index_col="year")


@pytest.fixture(scope="module")
def regular(cohorts) -> SBGModel:
    return fit_sbg(cohorts["regular"])


@pytest.fixture(scope="module")
def high_end(cohorts) -> SBGModel:
    return fit_sbg(cohorts["high_end"])


def sig3(x: float) -> float:
    """Round to three significant figures, as the papers print their estimates."""
    return float(f"{x:.3g}")


# --- published values -----------------------------------------------------------------------------------------
def test_reference_data_is_the_papers(cohorts):
    # F&H 2007: years 0-7 of the two segments' 1,000-customer cohorts.
    assert cohorts["regular"].tolist() == [1000, 631, 468, 382, 326, 290, 262, 241]
    assert cohorts["high_end"].tolist() == [1000, 869, 743, 653, 593, 551, 517, 491]


def test_regular_segment_matches_fader_hardie_2007(regular):
    # F&H 2007: maximum-likelihood estimates for the regular segment, alpha-hat = 0.704 and beta-hat = 1.182.
    assert (sig3(regular.alpha_), sig3(regular.beta_)) == (0.704, 1.18)
    assert round(regular.alpha_, 3) == 0.704
    assert round(regular.beta_, 3) == 1.182
    assert regular.n_periods_ == 7
    assert regular.n_cohorts_ == 1


def test_high_end_segment_matches_fader_hardie_2007(high_end):
    # F&H 2007: maximum-likelihood estimates for the high end segment, alpha-hat = 0.668 and beta-hat = 3.806.
    assert round(high_end.alpha_, 3) == 0.668
    assert round(high_end.beta_, 3) == 3.806


def test_fitted_survival_tracks_the_calibration_data(regular, high_end):
    # The fitted curve reproduces year 7 of the calibration data within 1.5 percentage points.
    assert abs(regular.survival(7) - 0.241) < 0.015
    assert abs(high_end.survival(7) - 0.491) < 0.015


def test_derl_fader_hardie_2010_equation_6(regular, high_end):
    """DERL with d = 10% (F&H 2010, eq. 6) for the two segments of F&H 2007.

    Compared with: eq. (6), DERL(d | alpha, beta, n-1 renewals) =
    (beta + n - 1)/(alpha + beta + n - 1) * 2F1(1, beta + n; alpha + beta + n; 1/(1 + d)), evaluated at the
    published estimates (0.704, 1.182) and (0.668, 3.806), and with eq. (5), the series it sums. The printed
    DERL numbers of F&H 2010 were not available to us when writing this test: the figures below are our
    evaluation of eq. (6) to 3 significant figures (checked against the eq. (5) series below), not numbers
    copied from the paper.
    """
    expected_regular = [2.96, 4.10, 4.87, 5.44, 5.89]  # n = 0..4 renewals
    expected_high_end = [5.41, 5.90, 6.29, 6.62, 6.90]
    for renewals, (want_regular, want_high_end) in enumerate(
        zip(expected_regular, expected_high_end, strict=True)
    ):
        assert sig3(regular.derl(0.1, renewals=renewals)) == want_regular
        assert sig3(high_end.derl(0.1, renewals=renewals)) == want_high_end
        # The same figures from eq. (6) at the estimates as printed in F&H 2007 (rounded to 3 decimals).
        assert sig3(derl_eq6(0.704, 1.182, 0.1, renewals)) == want_regular
        assert sig3(derl_eq6(0.668, 3.806, 0.1, renewals)) == want_high_end
    # DEL(d = 10%) of a new customer, first payment included: 2F1(1, beta; alpha + beta; 1/(1 + d)).
    assert sig3(regular.discounted_expected_lifetime(0.1)) == 3.70
    assert sig3(high_end.discounted_expected_lifetime(0.1)) == 5.92


def derl_eq6(alpha: float, beta: float, d: float, renewals: int) -> float:
    n = renewals + 1  # F&H 2010 write DERL for a customer who has made n - 1 renewals
    return (beta + n - 1) / (alpha + beta + n - 1) * float(hyp2f1(1, beta + n, alpha + beta + n, 1 / (1 + d)))


@pytest.mark.parametrize("renewals", [0, 1, 4, 10])
def test_derl_equals_the_discounted_survival_series(regular, renewals):
    # F&H 2010 eq. (5): DERL = sum_{t >= n} S(t) / S(n - 1) / (1 + d)^(t - n), with n - 1 = renewals.
    d = 0.1
    k = np.arange(1, 4000)
    alpha, beta = regular.alpha_, regular.beta_
    conditional = np.exp(betaln(alpha, beta + renewals + k) - betaln(alpha, beta + renewals))
    series = float(np.sum(conditional / (1 + d) ** (k - 1)))
    assert regular.derl(d, renewals=renewals) == pytest.approx(series, rel=1e-9)


def test_clv_of_a_new_customer_includes_the_first_payment(regular):
    # E(CLV) = m * DEL(d) = m * 2F1(1, beta; alpha + beta; 1/(1+d)) = m * (1 + DERL(d | 0) / (1 + d)).
    d, m = 0.1, 100.0
    del_ = regular.discounted_expected_lifetime(d)
    assert del_ == pytest.approx(1 + regular.derl(d, renewals=0) / (1 + d), rel=1e-12)
    t = np.arange(0, 4000)
    assert del_ == pytest.approx(float(np.sum(regular.survival(t) / (1 + d) ** t)), rel=1e-9)
    assert regular.clv(m, d) == pytest.approx(m * del_)
    assert regular.clv(m, d, renewals=3) == pytest.approx(m * regular.derl(d, renewals=3))
    # A first payment for sure is worth more than zero and less than a lifetime without churn.
    assert m < regular.clv(m, d) < m * (1 + d) / d


def test_derl_grows_with_renewals_and_shrinks_with_discounting(high_end):
    # The sorting effect F&H 2010 build on: survivors are better customers, so DERL rises with renewals.
    values = [high_end.derl(0.1, renewals=n) for n in range(10)]
    assert np.all(np.diff(values) > 0)
    assert high_end.derl(0.2, renewals=2) < high_end.derl(0.1, renewals=2) < high_end.derl(0.05, renewals=2)


# --- identities --------------------------------------------------------------------------------------------------
def test_survival_is_the_product_of_retention_rates(regular):
    t = np.arange(1, 30)
    rates = regular.retention_rate(t)
    np.testing.assert_allclose(regular.survival(t), np.cumprod(rates), rtol=1e-12)
    assert regular.survival(0) == 1.0
    # Retention rates rise over time (F&H 2007 eq. 8): the heterogeneity story.
    assert np.all(np.diff(rates) > 0)
    assert regular.retention_rate(1) == pytest.approx(regular.beta_ / (regular.alpha_ + regular.beta_))


def test_churn_probabilities_and_survivors_sum_to_one(high_end):
    for horizon in (1, 7, 50):
        t = np.arange(1, horizon + 1)
        total = high_end.churn_probability(t).sum() + high_end.survival(horizon)
        assert total == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(
        high_end.churn_probability(np.arange(1, 10)),
        high_end.survival(np.arange(0, 9)) - high_end.survival(np.arange(1, 10)),
        rtol=1e-10,
    )


def test_scalar_and_vector_inputs(regular):
    assert isinstance(regular.survival(3), float)
    assert isinstance(regular.retention_rate(np.array([1, 2])), np.ndarray)
    assert regular.survival([1, 2, 3])[2] == pytest.approx(regular.survival(3))


def test_predict_frame(regular):
    frame = regular.predict(12)
    assert list(frame.columns) == ["survival", "retention_rate", "churn_probability"]
    assert frame.index.tolist() == list(range(1, 13))
    assert frame.index.name == "period"
    assert np.isfinite(frame.to_numpy()).all()
    assert frame.loc[12, "survival"] == pytest.approx(regular.survival(12))
    assert regular.predict([8, 12]).index.tolist() == [8, 12]


def test_shares_give_the_same_fit_as_counts(cohorts, regular):
    shares = fit_sbg((cohorts["regular"] / 1000).to_numpy())
    assert shares.alpha_ == pytest.approx(regular.alpha_, rel=1e-5)
    assert shares.beta_ == pytest.approx(regular.beta_, rel=1e-5)
    assert shares.log_likelihood_ == pytest.approx(regular.log_likelihood_ / 1000, rel=1e-8)


def test_log_likelihood_is_the_maximum(regular, cohorts):
    counts = cohorts["regular"].to_numpy(dtype=float)

    def log_lik(alpha: float, beta: float) -> float:
        t = np.arange(1, 8)
        churn = np.exp(betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta))
        survive = np.exp(betaln(alpha, beta + 7) - betaln(alpha, beta))
        return float(np.sum((counts[:-1] - counts[1:]) * np.log(churn)) + counts[-1] * np.log(survive))

    assert regular.log_likelihood_ == pytest.approx(log_lik(regular.alpha_, regular.beta_), rel=1e-12)
    for da, db in [(0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)]:
        assert log_lik(regular.alpha_ + da, regular.beta_ + db) < regular.log_likelihood_


def test_class_fit_returns_self(cohorts):
    model = SBGModel()
    assert model.fit(cohorts["high_end"].tolist()) is model
    assert round(model.alpha_, 3) == 0.668


# --- several cohorts -------------------------------------------------------------------------------------------
def expected_counts(alpha: float, beta: float, periods: int, size: float = 10_000.0) -> np.ndarray:
    t = np.arange(periods + 1)
    return size * np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))


def test_one_model_per_cohort_from_a_dataframe(cohorts):
    models = fit_sbg(cohorts)
    assert isinstance(models, dict)
    assert list(models) == ["regular", "high_end"]
    assert round(models["regular"].alpha_, 3) == 0.704
    assert round(models["high_end"].beta_, 3) == 3.806


def test_nan_padded_younger_cohorts_and_names():
    frame = pd.DataFrame(
        {
            "2023": expected_counts(0.7, 1.2, 7),
            "2024": np.r_[expected_counts(2.0, 6.0, 4), [np.nan] * 3],
        }
    )
    models = fit_sbg(frame)
    assert models["2024"].n_periods_ == 4
    assert models["2024"].alpha_ == pytest.approx(2.0, rel=1e-4)
    assert models["2024"].beta_ == pytest.approx(6.0, rel=1e-4)
    named = fit_sbg([frame["2023"].tolist(), expected_counts(2.0, 6.0, 4).tolist()], cohorts=["a", "b"])
    assert list(named) == ["a", "b"]
    positional = fit_sbg(np.column_stack([expected_counts(0.7, 1.2, 5), expected_counts(1.0, 3.0, 5)]))
    assert list(positional) == [0, 1]
    assert positional[1].beta_ == pytest.approx(3.0, rel=1e-4)


def test_pooled_fit_recovers_shared_parameters_from_cohorts_of_different_ages():
    # Cohorts acquired in successive years share (alpha, beta) = (0.7, 1.2); younger cohorts are observed for
    # fewer periods (one of them for a single period, which only the pooled fit can use).
    cohort_list = [expected_counts(0.7, 1.2, periods) for periods in (7, 5, 3, 1)]
    pooled = fit_sbg(cohort_list, pooled=True)
    assert isinstance(pooled, SBGModel)
    assert pooled.alpha_ == pytest.approx(0.7, rel=1e-4)
    assert pooled.beta_ == pytest.approx(1.2, rel=1e-4)
    assert pooled.n_periods_ == 7
    assert pooled.n_cohorts_ == 4
    assert SBGModel().fit(cohort_list).alpha_ == pytest.approx(pooled.alpha_, rel=1e-6)


def test_pooled_likelihood_is_the_sum_over_cohorts(cohorts):
    pooled = fit_sbg(cohorts, pooled=True)
    separate = fit_sbg(cohorts)
    assert pooled.log_likelihood_ < sum(m.log_likelihood_ for m in separate.values())
    # Pooling two copies of one cohort gives that cohort's fit and twice its log-likelihood.
    twice = fit_sbg(pd.DataFrame({"a": cohorts["regular"], "b": cohorts["regular"]}), pooled=True)
    assert twice.alpha_ == pytest.approx(separate["regular"].alpha_, rel=1e-5)
    assert twice.log_likelihood_ == pytest.approx(2 * separate["regular"].log_likelihood_, rel=1e-9)


# --- validation ----------------------------------------------------------------------------------------------------
def test_using_the_model_before_fit_raises_the_conventions_message():
    model = SBGModel()
    for call in (
        lambda: model.survival(1),
        lambda: model.retention_rate(1),
        lambda: model.churn_probability(1),
        lambda: model.derl(0.1),
        lambda: model.clv(10, 0.1),
        lambda: model.predict(3),
    ):
        with pytest.raises(ThriveError, match=r"^Model has not been fit yet\. Call \.fit\(\) first\.$"):
            call()
    assert repr(model) == "SBGModel()"


@pytest.mark.parametrize(
    ("alive", "message"),
    [
        ([1000, 800], r"at least 2 periods \(3 values or more\).*got 2"),
        ([1000], r"at least one period.*got 1"),
        ([1000, 800, 850, 700], r"non-increasing.*rises from 800 at period 1 to 850 at period 2"),
        ([0, 0, 0], r"cohort size\) must be positive; got 0"),
        ([1000, 800, -1], r"non-negative; got -1 at period 2"),
        ([1000, np.nan, 700], r"missing value at period 1"),
        ([1000, 800, np.inf], r"must be finite"),
        ([1000, 1000, 1000], r"no churn at all"),
        (["a", "b", "c"], r"must hold numbers"),
    ],
)
def test_invalid_counts(alive, message):
    with pytest.raises(DataValidationError, match=message):
        fit_sbg(alive)


def test_invalid_cohort_inputs(cohorts):
    with pytest.raises(DataValidationError, match=r"cohorts has 1 name\(s\) but alive holds 2"):
        fit_sbg([[1000, 600, 400], [1000, 700, 500]], cohorts=["only"])
    with pytest.raises(DataValidationError, match="DataFrame's columns name the cohorts"):
        fit_sbg(cohorts, cohorts=["x", "y"])
    with pytest.raises(DataValidationError, match="single cohort"):
        fit_sbg([1000, 600, 400], cohorts=["x"])
    with pytest.raises(DataValidationError, match=r"alive\['b'\] must be non-increasing"):
        fit_sbg(pd.DataFrame({"a": [1000, 600, 400], "b": [1000, 700, 800]}))
    with pytest.raises(DataValidationError, match="got a mapping"):
        fit_sbg({"a": [1000, 600, 400]})
    with pytest.raises(DataValidationError, match="longest cohort has 1 period"):
        fit_sbg([[1000, 600], [900, 500]], pooled=True)


@pytest.mark.parametrize("rate", [0, -0.1, float("nan"), "ten"])
def test_invalid_discount_rate(regular, rate):
    with pytest.raises(DataValidationError, match="discount_rate must be"):
        regular.derl(rate)


@pytest.mark.parametrize("renewals", [-1, 1.5, True])
def test_invalid_renewals(regular, renewals):
    with pytest.raises(DataValidationError, match=r"renewals must be a whole number >= 0"):
        regular.derl(0.1, renewals=renewals)


@pytest.mark.parametrize("t", [-1, 0.5, [1, 2.5]])
def test_invalid_periods(regular, t):
    with pytest.raises(DataValidationError, match=r"t must be whole period numbers >= 1"):
        regular.retention_rate(t)
    assert regular.survival(0) == 1.0


def test_invalid_value_per_period(regular):
    with pytest.raises(DataValidationError, match="value_per_period must be finite"):
        regular.clv(float("inf"), 0.1)
