"""Console users over REST: who is asking, API tokens, users (admins only)."""

from app.api.v1.accounts import me, tokens, users
from app.features import combined

router = combined(me, tokens, users)

__all__ = ["router"]
