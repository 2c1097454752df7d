"""The wire to the backend: signed (and encrypted) POSTs, WeChat's deadline and retries."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import httpx

from app.dev.sandbox import wire
from app.dev.sandbox.config import SandboxConfig
from app.dev.sandbox.state import SandboxState

# What the member sees when the backend's answer is unusable.
UNAVAILABLE = "该公众号暂时无法提供服务，请稍后再试"


@dataclass
class CallbackResult:
    """How the backend answered one callback, as WeChat saw it."""

    status: int | None  # the backend's HTTP status; None when nothing was sent or no answer came
    reply: dict[str, Any] | None  # the passive reply, decrypted and reduced; None for "success"
    error: str | None = None  # why WeChat would show UNAVAILABLE to the member
    body: str = ""  # the backend's raw body (the last attempt)
    sent_xml: str = ""  # the plaintext XML WeChat pushed
    attempts: int = 0  # deliveries made: WeChat retries when no answer comes within the deadline

    def to_json(self) -> dict[str, Any]:
        """Render for the control API."""
        return {
            "status": self.status,
            "reply": self.reply,
            "error": self.error,
            "member_sees": UNAVAILABLE if self.error else None,
            "attempts": self.attempts,
        }


class CallbackSender:
    """POSTs callback XML like WeChat: signing, encryption, the 5 s deadline and retries."""

    def __init__(self, config: SandboxConfig, state: SandboxState) -> None:
        """Bind to one sandbox; the HTTP client is created on first use."""
        self.config = config
        self.state = state
        key = config.encoding_aes_key
        self._crypto = wire.CallbackCrypto(config.token, key, config.app_id) if key else None
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def schedule(self, job: Coroutine[Any, Any, Any]) -> None:
        """Run a callback in the background (auto job events); drain() waits for them."""
        self._keep(asyncio.create_task(job))

    def _keep(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved, so a failure in the background is not reported twice

    async def drain(self) -> None:
        """Wait for background callbacks (auto job events, abandoned slow deliveries)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Finish background work and close the HTTP client."""
        await self.drain()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def deliver(self, openid: str, plaintext: str, *, member: bool = True) -> CallbackResult:
        """POST plaintext XML (signed, encrypted as configured); retry while no answer comes."""
        result = CallbackResult(status=None, reply=None, sent_xml=plaintext)
        if not self.config.callback_url:
            result.error = "no callback_url configured"
            return result
        for _ in range(1 + max(0, self.config.callback_retries)):
            result.attempts += 1
            params, body = self._sign(openid, plaintext)
            answer = await self._post_within_deadline(params, body)
            if isinstance(answer, httpx.Response):
                result.error = None  # an answered retry is all the member sees
                self._read_answer(result, answer, openid, member=member)
                return result
            result.error = answer
        return result

    def _sign(self, openid: str, plaintext: str) -> tuple[dict[str, str], str]:
        timestamp = str(int(self.state.now()))
        nonce = str(secrets.randbelow(10**10))
        params = {
            "signature": wire.signature(self.config.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": openid,
        }
        mode = self.config.effective_callback_mode
        if mode == "plain" or self._crypto is None:
            return params, plaintext
        encrypt, msg_signature = self._crypto.encrypt(plaintext, nonce, timestamp)
        params |= {"encrypt_type": "aes", "msg_signature": msg_signature}
        if mode == "safe":
            return params, wire.render_xml(
                {"ToUserName": self.config.original_id, "Encrypt": encrypt}
            )
        # Compatible mode carries the plaintext fields and the <Encrypt> element together.
        element = f"<Encrypt>{wire.cdata(encrypt)}</Encrypt>\n</xml>"
        return params, plaintext.removesuffix("</xml>") + element

    async def _post_within_deadline(
        self, params: dict[str, str], body: str
    ) -> httpx.Response | str:
        """POST and wait at most the deadline; a late backend keeps running, as with WeChat."""
        task = asyncio.create_task(self._post(params, body))
        done, _ = await asyncio.wait({task}, timeout=self.config.callback_timeout_seconds)
        if not done:
            self._keep(task)
            return f"no answer within {self.config.callback_timeout_seconds:g} s"
        return task.result()

    async def _post(self, params: dict[str, str], body: str) -> httpx.Response | str:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self.config.callback_transport,
                timeout=max(30.0, 2 * self.config.callback_timeout_seconds),
            )
        assert self.config.callback_url is not None
        try:
            return await self._client.post(
                self.config.callback_url,
                params=params,
                content=body.encode(),
                headers={"Content-Type": "text/xml"},
            )
        except httpx.HTTPError as exc:
            return f"transport error: {exc!r}"

    def _read_answer(
        self, result: CallbackResult, answer: httpx.Response, openid: str, *, member: bool
    ) -> None:
        """Interpret the backend's answer the way WeChat does; record a passive reply."""
        result.status, result.body = answer.status_code, answer.text
        if answer.status_code != 200:
            result.error = f"HTTP {answer.status_code}"
            return
        text = answer.text.strip()
        if text in {"", "success"}:
            return  # WeChat shows nothing and stops retrying
        try:
            fields = wire.parse_xml(text)
            if "Encrypt" in fields:
                if self._crypto is None:
                    raise ValueError("encrypted reply but no EncodingAESKey")
                fields = wire.parse_xml(self._crypto.decrypt_reply(fields))
            elif self.config.effective_callback_mode == "safe":
                raise ValueError("plaintext reply in safe mode")
        except Exception as exc:  # a bad signature, appid or envelope: reported, not raised
            result.error = f"unusable reply: {exc!r}"
            return
        reply = wire.describe_reply(fields)
        if member and reply["to"] != openid:
            result.error = f"reply ToUserName {reply['to']!r} is not the member"
            return
        result.reply = reply
        if member and reply["type"] != "transfer_customer_service":
            payload = {k: v for k, v in reply.items() if k not in {"to", "from", "type"}}
            self.state.record_delivery(openid, "reply", reply["type"], payload)
