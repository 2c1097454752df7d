"""Signed per-person links to a member page (a pledge, a test), for readers OAuth cannot name.

A push's /m/r/<token> link names its recipient row; opening it mints one of these for the
page it leads to. The payload carries its own expiry, checked against the app's clock, so an
old link stops working on time and a test can move the clock past it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "member-page-link"
# Long enough to read and sign later the same week; a reminder brings a fresh one anyway.
LINK_TTL = timedelta(days=7)


class LinkProblem(StrEnum):
    """Why a link does not name a person."""

    FORGED = "forged"  # not signed by us, mangled, or for another page
    EXPIRED = "expired"


@dataclass(frozen=True)
class PersonLink:
    """Who a valid link names."""

    person_id: int


@dataclass(frozen=True)
class MemberLinks:
    """Signs and reads the `t` token of /m/<page>/<id>?t=…: (page, id, person, expiry)."""

    secret: str

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret, salt=_SALT)

    def token(self, *, page: str, subject_id: int, person_id: int, expires: datetime) -> str:
        """A token for this person on this page, valid until `expires`."""
        payload = [page, subject_id, person_id, int(expires.timestamp())]
        return str(self._serializer().dumps(payload))

    def path(self, *, page: str, subject_id: int, person_id: int, now: datetime) -> str:
        """/m/<page>/<id>?t=…: the page with a link naming the person, valid for LINK_TTL."""
        token = self.token(
            page=page, subject_id=subject_id, person_id=person_id, expires=now + LINK_TTL
        )
        return f"/m/{page}/{subject_id}?t={token}"

    def read(
        self, token: str, *, page: str, subject_id: int, now: datetime
    ) -> PersonLink | LinkProblem:
        """The person a token names for this page, or why it names nobody."""
        try:
            payload = self._serializer().loads(token)
        except BadSignature:
            return LinkProblem.FORGED
        if (
            not isinstance(payload, list)
            or len(payload) != 4
            or payload[0] != page
            or payload[1] != subject_id
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in payload[1:])
        ):
            return LinkProblem.FORGED
        if payload[3] <= now.timestamp():
            return LinkProblem.EXPIRED
        return PersonLink(person_id=payload[2])
