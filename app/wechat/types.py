"""Typed results and small helpers of the WeChat API client."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any, NotRequired, Required, TypedDict
from urllib.parse import urldefrag


@dataclass(frozen=True, slots=True)
class MassSendResult:
    """A mass send WeChat accepted; its outcome arrives later as MASSSENDJOBFINISH."""

    msg_id: int
    msg_data_id: int | None


@dataclass(frozen=True, slots=True)
class UploadedImage:
    """A permanent image material: its media_id and the URL WeChat serves it from."""

    media_id: str
    url: str


@dataclass(frozen=True, slots=True)
class DownloadedMedia:
    """A temporary media item's file (e.g. a photo a member sent): its bytes and their type."""

    content: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class FollowersPage:
    """One page of the account's followers; pass `next_openid` to get the next."""

    total: int
    openids: list[str]
    next_openid: str


@dataclass(frozen=True, slots=True)
class UserInfo:
    """What WeChat tells about a member; `subscribed` False means the rest is empty."""

    openid: str
    subscribed: bool
    subscribe_time: int | None
    unionid: str | None
    remark: str
    tag_ids: list[int]
    subscribe_scene: str
    qr_scene_str: str


class DraftArticle(TypedDict, total=False):
    """One article of a draft, as /cgi-bin/draft/add takes it."""

    title: Required[str]
    content: Required[str]
    thumb_media_id: Required[str]
    author: str
    digest: str
    content_source_url: str
    need_open_comment: int
    only_fans_can_comment: int


class JsSdkConfig(TypedDict):
    """The fields a page passes to wx.config()."""

    appId: str
    timestamp: int
    nonceStr: str
    signature: str
    url: NotRequired[str]


def new_clientmsgid() -> str:
    """A fresh clientmsgid; store it with the send so a retried send reuses it."""
    return uuid.uuid4().hex


def jssdk_sign(ticket: str, noncestr: str, timestamp: int, url: str) -> str:
    """SHA-1 JS-SDK signature over the four fields in WeChat's order; the fragment is dropped."""
    page = urldefrag(url).url
    plain = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={page}"
    return hashlib.sha1(plain.encode(), usedforsecurity=False).hexdigest()


def mass_body(media_id: str | None, text: str | None) -> dict[str, Any]:
    """The message part of a mass send: a draft (mpnews) or plain text, exactly one."""
    if (media_id is None) == (text is None):
        raise ValueError("give exactly one of media_id and text")
    if media_id is not None:
        return {"msgtype": "mpnews", "mpnews": {"media_id": media_id}}
    return {"msgtype": "text", "text": {"content": text}}


def template_values(data: dict[str, str]) -> dict[str, dict[str, str]]:
    return {key: {"value": value} for key, value in data.items()}
