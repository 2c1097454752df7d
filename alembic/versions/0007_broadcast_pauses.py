"""broadcast pauses say why (quota, quiet hours, receipts) and may override quiet hours

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 23:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("broadcast") as batch_op:
        batch_op.add_column(sa.Column("pause_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("ignore_quiet", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("broadcast") as batch_op:
        batch_op.drop_column("ignore_quiet")
        batch_op.drop_column("pause_kind")
