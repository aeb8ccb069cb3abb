"""Revenue analytics: hand-computed cases for every metric, edge cases, validation, the sBG LTV, demo data, speed.

The "March book" below is a four-client agency worked through by hand in the comments: period March 2025
(month-aligned, so the previous period is February 2025).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thrive_analytics.demo.books import synthetic_revenue_book
from thrive_analytics.exceptions import DataValidationError
from thrive_analytics.retention import fit_sbg
from thrive_analytics.revenue import (
    STREAMS,
    RevenueInputs,
    client_revenue,
    fit_ltv_model,
    mrr_at,
    mrr_movements,
    mrr_series,
    profitability,
    revenue_analytics,
    revenue_breakdown,
    revenue_by_month,
    revenue_metrics,
)
from thrive_analytics.warehouse import schema

D = Decimal
FH2007 = Path(__file__).parent / "data" / "retention_fh2007_cohorts.csv"
MONTHLY_D = 1.10 ** (1 / 12) - 1  # the default 10 %/yr as a monthly discount rate


def day(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def frame(columns: tuple[str, ...], rows: list[tuple]) -> pd.DataFrame:
    """A frame typed like the warehouse's: dates as datetime.date, money as Decimal (object columns)."""
    data = {}
    for i, col in enumerate(columns):
        values = [row[i] for row in rows]
        if col in ("start_date", "end_date", "period_start", "incurred_on", "work_date"):
            values = [day(v) for v in values]
        elif col in ("monthly_fee", "amount", "hours", "hourly_cost"):
            values = [D(v) for v in values]
        data[col] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, columns=list(columns))


CLIENT_COLS = ("id", "name", "client_type", "tier", "status", "start_date", "end_date")
SUB_COLS = ("client_id", "plan", "monthly_fee", "start_date", "end_date")
INV_COLS = ("client_id", "stream", "period_start", "amount", "status")
EXP_COLS = ("client_id", "incurred_on", "category", "amount")
TIME_COLS = ("user_id", "client_id", "work_date", "hours", "hourly_cost", "billable")


def inputs(clients=(), subs=(), invoices=(), expenses=(), time_entries=()) -> RevenueInputs:
    return RevenueInputs(
        clients=frame(CLIENT_COLS, list(clients)),
        subscriptions=frame(SUB_COLS, list(subs)),
        invoices=frame(INV_COLS, list(invoices)),
        expenses=frame(EXP_COLS, list(expenses)),
        time_entries=frame(TIME_COLS, list(time_entries)),
    )


def dumps(result) -> str:
    return json.dumps(result.to_dict(), allow_nan=False)


# --- the March book -------------------------------------------------------------------------------------------
# Subscriptions:
#   client 1 Alpha: 100.00 from 2025-01-01 to 2025-02-28, then 150.00 from 2025-03-01 (upgrade: expansion +50)
#   client 2 Beta:  200.00 from 2025-01-15 to 2025-03-20 (ends mid-March: churned in March)
#   client 3 Gamma: 300.00 from 2025-02-10 to 2025-03-31, then 250.00 from 2025-04-01 (downgrade in April)
#   client 4 Delta:  80.00 from 2025-03-31 (starts on the last day of March: new in March)
CLIENTS = [
    (1, "Alpha", "business", "basic", "active", "2025-01-01", None),
    (2, "Beta", "startup", "basic", "churned", "2025-01-15", "2025-03-20"),
    (3, "Gamma", "municipality", "professional", "active", "2025-02-10", None),
    (4, "Delta", "nonprofit", "basic", "active", "2025-03-31", None),
]
SUBS = [
    (1, "basic", "100.00", "2025-01-01", "2025-02-28"),
    (1, "professional", "150.00", "2025-03-01", None),
    (2, "basic", "200.00", "2025-01-15", "2025-03-20"),
    (3, "professional", "300.00", "2025-02-10", "2025-03-31"),
    (3, "basic", "250.00", "2025-04-01", None),
    (4, "basic", "80.00", "2025-03-31", None),
]
INVOICES = [
    # February (the previous period): 100 + 200 + 203.57 (19/28 of 300) = 503.57
    (1, "subscription", "2025-02-01", "100.00", "paid"),
    (2, "subscription", "2025-02-01", "200.00", "paid"),
    (3, "subscription", "2025-02-10", "203.57", "paid"),
    # March: subscriptions 150 + 129.03 (20/31 of 200) + 300 + 2.58 (1/31 of 80) = 581.61
    (1, "subscription", "2025-03-01", "150.00", "paid"),
    (2, "subscription", "2025-03-01", "129.03", "overdue"),
    (3, "subscription", "2025-03-01", "300.00", "open"),
    (4, "subscription", "2025-03-31", "2.58", "open"),
    # marketplace commissions 0.10 + 0.20 = 0.30 exactly
    (1, "marketplace_commission", "2025-03-01", "0.10", "paid"),
    (1, "marketplace_commission", "2025-03-01", "0.20", "paid"),
    # a void white-label invoice never counts
    (3, "white_label", "2025-03-01", "50.00", "void"),
    # additional services, 40.00
    (3, "additional_services", "2025-03-15", "40.00", "open"),
]
# March revenue = 581.61 + 0.30 + 40.00 = 621.91
TIME = [
    (1, 1, "2025-03-05", "2.00", "50.00", True),  # client 1: 100.00 delivery
    (1, 3, "2025-03-06", "1.50", "50.00", False),  # client 3: 75.00 delivery (non-billable still delivers)
    (2, None, "2025-03-07", "4.00", "30.00", False),  # internal time: 120.00 operating expense
    (2, 2, "2025-02-20", "3.00", "30.00", True),  # February: outside the period
]
EXPENSES = [
    (None, "2025-03-01", "software", "99.00"),  # company expense
    (4, "2025-03-10", "client_acquisition", "300.00"),  # winning client 4
    (None, "2025-03-12", "client_acquisition", "100.00"),  # a pitch that was not won
    (3, "2025-03-15", "travel", "25.00"),  # attributed to client 3, not acquisition: delivery cost
    (4, "2025-02-20", "client_acquisition", "50.00"),  # February: client 4's acquisition cost, not March's
]
MARCH = ("2025-03-01", "2025-03-31")


@pytest.fixture(scope="module")
def book() -> RevenueInputs:
    return inputs(CLIENTS, SUBS, INVOICES, EXPENSES, TIME)


