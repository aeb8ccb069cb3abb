"""Health signals: the net promoter score and per-client billing/communication figures."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select

from thrive_analytics.service.common import resolve_period
from thrive_analytics.service.cross_client import client_frame
from thrive_analytics.service.signals import health_signals, nps_by_client
from thrive_analytics.warehouse import schema


def test_nps_by_hand():
    # 2 promoters (9, 10), 1 passive (8), 1 detractor (3): (2 - 1) / 4 = +25
    ratings = pd.DataFrame({"client_id": [1, 1, 1, 1, 2, 2, 3], "nps": [9, 10, 8, 3, 6, 6, None]})
    scores = nps_by_client(ratings)
    assert scores.loc[1] == pytest.approx(25.0)
    assert scores.loc[2] == pytest.approx(-100.0)
    assert 3 not in scores.index  # no rating: no score, not 0
    assert nps_by_client(ratings.iloc[:0]).empty


def test_signals_match_direct_queries(sqlite_warehouse):
    end = dt.date(2026, 6, 30)
    period = resolve_period("30d", end)
    org = sqlite_warehouse.organizations().iloc[0]["slug"]
    with sqlite_warehouse.scoped(org) as session:
        frame, _ = client_frame(session, period)
        signals = health_signals(session, frame, period).set_index("client_id")
        org_id = session.scope.org_id
    inv, comms = schema.invoices, schema.communications
    with sqlite_warehouse.system() as conn:
        invoices = pd.DataFrame(conn.execute(select(inv).where(inv.c.org_id == org_id)).mappings().all())
        messages = pd.DataFrame(conn.execute(select(comms).where(comms.c.org_id == org_id)).mappings().all())
    for cid in signals.index[:10]:
        mine = invoices.loc[(invoices["client_id"] == cid) & (invoices["status"] != "void")]
        overdue = mine.loc[(mine["due_on"] < end) & (mine["paid_on"].isna() | (mine["paid_on"] > end))]
        assert signals.loc[cid, "overdue_invoices"] == len(overdue)
        sent = pd.to_datetime(messages.loc[messages["client_id"] == cid, "sent_at"])
        sent = sent[sent < pd.Timestamp(end) + pd.Timedelta(days=1)]
        if len(sent):
            expected = (pd.Timestamp(end) + pd.Timedelta(days=1) - sent.max()).days
            assert signals.loc[cid, "days_since_contact"] == expected
        assert 0 <= signals.loc[cid, "services"] <= 5
