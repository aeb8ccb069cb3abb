"""The organisation's data revision and the stored answers keyed by it

``data_revisions`` counts changes to an organisation's source data; ``stored_answers`` keeps computed
service answers with the revision they were computed at, so an answer is served from storage exactly while
nothing it was computed from has changed.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from thrive_analytics.warehouse import rls

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = (("data_revisions", "org_id", None), ("stored_answers", "org_id", None))


def upgrade() -> None:
    op.create_table(
        "data_revisions",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_data_revisions_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_data_revisions")),
    )
    op.create_table(
        "stored_answers",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("question", sa.String(length=40), nullable=False),
        sa.Column("params", sa.String(length=400), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_stored_answers_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "question", "params", name=op.f("pk_stored_answers")),
    )
    rls.enable(op.get_bind(), TENANT_TABLES)


def downgrade() -> None:
    rls.disable(op.get_bind(), TENANT_TABLES)
    op.drop_table("stored_answers")
    op.drop_table("data_revisions")