# --- MRR ------------------------------------------------------------------------------------------------------
def test_mrr_at_counts_subscriptions_active_that_day():
    subs = frame(SUB_COLS, SUBS)
    assert mrr_at(subs, "2025-01-14") == D("100.00")  # Beta starts on the 15th
    assert mrr_at(subs, "2025-01-31") == D("300.00")  # 100 + 200
    assert mrr_at(subs, "2025-02-28") == D("600.00")  # 100 + 200 + 300
    assert mrr_at(subs, "2025-03-20") == D("650.00")  # 150 + 200 (end day inclusive) + 300
    assert mrr_at(subs, "2025-03-31") == D("530.00")  # 150 + 300 + 80
    assert mrr_at(subs, dt.date(2025, 4, 30)) == D("480.00")  # 150 + 250 + 80
    assert mrr_at(frame(SUB_COLS, []), "2025-01-01") == D(0)


def test_mrr_series_is_taken_on_month_ends():
    series = mrr_series(frame(SUB_COLS, SUBS), "2025-01-01", "2025-04-30")
    assert list(series.index.date) == [
        day(d) for d in ("2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30")
    ]
    assert series.tolist() == [D("300.00"), D("600.00"), D("530.00"), D("480.00")]
    assert all(isinstance(v, Decimal) for v in series)
    weekly = mrr_series(frame(SUB_COLS, SUBS), "2025-01-01", "2025-01-19", freq="W-SUN")
    assert weekly.tolist() == [D("100.00"), D("100.00"), D("300.00")]  # Jan 5, 12, 19
    assert mrr_series(frame(SUB_COLS, []), "2025-01-01", "2025-02-28").tolist() == [D(0), D(0)]


def test_mrr_movements_new_expansion_contraction_churn():
    moves = mrr_movements(frame(SUB_COLS, SUBS), "2025-01-01", "2025-04-30")
    # Jan: new Alpha 100 + Beta 200.   Feb: new Gamma 300.
    # Mar: expansion Alpha +50, churned Beta 200, new Delta 80 (starts Mar 31): 600 + 80 + 50 - 200 = 530.
    # Apr: contraction Gamma 300 -> 250: 530 - 50 = 480.
    expected = {
        "opening_mrr": ["0", "300", "600", "530"],
        "new": ["300", "300", "80", "0"],
        "expansion": ["0", "0", "50", "0"],
        "contraction": ["0", "0", "0", "50"],
        "churned": ["0", "0", "200", "0"],
        "closing_mrr": ["300", "600", "530", "480"],
        "net_new_mrr": ["300", "300", "-70", "-50"],
    }
    for column, values in expected.items():
        assert moves[column].tolist() == [D(v) for v in values], column
    assert moves["new_clients"].tolist() == [2, 1, 1, 0]
    assert moves["churned_clients"].tolist() == [0, 0, 1, 0]
    identity = (
        moves["opening_mrr"] + moves["new"] + moves["expansion"] - moves["contraction"] - moves["churned"]
    )
    assert identity.tolist() == moves["closing_mrr"].tolist()


def test_mrr_movements_edge_cases():
    assert mrr_movements(frame(SUB_COLS, SUBS), "2025-01-01", "2025-01-30").empty  # no month end inside
    empty = mrr_movements(frame(SUB_COLS, []), "2025-01-01", "2025-02-28")
    assert empty["closing_mrr"].tolist() == [D(0), D(0)]
    assert empty["churned_clients"].tolist() == [0, 0]
    # A subscription ending on a month's last day still counts in that month's closing MRR; it churns next month.
    subs = frame(SUB_COLS, [(9, "basic", "70.00", "2025-01-01", "2025-02-28")])
    moves = mrr_movements(subs, "2025-02-01", "2025-03-31")
    assert moves["churned"].tolist() == [D(0), D("70.00")]


# --- revenue metrics ------------------------------------------------------------------------------------------
def test_revenue_metrics_march_book(book):
    m = revenue_metrics(book, *MARCH)
    assert (m.previous_start, m.previous_end) == (day("2025-02-01"), day("2025-02-28"))
    assert m.status == "ok"
    assert m.total_revenue == D("621.91")
    assert m.previous_revenue == D("503.57")
    assert m.revenue_growth_rate == pytest.approx(118.34 / 503.57)  # (621.91 - 503.57) / 503.57
    assert m.mrr == D("530.00") and m.arr == D("6360.00")
    assert m.opening_mrr == D("600.00")  # MRR on Feb 28
    assert (m.new_mrr, m.expansion_mrr, m.contraction_mrr, m.churned_mrr) == (D(80), D(50), D(0), D(200))
    # Logo churn: active on Mar 1 = Alpha, Beta, Gamma; Beta ends Mar 20 -> 1 / 3.
    assert (m.clients_at_start, m.churned_clients, m.new_clients) == (3, 1, 1)
    assert m.churn_rate == pytest.approx(1 / 3)
    # Starting cohort Alpha 100, Beta 200, Gamma 300 (600): Beta lost 200, Alpha +50.
    assert m.revenue_churn_rate == pytest.approx(200 / 600)
    assert m.gross_revenue_retention == pytest.approx(400 / 600)
    assert m.net_revenue_retention == pytest.approx(450 / 600)
    # Active in March: all four clients; 621.91 / 4 = 155.4775 -> 155.48.
    assert m.active_clients == 4
    assert m.revenue_per_client == D("155.48")
    # Delivery cost 100 + 75 (time) + 25 (Gamma's travel) = 200; gross profit 421.91.
    assert m.gross_margin == pytest.approx(421.91 / 621.91)
    # Operating expenses: software 99 + acquisition 300 + 100 + internal time 120 = 619 -> -197.09.
    assert m.profit_margin == pytest.approx(-197.09 / 621.91)
    # No churn has been *observed* by Mar 31 (Beta's month is not over): LTV not identifiable.
    assert m.client_ltv is None and m.ltv_status == "insufficient_data"
    assert "no churn observed" in m.reasons["client_ltv"]
    dumps(m)


def test_revenue_is_exact_decimal(book):
    m = revenue_metrics(book, *MARCH)
    assert isinstance(m.total_revenue, Decimal)
    b = revenue_breakdown(book, *MARCH, forecast_months=0)
    assert b.marketplace_commissions.amount == D("0.30")  # 0.10 + 0.20, exactly
    assert D("0.10") + D("0.20") == b.marketplace_commissions.amount
    assert 0.1 + 0.2 != 0.3  # the float sum would not be


