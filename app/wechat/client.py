"""The async WeChat API client: one typed method per call this system makes."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import structlog

from app.wechat.errors import (
    PermanentError,
)
from app.wechat.transport import WeChatTransport
from app.wechat.types import (
    DownloadedMedia,
    DraftArticle,
    FollowersPage,
    JsSdkConfig,
    MassSendResult,
    UploadedImage,
    UserInfo,
    jssdk_sign,
    mass_body,
    new_clientmsgid,
    template_values,
)

log = structlog.get_logger("app.wechat.client")

__all__ = [
    "DownloadedMedia",
    "DraftArticle",
    "FollowersPage",
    "JsSdkConfig",
    "MassSendResult",
    "QrCode",
    "UploadedImage",
    "UserInfo",
    "WeChatClient",
    "jssdk_sign",
    "new_clientmsgid",
]

MENU_NOT_EXIST = 46003
TAG_BATCH = 50  # WeChat tags or untags at most 50 openids per call
MASS_OPENIDS_MAX = 10_000
QR_TEMPORARY_MAX_SECONDS = 2_592_000  # WeChat's ceiling for a temporary code: 30 days
MEDIA_MAX_BYTES = 10 * 1024 * 1024  # WeChat's ceiling for an image: a larger answer is refused


@dataclass(frozen=True, slots=True)
class QrCode:
    """A temporary parametric QR code: its ticket, the URL it encodes and its lifetime."""

    ticket: str
    url: str
    expire_seconds: int


class WeChatClient(WeChatTransport):
    """One Official Account's API, over one shared httpx client."""

    async def jsapi_ticket(self) -> str:
        """The JS-SDK ticket, shared and refreshed like the access token."""
        return await self.tickets.get()

    async def jssdk_signature(
        self, url: str, noncestr: str | None = None, timestamp: int | None = None
    ) -> JsSdkConfig:
        """Sign a page URL for wx.config()."""
        nonce = noncestr or secrets.token_urlsafe(12)
        moment = timestamp if timestamp is not None else int(time.time())
        signature = jssdk_sign(await self.jsapi_ticket(), nonce, moment, url)
        return {
            "appId": self.app_id,
            "timestamp": moment,
            "nonceStr": nonce,
            "signature": signature,
        }

    def oauth_authorize_url(self, redirect_uri: str, state: str, scope: str = "snsapi_base") -> str:
        """The page that asks WeChat for a member's code; WeChat insists on this param order."""
        query = urlencode(
            [
                ("appid", self.app_id),
                ("redirect_uri", redirect_uri),
                ("response_type", "code"),
                ("scope", scope),
                ("state", state),
            ],
            quote_via=quote,
        )
        return f"{self._oauth_base_url}/connect/oauth2/authorize?{query}#wechat_redirect"

    async def oauth_openid(self, code: str) -> str:
        """Exchange an OAuth code (single use) for the member's openid."""
        params = {
            "appid": self.app_id,
            "secret": self._secret,
            "code": code,
            "grant_type": "authorization_code",
        }
        data = await self._call(
            "oauth2/access_token",
            "/sns/oauth2/access_token",
            method="GET",
            params=params,
            auth=False,
            resend_safe=False,
        )
        return str(data["openid"])

    # --- messages -----------------------------------------------------------------------
    async def send_custom_text(self, openid: str, content: str) -> None:
        """Send a customer-service text (only inside the member's window)."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        await self._call(
            "custom/send", "/cgi-bin/message/custom/send", body=body, resend_safe=False
        )

    async def send_custom_news(
        self, openid: str, title: str, description: str, url: str, picurl: str | None = None
    ) -> None:
        """Send a customer-service link card (one article)."""
        article = {"title": title, "description": description, "url": url}
        if picurl:
            article["picurl"] = picurl
        body = {"touser": openid, "msgtype": "news", "news": {"articles": [article]}}
        await self._call(
            "custom/send", "/cgi-bin/message/custom/send", body=body, resend_safe=False
        )

    async def send_template(
        self, openid: str, template_id: str, data: dict[str, str], url: str | None = None
    ) -> int:
        """Send a template message; return its msgid (TEMPLATESENDJOBFINISH reports it)."""
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": template_values(data),
        }
        if url:
            body["url"] = url
        result = await self._call(
            "template/send", "/cgi-bin/message/template/send", body=body, resend_safe=False
        )
        return int(result["msgid"])

    async def send_subscribe_message(
        self, openid: str, template_id: str, data: dict[str, str], page: str | None = None
    ) -> int | None:
        """Send a subscribe notification (consumes one of the member's one-time grants)."""
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": template_values(data),
        }
        if page:
            body["page"] = page
        result = await self._call(
            "subscribe/bizsend", "/cgi-bin/message/subscribe/bizsend", body=body, resend_safe=False
        )
        return int(result["msgid"]) if "msgid" in result else None

    async def mass_send_to_tag(
        self,
        tag_id: int | None,
        *,
        clientmsgid: str,
        media_id: str | None = None,
        text: str | None = None,
    ) -> MassSendResult:
        """Mass send a draft or text to a tag (None: every follower).

        WeChat refuses a clientmsgid it saw in the last 24 h (PermanentError 45065): after a
        lost answer, that refusal means the earlier attempt went out.
        """
        target = {"is_to_all": True} if tag_id is None else {"is_to_all": False, "tag_id": tag_id}
        body = {"filter": target, **mass_body(media_id, text), "send_ignore_reprint": 0}
        body["clientmsgid"] = clientmsgid
        return self._mass_result(
            await self._call("mass/sendall", "/cgi-bin/message/mass/sendall", body=body)
        )

    async def mass_send_to_openids(
        self,
        openids: list[str],
        *,
        clientmsgid: str,
        media_id: str | None = None,
        text: str | None = None,
    ) -> MassSendResult:
        """Mass send to 2–10,000 openids; larger lists need batches, each its own clientmsgid."""
        if len(openids) > MASS_OPENIDS_MAX:
            raise ValueError(f"at most {MASS_OPENIDS_MAX} openids per mass send")
        body = {"touser": openids, **mass_body(media_id, text), "send_ignore_reprint": 0}
        body["clientmsgid"] = clientmsgid
        return self._mass_result(
            await self._call("mass/send", "/cgi-bin/message/mass/send", body=body)
        )

    async def mass_preview(
        self, openid: str, *, media_id: str | None = None, text: str | None = None
    ) -> int | None:
        """Send a mass message to one member as a preview; return its msg_id."""
        body = {"touser": openid, **mass_body(media_id, text)}
        result = await self._call(
            "mass/preview", "/cgi-bin/message/mass/preview", body=body, resend_safe=False
        )
        return int(result["msg_id"]) if "msg_id" in result else None

    @staticmethod
    def _mass_result(data: dict[str, Any]) -> MassSendResult:
        data_id = data.get("msg_data_id")
        return MassSendResult(int(data["msg_id"]), int(data_id) if data_id is not None else None)

    # --- content ------------------------------------------------------------------------
    async def add_draft(self, articles: list[DraftArticle]) -> str:
        """Save a draft of 1–8 articles; return its media_id."""
        body = {"articles": articles}
        result = await self._call("draft/add", "/cgi-bin/draft/add", body=body, resend_safe=False)
        return str(result["media_id"])

    async def freepublish(self, media_id: str) -> str:
        """Publish a draft to the account's history (notifies nobody); return the publish_id."""
        body = {"media_id": media_id}
        result = await self._call(
            "freepublish/submit", "/cgi-bin/freepublish/submit", body=body, resend_safe=False
        )
        return str(result["publish_id"])

    async def upload_image(self, filename: str, data: bytes) -> UploadedImage:
        """Upload a permanent image (e.g. an article thumbnail)."""
        result = await self._call(
            "material/add_material",
            "/cgi-bin/material/add_material",
            params={"type": "image"},
            files={"media": (filename, data)},
        )
        return UploadedImage(str(result["media_id"]), str(result.get("url", "")))

    async def upload_article_image(self, filename: str, data: bytes) -> str:
        """Upload an image for use inside an article's content (jpg/png, < 1 MB); its URL."""
        result = await self._call(
            "media/uploadimg", "/cgi-bin/media/uploadimg", files={"media": (filename, data)}
        )
        return str(result["url"])

    async def download_media(self, media_id: str) -> DownloadedMedia:
        """Download a temporary media item (a photo a member sent; kept by WeChat for 3 days).

        An expired or unknown media_id is PermanentError 40007; an answer over 10 MB is
        refused (PermanentError) without being read whole. A GET: resending is harmless.
        """
        return await self._download(
            "media/get",
            "/cgi-bin/media/get",
            params={"media_id": media_id},
            max_bytes=MEDIA_MAX_BYTES,
        )

    # --- QR codes -----------------------------------------------------------------------
    async def create_qrcode(self, scene: str, *, expire_seconds: int) -> QrCode:
        """Create a temporary string-scene QR code; scanning it sends `scene` back as EventKey."""
        if not 1 <= len(scene) <= 64:
            raise ValueError("a QR scene is 1–64 characters")
        if not 1 <= expire_seconds <= QR_TEMPORARY_MAX_SECONDS:
            raise ValueError(f"expire_seconds must be 1–{QR_TEMPORARY_MAX_SECONDS}")
        body = {
            "expire_seconds": expire_seconds,
            "action_name": "QR_STR_SCENE",
            "action_info": {"scene": {"scene_str": scene}},
        }
        # Resending is harmless: a second code for the same scene checks in the same way.
        result = await self._call("qrcode/create", "/cgi-bin/qrcode/create", body=body)
        # WeChat has been seen answering expire_seconds 0 for a code that lives as asked.
        return QrCode(
            ticket=str(result["ticket"]),
            url=str(result["url"]),
            expire_seconds=int(result.get("expire_seconds") or expire_seconds),
        )

    # --- menu ---------------------------------------------------------------------------
    async def create_menu(self, menu: dict[str, Any]) -> None:
        """Replace the account's menu."""
        await self._call("menu/create", "/cgi-bin/menu/create", body=menu)

    async def get_menu(self) -> dict[str, Any] | None:
        """The current menu as WeChat returns it, or None when there is none."""
        try:
            return await self._call("menu/get", "/cgi-bin/menu/get", method="GET")
        except PermanentError as exc:
            if exc.errcode == MENU_NOT_EXIST:
                return None
            raise

    async def delete_menu(self) -> None:
        """Remove the account's menu."""
        await self._call("menu/delete", "/cgi-bin/menu/delete", method="GET")

    # --- users and tags -----------------------------------------------------------------
    async def user_info(self, openid: str, lang: str = "zh_CN") -> UserInfo:
        """What WeChat knows about one member."""
        data = await self._call(
            "user/info", "/cgi-bin/user/info", method="GET", params={"openid": openid, "lang": lang}
        )
        subscribed = bool(data.get("subscribe"))
        return UserInfo(
            openid=str(data.get("openid", openid)),
            subscribed=subscribed,
            subscribe_time=int(data["subscribe_time"]) if data.get("subscribe_time") else None,
            unionid=data.get("unionid"),
            remark=str(data.get("remark", "")),
            tag_ids=[int(t) for t in data.get("tagid_list", [])],
            subscribe_scene=str(data.get("subscribe_scene", "")),
            qr_scene_str=str(data.get("qr_scene_str", "")),
        )

    async def followers(self, next_openid: str | None = None) -> FollowersPage:
        """One page (up to 10,000) of follower openids."""
        params = {"next_openid": next_openid} if next_openid else {}
        data = await self._call("user/get", "/cgi-bin/user/get", method="GET", params=params)
        openids = [str(o) for o in (data.get("data") or {}).get("openid", [])]
        return FollowersPage(int(data.get("total", 0)), openids, str(data.get("next_openid", "")))

    async def create_tag(self, name: str) -> int:
        """Create a tag; return its id."""
        body = {"tag": {"name": name}}
        result = await self._call(
            "tags/create", "/cgi-bin/tags/create", body=body, resend_safe=False
        )
        return int(result["tag"]["id"])

    async def tag_users(self, tag_id: int, openids: Iterable[str]) -> None:
        """Put members on a tag, 50 per request."""
        await self._batch_tag("tags/members/batchtagging", tag_id, list(openids))

    async def untag_users(self, tag_id: int, openids: Iterable[str]) -> None:
        """Take members off a tag, 50 per request."""
        await self._batch_tag("tags/members/batchuntagging", tag_id, list(openids))

    async def _batch_tag(self, call: str, tag_id: int, openids: list[str]) -> None:
        for start in range(0, len(openids), TAG_BATCH):
            body = {"openid_list": openids[start : start + TAG_BATCH], "tagid": tag_id}
            await self._call(call, f"/cgi-bin/{call}", body=body)
