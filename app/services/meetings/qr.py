"""A meeting's check-in QR code: a temporary parametric code whose scene names the meeting."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

import segno
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Meeting, MeetingStatus
from app.wechat.client import QR_TEMPORARY_MAX_SECONDS, QrCode

SCENE_PREFIX = "meeting:"
# A code outlives check-in a little, so a member scanning at the last minute gets told it
# closed (our reply) rather than WeChat's "二维码已过期".
GRACE = timedelta(hours=1)
MAX_LIFETIME = timedelta(seconds=QR_TEMPORARY_MAX_SECONDS)


class QrClient(Protocol):
    """The one WeChat call this needs (WeChatClient has it)."""

    async def create_qrcode(self, scene: str, *, expire_seconds: int) -> QrCode:
        """Create a temporary string-scene code."""
        ...


class QrUnavailable(Exception):
    """No code can be made for the meeting now; the message says why, in Chinese."""


class QrState(StrEnum):
    """Where a meeting's stored code stands."""

    NONE = "none"  # never made
    EXPIRED = "expired"
    SHORT = "short"  # works now, but expires before check-in closes (a meeting > 30 days out)
    VALID = "valid"  # works until check-in closes


@dataclass(frozen=True)
class QrStatus:
    """The stored code's state and, when there is one, until when it works."""

    state: QrState
    expires_at: datetime | None

    @property
    def usable(self) -> bool:
        """Whether the stored code can be scanned now."""
        return self.state in (QrState.SHORT, QrState.VALID)


def scene_of(meeting: Meeting) -> str:
    """The scene string a meeting's code carries ("meeting:12")."""
    assert meeting.id is not None
    return f"{SCENE_PREFIX}{meeting.id}"


def meeting_id_of(scene: str) -> int | None:
    """The meeting a scanned scene names ("meeting:12", or "qrscene_meeting:12" on follow)."""
    scene = scene.removeprefix("qrscene_")
    if not scene.startswith(SCENE_PREFIX):
        return None
    number = scene[len(SCENE_PREFIX) :]
    # ASCII only: str.isdigit() also takes "١٢" and "²", which no code of ours carries.
    ok = number.isascii() and number.isdigit() and len(number) < 10
    return int(number) if ok else None


def status(meeting: Meeting, now: datetime) -> QrStatus:
    """The stored code's state at `now`."""
    if not meeting.qr_ticket or not meeting.qr_url or meeting.qr_expires_at is None:
        return QrStatus(QrState.NONE, None)
    expires = meeting.qr_expires_at
    if expires <= now:
        return QrStatus(QrState.EXPIRED, expires)
    if expires < meeting.checkin_closes_at:
        return QrStatus(QrState.SHORT, expires)
    return QrStatus(QrState.VALID, expires)


def unavailable_reason(meeting: Meeting, now: datetime) -> str | None:
    """Why no new code may be made now (cancelled, check-in over), or None."""
    if meeting.status == MeetingStatus.CANCELLED.value:
        return "这次会议已经取消，不需要签到二维码。"
    if now >= meeting.checkin_closes_at:
        return "这次会议的签到已经结束，不能再生成签到二维码。"
    return None


def lifetime_seconds(meeting: Meeting, now: datetime) -> int:
    """How long a code made now should live: until check-in closes plus an hour, ≤ 30 days."""
    wanted = min(MAX_LIFETIME, meeting.checkin_closes_at + GRACE - now)
    return max(1, math.ceil(wanted.total_seconds()))


async def ensure_qr(
    session: AsyncSession, *, client: QrClient, meeting: Meeting, now: datetime
) -> Meeting:
    """Keep the stored code if it works until check-in closes, else ask WeChat for a new one.

    Raises QrUnavailable (cancelled, check-in over) and the client's WeChatError.
    """
    if status(meeting, now).state is QrState.VALID:
        return meeting
    reason = unavailable_reason(meeting, now)
    if reason is not None:
        raise QrUnavailable(reason)
    # Nothing is written before the call, so no write lock is held while WeChat answers. Two
    # admins racing each get a code; both carry the same scene, so either one checks in.
    code = await client.create_qrcode(
        scene_of(meeting), expire_seconds=lifetime_seconds(meeting, now)
    )
    meeting.qr_ticket = code.ticket
    meeting.qr_url = code.url
    meeting.qr_expires_at = now + timedelta(seconds=code.expire_seconds)
    session.add(meeting)
    await session.flush()
    return meeting


def qr_svg(url: str) -> str:
    """The QR code of `url` (what WeChat's code encodes) as a standalone SVG document."""
    code = segno.make_qr(url, error="m")  # segno raises the level further when it fits
    out = io.BytesIO()
    # No width/height but a viewBox: the page sizes it, sharp at any print size; a white
    # background and the standard 4-module quiet zone keep it scannable on any paper.
    code.save(out, kind="svg", scale=10, border=4, dark="#000", light="#fff", omitsize=True)
    return out.getvalue().decode()