def test_float_money_is_converted_exactly():
    clients = frame(CLIENT_COLS, [(1, "A", "business", "basic", "active", "2025-01-01", None)])
    invoices = pd.DataFrame(
        {
            "client_id": [1, 1],
            "stream": ["marketplace_commission"] * 2,
            "period_start": ["2025-03-01", "2025-03-02"],
            "amount": [0.1, 0.2],  # floats and ISO strings, as from a CSV
            "status": ["paid", "paid"],
        }
    )
    data = RevenueInputs(clients, frame(SUB_COLS, []), invoices, frame(EXP_COLS, []), frame(TIME_COLS, []))
    assert revenue_metrics(data, *MARCH).total_revenue == D("0.3")
    ints = invoices.assign(amount=[1, 2])
    data = RevenueInputs(clients, frame(SUB_COLS, []), ints, frame(EXP_COLS, []), frame(TIME_COLS, []))
    assert revenue_metrics(data, *MARCH).total_revenue == D(3)


def test_previous_period_is_same_length_in_days_when_not_month_aligned(book):
    m = revenue_metrics(book, "2025-03-10", "2025-03-19")  # 10 days -> Feb 28 .. Mar 9
    assert (m.previous_start, m.previous_end) == (day("2025-02-28"), day("2025-03-09"))
    # Only Gamma's additional-services invoice (Mar 15) starts in the window.
    assert m.total_revenue == D("40.00")
    q = revenue_metrics(book, "2025-01-01", "2025-03-31")  # a quarter -> Oct..Dec 2024
    assert (q.previous_start, q.previous_end) == (day("2024-10-01"), day("2024-12-31"))
    assert q.previous_revenue == D(0) and q.revenue_growth_rate is None
    assert "no revenue in the previous period" in q.reasons["revenue_growth_rate"]


# --- profitability --------------------------------------------------------------------------------------------
def test_profitability_march_book(book):
    p = profitability(book, *MARCH)
    assert p.revenue == D("621.91")
    assert (p.delivery_labour_cost, p.delivery_expenses, p.delivery_cost) == (D(175), D(25), D(200))
    assert p.gross_profit == D("421.91")
    assert p.operating_expenses == {
        "client_acquisition": D("400.00"),
        "software": D("99.00"),
        "internal_time": D("120.00"),
    }
    assert p.total_operating_expenses == D("619.00")
    assert p.operating_profit == D("-197.09")
    assert p.profit_margin == pytest.approx(-197.09 / 621.91)
    # CAC: 300 + 100 acquisition spend in March / 1 new client (Delta).
    assert (p.acquisition_spend, p.new_clients, p.client_acquisition_cost) == (D(400), 1, D("400.00"))
    by_client = {row.client_id: row for row in p.profit_by_client}
    # Alpha 150.30 - 100 = 50.30; Beta 129.03 (its February time is outside); Gamma 340 - (75 + 25) = 240;
    # Delta 2.58 - 300 acquisition = -297.42.
    assert {k: r.profit for k, r in by_client.items()} == {
        1: D("50.30"),
        2: D("129.03"),
        3: D("240.00"),
        4: D("-297.42"),
    }
    assert [r.client_id for r in p.profit_by_client] == [3, 2, 1, 4]  # most profitable first
    assert by_client[3].margin == pytest.approx(240 / 340)
    # Client profits + company costs not charged to a client (software 99, lost pitch 100, internal time 120)
    # reconcile with the operating profit.
    unattributed = D("99") + D("100") + D("120")
    assert sum(r.profit for r in p.profit_by_client) - unattributed == p.operating_profit
    assert json.loads(dumps(p))["operating_expenses"]["internal_time"] == 120.0


def test_cac_is_none_without_new_clients(book):
    p = profitability(book, "2025-04-01", "2025-04-30")
    assert p.new_clients == 0 and p.client_acquisition_cost is None
    assert p.reasons["client_acquisition_cost"] == "no client started in the period"
    assert p.revenue == D(0) and p.gross_margin is None and p.profit_margin is None
    dumps(p)


# --- breakdown ------------------------------------------------------------------------------------------------
def test_revenue_breakdown_march_book(book):
    b = revenue_breakdown(book, *MARCH, forecast_months=3)
    assert b.total_revenue == D("621.91") and b.previous_total_revenue == D("503.57")
    s = b.streams
    assert s["subscription"].amount == D("581.61") and s["subscription"].previous_amount == D("503.57")
    assert s["subscription"].percentage == pytest.approx(100 * 581.61 / 621.91)
    assert s["subscription"].growth_rate == pytest.approx((581.61 - 503.57) / 503.57)
    assert s["white_label"].amount == D(0)  # void
    assert s["additional_services"].growth_rate is None  # nothing in February
    assert sum(x.amount for x in s.values()) == b.total_revenue
    assert sum(x.percentage for x in s.values()) == pytest.approx(100)
    # History: Feb and Mar 2025 only -> too short for a trend (5 months) or a forecast (12 months).
    assert (b.history_months, b.history_start, b.history_end) == (2, day("2025-02-28"), day("2025-03-31"))
    assert s["subscription"].trend is None and "min_n=5" in s["subscription"].trend_reason
    assert s["subscription"].forecasting == () and s["subscription"].forecast_status == "insufficient_history"
    assert "needs 12" in s["subscription"].forecast_reason
    out = json.loads(dumps(b))
    assert out["subscription_revenue"]["forecasting"] == []
    assert out["marketplace_commissions"]["amount"] == 0.3


def test_revenue_by_month_fills_gaps_and_skips_void():
    invoices = frame(
        INV_COLS,
        [
            (1, "subscription", "2025-01-01", "100.00", "paid"),
            (1, "subscription", "2025-03-01", "100.00", "paid"),  # February is a gap
            (1, "white_label", "2025-03-05", "10.00", "void"),
            (1, "white_label", "2025-03-06", "12.50", "paid"),
        ],
    )
    table = revenue_by_month(invoices, "2025-01-01", "2025-03-31")
    assert list(table.columns) == [*STREAMS, "total"]
    assert table["subscription"].tolist() == [D(100), D(0), D(100)]
    assert table["white_label"].tolist() == [D(0), D(0), D("12.50")]
    assert table["total"].tolist() == [D(100), D(0), D("112.50")]


