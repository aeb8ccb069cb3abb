"""Churn risk for an organisation's current clients, from a model trained on its own history.

Monthly snapshots of the organisation's clients (features from the data before each snapshot, label: did the
client leave within the horizon) train :class:`thrive_analytics.churn.ChurnModel`; only snapshots whose
horizon has fully passed are used for training. The clients active on ``end`` are then scored, each with the
reasons that raise its risk, and the model's quality on a time-based split is reported beside the
rule-of-thumb baseline, so an account manager can see whether to trust it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..churn import ChurnModel, churn_features, evaluate_time_split, load_churn_inputs
from ..exceptions import DataValidationError
from ..results import JsonResult
from ..warehouse import TenantSession
from . import loaders

HORIZON_DAYS = 90
HISTORY_MONTHS = 18
MIN_CHURNERS = 10  # fewer churned training rows than this and the model is not trusted


@dataclass
class ChurnRiskAnswer(JsonResult):
    organization_id: int
    as_of: str
    horizon_days: int
    status: str
    reason: str | None
    clients: list[dict]
    evaluation: dict | None


def _snapshots(end: dt.date) -> list[dt.date]:
    first = (pd.Timestamp(end) - pd.DateOffset(months=HISTORY_MONTHS)).to_period("M").to_timestamp()
    return [d.date() for d in pd.date_range(first, end, freq="MS")] + [end]


def churn_risk(session: TenantSession, *, end: dt.date | None = None, top: int = 3) -> ChurnRiskAnswer:
    """Every current client's probability of leaving within 90 days, most at risk first, with reasons."""
    if end is None:
        end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    inputs = load_churn_inputs(session)
    features = churn_features(
        inputs, sorted(set(_snapshots(end))), horizon_days=HORIZON_DAYS, observed_until=end
    )
    current = features.loc[pd.to_datetime(features["snapshot_date"]) == pd.Timestamp(end)]
    train = features.dropna(subset=["churned_within_horizon"])
    churners = int(train["churned_within_horizon"].sum()) if len(train) else 0
    base = {"organization_id": session.scope.org_id, "as_of": end.isoformat(), "horizon_days": HORIZON_DAYS}
    if churners < MIN_CHURNERS or current.empty:
        reason = (
            f"Only {churners} churned client-snapshots in the organisation's history; at least {MIN_CHURNERS} "
            "are needed to train a churn model."
            if churners < MIN_CHURNERS
            else "No active clients on that day."
        )
        return ChurnRiskAnswer(**base, status="insufficient_data", reason=reason, clients=[], evaluation=None)
    model = ChurnModel().fit(train)
    probability = model.predict_proba(current)
    reasons = model.explain(current, top=top, include_profile=False)
    by_row: dict = {}
    for row in reasons.itertuples(index=False):
        by_row.setdefault(row.client_id, []).append(row.reason)
    names = loaders.load_clients(session).set_index("id")["name"]
    clients = [
        {
            "client_id": int(cid),
            "client_name": str(names.get(cid, cid)),
            "churn_probability": float(p),
            "retention_risk": "high" if p >= 0.35 else "medium" if p >= 0.15 else "low",
            "reasons": by_row.get(cid, []),
        }
        for cid, p in zip(current["client_id"], probability, strict=True)
    ]
    clients.sort(key=lambda c: c["churn_probability"], reverse=True)
    split = pd.Timestamp(end) - pd.DateOffset(months=6)
    try:
        evaluation = evaluate_time_split(features, split_date=split.date()).to_dict()
    except DataValidationError as exc:
        evaluation = {"status": "insufficient_data", "reason": str(exc)}
    return ChurnRiskAnswer(**base, status="ok", reason=None, clients=clients, evaluation=evaluation)
