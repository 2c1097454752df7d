"""组织发展 over REST: development files and their steps, read only."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["admission"])
