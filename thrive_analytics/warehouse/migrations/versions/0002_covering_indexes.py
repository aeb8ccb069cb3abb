"""Covering indexes for the service layer's per-period reads

The cross-client answer sums a period of daily metrics per client; with these indexes SQLite and PostgreSQL
read the sums from the index alone instead of visiting every row.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

METRICS = ["impressions", "reach", "views", "likes", "comments", "shares", "clicks", "conversions"]


def upgrade() -> None:
    op.create_index(
        "ix_account_metrics_daily_org_date_cover",
        "account_metrics_daily",
        ["org_id", "metric_date", "client_id", *METRICS, "followers"],
    )
    op.create_index(
        "ix_content_metrics_org_date_cover",
        "content_metrics",
        ["org_id", "metric_date", "content_id", *METRICS],
    )
    op.create_index("ix_content_items_org_published", "content_items", ["org_id", "published_at"])


def downgrade() -> None:
    op.drop_index("ix_content_items_org_published", table_name="content_items")
    op.drop_index("ix_content_metrics_org_date_cover", table_name="content_metrics")
    op.drop_index("ix_account_metrics_daily_org_date_cover", table_name="account_metrics_daily")
