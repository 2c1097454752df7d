"""廉政谈话记录 (admins only, every view audited): list, record, edit."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/talks")
