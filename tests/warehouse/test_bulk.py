"""Batch writes and exact money on both backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import func, select

from thrive_analytics.exceptions import DataValidationError
from thrive_analytics.warehouse import schema, write_frame


def seed_org_and_client(conn) -> None:
    write_frame(
        conn,
        schema.organizations,
        pd.DataFrame([{"id": 1, "slug": "acme", "name": "Acme", "kind": "agency"}]),
    )
    write_frame(
        conn,
        schema.clients,
        pd.DataFrame(
            [
                {
                    "id": 1,
                    "org_id": 1,
                    "slug": "city-of-x",
                    "name": "City of X",
                    "client_type": "municipality",
                    "sector": "local government",
                    "size": "medium",
                    "tier": "professional",
                    "status": "active",
                    "start_date": dt.date(2025, 1, 1),
                }
            ]
        ),
    )


def test_write_frame_round_trips_every_column_type(migrated_engine):
    invoices = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "org_id": 1,
            "client_id": 1,
            "number": ["A-1", "A-2", "A-3"],
            "stream": ["subscription", "white_label", "marketplace_commission"],
            "period_start": [dt.date(2026, 1, 1)] * 3,
            "period_end": [dt.date(2026, 1, 31)] * 3,
            "issued_on": pd.to_datetime(["2026-02-01"] * 3),
            "due_on": [dt.date(2026, 3, 3)] * 3,
            "paid_on": [dt.date(2026, 2, 20), None, None],
            # 0.10 + 0.20 is not 0.30 in binary floating point; it must be here.
            "amount": [Decimal("0.10"), Decimal("0.20"), Decimal("1234567.89")],
            "status": ["paid", "open", "overdue"],
        }
    )
    comms = pd.DataFrame(
        {
            "org_id": 1,
            "client_id": 1,
            "id": [1],
            "channel": ["email"],
            "direction": ["inbound"],
            "subject": ["Tab\tand newline\nin a subject"],
            "sent_at": [pd.Timestamp("2026-02-03 09:30:15.250000", tz="UTC")],
            "responded_at": [None],
        }
    )
    with migrated_engine.begin() as conn:
        seed_org_and_client(conn)
        assert write_frame(conn, schema.invoices, invoices) == 3
        assert write_frame(conn, schema.communications, comms) == 1
        write_frame(
            conn,
            schema.cross_client_analytics,
            pd.DataFrame(
                [{"id": 1, "org_id": 1, "metric_date": dt.date(2026, 1, 1), "insights": [{"title": "é ✓"}]}]
            ),
        )
    with migrated_engine.connect() as conn:
        rows = conn.execute(select(schema.invoices).order_by(schema.invoices.c.id)).mappings().all()
        total = conn.execute(
            select(func.sum(schema.invoices.c.amount)).where(schema.invoices.c.id < 3)
        ).scalar_one()
        comm = conn.execute(select(schema.communications)).mappings().one()
        insights = conn.execute(select(schema.cross_client_analytics.c.insights)).scalar_one()
    assert [r["amount"] for r in rows] == [Decimal("0.10"), Decimal("0.20"), Decimal("1234567.89")]
    assert total == Decimal("0.30") and isinstance(total, Decimal)
    assert rows[0]["issued_on"] == dt.date(2026, 2, 1) and rows[0]["paid_on"] == dt.date(2026, 2, 20)
    assert rows[1]["paid_on"] is None
    assert comm["subject"] == "Tab\tand newline\nin a subject"
    assert comm["sent_at"].replace(tzinfo=None) == dt.datetime(2026, 2, 3, 9, 30, 15, 250000)
    assert comm["responded_at"] is None
    assert insights == [{"title": "é ✓"}]


def test_write_frame_names_unknown_and_missing_columns(migrated_engine):
    with migrated_engine.begin() as conn:
        with pytest.raises(DataValidationError, match="unknown column.*colour"):
            write_frame(
                conn,
                schema.organizations,
                pd.DataFrame([{"slug": "x", "name": "X", "kind": "agency", "colour": 1}]),
            )
        with pytest.raises(DataValidationError, match="required column.*kind"):
            write_frame(conn, schema.organizations, pd.DataFrame([{"slug": "x", "name": "X"}]))


def test_a_failed_batch_leaves_nothing_behind(migrated_engine):
    good = {"slug": "ok", "name": "OK", "kind": "agency"}
    bad = {"slug": "ok", "name": "Duplicate slug", "kind": "agency"}
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), migrated_engine.begin() as conn:
        write_frame(conn, schema.organizations, pd.DataFrame([good, bad]))
    with migrated_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.organizations)).scalar_one() == 0


def test_money_is_never_a_float(migrated_engine):
    with migrated_engine.begin() as conn:
        seed_org_and_client(conn)
        conn.execute(
            schema.expenses.insert(),
            [
                {
                    "org_id": 1,
                    "incurred_on": dt.date(2026, 1, d),
                    "category": "software",
                    "description": "x",
                    "amount": a,
                }
                for d, a in ((1, Decimal("19.99")), (2, 0.01), (3, "100.005"))
            ],
        )
    with migrated_engine.connect() as conn:
        amounts = (
            conn.execute(select(schema.expenses.c.amount).order_by(schema.expenses.c.id)).scalars().all()
        )
        total = conn.execute(select(func.sum(schema.expenses.c.amount))).scalar_one()
    assert amounts == [Decimal("19.99"), Decimal("0.01"), Decimal("100.00")]  # half-even rounding to cents
    assert all(isinstance(a, Decimal) for a in amounts)
    assert total == Decimal("120.00")


def test_refresh_statistics_gives_the_planner_figures(migrated_engine):
    from thrive_analytics.warehouse.bulk import refresh_statistics

    with migrated_engine.begin() as conn:
        seed_org_and_client(conn)
        refresh_statistics(conn)
        if conn.dialect.name == "sqlite":
            tables = {r[0] for r in conn.exec_driver_sql("SELECT tbl FROM sqlite_stat1")}
        else:
            tables = {
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
                )
            }
    assert {"organizations", "clients"} <= tables
