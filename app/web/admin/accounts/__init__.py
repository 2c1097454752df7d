"""账号与令牌: console users and their API tokens (admins only)."""

from fastapi import APIRouter

from app.web.admin.accounts import tokens, users

router = APIRouter()
for module in (
    users,
    tokens,
):
    router.include_router(module.router)

__all__ = ["router"]
