"""one 支部书记 per unit and one running study pair, as partial unique indexes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SECRETARY = sa.text("role = 'secretary'")
RUNNING = sa.text("ended_on IS NULL")


def upgrade() -> None:
    op.create_index(
        "uq_branch_role_secretary",
        "branch_role",
        ["org_unit_id"],
        unique=True,
        postgresql_where=SECRETARY,
        sqlite_where=SECRETARY,
    )
    op.create_index(
        "uq_study_pair_running",
        "study_pair",
        ["leader_id", "partner_id"],
        unique=True,
        postgresql_where=RUNNING,
        sqlite_where=RUNNING,
    )


def downgrade() -> None:
    op.drop_index(
        "uq_study_pair_running",
        table_name="study_pair",
        postgresql_where=RUNNING,
        sqlite_where=RUNNING,
    )
    op.drop_index(
        "uq_branch_role_secretary",
        table_name="branch_role",
        postgresql_where=SECRETARY,
        sqlite_where=SECRETARY,
    )
