"""Indexes for the cross-client answer's remaining organisation-wide reads

Drafts and scheduled posts were found by scanning every post of the organisation, and the last contact per
client by scanning every message; on 500 clients these two reads cost more than the metric sums.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_content_items_org_status", "content_items", ["org_id", "status", "scheduled_for"])
    op.create_index("ix_communications_org_sent", "communications", ["org_id", "sent_at", "client_id"])


def downgrade() -> None:
    op.drop_index("ix_communications_org_sent", table_name="communications")
    op.drop_index("ix_content_items_org_status", table_name="content_items")
