"""Churn risk for current clients: trained on the organisation's own history, with reasons and evaluation."""

from __future__ import annotations

import datetime as dt
import json

from thrive_analytics.demo import generate_demo
from thrive_analytics.service import churn_risk
from thrive_analytics.warehouse import Warehouse, make_engine, upgrade

from ..test_cli import run


def test_current_clients_are_scored_with_reasons(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'churn.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    warehouse = Warehouse(engine=engine)
    end = dt.date(2026, 6, 30)
    with warehouse.system() as conn:
        generate_demo(conn, orgs=1, clients=150, days=540, seed=11, end_date=end)
    org = warehouse.organizations().iloc[0]["slug"]
    with warehouse.scoped(org) as session:
        answer = churn_risk(session, end=end)
        active = session.clients()
    data = answer.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["status"] == "ok", data["reason"]
    still = active.loc[active["end_date"].isna() | (active["end_date"] > end)]
    assert {c["client_id"] for c in data["clients"]} <= set(still["id"])
    probabilities = [c["churn_probability"] for c in data["clients"]]
    assert probabilities == sorted(probabilities, reverse=True) and all(0 <= p <= 1 for p in probabilities)
    assert any(c["reasons"] for c in data["clients"][:10])
    assert data["evaluation"]["n_test"] > 0 and data["evaluation"]["model_auc"] is not None
    code, out, err = run(capsys, "analytics", "churn", "--org", org, "--db", url, "--end", "2026-06-30")
    assert code == 0, err
    assert "Clients most likely to leave within 90 days of 2026-06-30" in out


def test_too_little_history_is_said_plainly(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'short.sqlite'}")
    upgrade(engine)
    warehouse = Warehouse(engine=engine)
    end = dt.date(2026, 6, 30)
    with warehouse.system() as conn:
        generate_demo(conn, orgs=1, clients=5, days=60, seed=2, end_date=end)
    with warehouse.scoped(warehouse.organizations().iloc[0]["slug"]) as session:
        answer = churn_risk(session, end=end)
    assert answer.status == "insufficient_data" and "needed to train a churn model" in answer.reason
