"""China's working-day calendar for the years the calendar package does not know yet.

The State Council announces each year's holidays and adjusted working weekends in November or
December; until the package is updated, an admin enters them here and marks the year entered.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class CalendarYear(SQLModel, table=True):
    """A year whose holidays an admin has entered (the days are in CalendarDay)."""

    __tablename__ = "calendar_year"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    entered_by: str | None = Field(default=None, max_length=64)
    entered_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class CalendarDay(SQLModel, table=True):
    """A day that differs from Monday-to-Friday: a holiday off, or a weekend worked (调休)."""

    __tablename__ = "calendar_day"

    day: date = Field(sa_column=Column(Date, primary_key=True))
    is_workday: bool
    name: str = Field(max_length=32)  # 春节, 国庆节, 调休上班, …
