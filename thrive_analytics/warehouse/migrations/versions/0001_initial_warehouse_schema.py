"""initial warehouse schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 12:21:03.859011

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from thrive_analytics.warehouse import rls
from thrive_analytics.warehouse.types import Fixed

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, organisation column, client column): the tables row-level security guards, as of this revision.
TENANT_TABLES = (
    ("organizations", "id", None),
    ("clients", "org_id", "id"),
    ("cross_client_analytics", "org_id", None),
    ("service_provider_metrics", "org_id", None),
    ("campaigns", "org_id", "client_id"),
    ("client_analytics", "org_id", "client_id"),
    ("client_performance_rankings", "org_id", "client_id"),
    ("expenses", "org_id", "client_id"),
    ("platform_accounts", "org_id", "client_id"),
    ("revenue_analytics", "org_id", "client_id"),
    ("subscriptions", "org_id", "client_id"),
    ("surveys", "org_id", "client_id"),
    ("users", "org_id", "client_id"),
    ("account_metrics_daily", "org_id", "client_id"),
    ("account_metrics_hourly", "org_id", "client_id"),
    ("communications", "org_id", "client_id"),
    ("content_items", "org_id", "client_id"),
    ("invoices", "org_id", "client_id"),
    ("time_entries", "org_id", "client_id"),
    ("content_metrics", "org_id", "client_id"),
    ("marketplace_commissions", "org_id", "client_id"),
    ("service_revenue", "org_id", "client_id"),
)


def upgrade() -> None:
    """Create every table of the warehouse; on PostgreSQL, the application role and row-level security."""
    op.create_table(
        "organizations",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "agency",
                "consultancy",
                "independent_creator",
                name="org_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("country", sa.String(length=2), server_default="US", nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("slug", name=op.f("uq_organizations_slug")),
    )
    op.create_table(
        "clients",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "client_type",
            sa.Enum(
                "municipality",
                "business",
                "startup",
                "nonprofit",
                name="client_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("sector", sa.String(length=64), nullable=False),
        sa.Column(
            "size",
            sa.Enum(
                "small",
                "medium",
                "large",
                name="client_size",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "tier",
            sa.Enum(
                "basic",
                "professional",
                "enterprise",
                name="client_tier",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "paused",
                "churned",
                name="client_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "(status = 'churned') = (end_date IS NOT NULL)", name=op.f("ck_clients_churned_has_end_date")
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name=op.f("ck_clients_dates_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_clients_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_clients_org_id_id")),
        sa.UniqueConstraint("org_id", "slug", name=op.f("uq_clients_org_id_slug")),
    )
    op.create_table(
        "cross_client_analytics",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("metric_date", sa.Date(), nullable=False),
        sa.Column("total_content", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total_published_content", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "aggregate_engagement_rate", Fixed(precision=7, scale=4), server_default="0", nullable=False
        ),
        sa.Column("total_views", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("total_clicks", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("avg_conversion_rate", Fixed(precision=7, scale=4), server_default="0", nullable=False),
        sa.Column(
            "content_type_distribution",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "platform_distribution",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "client_performance_summary",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "insights",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_cross_client_analytics_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cross_client_analytics")),
        sa.UniqueConstraint(
            "org_id", "metric_date", name=op.f("uq_cross_client_analytics_org_id_metric_date")
        ),
    )
    op.create_table(
        "service_provider_metrics",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("metric_date", sa.Date(), nullable=False),
        sa.Column("total_clients", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active_clients", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total_campaigns", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active_campaigns", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total_revenue", Fixed(precision=14, scale=2), server_default="0", nullable=False),
        sa.Column("marketplace_revenue", Fixed(precision=14, scale=2), server_default="0", nullable=False),
        sa.Column("team_utilization_rate", Fixed(precision=5, scale=2), server_default="0", nullable=False),
        sa.Column("avg_client_satisfaction", Fixed(precision=3, scale=2), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_service_provider_metrics_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_provider_metrics")),
        sa.UniqueConstraint(
            "org_id", "metric_date", name=op.f("uq_service_provider_metrics_org_id_metric_date")
        ),
    )
    op.create_table(
        "campaigns",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("objective", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "active",
                "completed",
                name="campaign_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("budget", Fixed(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_campaigns_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_campaigns_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_table(
        "client_analytics",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("metric_date", sa.Date(), nullable=False),
        sa.Column(
            "content_metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "engagement_metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "platform_metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "audience_insights",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("performance_score", Fixed(precision=5, scale=2), server_default="0", nullable=False),
        sa.Column(
            "health_indicators",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_client_analytics_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_client_analytics_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_analytics")),
        sa.UniqueConstraint(
            "client_id", "metric_date", name=op.f("uq_client_analytics_client_id_metric_date")
        ),
    )
    op.create_table(
        "client_performance_rankings",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("ranking_date", sa.Date(), nullable=False),
        sa.Column("overall_rank", sa.Integer(), nullable=True),
        sa.Column("engagement_rank", sa.Integer(), nullable=True),
        sa.Column("growth_rank", sa.Integer(), nullable=True),
        sa.Column("revenue_rank", sa.Integer(), nullable=True),
        sa.Column("performance_score", Fixed(precision=5, scale=2), nullable=True),
        sa.Column(
            "ranking_factors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "improvement_recommendations",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_client_performance_rankings_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_client_performance_rankings_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_performance_rankings")),
        sa.UniqueConstraint(
            "org_id",
            "client_id",
            "ranking_date",
            name=op.f("uq_client_performance_rankings_org_id_client_id_ranking_date"),
        ),
    )
    op.create_table(
        "expenses",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("incurred_on", sa.Date(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "software",
                "advertising",
                "contractors",
                "office",
                "travel",
                "client_acquisition",
                "other",
                name="expense_category",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("amount", Fixed(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_expenses_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_expenses_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expenses")),
    )
    op.create_table(
        "platform_accounts",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column(
            "platform",
            sa.Enum(
                "facebook",
                "instagram",
                "twitter",
                "linkedin",
                "youtube",
                name="platform",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("handle", sa.String(length=120), nullable=False),
        sa.Column("connected_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_platform_accounts_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_platform_accounts_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_accounts")),
        sa.UniqueConstraint("client_id", "platform", name=op.f("uq_platform_accounts_client_id_platform")),
    )
    op.create_table(
        "revenue_analytics",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("revenue_date", sa.Date(), nullable=False),
        sa.Column("subscription_revenue", Fixed(precision=14, scale=2), server_default="0", nullable=False),
        sa.Column("marketplace_commission", Fixed(precision=14, scale=2), server_default="0", nullable=False),
        sa.Column("white_label_revenue", Fixed(precision=14, scale=2), server_default="0", nullable=False),
        sa.Column("total_revenue", Fixed(precision=14, scale=2), server_default="0", nullable=False),
        sa.Column("mrr", Fixed(precision=14, scale=2), server_default="0", nullable=False),
        sa.Column("client_ltv", Fixed(precision=14, scale=2), server_default="0", nullable=False),
        sa.Column("churn_risk_score", Fixed(precision=3, scale=2), server_default="0", nullable=False),
        sa.Column(
            "revenue_sources",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_revenue_analytics_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_revenue_analytics_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revenue_analytics")),
    )
    with op.batch_alter_table("revenue_analytics", schema=None) as batch_op:
        batch_op.create_index("ix_revenue_analytics_org_date", ["org_id", "revenue_date"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column(
            "plan",
            sa.Enum(
                "basic",
                "professional",
                "enterprise",
                name="client_tier",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("monthly_fee", Fixed(precision=14, scale=2), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.CheckConstraint("monthly_fee >= 0", name=op.f("ck_subscriptions_fee_not_negative")),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_subscriptions_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_subscriptions_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    op.create_table(
        "surveys",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("survey_date", sa.Date(), nullable=False),
        sa.Column("csat", sa.SmallInteger(), nullable=True),
        sa.Column("nps", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint("csat IS NULL OR csat BETWEEN 1 AND 5", name=op.f("ck_surveys_csat_range")),
        sa.CheckConstraint("nps IS NULL OR nps BETWEEN 0 AND 10", name=op.f("ck_surveys_nps_range")),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_surveys_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_surveys_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    op.create_table(
        "users",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "content_manager",
                "account_manager",
                "independent_creator",
                "client_viewer",
                name="user_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("hourly_cost", Fixed(precision=14, scale=2), nullable=True),
        sa.Column("weekly_capacity_hours", Fixed(precision=5, scale=2), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "(role = 'client_viewer') = (client_id IS NOT NULL)", name=op.f("ck_users_viewer_has_client")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_users_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_users_org_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "account_metrics_daily",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("metric_date", sa.Date(), nullable=False),
        sa.Column("impressions", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("reach", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("views", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("likes", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("comments", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("shares", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("clicks", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("conversions", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("followers", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["platform_accounts.id"],
            name=op.f("fk_account_metrics_daily_account_id_platform_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_account_metrics_daily_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_account_metrics_daily_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "metric_date", name=op.f("pk_account_metrics_daily")),
    )
    with op.batch_alter_table("account_metrics_daily", schema=None) as batch_op:
        batch_op.create_index(
            "ix_account_metrics_daily_client_date", ["client_id", "metric_date"], unique=False
        )
        batch_op.create_index("ix_account_metrics_daily_org_date", ["org_id", "metric_date"], unique=False)

    op.create_table(
        "account_metrics_hourly",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("impressions", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("reach", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("views", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("likes", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("comments", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("shares", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("clicks", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("conversions", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("followers", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["platform_accounts.id"],
            name=op.f("fk_account_metrics_hourly_account_id_platform_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_account_metrics_hourly_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_account_metrics_hourly_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "hour", name=op.f("pk_account_metrics_hourly")),
    )
    with op.batch_alter_table("account_metrics_hourly", schema=None) as batch_op:
        batch_op.create_index("ix_account_metrics_hourly_org_hour", ["org_id", "hour"], unique=False)

    op.create_table(
        "communications",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column(
            "channel",
            sa.Enum(
                "email",
                "phone",
                "meeting",
                "chat",
                name="comm_channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "direction",
            sa.Enum(
                "inbound",
                "outbound",
                name="comm_direction",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["handled_by"], ["users.id"], name=op.f("fk_communications_handled_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_communications_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_communications_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communications")),
    )
    with op.batch_alter_table("communications", schema=None) as batch_op:
        batch_op.create_index("ix_communications_client_sent", ["client_id", "sent_at"], unique=False)

    op.create_table(
        "content_items",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "platform",
            sa.Enum(
                "facebook",
                "instagram",
                "twitter",
                "linkedin",
                "youtube",
                name="platform",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "content_type",
            sa.Enum(
                "image",
                "video",
                "carousel",
                "text",
                "link",
                "story",
                "reel",
                "live",
                name="content_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "scheduled",
                "published",
                name="content_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status = 'published') = (published_at IS NOT NULL)",
            name=op.f("ck_content_items_published_has_time"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["platform_accounts.id"],
            name=op.f("fk_content_items_account_id_platform_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_content_items_campaign_id_campaigns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_content_items_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_content_items_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_items")),
    )
    with op.batch_alter_table("content_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_content_items_client_published", ["client_id", "published_at"], unique=False
        )

    op.create_table(
        "invoices",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "stream",
            sa.Enum(
                "subscription",
                "marketplace_commission",
                "white_label",
                "performance_bonus",
                "additional_services",
                name="revenue_stream",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("amount", Fixed(precision=14, scale=2), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "paid",
                "overdue",
                "void",
                name="invoice_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status = 'paid') = (paid_on IS NOT NULL)", name=op.f("ck_invoices_paid_has_date")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_invoices_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_invoices_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_invoices_subscription_id_subscriptions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("org_id", "number", name=op.f("uq_invoices_org_id_number")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index("ix_invoices_org_issued", ["org_id", "issued_on"], unique=False)

    op.create_table(
        "time_entries",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("work_date", sa.Date(), nullable=False),
        sa.Column("hours", Fixed(precision=5, scale=2), nullable=False),
        sa.Column("hourly_cost", Fixed(precision=14, scale=2), nullable=False),
        sa.Column("billable", sa.Boolean(), nullable=False),
        sa.Column("activity", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_time_entries_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_time_entries_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_time_entries_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_entries")),
    )
    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.create_index("ix_time_entries_org_date", ["org_id", "work_date"], unique=False)

    op.create_table(
        "content_metrics",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("content_id", sa.BigInteger(), nullable=False),
        sa.Column("metric_date", sa.Date(), nullable=False),
        sa.Column("impressions", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("reach", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("views", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("likes", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("comments", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("shares", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("clicks", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("conversions", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content_items.id"],
            name=op.f("fk_content_metrics_content_id_content_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_content_metrics_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_content_metrics_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("content_id", "metric_date", name=op.f("pk_content_metrics")),
    )
    with op.batch_alter_table("content_metrics", schema=None) as batch_op:
        batch_op.create_index("ix_content_metrics_client_date", ["client_id", "metric_date"], unique=False)
        batch_op.create_index("ix_content_metrics_org_date", ["org_id", "metric_date"], unique=False)

    op.create_table(
        "marketplace_commissions",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("invoice_id", sa.BigInteger(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("gross_amount", Fixed(precision=14, scale=2), nullable=False),
        sa.Column("commission_rate", Fixed(precision=5, scale=4), nullable=False),
        sa.Column("commission", Fixed(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_marketplace_commissions_invoice_id_invoices"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_marketplace_commissions_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_marketplace_commissions_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_commissions")),
    )
    op.create_table(
        "service_revenue",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("invoice_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "stream",
            sa.Enum(
                "subscription",
                "marketplace_commission",
                "white_label",
                "performance_bonus",
                "additional_services",
                name="revenue_stream",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("recognized_on", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("amount", Fixed(precision=14, scale=2), nullable=False),
        sa.CheckConstraint(
            "stream IN ('white_label', 'performance_bonus', 'additional_services')",
            name=op.f("ck_service_revenue_service_stream"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_service_revenue_invoice_id_invoices"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "client_id"],
            ["clients.org_id", "clients.id"],
            name="fk_service_revenue_client",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_service_revenue_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_revenue")),
    )
    rls.enable(op.get_bind(), TENANT_TABLES)


def downgrade() -> None:
    """Drop everything the upgrade created."""
    rls.disable(op.get_bind(), TENANT_TABLES)
    op.drop_table("service_revenue")
    op.drop_table("marketplace_commissions")
    with op.batch_alter_table("content_metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_content_metrics_org_date")
        batch_op.drop_index("ix_content_metrics_client_date")

    op.drop_table("content_metrics")
    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_time_entries_org_date")

    op.drop_table("time_entries")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_org_issued")

    op.drop_table("invoices")
    with op.batch_alter_table("content_items", schema=None) as batch_op:
        batch_op.drop_index("ix_content_items_client_published")

    op.drop_table("content_items")
    with op.batch_alter_table("communications", schema=None) as batch_op:
        batch_op.drop_index("ix_communications_client_sent")

    op.drop_table("communications")
    with op.batch_alter_table("account_metrics_hourly", schema=None) as batch_op:
        batch_op.drop_index("ix_account_metrics_hourly_org_hour")

    op.drop_table("account_metrics_hourly")
    with op.batch_alter_table("account_metrics_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_account_metrics_daily_org_date")
        batch_op.drop_index("ix_account_metrics_daily_client_date")

    op.drop_table("account_metrics_daily")
    op.drop_table("users")
    op.drop_table("surveys")
    op.drop_table("subscriptions")
    with op.batch_alter_table("revenue_analytics", schema=None) as batch_op:
        batch_op.drop_index("ix_revenue_analytics_org_date")

    op.drop_table("revenue_analytics")
    op.drop_table("platform_accounts")
    op.drop_table("expenses")
    op.drop_table("client_performance_rankings")
    op.drop_table("client_analytics")
    op.drop_table("campaigns")
    op.drop_table("service_provider_metrics")
    op.drop_table("cross_client_analytics")
    op.drop_table("clients")
    op.drop_table("organizations")