def _monthly_book(amounts: list[str], stream: str = "subscription") -> RevenueInputs:
    """One client billed ``amounts`` in consecutive months from January 2024."""
    months = pd.date_range("2024-01-01", periods=len(amounts), freq="MS").date
    invoices = [(1, stream, m.isoformat(), a, "paid") for m, a in zip(months, amounts, strict=True)]
    return inputs([(1, "Solo", "business", "basic", "active", "2024-01-01", None)], [], invoices)


def test_trend_up_and_stable_and_forecast():
    rising = _monthly_book([f"{1000 + 50 * i}.00" for i in range(14)])  # Jan 2024 .. Feb 2025
    b = revenue_breakdown(rising, "2025-02-01", "2025-02-28", forecast_months=3)
    sub = b.subscription_revenue
    assert sub.trend == "up"
    assert b.history_months == 14
    assert sub.forecast_status == "ok" and len(sub.forecasting) == 3
    assert [m.isoformat() for m in sub.forecast_months] == ["2025-03-31", "2025-04-30", "2025-05-31"]
    assert all(
        lo <= mid <= hi
        for lo, mid, hi in zip(sub.forecast_lower, sub.forecasting, sub.forecast_upper, strict=True)
    )
    assert sub.forecasting[0] > D(1600)  # the line continues above February's 1650 - 50
    # Streams without revenue are not forecast.
    assert b.white_label_revenue.forecast_status == "no_revenue"
    dumps(b)
    flat = revenue_breakdown(_monthly_book(["500.00"] * 6), "2024-06-01", "2024-06-30", forecast_months=0)
    assert flat.subscription_revenue.trend == "stable"
    assert flat.subscription_revenue.forecast_status == "disabled"


def test_trend_uses_complete_months_only():
    # End mid-June: June is incomplete, the history stops at May (5 months: Jan..May).
    b = revenue_breakdown(_monthly_book(["100.00"] * 6), "2024-06-01", "2024-06-15", forecast_months=0)
    assert b.history_end == day("2024-05-31") and b.history_months == 5


# --- client revenue -------------------------------------------------------------------------------------------
def test_client_revenue_march_book(book):
    rows = client_revenue(book, *MARCH)
    assert [r.client_id for r in rows] == [3, 1, 2, 4]  # by revenue: 340, 150.30, 129.03, 2.58
    by_id = {r.client_id: r for r in rows}
    gamma = by_id[3]
    assert gamma.client_name == "Gamma"
    assert gamma.total_revenue == D("340.00") and gamma.previous_revenue == D("203.57")
    assert gamma.revenue_growth == pytest.approx((340 - 203.57) / 203.57)
    assert gamma.monthly_revenue == D("300.00")  # its MRR on Mar 31
    assert gamma.profitability == D("240.00")
    assert gamma.tenure_months == 1  # started in February
    beta = by_id[2]
    assert beta.ended and beta.ltv == D(0) and beta.retention_probability == 0.0
    assert beta.retention_source == "ended" and beta.monthly_revenue == D(0)
    delta = by_id[4]
    assert delta.acquisition_cost == D("350.00")  # 300 in March + 50 in February
    assert delta.revenue_growth is None and "previous period" in delta.reasons["revenue_growth"]
    # No churn observed yet: no LTV or retention from the model ...
    assert gamma.ltv is None and gamma.retention_probability is None and "not fitted" in gamma.reasons["ltv"]
    # ... unless a churn model supplies probabilities.
    churn = pd.Series({1: 0.25, 3: 0.1})
    rows = client_revenue(book, *MARCH, churn_probability=churn)
    by_id = {r.client_id: r for r in rows}
    assert by_id[3].retention_probability == pytest.approx(0.9) and by_id[3].retention_source == "churn_model"
    assert by_id[1].retention_probability == pytest.approx(0.75)
    assert by_id[4].retention_probability is None  # not in the churn model, no lifetime model
    for r in rows:
        dumps(r)


# --- LTV ------------------------------------------------------------------------------------------------------
def _geometric_book() -> RevenueInputs:
    # Four clients start 2025-01-01; client 4 leaves on Jan 20. February: clients 1-3 pay 100.00 each.
    clients = [(i, f"C{i}", "business", "basic", "active", "2025-01-01", None) for i in (1, 2, 3)]
    clients.append((4, "C4", "business", "basic", "churned", "2025-01-01", "2025-01-20"))
    invoices = [(i, "subscription", "2025-02-01", "100.00", "paid") for i in (1, 2, 3)]
    return inputs(clients, [], invoices)


def test_ltv_geometric_fallback_by_hand():
    data = _geometric_book()
    model = fit_ltv_model(data.clients, as_of="2025-02-28")
    # One cohort (Jan 2025) observed for one month: alive [4, 3]. One churn over 4 renewal decisions.
    assert model.status == "geometric" and "only 1 month" in model.reason
    assert (model.n_clients, model.n_cohorts, model.n_months) == (4, 1, 1)
    assert (model.churn_events, model.renewal_decisions) == (1, 4)
    assert model.monthly_churn_rate == pytest.approx(0.25)
    assert model.cohorts["2025-01"].tolist() == [4.0, 3.0]
    assert model.monthly_discount_rate == pytest.approx(MONTHLY_D)
    # Discounted expected lifetime sum_t 0.75^t / (1 + d)^t = (1 + d) / (d + 0.25).
    del_months = (1 + MONTHLY_D) / (MONTHLY_D + 0.25)
    assert model.expected_lifetime_months == pytest.approx(del_months)
    assert model.clv(10.0) == pytest.approx(10 * del_months)
    assert model.retention_probability(5) == pytest.approx(0.75)
    assert model.residual_lifetime(1) == pytest.approx(0.75 * (1 + MONTHLY_D) / (MONTHLY_D + 0.25))

    m = revenue_metrics(data, "2025-02-01", "2025-02-28")
    # Gross profit 300 (no costs) over 3 clients x 28 days = 84 / 30.4375 client-months.
    monthly_margin = 300 / (84 / 30.4375)  # 108.71 a client-month
    assert m.client_ltv == D(f"{monthly_margin * del_months:.2f}")  # about 424.75
    assert m.ltv_status == "geometric"
    assert m.churn_rate == 0.0  # nobody active on Feb 1 left in February
    rows = {r.client_id: r for r in client_revenue(data, "2025-02-01", "2025-02-28")}
    # Client 1: 100 in 28 days, 1 renewal made -> residual lifetime 0.75 (1 + d) / (d + 0.25).
    residual = 0.75 * (1 + MONTHLY_D) / (MONTHLY_D + 0.25)
    assert rows[1].ltv == D(f"{100 / (28 / 30.4375) * residual:.2f}")
    assert rows[1].retention_probability == pytest.approx(0.75) and rows[1].retention_source == "geometric"
    assert 4 not in rows  # ended before February, no money in it
    dumps(model)


