"""Placeholder: filled in by the issue-6 console work."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
