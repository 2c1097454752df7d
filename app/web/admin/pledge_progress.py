"""A campaign's progress: signed / total, the unsigned and their reminders, voiding, export."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/pledges")