def _cohort_clients(alive: list[int], start: str = "2020-01-01") -> pd.DataFrame:
    """Clients of one monthly cohort whose survivors at months 0..T are ``alive`` (churn mid-month)."""
    first = pd.Timestamp(start)
    rows, cid = [], 0
    for k in range(len(alive)):
        leaving = alive[k] - (alive[k + 1] if k + 1 < len(alive) else alive[k])
        end = (first + pd.DateOffset(months=k) + pd.Timedelta(days=14)).date()
        for _ in range(leaving):
            cid += 1
            rows.append((cid, f"c{cid}", "business", "basic", "churned", start, end.isoformat()))
    for _ in range(alive[-1]):
        cid += 1
        rows.append((cid, f"c{cid}", "business", "basic", "active", start, None))
    return frame(CLIENT_COLS, rows)


def test_ltv_sbg_matches_fader_hardie_2007():
    # F&H 2007's "regular" cohort, 1,000 customers over 7 periods, as one monthly cohort from January 2020.
    regular = pd.read_csv(FH2007, index_col="year")["regular"].tolist()
    clients = _cohort_clients(regular)
    model = fit_ltv_model(clients, as_of="2020-08-31")  # months 0..7 observed
    assert model.status == "sbg"
    assert model.cohorts["2020-01"].tolist() == regular
    assert (model.churn_events, model.n_months) == (759, 7)
    # Published estimates: alpha = 0.704, beta = 1.182.
    assert round(model.alpha, 3) == 0.704 and round(model.beta, 3) == 1.182
    reference = fit_sbg(regular)
    assert model.alpha == pytest.approx(reference.alpha_, rel=1e-5)
    assert model.beta == pytest.approx(reference.beta_, rel=1e-5)
    assert model.log_likelihood == pytest.approx(reference.log_likelihood_, rel=1e-8)
    d = model.monthly_discount_rate
    assert model.expected_lifetime_months == pytest.approx(
        reference.discounted_expected_lifetime(d), rel=1e-4
    )
    assert model.clv(50.0) == pytest.approx(reference.clv(50.0, d), rel=1e-4)
    assert model.residual_lifetime(3) == pytest.approx(reference.derl(d, renewals=3), rel=1e-4)
    # Retention after n renewals: (beta + n) / (alpha + beta + n).
    assert model.retention_probability(2) == pytest.approx((model.beta + 2) / (model.alpha + model.beta + 2))
    # DEL = sum_t S(t) / (1 + d)^t, summed numerically.
    t = np.arange(20000)
    assert model.expected_lifetime_months == pytest.approx(
        float(np.sum(model.model.survival(t) / (1 + d) ** t)), rel=1e-6
    )


def test_ltv_pooled_fit_equals_fit_sbg_pooled():
    # Three monthly cohorts with different horizons (censoring), fitted pooled both ways.
    a = _cohort_clients([200, 150, 120, 100, 88, 80, 74], start="2023-01-01")
    b = _cohort_clients([150, 110, 90, 78, 70], start="2023-03-01")
    c = _cohort_clients([120, 96, 80], start="2023-05-01")
    clients = pd.concat([a, b.assign(id=b["id"] + 1000), c.assign(id=c["id"] + 2000)], ignore_index=True)
    model = fit_ltv_model(clients, as_of="2023-07-31")
    assert model.status == "sbg" and model.n_cohorts == 3
    assert model.cohorts["2023-03"].tolist()[:5] == [150, 110, 90, 78, 70]
    assert model.cohorts["2023-05"].isna().sum() == 4  # observed for months 0..2 only
    reference = fit_sbg(model.cohorts, pooled=True)
    assert model.alpha == pytest.approx(reference.alpha_, rel=1e-5)
    assert model.beta == pytest.approx(reference.beta_, rel=1e-5)
    assert model.log_likelihood == pytest.approx(reference.log_likelihood_, rel=1e-8)


def test_ltv_degenerate_sbg_falls_back_to_geometric():
    # Retention falling with tenure (0.9, 0.78, 0.57, 0.25) is the opposite of what the sBG can produce (its
    # retention rises with tenure), so the fit runs off to the homogeneous corner: one churn rate for all,
    # churns / renewal decisions = 900 / (1000 + 900 + 700 + 400) = 0.3.
    model = fit_ltv_model(_cohort_clients([1000, 900, 700, 400, 100]), as_of="2020-05-31")
    assert model.status == "geometric" and "degenerate" in model.reason
    assert (model.churn_events, model.renewal_decisions) == (900, 3000)
    assert model.monthly_churn_rate == pytest.approx(0.3)
    assert model.alpha is None and model.model is None
    dumps(model)


def test_ltv_sbg_on_homogeneous_clients_approaches_geometric():
    # Exactly geometric survival (every client renews with probability 1/2): the sBG stops at huge, equal
    # alpha and beta, i.e. theta = 1/2 for everyone, and values clients as the geometric model does.
    model = fit_ltv_model(_cohort_clients([1024, 512, 256, 128, 64, 32]), as_of="2020-06-30")
    d = model.monthly_discount_rate
    assert model.alpha > 1e3 and model.alpha == pytest.approx(model.beta, rel=1e-3)
    assert model.expected_lifetime_months == pytest.approx((1 + d) / (d + 0.5), rel=1e-4)
    assert model.residual_lifetime(3) == pytest.approx(0.5 * (1 + d) / (d + 0.5), rel=1e-3)
    assert model.retention_probability(3) == pytest.approx(0.5, rel=1e-4)


def test_ltv_insufficient_data():
    empty = fit_ltv_model(frame(CLIENT_COLS, []), as_of="2025-01-31")
    assert empty.status == "insufficient_data" and empty.clv(100.0) is None
    assert empty.residual_lifetime(1) is None and empty.retention_probability(1) is None
    new = fit_ltv_model(
        frame(CLIENT_COLS, [(1, "A", "x", "basic", "active", "2025-01-10", None)]), as_of="2025-01-31"
    )
    assert new.status == "insufficient_data" and "monthly renewal" in new.reason
    assert json.loads(dumps(new))["alpha"] is None
    with pytest.raises(DataValidationError, match="annual_discount_rate"):
        fit_ltv_model(frame(CLIENT_COLS, []), as_of="2025-01-31", annual_discount_rate=0)


