"""The member's signed links to their 岗位建功 pages (the chat knows who is asking)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from app.services.member_links import LINK_TTL, MemberLinks

PAGE = "contributions"
SUBJECT = 0  # the pages are the member's own, not one record's


def token(secret: str, *, person_id: int, now: datetime) -> str:
    """A token naming the person on the 岗位建功 pages, valid for LINK_TTL."""
    links = MemberLinks(secret)
    return links.token(page=PAGE, subject_id=SUBJECT, person_id=person_id, expires=now + LINK_TTL)


def with_token(path: str, signed: str) -> str:
    """The path with the token as `?t=` ("" keeps the path as it is)."""
    return f"{path}?t={quote(signed, safe='')}" if signed else path


NEW_PATH = "/m/contributions/new"
MINE_PATH = "/m/contributions"
