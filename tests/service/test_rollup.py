"""The rollup job is incremental and idempotent, and writes each organisation's rows only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from thrive_analytics.service.rollup import run_rollup
from thrive_analytics.warehouse import Warehouse, make_engine, schema, upgrade

from ..test_cli import assert_one_sentence_error, run

TABLES = (
    schema.service_provider_metrics,
    schema.cross_client_analytics,
    schema.client_analytics,
    schema.client_performance_rankings,
    schema.revenue_analytics,
)


def snapshot(warehouse) -> dict:
    with warehouse.system() as conn:
        return {
            t.name: sorted(
                tuple(str(v) for k, v in row._mapping.items() if k not in {"id", "created_at"})
                for row in conn.execute(select(t))
            )
            for t in TABLES
        }


def test_rollup_is_incremental_idempotent_and_scoped(tmp_path, capsys):
    from thrive_analytics.demo import generate_demo

    url = f"sqlite:///{tmp_path / 'roll.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    warehouse = Warehouse(engine=engine)
    end = dt.date(2026, 6, 30)
    with warehouse.system() as conn:
        generate_demo(conn, orgs=2, clients=8, days=90, seed=9, end_date=end)
    first = run_rollup(warehouse)
    assert all(days == [end.isoformat()] for days in first.days.values()) and len(first.days) == 2
    once = snapshot(warehouse)
    assert run_rollup(warehouse).rows == 0  # nothing due
    run_rollup(warehouse, days=[end])  # redo the same day: replaced, not duplicated
    assert snapshot(warehouse) == once
    again = run_rollup(warehouse, days=[end - dt.timedelta(days=1), end])
    assert sum(len(v) for v in again.days.values()) == 4
    with warehouse.system() as conn:
        per_org_day = conn.execute(
            select(schema.service_provider_metrics.c.org_id, func.count()).group_by(
                schema.service_provider_metrics.c.org_id
            )
        ).all()
        mismatched = conn.execute(
            select(func.count())
            .select_from(
                schema.client_analytics.join(
                    schema.clients, schema.clients.c.id == schema.client_analytics.c.client_id
                )
            )
            .where(schema.clients.c.org_id != schema.client_analytics.c.org_id)
        ).scalar_one()
        ranked = conn.execute(
            select(func.count()).select_from(schema.client_performance_rankings)
        ).scalar_one()
    assert sorted(n for _, n in per_org_day) == [2, 2]
    assert mismatched == 0 and ranked > 0
    code, out, _ = run(capsys, "rollup", "--db", url)
    assert code == 0 and "up to date" in out
    code, _, err = run(capsys, "rollup", "--db", url, "--org", "nobody")
    assert_one_sentence_error(code, err, "No organisation 'nobody'")
    code, out, _ = run(capsys, "rollup", "--db", url, "--date", "2026-06-29")
    assert code == 0 and "Rolled up 2 organisation-day(s)" in out
