"""A large synthetic revenue book (invoices, subscriptions, time entries, expenses) at agency scale.

The warehouse demo (:mod:`.generator`) writes a few dozen clients per organisation; revenue analytics must stay
fast and exact for an agency of hundreds of clients over years, which this book provides without a database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import numpy as np
import pandas as pd

from ..revenue import STREAMS
from ..warehouse import schema


def synthetic_revenue_book(n_clients: int = 500, seed: int = 11) -> dict[str, pd.DataFrame]:
    """An agency's book of ``n_clients`` clients over the two years to 30 June 2026, as the frames of
    :class:`~thrive_analytics.revenue.RevenueInputs`: for 500 clients about 12,000 invoices, 100,000 time entries
    and 2,000 expenses (vectorised, deterministic for a seed). For scale tests and the revenue benchmark."""
    rng = np.random.default_rng(seed)
    w0, days = np.datetime64("2024-07-01"), 730
    old = rng.random(n_clients) < 0.6
    start = np.where(
        old, w0 - rng.exponential(700, n_clients).astype(int), w0 + rng.integers(0, days - 30, n_clients)
    ).astype("datetime64[D]")
    churn = rng.random(n_clients) < 0.3
    end = start + np.maximum(60, rng.integers(60, 900, n_clients))
    end = np.where(churn & (end < w0 + days - 1), end, np.datetime64("NaT"))
    ids = np.arange(1, n_clients + 1)
    dates = lambda a: pd.Series([None if np.isnat(x) else x.astype(dt.date) for x in a], dtype=object)  # noqa: E731
    money = lambda cents: pd.Series([D(int(c)).scaleb(-2) for c in cents], dtype=object)  # noqa: E731
    clients = pd.DataFrame(
        {"id": ids, "name": [f"Client {i}" for i in ids], "start_date": dates(start), "end_date": dates(end)}
    )
    fee = rng.choice([500, 900, 1500, 2500], n_clients) * 100
    subs = pd.DataFrame(
        {"client_id": ids, "monthly_fee": money(fee), "start_date": dates(start), "end_date": dates(end)}
    )
    months = np.arange(np.datetime64("2024-07"), np.datetime64("2026-07")).astype("datetime64[D]")
    last = np.where(np.isnat(end), w0 + days, end)
    live = (start[:, None] <= months[None, :] + 27) & (last[:, None] >= months[None, :])
    ci, mi = np.nonzero(live)
    extra = rng.random(len(ci)) < 0.45
    inv_client = np.r_[ids[ci], ids[ci[extra]]]
    inv_month = np.r_[months[mi], months[mi[extra]]]
    inv_stream = np.r_[np.full(len(ci), "subscription"), rng.choice(list(STREAMS[1:]), extra.sum())]
    inv_amount = np.r_[fee[ci], rng.integers(1000, 90000, extra.sum())]
    invoices = pd.DataFrame(
        {
            "client_id": inv_client,
            "stream": inv_stream,
            "period_start": dates(inv_month),
            "amount": money(inv_amount),
            "status": rng.choice(["paid", "open", "void"], len(inv_client), p=[0.9, 0.08, 0.02]),
        }
    )
    n_time = 100_000
    time_client = rng.integers(1, n_clients + 1, n_time).astype(float)
    time_client[rng.random(n_time) < 0.15] = np.nan
    time_entries = pd.DataFrame(
        {
            "user_id": rng.integers(1, 40, n_time),
            "client_id": time_client,
            "work_date": dates(w0 + rng.integers(0, days, n_time)),
            "hours": money(rng.integers(1, 33, n_time) * 25),
            "hourly_cost": money(rng.choice([3500, 4200, 5550, 6000], n_time)),
            "billable": rng.random(n_time) < 0.8,
        }
    )
    n_exp = 2000
    exp_client = rng.integers(1, n_clients + 1, n_exp).astype(float)
    exp_client[rng.random(n_exp) < 0.7] = np.nan
    expenses = pd.DataFrame(
        {
            "client_id": exp_client,
            "incurred_on": dates(w0 + rng.integers(0, days, n_exp)),
            "category": rng.choice(list(schema.EXPENSE_CATEGORIES), n_exp),
            "amount": money(rng.integers(1000, 300000, n_exp)),
        }
    )
    return {
        "clients": clients,
        "subscriptions": subs,
        "invoices": invoices,
        "expenses": expenses,
        "time_entries": time_entries,
    }
