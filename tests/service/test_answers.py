"""Stored answers are served exactly while the organisation's source data is unchanged."""

from __future__ import annotations

import datetime as dt
import importlib
import json

import pytest
from sqlalchemy import func, select

from thrive_analytics.demo import generate_demo
from thrive_analytics.exceptions import ConfigurationError
from thrive_analytics.service import answers, cross_client
from thrive_analytics.service.rollup import run_rollup
from thrive_analytics.warehouse import Warehouse, schema

from ..conftest import migrated_demo

END = dt.date(2026, 6, 30)
ORG = "northwind-digital"


@pytest.fixture
def small(database_copy) -> Warehouse:
    """Two demo organisations on each backend, in a database of the test's own (tests here write)."""
    return Warehouse(engine=database_copy(*migrated_demo(orgs=2, clients=8, days=90, seed=11, end_date=END)))


def stored_rows(warehouse: Warehouse) -> list[tuple]:
    table = schema.stored_answers
    with warehouse.system() as conn:
        return conn.execute(select(table.c.org_id, table.c.question, table.c.revision)).all()


def forbid_computing(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the answer was computed, not served from storage")

    module = importlib.import_module(
        "thrive_analytics.service.cross_client"
    )  # the package exports a function
    monkeypatch.setattr(module, "cross_client", refuse)


def test_the_stored_answer_is_the_computed_one_and_is_served_without_computing(small, monkeypatch):
    with small.scoped(ORG) as session:
        assert session.revision == 1  # the demo load is the organisation's first change
        first = answers.answer(session, "cross_client", time_range="30d", end=END)
        fresh = cross_client(session, time_range="30d", end=END).to_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(fresh, sort_keys=True)
    assert [(q, r) for _, q, r in stored_rows(small)] == [("cross_client", 1)]
    forbid_computing(monkeypatch)
    with small.scoped(ORG) as session:
        again = answers.answer(session, "cross_client", time_range="30d", end=END)
    assert again == first


def test_a_change_to_source_data_makes_the_next_answer_fresh(small):
    with small.scoped(ORG) as session:
        before = answers.answer(session, "cross_client", time_range="30d", end=END)
        client_id = before["client_analytics"][0]["client_id"]
        account = session.execute(
            session.select(schema.platform_accounts.c.id).where(
                schema.platform_accounts.c.client_id == client_id
            )
        ).scalar()
    daily = schema.account_metrics_daily
    with small.scoped(ORG) as session:
        changed = session.update(
            daily,
            {"impressions": daily.c.impressions + 1_000_000},
            daily.c.account_id == account,
            daily.c.metric_date == END,
        )
        assert changed == 1
        assert session.revision == 2  # raised once in the transaction that changed the data
    with small.scoped(ORG) as session:
        after = answers.answer(session, "cross_client", time_range="30d", end=END)
    total = "total_impressions"
    assert after["aggregate_metrics"][total] == before["aggregate_metrics"][total] + 1_000_000
    assert [r for _, _, r in stored_rows(small)] == [2]  # the stale copy is gone


def test_writing_derived_tables_keeps_the_revision(small):
    with small.scoped(ORG) as session:
        session.insert(
            schema.cross_client_analytics,
            {"metric_date": END, "total_content": 1},
        )
        assert session.revision == 1


def test_other_organisations_answers_are_neither_served_nor_invalidated(small):
    with small.scoped(ORG) as session:
        answers.answer(session, "cross_client", time_range="30d", end=END)
    other = "civic-reach-partners"
    with small.scoped(other) as session:
        theirs = answers.answer(session, "cross_client", time_range="30d", end=END)
        session.delete(schema.surveys, schema.surveys.c.survey_date == END)  # their data changes
    names = {c["client_name"] for c in theirs["client_analytics"]}
    with small.scoped(ORG) as session:
        ours = answers.answer(session, "cross_client", time_range="30d", end=END)
        assert session.revision == 1
    assert names.isdisjoint(c["client_name"] for c in ours["client_analytics"])
    assert sorted(q for _, q, _ in stored_rows(small)) == ["cross_client", "cross_client"]


def test_a_client_viewer_gets_the_answer_but_stores_nothing(small):
    with small.scoped(ORG) as session:
        slug = session.clients().iloc[0]["slug"]
    with small.scoped(ORG, client=slug) as session:
        body = answers.answer(session, "overview", time_range="30d", end=END)
    assert body["period"]["end"] == END.isoformat()
    assert stored_rows(small) == []


def test_rollup_stores_the_latest_answers_ahead_of_the_first_visitor(small, monkeypatch):
    run_rollup(small, [ORG])
    assert sorted(q for _, q, _ in stored_rows(small)) == ["cross_client", "overview"]
    forbid_computing(monkeypatch)
    with small.scoped(ORG) as session:
        body = answers.answer(session, "cross_client", time_range="30d", end=END)
    assert body["period"]["end"] == END.isoformat()


def test_unknown_question_is_one_sentence(small):
    with small.scoped(ORG) as session, pytest.raises(ConfigurationError, match="Unknown question 'x'"):
        answers.answer(session, "x")


def test_a_new_demo_load_counts_as_a_change(small):
    with small.system() as conn:
        generate_demo(conn, orgs=1, clients=4, days=30, seed=12, end_date=END)
        revisions = conn.execute(select(func.count()).select_from(schema.data_revisions)).scalar()
    assert revisions == 2  # the replaced organisation's old counter went with it; a new one per org


def test_a_comparison_is_stored_per_client_selection_and_served_after(small, monkeypatch):
    from thrive_analytics.service.compare import compare_clients

    with small.scoped(ORG) as session:
        ids = [int(i) for i in session.clients()["id"]]
        picked = ids[:3]
        first = answers.answer(session, "compare", clients=picked, time_range="30d", end=END)
        fresh = compare_clients(session, picked, time_range="30d", end=END).to_dict()
        other = answers.answer(session, "compare", clients=ids[3:5], time_range="30d", end=END)
    assert json.dumps(first, sort_keys=True) == json.dumps(fresh, sort_keys=True)
    assert [r["client_id"] for r in first["comparison_data"]] == picked
    assert [r["client_id"] for r in other["comparison_data"]] == ids[3:5]  # another selection, another answer
    assert sorted(q for _, q, _ in stored_rows(small)) == ["compare", "compare"]

    def refuse(*args, **kwargs):
        raise AssertionError("the comparison was computed, not served from storage")

    monkeypatch.setattr(
        importlib.import_module("thrive_analytics.service.compare"), "compare_clients", refuse
    )
    with small.scoped(ORG) as session:
        assert answers.answer(session, "compare", clients=picked, time_range="30d", end=END) == first
        with pytest.raises(AssertionError, match="computed"):  # a metric not asked before is computed
            answers.answer(session, "compare", clients=picked, time_range="30d", end=END, metric="clicks")
