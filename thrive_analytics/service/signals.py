"""Per-client health signals for a period (the input of :func:`thrive_analytics.health.health_indicators`)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import func

from ..metrics import Period
from ..warehouse import TenantSession, schema
from . import loaders

FEW_CLIENTS = 50


def nps_by_client(surveys: pd.DataFrame) -> pd.Series:
    """Net promoter score per client from 0–10 ratings (columns client_id, nps): % promoters (9–10) −
    % detractors (0–6), from −100 to 100; clients without a rating are absent."""
    rated = surveys.dropna(subset=["nps"])
    if rated.empty:
        return pd.Series(dtype=float)
    score = (rated["nps"] >= 9).astype(float) - (rated["nps"] <= 6).astype(float)
    return score.groupby(rated["client_id"]).mean() * 100


def health_signals(session: TenantSession, frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    """One row per client of ``frame`` (the cross-client per-client frame) with every health signal.

    * billing: invoices due by the end of the period and still unpaid then (overdue), and the mean days
      late of invoices paid in the last 90 days (early payment counts as 0);
    * communication: days from the last message either way (within the last 365 days) to the end of the
      period; median hours the agency took to answer the client's messages in the last 90 days;
    * satisfaction: latest CSAT; NPS from the client's ratings in the last 365 days;
    * contract: current monthly fee, tenure in months, revenue streams bought in the last 365 days.
    """
    # The reads cover the whole organisation (one scan each, no long IN lists); results are aligned to
    # ``frame``'s clients below.
    end = period.end
    few = len(frame) <= FEW_CLIENTS  # a handful of clients: filter in SQL; a portfolio: one scan each

    def mine(column) -> list:
        return [column.in_([int(c) for c in frame.index])] if few else []

    since_90, since_365 = end - dt.timedelta(days=89), end - dt.timedelta(days=364)
    inv = schema.invoices
    unpaid = (inv.c.paid_on.is_(None)) | (inv.c.paid_on > end)
    overdue = session.frame(
        session.select(inv.c.client_id, func.count().label("n"))
        .where(*mine(inv.c.client_id), inv.c.status != "void", inv.c.due_on < end, unpaid)
        .group_by(inv.c.client_id)
    )
    paid = loaders.load_table(
        session,
        inv,
        *mine(inv.c.client_id),
        inv.c.paid_on.between(since_90, end),
        columns=["client_id", "due_on", "paid_on"],
    )
    late_days = (pd.to_datetime(paid["paid_on"]) - pd.to_datetime(paid["due_on"])).dt.days.clip(lower=0)
    bought = session.frame(
        session.select(inv.c.client_id, inv.c.stream)
        .where(*mine(inv.c.client_id), inv.c.status != "void", inv.c.issued_on.between(since_365, end))
        .distinct()
    )
    streams = bought.sort_values("stream").groupby("client_id")["stream"].agg(list)

    comms_t = schema.communications
    day_after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)
    last = session.frame(
        session.select(comms_t.c.client_id, func.max(comms_t.c.sent_at).label("last"))
        .where(
            *mine(comms_t.c.client_id),
            comms_t.c.sent_at >= dt.datetime.combine(since_365, dt.time.min),
            comms_t.c.sent_at < day_after,
        )
        .group_by(comms_t.c.client_id)
    )
    last_contact = (
        pd.to_datetime(last.set_index("client_id")["last"], utc=True)
        if not last.empty
        else pd.Series(dtype="datetime64[ns, UTC]")
    )
    inbound = loaders.load_table(
        session,
        comms_t,
        *mine(comms_t.c.client_id),
        comms_t.c.direction == "inbound",
        comms_t.c.sent_at >= dt.datetime.combine(since_90, dt.time.min),
        comms_t.c.sent_at < day_after,
        columns=["client_id", "sent_at", "responded_at"],
    )
    end_ts = pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1)
    hours = pd.to_datetime(inbound["responded_at"], utc=True) - pd.to_datetime(inbound["sent_at"], utc=True)
    response = (hours.dt.total_seconds() / 3600).groupby(inbound["client_id"]).median()

    surveys_t = schema.surveys
    surveys = loaders.load_table(
        session,
        surveys_t,
        *mine(surveys_t.c.client_id),
        surveys_t.c.survey_date.between(since_365, end),
        columns=["client_id", "nps"],
    )
    nps = nps_by_client(surveys)

    subs_t = schema.subscriptions
    subs = loaders.load_table(
        session,
        subs_t,
        *mine(subs_t.c.client_id),
        subs_t.c.start_date <= end,
        columns=["client_id", "monthly_fee", "start_date", "end_date"],
    )
    active = subs.loc[subs["end_date"].isna() | (subs["end_date"] >= end)].sort_values("start_date")
    fee = active.groupby("client_id")["monthly_fee"].last().map(float)
    accounts = loaders.load_table(
        session, schema.platform_accounts, *mine(schema.platform_accounts.c.client_id), columns=["client_id"]
    )
    platforms = accounts.groupby("client_id").size()

    tenure = (pd.Timestamp(end) - pd.to_datetime(frame["start_date"])).dt.days / 30.4375
    signals = pd.DataFrame(index=frame.index)
    signals["client_id"] = frame["client_id"]
    signals["client_name"] = frame["client_name"]
    signals["engagement_change"] = frame["engagement_growth"].clip(lower=-1.0)
    signals["engagement_trend"] = frame["trend_direction"]
    signals["satisfaction"] = frame["satisfaction"]
    signals["nps"] = nps.reindex(frame.index)
    signals["overdue_invoices"] = (
        overdue.set_index("client_id")["n"].reindex(frame.index).fillna(0).astype(int)
        if not overdue.empty
        else 0
    )
    signals["days_late_avg"] = late_days.groupby(paid["client_id"]).mean().reindex(frame.index).fillna(0.0)
    signals["days_since_contact"] = ((end_ts - last_contact).dt.days).reindex(frame.index)
    signals["response_hours_median"] = response.reindex(frame.index)
    signals["monthly_fee"] = fee.reindex(frame.index).fillna(0.0)
    signals["tier"] = frame["tier"]
    signals["client_type"] = frame["client_type"]
    signals["tenure_months"] = tenure.reindex(frame.index).clip(lower=0)
    signals["streams"] = streams.reindex(frame.index).map(lambda s: s if isinstance(s, list) else [])
    signals["services"] = signals["streams"].map(len)
    signals["platforms"] = platforms.reindex(frame.index).fillna(0).astype(int)
    signals["days_since_contact"] = signals["days_since_contact"].astype("float64").replace(np.nan, None)
    return signals.reset_index(drop=True)
