"""push budget: urgent broadcasts, merged recipient rows and the digest that carried them

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("broadcast") as batch_op:
        batch_op.add_column(
            sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("broadcast_recipient") as batch_op:
        batch_op.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_broadcast_recipient_digest_id_broadcast",
            "broadcast",
            ["digest_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_broadcast_recipient_person", ["person_id", "status"])


def downgrade() -> None:
    with op.batch_alter_table("broadcast_recipient") as batch_op:
        batch_op.drop_index("ix_broadcast_recipient_person")
        batch_op.drop_constraint("fk_broadcast_recipient_digest_id_broadcast", type_="foreignkey")
        batch_op.drop_column("digest_id")
    with op.batch_alter_table("broadcast") as batch_op:
        batch_op.drop_column("urgent")
