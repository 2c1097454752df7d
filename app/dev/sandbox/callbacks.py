"""The member side: what WeChat POSTs to the backend when a member acts, and job events."""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from typing import Any, Literal

from app.dev.sandbox import wire
from app.dev.sandbox.config import SandboxConfig
from app.dev.sandbox.delivery import CallbackResult, CallbackSender
from app.dev.sandbox.state import SandboxState
from app.dev.sandbox.wire import XmlValue

ActionType = Literal["text", "click", "view", "subscribe", "unsubscribe", "scan"]


class UnknownFollowerError(LookupError):
    """No follower has this openid."""


class NotFollowingError(ValueError):
    """The member doesn't follow the account, so WeChat wouldn't let them do this."""


class SandboxCallbacks:
    """Turns member actions and job completions into signed (and encrypted) POSTs."""

    def __init__(self, config: SandboxConfig, state: SandboxState) -> None:
        """Bind to one sandbox."""
        self.config = config
        self.state = state
        self.sender = CallbackSender(config, state)

    # --- member actions ----------------------------------------------------------------------
    def _following(self, openid: str) -> None:
        follower = self.state.follower(openid)
        if follower is None:
            raise UnknownFollowerError(openid)
        if not follower.subscribed:
            raise NotFollowingError(openid)

    async def send_text(self, openid: str, content: str) -> CallbackResult:
        """The member types a message: opens the 48 h / 5-message window."""
        self._following(openid)
        self.state.open_window(openid, "message")
        msgid = self.state.next_msgid()
        return await self.push(openid, {"MsgType": "text", "Content": content, "MsgId": msgid})

    async def click(self, openid: str, key: str) -> CallbackResult:
        """The member taps a click menu button: opens the 1 min / 3-message window."""
        self._following(openid)
        self.state.open_window(openid, "event")
        return await self.push(openid, {"MsgType": "event", "Event": "CLICK", "EventKey": key})

    async def view(self, openid: str, url: str) -> CallbackResult:
        """The member taps a view (link) button; WeChat opens no reply window for it."""
        self._following(openid)
        return await self.push(openid, {"MsgType": "event", "Event": "VIEW", "EventKey": url})

    async def subscribe(
        self, openid: str, *, nickname: str = "", scene: str | None = None
    ) -> CallbackResult:
        """The user follows (from a QR code when `scene` is given)."""
        self.state.subscribe(openid, nickname=nickname, qr_scene_str=scene or "")
        self.state.open_window(openid, "event")
        fields: dict[str, XmlValue] = {"MsgType": "event", "Event": "subscribe"}
        if scene:
            fields |= {"EventKey": f"qrscene_{scene}", "Ticket": _ticket(scene)}
        return await self.push(openid, fields)

    async def unsubscribe(self, openid: str) -> CallbackResult:
        """The member unfollows."""
        self._following(openid)
        self.state.unsubscribe(openid)
        return await self.push(openid, {"MsgType": "event", "Event": "unsubscribe", "EventKey": ""})

    async def scan(self, openid: str, scene: str) -> CallbackResult:
        """The member scans a parametric QR code (a non-follower follows through it instead)."""
        follower = self.state.follower(openid)
        if follower is None or not follower.subscribed:
            return await self.subscribe(openid, scene=scene)
        self.state.open_window(openid, "event")
        fields = {"MsgType": "event", "Event": "SCAN", "EventKey": scene, "Ticket": _ticket(scene)}
        return await self.push(openid, fields)

    async def act(
        self, openid: str, action: ActionType, *, content: str = "", key: str = ""
    ) -> CallbackResult:
        """Run one member action by name (the control API's entry point)."""
        if action == "text":
            return await self.send_text(openid, content)
        if action == "click":
            return await self.click(openid, key)
        if action == "view":
            return await self.view(openid, key or content)
        if action == "subscribe":
            return await self.subscribe(openid, scene=key or None)
        if action == "unsubscribe":
            return await self.unsubscribe(openid)
        return await self.scan(openid, key)

    # --- job events --------------------------------------------------------------------------
    async def emit_job_finish(self, msgid: int, status: str = "success") -> CallbackResult:
        """Emit TEMPLATESENDJOBFINISH for a template message ("failed:user block", …)."""
        send = self.state.template_sends[msgid]
        fields: dict[str, XmlValue] = {
            "MsgType": "event",
            "Event": "TEMPLATESENDJOBFINISH",
            "MsgID": msgid,
            "Status": status,
        }
        return await self.push(send.openid, fields, member=False)

    async def emit_mass_job_finish(self, msg_id: int) -> CallbackResult:
        """Emit MASSSENDJOBFINISH with the job's Total/Filter/Sent/Error counts."""
        job = self.state.mass_jobs[msg_id]
        fields: dict[str, XmlValue] = {
            "MsgType": "event",
            "Event": "MASSSENDJOBFINISH",
            "MsgID": job.msg_id,
            "Status": "send success",
            "TotalCount": job.total,
            "FilterCount": job.filter_count,
            "SentCount": job.sent,
            "ErrorCount": job.error,
            "CopyrightCheckResult": {"Count": 0, "CheckState": 1},
        }
        return await self.push(self.config.original_id, fields, member=False)

    async def emit_publish_job_finish(self, publish_id: int) -> CallbackResult:
        """Emit PUBLISHJOBFINISH with the article id and URLs."""
        pub = self.state.publications[publish_id]
        items: list[XmlValue] = [
            {"idx": i + 1, "article_url": url} for i, url in enumerate(pub.article_urls)
        ]
        info: dict[str, XmlValue] = {
            "publish_id": pub.publish_id,
            "publish_status": pub.status,
            "article_id": pub.article_id,
            "article_detail": {"count": len(items), "item": items},
        }
        fields: dict[str, XmlValue] = {
            "MsgType": "event",
            "Event": "PUBLISHJOBFINISH",
            "PublishEventInfo": info,
        }
        return await self.push(self.config.original_id, fields, member=False)

    # --- background work ---------------------------------------------------------------------
    def schedule(self, job: Coroutine[Any, Any, Any]) -> None:
        """Run a callback in the background (auto job events); drain() waits for them."""
        self.sender.schedule(job)

    async def drain(self) -> None:
        """Wait for background callbacks (auto job events, abandoned slow deliveries)."""
        await self.sender.drain()

    async def aclose(self) -> None:
        """Finish background work and close the HTTP client."""
        await self.sender.aclose()

    # --- the wire ----------------------------------------------------------------------------
    async def push(
        self, openid: str, fields: Mapping[str, XmlValue], *, member: bool = True
    ) -> CallbackResult:
        """Wrap fields in a message from `openid` and deliver it like WeChat."""
        head: dict[str, XmlValue] = {
            "ToUserName": self.config.original_id,
            "FromUserName": openid,
            "CreateTime": int(self.state.now()),
        }
        return await self.deliver(openid, wire.render_xml({**head, **fields}), member=member)

    async def deliver(self, openid: str, plaintext: str, *, member: bool = True) -> CallbackResult:
        """POST plaintext XML as WeChat would (e.g. to replay a message exactly)."""
        return await self.sender.deliver(openid, plaintext, member=member)


def _ticket(scene: str) -> str:
    """Return a QR-code ticket shaped like WeChat's for a scene."""
    return "gQ" + wire.signature("sandbox-qr", scene)[:30]
