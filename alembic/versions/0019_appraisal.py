"""appraisal: 民主评议党员 — rounds, participants, who voted, anonymous ballots, tallies

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appraisal_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("self_opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("self_closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vote_opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vote_closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_appraisal_round_unit_id"), "appraisal_round", ["unit_id"], unique=False
    )
    # No voter, no time, no sequential id: a random key (see app/models/appraisal.py).
    op.create_table(
        "appraisal_ballot",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["appraisal_round.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(
        op.f("ix_appraisal_ballot_round_id"), "appraisal_ballot", ["round_id"], unique=False
    )
    op.create_table(
        "appraisal_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Boolean(), nullable=False),
        sa.Column("self_text", sa.Text(), nullable=True),
        sa.Column("self_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("verdict_note", sa.Text(), nullable=True),
        sa.Column("verdict_by", sa.String(length=64), nullable=True),
        sa.Column("verdict_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["appraisal_round.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "person_id", name="uq_appraisal_participant"),
    )
    op.create_index(
        op.f("ix_appraisal_participant_person_id"),
        "appraisal_participant",
        ["person_id"],
        unique=False,
    )
    op.create_table(
        "appraisal_tally",
        sa.Column("round_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("candidate_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rating", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["appraisal_round.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("round_id", "candidate_id", "rating"),
    )
    op.create_table(
        "appraisal_voter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["appraisal_round.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "person_id", name="uq_appraisal_voter"),
    )


def downgrade() -> None:
    op.drop_table("appraisal_voter")
    op.drop_table("appraisal_tally")
    op.drop_index(op.f("ix_appraisal_participant_person_id"), table_name="appraisal_participant")
    op.drop_table("appraisal_participant")
    op.drop_index(op.f("ix_appraisal_ballot_round_id"), table_name="appraisal_ballot")
    op.drop_table("appraisal_ballot")
    op.drop_index(op.f("ix_appraisal_round_unit_id"), table_name="appraisal_round")
    op.drop_table("appraisal_round")
