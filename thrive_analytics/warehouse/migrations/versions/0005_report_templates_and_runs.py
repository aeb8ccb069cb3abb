"""Report templates and white-label report runs

``report_templates`` keeps an organisation's saved report settings (type, sections, KPI metrics, brand, format,
time range); ``white_label_reports`` records every report generated (spec WhiteLabelReport): what, for which
client and period, its status, and the file with its checksum until it expires.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from thrive_analytics.warehouse import rls

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = (("report_templates", "org_id", None), ("white_label_reports", "org_id", "client_id"))

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def report_type() -> sa.Enum:
    return _enum("report_type", "executive", "detailed", "municipal", "roi", "competitive", "custom")


def report_format() -> sa.Enum:
    return _enum("report_format", "html", "pdf", "xlsx", "pptx")


def upgrade() -> None:
    op.create_table(
        "report_templates",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("report_type", report_type(), nullable=False),
        sa.Column("sections", JSON, server_default="[]", nullable=False),
        sa.Column("metrics", JSON, server_default="[]", nullable=False),
        sa.Column("brand", sa.String(length=500), nullable=True),
        sa.Column("default_format", report_format(), server_default="pdf", nullable=False),
        sa.Column(
            "time_range",
            _enum("report_time_range", "7d", "30d", "90d", "1y"),
            server_default="30d",
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_report_templates_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_templates")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_report_templates_org_id_name")),
    )
    op.create_table(
        "white_label_reports",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("template_id", sa.BigInteger(), nullable=True),
        sa.Column("report_type", report_type(), nullable=False),
        sa.Column("format", report_format(), nullable=False),
        sa.Column(
            "status",
            _enum("report_status", "generating", "completed", "failed"),
            server_default="generating",
            nullable=False,
        ),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("file", sa.String(length=1000), nullable=True),
        sa.Column("checksum", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_white_label_reports_period_ordered")),
        sa.CheckConstraint(
            "(status = 'generating') = (completed_at IS NULL)",
            name=op.f("ck_white_label_reports_finished_has_time"),
        ),
        sa.CheckConstraint(
            "(status = 'completed') = (file IS NOT NULL)",
            name=op.f("ck_white_label_reports_completed_has_file"),
        ),
        sa.CheckConstraint(
            "(status = 'failed') = (error IS NOT NULL)", name=op.f("ck_white_label_reports_failed_has_error")
        ),
        sa.CheckConstraint(
            "size_bytes IS NULL OR size_bytes >= 0", name=op.f("ck_white_label_reports_size_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_white_label_reports_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_white_label_reports_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["report_templates.id"],
            name=op.f("fk_white_label_reports_template_id_report_templates"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_white_label_reports")),
    )
    op.create_index("ix_white_label_reports_org_created", "white_label_reports", ["org_id", "created_at"])
    rls.enable(op.get_bind(), TENANT_TABLES)


def downgrade() -> None:
    rls.disable(op.get_bind(), TENANT_TABLES)
    op.drop_index("ix_white_label_reports_org_created", table_name="white_label_reports")
    op.drop_table("white_label_reports")
    op.drop_table("report_templates")
