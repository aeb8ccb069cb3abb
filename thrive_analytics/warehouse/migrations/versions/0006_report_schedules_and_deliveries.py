"""Report schedules, schedule slot claims and the delivery log

``report_schedules`` keeps an organisation's report schedules (cron expression and time zone, report template
or type, clients, formats, recipients); ``schedule_runs`` holds one row per schedule and cron slot, the claim
that keeps two scheduler processes from running a slot twice (UNIQUE schedule_id, slot), with the slot's
outcome; ``report_deliveries`` logs every e-mail, dashboard listing and download of a report file with its
checksum, and every delivery held back by the freshness guard with the reason.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from thrive_analytics.warehouse import rls

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = (
    ("report_schedules", "org_id", None),
    ("schedule_runs", "org_id", None),
    ("report_deliveries", "org_id", "client_id"),
)

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_id"], ["organizations.id"], name=op.f(f"fk_{table}_org_id_organizations"), ondelete="CASCADE"
    )


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def upgrade() -> None:
    op.create_table(
        "report_schedules",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("cron", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("template_id", sa.BigInteger(), nullable=True),
        sa.Column("template_name", sa.String(length=80), nullable=True),
        sa.Column(
            "report_type",
            _enum("report_type", "executive", "detailed", "municipal", "roi", "competitive", "custom"),
            nullable=False,
        ),
        sa.Column("period", _enum("report_time_range", "7d", "30d", "90d", "1y"), nullable=True),
        sa.Column(
            "clients_mode",
            _enum("schedule_clients", "all", "list", "type"),
            server_default="all",
            nullable=False,
        ),
        sa.Column("client_ids", JSON, server_default="[]", nullable=False),
        sa.Column(
            "client_type",
            _enum("client_type", "municipality", "business", "startup", "nonprofit"),
            nullable=True,
        ),
        sa.Column("formats", JSON, server_default="[]", nullable=False),
        sa.Column("recipients", JSON, server_default="[]", nullable=False),
        sa.Column("dashboard", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("active_since", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "(clients_mode = 'type') = (client_type IS NOT NULL)",
            name=op.f("ck_report_schedules_type_has_client_type"),
        ),
        _org_fk("report_schedules"),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["report_templates.id"],
            name=op.f("fk_report_schedules_template_id_report_templates"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_schedules")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_report_schedules_org_id_name")),
    )
    op.create_table(
        "schedule_runs",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("schedule_id", sa.BigInteger(), nullable=False),
        sa.Column("slot", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            _enum("slot_status", "claimed", "running", "completed", "failed", "missed", "held"),
            nullable=False,
        ),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.SmallInteger(), server_default="1", nullable=False),
        _count("reports_completed"),
        _count("reports_failed"),
        _count("reports_held"),
        _count("deliveries_sent"),
        _count("deliveries_failed"),
        sa.Column("error", sa.Text(), nullable=True),
        _org_fk("schedule_runs"),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["report_schedules.id"],
            name=op.f("fk_schedule_runs_schedule_id_report_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_runs")),
        sa.UniqueConstraint("schedule_id", "slot", name=op.f("uq_schedule_runs_schedule_id_slot")),
    )
    op.create_index("ix_schedule_runs_org_status", "schedule_runs", ["org_id", "status"])
    op.create_table(
        "report_deliveries",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("schedule_id", sa.BigInteger(), nullable=True),
        sa.Column("schedule_run_id", sa.BigInteger(), nullable=True),
        sa.Column("report_id", sa.BigInteger(), nullable=True),
        sa.Column("channel", _enum("delivery_channel", "email", "dashboard", "download"), nullable=False),
        sa.Column("mode", _enum("recipient_mode", "attach", "link"), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=True),
        sa.Column("status", _enum("delivery_status", "sent", "failed", "held", "downloaded"), nullable=False),
        sa.Column("file", sa.String(length=1000), nullable=True),
        sa.Column("checksum", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "(status IN ('failed', 'held')) = (error IS NOT NULL)",
            name=op.f("ck_report_deliveries_problem_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_report_deliveries_client",
            ondelete="CASCADE",
        ),
        _org_fk("report_deliveries"),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["report_schedules.id"],
            name=op.f("fk_report_deliveries_schedule_id_report_schedules"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_run_id"],
            ["schedule_runs.id"],
            name=op.f("fk_report_deliveries_schedule_run_id_schedule_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["white_label_reports.id"],
            name=op.f("fk_report_deliveries_report_id_white_label_reports"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_deliveries")),
    )
    op.create_index("ix_report_deliveries_org_at", "report_deliveries", ["org_id", "at"])
    op.create_index("ix_report_deliveries_client_at", "report_deliveries", ["client_id", "at"])
    op.create_index("ix_report_deliveries_run_channel", "report_deliveries", ["schedule_run_id", "channel"])
    rls.enable(op.get_bind(), TENANT_TABLES)


def downgrade() -> None:
    rls.disable(op.get_bind(), TENANT_TABLES)
    op.drop_index("ix_report_deliveries_run_channel", table_name="report_deliveries")
    op.drop_index("ix_report_deliveries_client_at", table_name="report_deliveries")
    op.drop_index("ix_report_deliveries_org_at", table_name="report_deliveries")
    op.drop_table("report_deliveries")
    op.drop_index("ix_schedule_runs_org_status", table_name="schedule_runs")
    op.drop_table("schedule_runs")
    op.drop_table("report_schedules")
