"""账号与令牌: console users and their API tokens (admins only)."""

from app.web.admin.accounts import tokens, users
from app.web.routers import combined

router = combined(
    users,
    tokens,
)

__all__ = ["router"]
