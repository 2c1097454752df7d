"""Placeholder: the member's meeting page /m/meetings/{id} (issue 6)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
