"""Dashboards: stored alerts with their acknowledgements, and the activity feed's events

``alerts`` keeps the performance alerts the rollup computed (one row per stable alert id), with who
acknowledged each and when; ``activity_events`` keeps the dashboard's activity feed (alerts raised and
acknowledged, reports made). Both are tenant tables under row-level security. Sign-in uses the existing
``users.password_hash``.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from thrive_analytics.warehouse import rls

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = (("alerts", "org_id", "client_id"), ("activity_events", "org_id", "client_id"))

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _tenant_keys(table: str) -> list:
    return [
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name=f"fk_{table}_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f(f"fk_{table}_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("alert_key", sa.String(length=64), nullable=False),
        sa.Column("type", _enum("alert_type", "threshold", "anomaly", "trend", "system"), nullable=False),
        sa.Column("severity", _enum("alert_severity", "low", "medium", "high", "critical"), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("affected_metrics", JSON, server_default="[]", nullable=False),
        sa.Column("affected_clients", JSON, server_default="[]", nullable=False),
        sa.Column("recommended_actions", JSON, server_default="[]", nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=254), nullable=True),
        sa.CheckConstraint(
            "(acknowledged_at IS NULL) = (acknowledged_by IS NULL)", name=op.f("ck_alerts_ack_has_user")
        ),
        *_tenant_keys("alerts"),
        sa.UniqueConstraint("org_id", "alert_key", name=op.f("uq_alerts_org_id_alert_key")),
    )
    op.create_index("ix_alerts_org_updated", "alerts", ["org_id", "updated_at"])
    op.create_table(
        "activity_events",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column(
            "kind",
            _enum(
                "activity_kind",
                "content_published",
                "campaign_started",
                "client_activity",
                "revenue_generated",
                "alert_raised",
                "alert_acknowledged",
                "report_generated",
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=True),
        sa.Column("impact", JSON, server_default="{}", nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        *_tenant_keys("activity_events"),
    )
    op.create_index("ix_activity_events_org_id_desc", "activity_events", ["org_id", "id"])
    rls.enable(op.get_bind(), TENANT_TABLES)


def downgrade() -> None:
    rls.disable(op.get_bind(), TENANT_TABLES)
    op.drop_index("ix_activity_events_org_id_desc", table_name="activity_events")
    op.drop_table("activity_events")
    op.drop_index("ix_alerts_org_updated", table_name="alerts")
    op.drop_table("alerts")
