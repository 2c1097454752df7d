"""Per-person short links under /m/r/: each push carries one, so an open is known to be theirs.

A link names a person, so it expires (PUSH_LINK_TTL after the push); an expired one still
leads a member to the page through OAuth, as themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from app.models.types import utcnow

_SALT = "broadcast-recipient-link"
PUSH_LINK_TTL = timedelta(days=30)


@dataclass(frozen=True)
class PushLink:
    """The recipient row a valid token names, and whether its time is up."""

    row_id: int
    expired: bool


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class RecipientLinks:
    """Signs and reads the token of /m/r/<token>: (recipient row id, expiry), HMAC-signed."""

    base_url: str
    secret: str
    clock: Callable[[], datetime] = utcnow

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret, salt=_SALT)

    def token(self, row_id: int) -> str:
        """The signed token for one recipient row, valid for PUSH_LINK_TTL from now."""
        expires = int((self.clock() + PUSH_LINK_TTL).timestamp())
        return str(self._serializer().dumps([row_id, expires]))

    def url(self, row_id: int) -> str:
        """The short link a push to this recipient carries."""
        return f"{self.base_url.rstrip('/')}/m/r/{self.token(row_id)}"

    def read(self, token: str) -> PushLink | None:
        """The row a token names and whether it has expired; None when forged or mangled."""
        try:
            value = self._serializer().loads(token)
        except BadSignature:
            return None
        if _int(value):  # a link from before links expired: it names the row, but too long ago
            return PushLink(value, expired=True)
        if isinstance(value, list) and len(value) == 2 and all(_int(v) for v in value):
            return PushLink(value[0], expired=value[1] <= self.clock().timestamp())
        return None