def test_ltv_model_can_be_reused(book):
    model = fit_ltv_model(_geometric_book().clients, as_of="2025-02-28")
    rows = client_revenue(book, *MARCH, ltv_model=model)
    assert {r.retention_source for r in rows} == {"geometric", "ended"}
    assert revenue_metrics(book, *MARCH, ltv_model=model).ltv_status == "geometric"
    with pytest.raises(DataValidationError, match="ltv_model"):
        revenue_metrics(book, *MARCH, ltv_model="sbg")


# --- edge cases -----------------------------------------------------------------------------------------------
def test_no_data_is_explicit():
    data = inputs()
    m = revenue_metrics(data, *MARCH)
    assert m.status == "no_data"
    assert m.total_revenue == D(0) and m.mrr == D(0)
    assert m.churn_rate is None and m.revenue_churn_rate is None and m.net_revenue_retention is None
    assert m.revenue_per_client is None and m.client_ltv is None and m.gross_margin is None
    assert set(m.reasons) >= {"churn_rate", "revenue_growth_rate", "revenue_per_client", "client_ltv"}
    b = revenue_breakdown(data, *MARCH)
    assert b.status == "no_data" and b.subscription_revenue.percentage is None
    assert b.history_months == 0 and b.subscription_revenue.trend is None
    assert client_revenue(data, *MARCH) == []
    p = profitability(data, *MARCH)
    assert p.status == "no_data" and p.profit_by_client == () and p.operating_expenses == {}
    analytics = revenue_analytics(data, *MARCH)
    json.dumps(analytics.to_dict(), allow_nan=False)
    assert revenue_by_month(frame(INV_COLS, []), *MARCH)["total"].tolist() == [D(0)]


def test_zero_denominators_give_none_not_nan(book):
    # Before anyone started: no client active at the start, no opening MRR, no revenue.
    m = revenue_metrics(book, "2024-12-01", "2024-12-31")
    assert m.clients_at_start == 0 and m.churn_rate is None
    assert m.reasons["churn_rate"] == "no client was active on 2024-12-01"
    assert m.revenue_churn_rate is None and m.gross_revenue_retention is None
    # January: nobody active on Jan 1? Alpha starts on Jan 1 -> 1 client, 0 churned.
    jan = revenue_metrics(book, "2025-01-01", "2025-01-31")
    assert (jan.clients_at_start, jan.churn_rate) == (1, 0.0)
    assert jan.opening_mrr == D(0) and jan.net_revenue_retention is None
    text = dumps(m) + dumps(jan)
    assert "NaN" not in text and "Infinity" not in text


def test_one_client():
    data = inputs(
        [(7, "Only", "business", "basic", "active", "2025-01-01", None)],
        [(7, "basic", "500.00", "2025-01-01", None)],
        [
            (7, "subscription", "2025-02-01", "500.00", "paid"),
            (7, "subscription", "2025-03-01", "500.00", "paid"),
        ],
    )
    m = revenue_metrics(data, *MARCH)
    assert (m.total_revenue, m.mrr, m.active_clients, m.churn_rate) == (D(500), D(500), 1, 0.0)
    assert m.revenue_growth_rate == 0.0 and m.net_revenue_retention == 1.0
    assert m.gross_margin == 1.0 and m.revenue_per_client == D("500.00")
    [row] = client_revenue(data, *MARCH)
    assert row.client_id == 7 and row.monthly_revenue == D(500) and row.tenure_months == 2


def test_client_ids_arriving_as_floats_are_matched(book):
    # Nullable client_id columns come back from the warehouse as float64 with NaN.
    time_entries = frame(TIME_COLS, TIME)
    time_entries["client_id"] = time_entries["client_id"].astype(float)
    data = RevenueInputs(book.clients, book.subscriptions, book.invoices, book.expenses, time_entries)
    assert profitability(data, *MARCH).delivery_labour_cost == D(175)


# --- validation -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("which", "change", "message"),
    [
        ("invoices", lambda f: f.drop(columns="amount"), "invoices has no column 'amount'"),
        ("clients", lambda f: f.drop(columns="start_date"), "clients has no column 'start_date'"),
        ("time_entries", lambda f: f.drop(columns="hourly_cost"), "time_entries has no column 'hourly_cost'"),
        (
            "invoices",
            lambda f: f.assign(stream="consulting"),
            "invoices.stream='consulting' is not supported",
        ),
        ("invoices", lambda f: f.assign(status="Void"), "invoices.status='Void' is not supported"),
        ("invoices", lambda f: f.assign(amount="ten"), "invoices.amount must hold numbers"),
        ("invoices", lambda f: f.assign(amount=D("NaN")), "invoices.amount is missing"),
        ("invoices", lambda f: f.assign(amount=D("Infinity")), "non-finite"),
        ("invoices", lambda f: f.assign(amount=[D("Infinity"), D("-Infinity")] * 5 + [D(1)]), "non-finite"),
        ("invoices", lambda f: f.assign(amount=[[1]] * len(f)), "invoices.amount must hold numbers"),
        ("invoices", lambda f: f.assign(period_start="not a date"), "invoices.period_start must hold dates"),
        ("invoices", lambda f: f.assign(period_start=None), "invoices.period_start is missing"),
        ("invoices", lambda f: f.assign(client_id=99), "invoices.client_id 99 is not in clients"),
        ("invoices", lambda f: f.assign(client_id=None), "invoices.client_id is missing"),
        ("subscriptions", lambda f: f.assign(monthly_fee=D("-1")), "monthly_fee must be >= 0"),
        ("subscriptions", lambda f: f.assign(end_date=dt.date(2024, 1, 1)), "ends \\(2024-01-01\\) before"),
        ("clients", lambda f: f.assign(id=1), "clients.id 1 appears twice"),
        ("clients", lambda f: f.assign(id=None), "clients.id is missing"),
        ("expenses", lambda f: f.assign(amount=True), "expenses.amount must hold numbers"),
        ("subscriptions", lambda f: f.assign(client_id=None), "subscriptions.client_id is missing"),
    ],
)
def test_validation_errors_name_the_problem(book, which, change, message):
    frames = {
        "clients": book.clients,
        "subscriptions": book.subscriptions,
        "invoices": book.invoices,
        "expenses": book.expenses,
        "time_entries": book.time_entries,
    }
    frames[which] = change(frames[which].copy())
    with pytest.raises(DataValidationError, match=message):
        RevenueInputs(**frames)


