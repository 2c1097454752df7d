"""民主评议党员：自评、匿名互评、支部评定.

What is kept, and what is not (anonymity):
- `appraisal_voter` says who has voted (round, person), nothing else.
- `appraisal_ballot` holds one rating of one candidate: a random uuid4 key, the round, the
  candidate and the rating. No voter, no time, no sequential id: a join with the voter list has
  nothing to match on.
- At closing the ballots are counted into `appraisal_tally` (round, candidate, rating, count)
  and deleted, so afterwards only counts remain in the application's data.

What this does not cover, honestly: while a round is open, someone with database superuser
access can still read PostgreSQL's own row metadata (the `xmin` transaction id, the physical
position `ctid`), which a voter row and its ballots share or mirror because they are written
together in one transaction (the voters' ids give the order of voting, the ballots' positions
follow the same order). The WAL and backups taken during voting keep the rows too, and deleted
rows linger until VACUUM. None of this is application data and no page or export shows it,
but anonymity against a database administrator during the voting window rests on operations
(nobody reads the WAL, inspects backups or system columns), not on the schema.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class AppraisalStatus(StrEnum):
    """Where a round stands."""

    DRAFT = "draft"  # set up, nobody told yet
    OPEN = "open"  # participants fixed: self-assessment, then voting
    CLOSED = "closed"  # ballots counted and deleted; verdicts may be recorded

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {"draft": "未开启", "open": "进行中", "closed": "已结束"}[self.value]


class AppraisalRating(StrEnum):
    """The four ratings of 民主评议 (a ballot's and the branch's verdict)."""

    EXCELLENT = "excellent"
    QUALIFIED = "qualified"
    BASIC = "basic"
    UNQUALIFIED = "unqualified"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {
            "excellent": "优秀",
            "qualified": "合格",
            "basic": "基本合格",
            "unqualified": "不合格",
        }[self.value]


class AppraisalRound(SQLModel, table=True):
    """One year's 民主评议 of a unit and its subtree."""

    __tablename__ = "appraisal_round"

    id: int | None = Field(default=None, primary_key=True)
    year: int
    unit_id: int = Field(
        sa_column=Column(Integer, ForeignKey("org_unit.id"), nullable=False, index=True)
    )
    status: str = Field(default=AppraisalStatus.DRAFT.value, max_length=16)
    self_opens_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    self_closes_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    vote_opens_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    vote_closes_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    opened_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class AppraisalParticipant(SQLModel, table=True):
    """A person of the round (fixed when it opens): their self-assessment and the verdict."""

    __tablename__ = "appraisal_participant"
    __table_args__ = (UniqueConstraint("round_id", "person_id", name="uq_appraisal_participant"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("appraisal_round.id", ondelete="CASCADE"), nullable=False
        )
    )
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # 正式党员 vote; 预备党员 write a self-assessment and are rated, but do not vote.
    votes: bool = True
    self_text: str | None = Field(default=None, sa_column=Column(Text))
    self_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    verdict: str | None = Field(default=None, max_length=16)  # a AppraisalRating value
    verdict_note: str | None = Field(default=None, sa_column=Column(Text))
    verdict_by: str | None = Field(default=None, max_length=64)
    verdict_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class AppraisalVoter(SQLModel, table=True):
    """That a person has voted in a round: nothing about how."""

    __tablename__ = "appraisal_voter"
    # Votes once: a second insert (even a concurrent one) fails on this constraint.
    __table_args__ = (UniqueConstraint("round_id", "person_id", name="uq_appraisal_voter"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("appraisal_round.id", ondelete="CASCADE"), nullable=False
        )
    )
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    )


class AppraisalBallot(SQLModel, table=True):
    """One rating of one candidate by somebody: no voter, no time, no sequential id."""

    __tablename__ = "appraisal_ballot"

    key: str = Field(sa_column=Column(String(32), primary_key=True))  # uuid4().hex
    round_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("appraisal_round.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    candidate_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    )
    rating: str = Field(max_length=16)  # a AppraisalRating value


class AppraisalTally(SQLModel, table=True):
    """How many ballots gave a candidate a rating, counted when the round closed."""

    __tablename__ = "appraisal_tally"

    round_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("appraisal_round.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    candidate_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("person.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    rating: str = Field(sa_column=Column(String(16), primary_key=True))
    count: int = 0
