"""三亮三挂三考核：月度、季度、年度考核表.

A scheme (its items and levels) is versioned: a period keeps the version it was filled with, an
edit makes a new version that applies from the next period. A sheet is one person's result for one
period; its entries are the items, each with the computed value, the evidence and any adjustment.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Date, Float, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import JSONType, UTCDateTime, utcnow


class PeriodKind(StrEnum):
    """How long an assessment period is."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {"month": "月度", "quarter": "季度", "year": "年度"}[self.value]


class PeriodStatus(StrEnum):
    """Where a period's review stands."""

    FILLED = "filled"  # sheets filled, the secretary reviews
    SIGNED = "signed"  # signed off: members are told and see their sheet

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {"filled": "待审核", "signed": "已签发"}[self.value]


class AssessmentScheme(SQLModel, table=True):
    """One version of the scheme of a period kind: its items and levels, from a given day."""

    __tablename__ = "assessment_scheme"
    __table_args__ = (UniqueConstraint("kind", "version", name="uq_assessment_scheme_version"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # a PeriodKind value
    version: int
    # Periods starting on or after this day use this version (until a later one).
    effective_from: date = Field(sa_column=Column(Date, nullable=False))
    # [{"code", "heading", "title", "rule" (or null: judged by hand), "weight", "thresholds"}]
    items: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONType))
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class AssessmentPeriod(SQLModel, table=True):
    """One month, quarter or year whose sheets were filled (each at most once)."""

    __tablename__ = "assessment_period"
    __table_args__ = (UniqueConstraint("kind", "starts_on", name="uq_assessment_period"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # a PeriodKind value
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    ends_on: date = Field(sa_column=Column(Date, nullable=False))
    scheme_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessment_scheme.id"), nullable=False)
    )
    status: str = Field(default=PeriodStatus.FILLED.value, max_length=16)
    filled_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    signed_by: str | None = Field(default=None, max_length=64)
    signed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class AssessmentSheet(SQLModel, table=True):
    """One person's sheet for one period."""

    __tablename__ = "assessment_sheet"
    __table_args__ = (UniqueConstraint("period_id", "person_id", name="uq_assessment_sheet"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("assessment_period.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    person_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # The unit at filling time: a secretary reviews the sheets of their units.
    org_unit_id: int | None = Field(default=None)
    score: float | None = Field(default=None, sa_column=Column(Float))
    level: str | None = Field(default=None, max_length=8)
    statement: str | None = Field(default=None, sa_column=Column(Text))
    statement_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    review_reason: str | None = Field(default=None, sa_column=Column(Text))
    review_requested_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class AssessmentEntry(SQLModel, table=True):
    """One item of a sheet: the computed value (null: 无记录), evidence, level, adjustment."""

    __tablename__ = "assessment_entry"
    __table_args__ = (UniqueConstraint("sheet_id", "code", name="uq_assessment_entry"),)

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: the unique (sheet_id, code) serves lookups by sheet.
    sheet_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("assessment_sheet.id", ondelete="CASCADE"), nullable=False
        )
    )
    code: str = Field(max_length=32)  # the scheme item's code
    value: float | None = Field(default=None, sa_column=Column(Float))
    # [{"label", "href"}]: the records behind the value, linked to their console pages.
    evidence: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONType))
    level: str | None = Field(default=None, max_length=8)
    adjusted_value: float | None = Field(default=None, sa_column=Column(Float))
    adjust_reason: str | None = Field(default=None, sa_column=Column(Text))
    adjusted_by: str | None = Field(default=None, max_length=64)
    adjusted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
