"""The warehouse schema (SQLAlchemy 2 Core).

Every tenant table carries ``org_id``; tables about one client carry ``client_id`` with a composite foreign key
``(org_id, client_id) -> clients(org_id, id)``, so the database itself refuses a row that points at another
organisation's client. ``Table.info`` records how a table is scoped; the access layer and the PostgreSQL
row-level-security policies are both generated from it, so a new table cannot be forgotten by one of them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

from .types import Fixed, JSONType, Money

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# SQLite numbers rows itself only for a column declared INTEGER PRIMARY KEY (an alias of the rowid).
ID = BigInteger().with_variant(Integer(), "sqlite")

# Vocabularies (stored as VARCHAR with a CHECK constraint, the same on both backends).
ORG_KINDS = ("agency", "consultancy", "independent_creator")
ROLES = ("admin", "content_manager", "account_manager", "independent_creator", "client_viewer")
CLIENT_TYPES = ("municipality", "business", "startup", "nonprofit")
CLIENT_SIZES = ("small", "medium", "large")
CLIENT_TIERS = ("basic", "professional", "enterprise")
CLIENT_STATUSES = ("active", "paused", "churned")
PLATFORMS = ("facebook", "instagram", "twitter", "linkedin", "youtube")
CONTENT_TYPES = ("image", "video", "carousel", "text", "link", "story", "reel", "live")
CONTENT_STATUSES = ("draft", "scheduled", "published")
CAMPAIGN_STATUSES = ("planned", "active", "completed")
REVENUE_STREAMS = (
    "subscription",
    "marketplace_commission",
    "white_label",
    "performance_bonus",
    "additional_services",
)
INVOICE_STATUSES = ("open", "paid", "overdue", "void")
EXPENSE_CATEGORIES = (
    "software",
    "advertising",
    "contractors",
    "office",
    "travel",
    "client_acquisition",
    "other",
)
COMM_CHANNELS = ("email", "phone", "meeting", "chat")
COMM_DIRECTIONS = ("inbound", "outbound")
METRIC_COLUMNS = ("impressions", "reach", "views", "likes", "comments", "shares", "clicks", "conversions")


def _enum(name: str, values: tuple[str, ...]) -> Enum:
    return Enum(
        *values, name=name, native_enum=False, create_constraint=True, length=32, validate_strings=True
    )


def _now():
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


def _org(nullable: bool = False) -> Column:
    return Column("org_id", BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=nullable)


def _client_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["org_id", "client_id"],
        ["clients.org_id", "clients.id"],
        ondelete="CASCADE",
        name=f"fk_{table}_client",
    )


def tenant_table(name: str, *items, client: str | None = "required", derived: bool = False, **kw) -> Table:
    """A table owned by one organisation, optionally about one client (``client``: required, optional, None).

    ``derived`` tables hold what the package computes from the others (rollups, stored answers, report
    runs): writing them does not change the organisation's data revision (see ``warehouse.revisions``).
    """
    cols: list = [_org()]
    info = {"tenant": True, "org_column": "org_id", "client_column": None, "derived": derived}
    if client is not None:
        cols.append(Column("client_id", BigInteger, nullable=(client == "optional")))
        cols.append(_client_fk(name))
        info["client_column"] = "client_id"
    table = Table(name, metadata, *cols, *items, info=info, **kw)
    return table


def metric_columns() -> list[Column]:
    return [Column(m, BigInteger, nullable=False, server_default="0") for m in METRIC_COLUMNS]


organizations = Table(
    "organizations",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", _enum("org_kind", ORG_KINDS), nullable=False),
    Column("country", String(2), nullable=False, server_default="US"),
    Column("currency", String(3), nullable=False, server_default="USD"),
    Column("timezone", String(64), nullable=False, server_default="UTC"),
    _now(),
    info={"tenant": True, "org_column": "id", "client_column": None},
)

clients = Table(
    "clients",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    _org(),
    Column("slug", String(80), nullable=False),
    Column("name", String(200), nullable=False),
    Column("client_type", _enum("client_type", CLIENT_TYPES), nullable=False),
    Column("sector", String(64), nullable=False),
    Column("size", _enum("client_size", CLIENT_SIZES), nullable=False),
    Column("tier", _enum("client_tier", CLIENT_TIERS), nullable=False),
    Column("status", _enum("client_status", CLIENT_STATUSES), nullable=False),
    Column("region", String(100)),
    Column("contact_email", String(254)),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    _now(),
    UniqueConstraint("org_id", "slug"),
    UniqueConstraint("org_id", "id"),
    CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
    CheckConstraint("(status = 'churned') = (end_date IS NOT NULL)", name="churned_has_end_date"),
    info={"tenant": True, "org_column": "org_id", "client_column": "id"},
)

users = tenant_table(
    "users",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("role", _enum("user_role", ROLES), nullable=False),
    Column("hourly_cost", Money()),
    Column("weekly_capacity_hours", Fixed(5, 2)),
    Column("password_hash", String(255)),
    Column("is_active", Boolean, nullable=False, server_default="1"),
    _now(),
    CheckConstraint("(role = 'client_viewer') = (client_id IS NOT NULL)", name="viewer_has_client"),
    client="optional",
)

platform_accounts = tenant_table(
    "platform_accounts",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("platform", _enum("platform", PLATFORMS), nullable=False),
    Column("handle", String(120), nullable=False),
    Column("connected_on", Date, nullable=False),
    UniqueConstraint("client_id", "platform"),
)

campaigns = tenant_table(
    "campaigns",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("objective", String(64), nullable=False),
    Column("status", _enum("campaign_status", CAMPAIGN_STATUSES), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("budget", Money(), nullable=False),
)

content_items = tenant_table(
    "content_items",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("account_id", BigInteger, ForeignKey("platform_accounts.id", ondelete="CASCADE"), nullable=False),
    Column("campaign_id", BigInteger, ForeignKey("campaigns.id", ondelete="SET NULL")),
    Column("platform", _enum("platform", PLATFORMS), nullable=False),
    Column("content_type", _enum("content_type", CONTENT_TYPES), nullable=False),
    Column("status", _enum("content_status", CONTENT_STATUSES), nullable=False),
    Column("title", String(300), nullable=False),
    Column("scheduled_for", DateTime(timezone=True)),
    Column("published_at", DateTime(timezone=True)),
    CheckConstraint("(status = 'published') = (published_at IS NOT NULL)", name="published_has_time"),
    Index("ix_content_items_client_published", "client_id", "published_at"),
    Index("ix_content_items_org_published", "org_id", "published_at"),
    Index("ix_content_items_org_status", "org_id", "status", "scheduled_for"),
)

content_metrics = tenant_table(
    "content_metrics",
    Column("content_id", BigInteger, ForeignKey("content_items.id", ondelete="CASCADE"), nullable=False),
    Column("metric_date", Date, nullable=False),
    *metric_columns(),
    PrimaryKeyConstraint("content_id", "metric_date"),
    Index("ix_content_metrics_org_date", "org_id", "metric_date"),
    Index("ix_content_metrics_client_date", "client_id", "metric_date"),
    Index("ix_content_metrics_org_date_cover", "org_id", "metric_date", "content_id", *METRIC_COLUMNS),
)

account_metrics_daily = tenant_table(
    "account_metrics_daily",
    Column("account_id", BigInteger, ForeignKey("platform_accounts.id", ondelete="CASCADE"), nullable=False),
    Column("metric_date", Date, nullable=False),
    *metric_columns(),
    Column("followers", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("account_id", "metric_date"),
    Index("ix_account_metrics_daily_org_date", "org_id", "metric_date"),
    Index("ix_account_metrics_daily_client_date", "client_id", "metric_date"),
    Index(
        "ix_account_metrics_daily_org_date_cover",
        "org_id",
        "metric_date",
        "client_id",
        *METRIC_COLUMNS,
        "followers",
    ),
)

account_metrics_hourly = tenant_table(
    "account_metrics_hourly",
    Column("account_id", BigInteger, ForeignKey("platform_accounts.id", ondelete="CASCADE"), nullable=False),
    Column("hour", DateTime(timezone=True), nullable=False),
    *metric_columns(),
    Column("followers", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("account_id", "hour"),
    Index("ix_account_metrics_hourly_org_hour", "org_id", "hour"),
)

subscriptions = tenant_table(
    "subscriptions",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("plan", _enum("client_tier", CLIENT_TIERS), nullable=False),
    Column("monthly_fee", Money(), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    CheckConstraint("monthly_fee >= 0", name="fee_not_negative"),
)

invoices = tenant_table(
    "invoices",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("number", String(40), nullable=False),
    Column("subscription_id", BigInteger, ForeignKey("subscriptions.id", ondelete="SET NULL")),
    Column("stream", _enum("revenue_stream", REVENUE_STREAMS), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("paid_on", Date),
    Column("amount", Money(), nullable=False),
    Column("status", _enum("invoice_status", INVOICE_STATUSES), nullable=False),
    UniqueConstraint("org_id", "number"),
    CheckConstraint("(status = 'paid') = (paid_on IS NOT NULL)", name="paid_has_date"),
    Index("ix_invoices_org_issued", "org_id", "issued_on"),
)

marketplace_commissions = tenant_table(
    "marketplace_commissions",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("invoice_id", BigInteger, ForeignKey("invoices.id", ondelete="SET NULL")),
    Column("occurred_on", Date, nullable=False),
    Column("description", String(300), nullable=False),
    Column("gross_amount", Money(), nullable=False),
    Column("commission_rate", Fixed(5, 4), nullable=False),
    Column("commission", Money(), nullable=False),
)

service_revenue = tenant_table(
    "service_revenue",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("invoice_id", BigInteger, ForeignKey("invoices.id", ondelete="SET NULL")),
    Column("stream", _enum("revenue_stream", REVENUE_STREAMS), nullable=False),
    Column("recognized_on", Date, nullable=False),
    Column("description", String(300), nullable=False),
    Column("amount", Money(), nullable=False),
    CheckConstraint(
        "stream IN ('white_label', 'performance_bonus', 'additional_services')", name="service_stream"
    ),
    client="optional",
)

time_entries = tenant_table(
    "time_entries",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("work_date", Date, nullable=False),
    Column("hours", Fixed(5, 2), nullable=False),
    Column("hourly_cost", Money(), nullable=False),
    Column("billable", Boolean, nullable=False),
    Column("activity", String(64), nullable=False),
    Index("ix_time_entries_org_date", "org_id", "work_date"),
    client="optional",
)

expenses = tenant_table(
    "expenses",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("incurred_on", Date, nullable=False),
    Column("category", _enum("expense_category", EXPENSE_CATEGORIES), nullable=False),
    Column("description", String(300), nullable=False),
    Column("amount", Money(), nullable=False),
    client="optional",
)

surveys = tenant_table(
    "surveys",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("survey_date", Date, nullable=False),
    Column("csat", SmallInteger),
    Column("nps", SmallInteger),
    Column("comment", Text),
    CheckConstraint("csat IS NULL OR csat BETWEEN 1 AND 5", name="csat_range"),
    CheckConstraint("nps IS NULL OR nps BETWEEN 0 AND 10", name="nps_range"),
)

communications = tenant_table(
    "communications",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("channel", _enum("comm_channel", COMM_CHANNELS), nullable=False),
    Column("direction", _enum("comm_direction", COMM_DIRECTIONS), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("responded_at", DateTime(timezone=True)),
    Column("handled_by", BigInteger, ForeignKey("users.id", ondelete="SET NULL")),
    Index("ix_communications_client_sent", "client_id", "sent_at"),
    Index("ix_communications_org_sent", "org_id", "sent_at", "client_id"),
)

# --- Rollups (spec section 3.3), filled by the rollup job ------------------------------------------------

service_provider_metrics = tenant_table(
    "service_provider_metrics",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("metric_date", Date, nullable=False),
    Column("total_clients", Integer, nullable=False, server_default="0"),
    Column("active_clients", Integer, nullable=False, server_default="0"),
    Column("total_campaigns", Integer, nullable=False, server_default="0"),
    Column("active_campaigns", Integer, nullable=False, server_default="0"),
    Column("total_revenue", Money(), nullable=False, server_default="0"),
    Column("marketplace_revenue", Money(), nullable=False, server_default="0"),
    Column("team_utilization_rate", Fixed(5, 2), nullable=False, server_default="0"),
    Column("avg_client_satisfaction", Fixed(3, 2), nullable=False, server_default="0"),
    _now(),
    UniqueConstraint("org_id", "metric_date"),
    client=None,
    derived=True,
)

cross_client_analytics = tenant_table(
    "cross_client_analytics",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("metric_date", Date, nullable=False),
    Column("total_content", Integer, nullable=False, server_default="0"),
    Column("total_published_content", Integer, nullable=False, server_default="0"),
    Column("aggregate_engagement_rate", Fixed(7, 4), nullable=False, server_default="0"),
    Column("total_views", BigInteger, nullable=False, server_default="0"),
    Column("total_clicks", BigInteger, nullable=False, server_default="0"),
    Column("avg_conversion_rate", Fixed(7, 4), nullable=False, server_default="0"),
    Column("content_type_distribution", JSONType, nullable=False, server_default="{}"),
    Column("platform_distribution", JSONType, nullable=False, server_default="{}"),
    Column("client_performance_summary", JSONType, nullable=False, server_default="{}"),
    Column("insights", JSONType, nullable=False, server_default="[]"),
    _now(),
    UniqueConstraint("org_id", "metric_date"),
    client=None,
    derived=True,
)

client_analytics = tenant_table(
    "client_analytics",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("metric_date", Date, nullable=False),
    Column("content_metrics", JSONType, nullable=False, server_default="{}"),
    Column("engagement_metrics", JSONType, nullable=False, server_default="{}"),
    Column("platform_metrics", JSONType, nullable=False, server_default="{}"),
    Column("audience_insights", JSONType, nullable=False, server_default="{}"),
    Column("performance_score", Fixed(5, 2), nullable=False, server_default="0"),
    Column("health_indicators", JSONType, nullable=False, server_default="{}"),
    _now(),
    UniqueConstraint("client_id", "metric_date"),
    derived=True,
)

client_performance_rankings = tenant_table(
    "client_performance_rankings",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("ranking_date", Date, nullable=False),
    Column("overall_rank", Integer),
    Column("engagement_rank", Integer),
    Column("growth_rank", Integer),
    Column("revenue_rank", Integer),
    Column("performance_score", Fixed(5, 2)),
    Column("ranking_factors", JSONType, nullable=False, server_default="{}"),
    Column("improvement_recommendations", JSONType, nullable=False, server_default="[]"),
    _now(),
    UniqueConstraint("org_id", "client_id", "ranking_date"),
    derived=True,
)

revenue_analytics = tenant_table(
    "revenue_analytics",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("revenue_date", Date, nullable=False),
    Column("subscription_revenue", Money(), nullable=False, server_default="0"),
    Column("marketplace_commission", Money(), nullable=False, server_default="0"),
    Column("white_label_revenue", Money(), nullable=False, server_default="0"),
    Column("total_revenue", Money(), nullable=False, server_default="0"),
    Column("mrr", Money(), nullable=False, server_default="0"),
    Column("client_ltv", Money(), nullable=False, server_default="0"),
    Column("churn_risk_score", Fixed(3, 2), nullable=False, server_default="0"),
    Column("revenue_sources", JSONType, nullable=False, server_default="{}"),
    _now(),
    Index("ix_revenue_analytics_org_date", "org_id", "revenue_date"),
    client="optional",
    derived=True,
)

# --- The organisation's data revision and stored answers (warehouse.revisions, service.answers) ------------

data_revisions = tenant_table(
    "data_revisions",
    Column("revision", BigInteger, nullable=False, server_default="0"),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("org_id"),
    client=None,
    derived=True,
)

stored_answers = tenant_table(
    "stored_answers",
    Column("question", String(40), nullable=False),
    Column("params", String(400), nullable=False),
    Column("revision", BigInteger, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("body", Text, nullable=False),
    PrimaryKeyConstraint("org_id", "question", "params"),
    client=None,
    derived=True,
)

# --- White-label reports (spec 4.5, 5.2): saved report templates and the runs that produced files ----------

REPORT_TYPES = ("executive", "detailed", "municipal", "roi", "competitive", "custom")
REPORT_FORMATS = ("html", "pdf", "xlsx", "pptx")
REPORT_TIME_RANGES = ("7d", "30d", "90d", "1y")
REPORT_STATUSES = ("generating", "completed", "failed")

report_templates = tenant_table(
    "report_templates",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(80), nullable=False),
    Column("report_type", _enum("report_type", REPORT_TYPES), nullable=False),
    Column("sections", JSONType, nullable=False, server_default="[]"),
    Column("metrics", JSONType, nullable=False, server_default="[]"),
    Column("brand", String(500)),
    Column("default_format", _enum("report_format", REPORT_FORMATS), nullable=False, server_default="pdf"),
    Column(
        "time_range", _enum("report_time_range", REPORT_TIME_RANGES), nullable=False, server_default="30d"
    ),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("org_id", "name"),
    client=None,
    derived=True,
)

white_label_reports = tenant_table(
    "white_label_reports",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("template_id", BigInteger, ForeignKey("report_templates.id", ondelete="SET NULL")),
    Column("report_type", _enum("report_type", REPORT_TYPES), nullable=False),
    Column("format", _enum("report_format", REPORT_FORMATS), nullable=False),
    Column("status", _enum("report_status", REPORT_STATUSES), nullable=False, server_default="generating"),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("file", String(1000)),
    Column("checksum", String(64)),
    Column("size_bytes", BigInteger),
    Column("error", Text),
    _now(),
    Column("completed_at", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True)),
    CheckConstraint("period_end >= period_start", name="period_ordered"),
    CheckConstraint("(status = 'generating') = (completed_at IS NULL)", name="finished_has_time"),
    CheckConstraint("(status = 'completed') = (file IS NOT NULL)", name="completed_has_file"),
    CheckConstraint("(status = 'failed') = (error IS NOT NULL)", name="failed_has_error"),
    CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name="size_not_negative"),
    Index("ix_white_label_reports_org_created", "org_id", "created_at"),
    client="optional",
    derived=True,
)

# --- Report schedules, schedule slot claims and the delivery log (issue 5; migration 0006) -------------

SCHEDULE_CLIENT_MODES = ("all", "list", "type")
RECIPIENT_MODES = ("attach", "link")
SLOT_STATUSES = ("claimed", "running", "completed", "failed", "missed", "held")
DELIVERY_CHANNELS = ("email", "dashboard", "download")
DELIVERY_STATUSES = ("sent", "failed", "held", "downloaded")

report_schedules = tenant_table(
    "report_schedules",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(80), nullable=False),
    Column("cron", String(120), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("template_id", BigInteger, ForeignKey("report_templates.id", ondelete="SET NULL")),
    Column("template_name", String(80)),  # kept when the template is deleted, so the schedule can say so
    Column("report_type", _enum("report_type", REPORT_TYPES), nullable=False),
    Column("period", _enum("report_time_range", REPORT_TIME_RANGES)),
    Column(
        "clients_mode", _enum("schedule_clients", SCHEDULE_CLIENT_MODES), nullable=False, server_default="all"
    ),
    Column("client_ids", JSONType, nullable=False, server_default="[]"),
    Column("client_type", _enum("client_type", CLIENT_TYPES)),
    Column("formats", JSONType, nullable=False, server_default="[]"),
    Column("recipients", JSONType, nullable=False, server_default="[]"),
    Column("dashboard", Boolean, nullable=False, server_default="1"),
    Column("enabled", Boolean, nullable=False, server_default="1"),
    Column("active_since", DateTime(timezone=True), nullable=False, server_default=func.now()),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("org_id", "name"),
    CheckConstraint("(clients_mode = 'type') = (client_type IS NOT NULL)", name="type_has_client_type"),
    client=None,
    derived=True,
)

schedule_runs = tenant_table(
    "schedule_runs",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("schedule_id", BigInteger, ForeignKey("report_schedules.id", ondelete="CASCADE"), nullable=False),
    Column("slot", DateTime(timezone=True), nullable=False),  # the cron fire time, in UTC
    Column("status", _enum("slot_status", SLOT_STATUSES), nullable=False),
    Column("claimed_by", String(200)),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("attempts", SmallInteger, nullable=False, server_default="1"),
    Column("reports_completed", Integer, nullable=False, server_default="0"),
    Column("reports_failed", Integer, nullable=False, server_default="0"),
    Column("reports_held", Integer, nullable=False, server_default="0"),
    Column("deliveries_sent", Integer, nullable=False, server_default="0"),
    Column("deliveries_failed", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    UniqueConstraint("schedule_id", "slot"),  # the claim: one row per schedule and slot, ever
    Index("ix_schedule_runs_org_status", "org_id", "status"),
    client=None,
    derived=True,
)

report_deliveries = tenant_table(
    "report_deliveries",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("schedule_id", BigInteger, ForeignKey("report_schedules.id", ondelete="SET NULL")),
    Column("schedule_run_id", BigInteger, ForeignKey("schedule_runs.id", ondelete="SET NULL")),
    Column("report_id", BigInteger, ForeignKey("white_label_reports.id", ondelete="SET NULL")),
    Column("channel", _enum("delivery_channel", DELIVERY_CHANNELS), nullable=False),
    Column("mode", _enum("recipient_mode", RECIPIENT_MODES)),
    Column("recipient", String(254)),
    Column("status", _enum("delivery_status", DELIVERY_STATUSES), nullable=False),
    Column("file", String(1000)),
    Column("checksum", String(64)),
    Column("error", Text),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("(status IN ('failed', 'held')) = (error IS NOT NULL)", name="problem_has_reason"),
    Index("ix_report_deliveries_org_at", "org_id", "at"),
    Index("ix_report_deliveries_client_at", "client_id", "at"),
    Index("ix_report_deliveries_run_channel", "schedule_run_id", "channel"),
    client="optional",
    derived=True,
)

# (end of schedules and deliveries)

# --- Dashboards: stored alerts and their acknowledgements (issue 6; migration 0007) -----------------------

ALERT_TYPES = ("threshold", "anomaly", "trend", "system")
ALERT_SEVERITIES = ("low", "medium", "high", "critical")
ACTIVITY_KINDS = (
    "content_published",
    "campaign_started",
    "client_activity",
    "revenue_generated",
    "alert_raised",
    "alert_acknowledged",
    "report_generated",
)

# Alerts computed by service.alerts and stored by the rollup (dashboard.alerts.store_alerts), one row per
# alert (its stable id is ``alert_key``); an acknowledgement is stored on the row, so every open page sees it.
# ``client_id`` is set for an alert about one client; portfolio alerts (client NULL) stay invisible to client
# viewers, whose scope and RLS policy require their own client.
alerts = tenant_table(
    "alerts",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("alert_key", String(64), nullable=False),
    Column("type", _enum("alert_type", ALERT_TYPES), nullable=False),
    Column("severity", _enum("alert_severity", ALERT_SEVERITIES), nullable=False),
    Column("title", String(300), nullable=False),
    Column("description", Text, nullable=False),
    Column("affected_metrics", JSONType, nullable=False, server_default="[]"),
    Column("affected_clients", JSONType, nullable=False, server_default="[]"),
    Column("recommended_actions", JSONType, nullable=False, server_default="[]"),
    Column("observed_at", DateTime(timezone=True), nullable=False),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("acknowledged_by", String(254)),
    UniqueConstraint("org_id", "alert_key"),
    CheckConstraint("(acknowledged_at IS NULL) = (acknowledged_by IS NULL)", name="ack_has_user"),
    Index("ix_alerts_org_updated", "org_id", "updated_at"),
    client="optional",
    derived=True,
)

# The activity feed's stored events (spec 6.5 RecentActivity): alerts raised and acknowledged, reports made.
activity_events = tenant_table(
    "activity_events",
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("kind", _enum("activity_kind", ACTIVITY_KINDS), nullable=False),
    Column("description", String(500), nullable=False),
    Column("actor", String(254)),
    Column("impact", JSONType, nullable=False, server_default="{}"),
    Column("occurred_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_activity_events_org_id_desc", "org_id", "id"),
    client="optional",
    derived=True,
)

# (end of dashboards)

TENANT_TABLES: tuple[Table, ...] = tuple(t for t in metadata.sorted_tables if t.info.get("tenant"))
