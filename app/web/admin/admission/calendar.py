"""Holidays of years the calendar package does not know yet, entered by an admin."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/admission")
