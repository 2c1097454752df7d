"""账号与令牌: console users and their API tokens (admins only)."""

from app.features import combined
from app.web.admin.accounts import tokens, users

router = combined(
    users,
    tokens,
)

__all__ = ["router"]