def test_argument_errors(book):
    with pytest.raises(DataValidationError, match="must be a pandas DataFrame"):
        RevenueInputs(
            book.clients.to_dict(), book.subscriptions, book.invoices, book.expenses, book.time_entries
        )
    with pytest.raises(DataValidationError, match="before start"):
        revenue_metrics(book, "2025-03-31", "2025-03-01")
    with pytest.raises(DataValidationError, match="start must be a date"):
        revenue_metrics(book, "someday", "2025-03-01")
    with pytest.raises(DataValidationError, match="end must be a date"):
        revenue_metrics(book, "2025-03-01", None)
    with pytest.raises(DataValidationError, match="RevenueInputs"):
        revenue_metrics({"clients": book.clients}, *MARCH)
    with pytest.raises(DataValidationError, match="forecast_months"):
        revenue_breakdown(book, *MARCH, forecast_months=-1)
    with pytest.raises(DataValidationError, match="between 0 and 1"):
        client_revenue(book, *MARCH, churn_probability=pd.Series({1: 1.5}))
    with pytest.raises(DataValidationError, match="client_id 1 twice"):
        client_revenue(book, *MARCH, churn_probability=pd.Series([0.1, 0.2], index=[1, 1]))
    with pytest.raises(DataValidationError, match="Series"):
        client_revenue(book, *MARCH, churn_probability={1: 0.5})
    with pytest.raises(DataValidationError, match="freq='fortnightly'"):
        mrr_series(book.subscriptions, *MARCH, freq="fortnightly")
    with pytest.raises(DataValidationError, match="subscriptions has no column 'monthly_fee'"):
        mrr_at(book.subscriptions.drop(columns="monthly_fee"), "2025-03-01")


def test_mixed_input_types_are_normalised(book):
    # Mixed Decimal/int/str money, tz-aware timestamps and datetime64 dates mean the same as the warehouse's.
    invoices = book.invoices.copy()
    invoices["amount"] = [D("100.00"), 200, "203.57", *invoices["amount"].iloc[3:]]
    invoices["period_start"] = pd.to_datetime(invoices["period_start"]).dt.tz_localize("Europe/Amsterdam")
    clients = book.clients.assign(start_date=pd.to_datetime(book.clients["start_date"]))
    data = RevenueInputs(clients, book.subscriptions, invoices, book.expenses, book.time_entries)
    m = revenue_metrics(data, pd.Timestamp("2025-03-01 08:00", tz="UTC"), "2025-03-31")
    assert (m.total_revenue, m.previous_revenue) == (D("621.91"), D("503.57"))


def test_forecast_failure_is_reported(monkeypatch):
    from thrive_analytics import forecast as forecast_module

    def broken(*args, **kwargs):
        raise DataValidationError("series has 2 missing dates")

    monkeypatch.setattr(forecast_module, "forecast", broken)
    b = revenue_breakdown(_monthly_book(["100.00"] * 12), "2024-12-01", "2024-12-31", forecast_months=2)
    assert b.subscription_revenue.forecast_status == "failed"
    assert b.subscription_revenue.forecast_reason == "forecast failed: series has 2 missing dates"


def test_ltv_needs_client_months():
    model = fit_ltv_model(_geometric_book().clients, as_of="2025-02-28")
    # A prepaid invoice in March for a client who only starts in April: no active day in March.
    data = inputs(
        [(5, "Prepaid", "business", "basic", "active", "2025-04-01", None)],
        [],
        [(5, "additional_services", "2025-03-15", "90.00", "paid")],
    )
    m = revenue_metrics(data, *MARCH, ltv_model=model)
    assert m.client_ltv is None and "no client-months" in m.reasons["client_ltv"]
    [row] = client_revenue(data, *MARCH, ltv_model=model)
    assert row.ltv is None and row.reasons["ltv"] == "the client was not active in the period"
    assert row.retention_probability == pytest.approx(0.75)


def test_streams_match_the_warehouse_vocabulary():
    assert schema.REVENUE_STREAMS == STREAMS
    assert "client_acquisition" in schema.EXPENSE_CATEGORIES


def test_json_safety_of_every_result(book):
    analytics = revenue_analytics(book, *MARCH, forecast_months=0, churn_probability=pd.Series({1: 0.2}))
    text = json.dumps(analytics.to_dict(), allow_nan=False)
    out = json.loads(text)
    assert out["revenue_metrics"]["total_revenue"] == 621.91
    assert out["revenue_breakdown"]["total_revenue"] == 621.91
    assert out["profitability_analysis"]["operating_profit"] == -197.09
    assert out["client_revenue"][0]["client_id"] == 3
    assert out["revenue_metrics"]["period_start"] == "2025-03-01"
    assert "model" not in out["ltv_model"] and "cohorts" not in out["ltv_model"]


# --- demo warehouse -------------------------------------------------------------------------------------------
DEMO_SEED = 5


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, pd.DataFrame]:
    from thrive_analytics.demo import generate_demo
    from thrive_analytics.warehouse import Warehouse, make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('revenue') / 'w.sqlite'}")
    upgrade(engine)
    wh = Warehouse(engine=engine)
    with wh.system() as conn:
        generate_demo(conn, orgs=1, clients=40, days=400, seed=DEMO_SEED, end_date=dt.date(2026, 6, 30))
    print(f"revenue demo warehouse built with seed {DEMO_SEED}")
    with wh.scoped("northwind-digital") as s:
        frames = {
            name: s.frame(s.select(getattr(schema, name)))
            for name in ("clients", "subscriptions", "invoices", "expenses", "time_entries")
        }
    engine.dispose()
    return frames


