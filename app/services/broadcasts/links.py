"""Per-person short links under /m/r/: each push carries one, so an open is known to be theirs."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "broadcast-recipient-link"


@dataclass(frozen=True)
class RecipientLinks:
    """Signs and reads the token of /m/r/<token> (the recipient row's id, HMAC-signed)."""

    base_url: str
    secret: str

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret, salt=_SALT)

    def token(self, row_id: int) -> str:
        """The signed token for one recipient row."""
        return str(self._serializer().dumps(row_id))

    def url(self, row_id: int) -> str:
        """The short link a push to this recipient carries."""
        return f"{self.base_url.rstrip('/')}/m/r/{self.token(row_id)}"

    def read(self, token: str) -> int | None:
        """The recipient row id of a token, or None when it is forged or mangled."""
        try:
            value = self._serializer().loads(token)
        except BadSignature:
            return None
        return value if isinstance(value, int) and not isinstance(value, bool) else None
