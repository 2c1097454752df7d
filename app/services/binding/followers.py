"""Followers of the account: who follows, since when, and who left."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Follower


async def get_by_openid(session: AsyncSession, *, openid: str) -> Follower | None:
    """The follower with this openid, if we have seen it."""
    return (await session.exec(select(Follower).where(Follower.openid == openid))).first()


async def record_subscribe(
    session: AsyncSession, *, openid: str, scene: str | None, now: datetime
) -> Follower:
    """Mark the openid as following (again), remembering the QR scene it came through."""
    follower = await get_by_openid(session, openid=openid)
    if follower is None:
        follower = Follower(openid=openid, created_at=now)
        session.add(follower)
    follower.subscribed = True
    follower.subscribed_at = now
    follower.unsubscribed_at = None
    follower.subscribe_scene = scene
    follower.subscribe_count += 1
    follower.updated_at = now
    await session.flush()
    return follower


async def record_unsubscribe(session: AsyncSession, *, openid: str, now: datetime) -> None:
    """Mark the openid as gone; its history stays."""
    follower = await get_by_openid(session, openid=openid)
    if follower is None:
        follower = Follower(openid=openid, created_at=now, subscribed_at=None)
        session.add(follower)
    follower.subscribed = False
    follower.unsubscribed_at = now
    follower.updated_at = now
    await session.flush()