def test_demo_warehouse_reconciles(demo):
    data = RevenueInputs(**demo)
    start, end = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
    analytics = revenue_analytics(data, start, end, forecast_months=0)
    m = analytics.revenue_metrics

    inv = demo["invoices"]
    in_period = inv[(inv["status"] != "void") & (inv["period_start"] >= start) & (inv["period_start"] <= end)]
    assert m.total_revenue == sum(in_period["amount"], D(0)) > 0
    for stream, result in analytics.revenue_breakdown.streams.items():
        assert result.amount == sum(in_period.loc[in_period["stream"] == stream, "amount"], D(0))

    subs = demo["subscriptions"]
    active_fees = [
        fee
        for fee, s, e in zip(subs["monthly_fee"], subs["start_date"], subs["end_date"], strict=True)
        if s <= end and (e is None or pd.isna(e) or e >= end)
    ]
    assert m.mrr == sum(active_fees, D(0)) > 0 and m.arr == 12 * m.mrr

    assert m.client_ltv is not None and m.client_ltv > 0 and math.isfinite(float(m.client_ltv))
    assert analytics.ltv_model.fitted and 0 < analytics.ltv_model.expected_lifetime_months < 1e4
    assert m.churn_rate is not None and 0 <= m.churn_rate <= 1

    p = analytics.profitability_analysis
    time_cost = sum(
        (
            h * c
            for h, c, d in zip(
                demo["time_entries"]["hours"],
                demo["time_entries"]["hourly_cost"],
                demo["time_entries"]["work_date"],
                strict=True,
            )
            if start <= d <= end
        ),
        D(0),
    )
    exp = demo["expenses"]
    expense_total = sum(exp.loc[(exp["incurred_on"] >= start) & (exp["incurred_on"] <= end), "amount"], D(0))
    assert p.operating_profit == m.total_revenue - time_cost - expense_total
    assert sum(r.total_revenue for r in analytics.client_revenue) == m.total_revenue
    assert all(r.retention_probability is not None for r in analytics.client_revenue)

    table = revenue_by_month(inv, "2025-01-01", "2026-12-31")
    assert table["total"].sum() == sum(inv.loc[inv["status"] != "void", "amount"], D(0))
    json.dumps(analytics.to_dict(), allow_nan=False)


def test_demo_forecast(demo):
    data = RevenueInputs(**demo)
    b = revenue_breakdown(data, "2026-06-01", "2026-06-30", forecast_months=3)
    assert b.history_months >= 12
    sub = b.subscription_revenue
    assert sub.forecast_status == "ok" and len(sub.forecasting) == 3
    assert all(v > 0 for v in sub.forecasting)
    json.dumps(b.to_dict(), allow_nan=False)


# --- scale ----------------------------------------------------------------------------------------------------
def test_a_book_of_500_clients_over_two_years_gives_every_result():
    """Every revenue result for an agency of 500 clients (its speed is measured by benchmarks/bench_revenue.py)."""
    frames = synthetic_revenue_book()
    assert len(frames["time_entries"]) == 100_000 and len(frames["invoices"]) > 9000
    result = revenue_analytics(RevenueInputs(**frames), "2026-04-01", "2026-06-30", forecast_months=0)
    json.dumps(result.to_dict(), allow_nan=False)
    assert result.revenue_metrics.total_revenue > 0 and result.ltv_model.fitted


def test_recognized_revenue_spreads_invoices_over_their_service_days():
    from thrive_analytics.revenue import recognized_revenue

    invoices = pd.DataFrame(
        {
            "period_start": [
                dt.date(2026, 5, 1),
                dt.date(2026, 6, 1),
                dt.date(2026, 6, 10),
                dt.date(2026, 6, 1),
            ],
            "period_end": [
                dt.date(2026, 5, 31),
                dt.date(2026, 6, 30),
                dt.date(2026, 6, 10),
                dt.date(2026, 6, 30),
            ],
            "amount": [Decimal("310.00"), Decimal("300.00"), Decimal("99.99"), Decimal("1000.00")],
            "status": ["paid", "open", "paid", "void"],
        }
    )
    # 17 May to 15 June: 15/31 of May's 310.00 = 150.00; 15/30 of June's 300.00 = 150.00; the one-day
    # invoice of 10 June in full; the void invoice not at all.
    assert recognized_revenue(invoices, dt.date(2026, 5, 17), dt.date(2026, 6, 15)) == Decimal("399.99")
    # A share that is not a whole number of cents rounds half-even: 7/31 of 310.00 = 70.00, 1/30 of 300 = 10.
    assert recognized_revenue(invoices, dt.date(2026, 5, 25), dt.date(2026, 6, 1)) == Decimal("80.00")
    assert recognized_revenue(invoices.iloc[:0], dt.date(2026, 5, 1), dt.date(2026, 5, 31)) == Decimal("0.00")
    bad = invoices.assign(period_end=[dt.date(2026, 4, 1)] * 4)
    with pytest.raises(DataValidationError, match="period_end is before period_start"):
        recognized_revenue(bad, dt.date(2026, 5, 1), dt.date(2026, 5, 31))


def test_recognized_revenue_by_stream_is_each_streams_recognized_revenue():
    from thrive_analytics.revenue import recognized_by_stream, recognized_revenue

    invoices = pd.DataFrame(
        {
            "stream": [
                "subscription",
                "white_label",
                "subscription",
                "performance_bonus",
                "performance_bonus",
            ],
            "period_start": pd.to_datetime(
                ["2026-05-01", "2026-06-01", "2026-06-01", "2026-06-10", "2026-06-12"]
            ),
            "period_end": pd.to_datetime(
                ["2026-05-31", "2026-06-30", "2026-06-30", "2026-06-10", "2026-06-12"]
            ),
            "amount": [
                Decimal("310.00"),
                Decimal("300.00"),
                Decimal("1000.00"),
                Decimal("99.99"),
                Decimal("5"),
            ],
            "status": ["paid", "open", "paid", "paid", "void"],
        }
    )
    start, end = dt.date(2026, 5, 17), dt.date(2026, 6, 15)
    got = recognized_by_stream(invoices, start, end)
    # every stream with a non-void invoice in the window, in name order
    assert list(got) == ["performance_bonus", "subscription", "white_label"]
    for stream, amount in got.items():
        assert amount == recognized_revenue(invoices.loc[invoices["stream"] == stream], start, end)
    assert got == {
        "performance_bonus": Decimal("99.99"),
        "subscription": Decimal("650.00"),  # 15/31 of 310.00 and half of 1,000.00
        "white_label": Decimal("150.00"),
    }
    assert sum(got.values()) == recognized_revenue(invoices, start, end)
    assert recognized_by_stream(invoices.iloc[:0], start, end) == {}
