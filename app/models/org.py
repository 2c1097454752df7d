"""The organisation tree: company committee → branch → Party group (党小组)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class OrgUnitKind(StrEnum):
    """The levels of the tree; one branch today, a group of branches tomorrow."""

    COMMITTEE = "committee"  # 党委
    BRANCH = "branch"  # 党支部
    GROUP = "group"  # 党小组

    @property
    def label(self) -> str:
        """The Chinese name shown to people."""
        return {"committee": "党委", "branch": "党支部", "group": "党小组"}[self.value]


class OrgUnit(SQLModel, table=True):
    """One unit of the Party organisation."""

    __tablename__ = "org_unit"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=16)  # an OrgUnitKind value
    parent_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True),
    )
    sort_order: int = 0
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
