"""The WeChat callback: URL verification (GET) and message push (POST) at /wechat."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from app.config import Settings
from app.db import is_database_unavailable
from app.handlers.runtime import SUCCESS, Dispatcher
from app.metrics import Metrics, callback_labels
from app.wechat.crypto import AppIdMismatch, CryptoError, MessageCrypto, signature_matches
from app.wechat.dedup import SignedQueries, body_fingerprint, query_key
from app.wechat.inbound import CallbackQuery, Rejected, check_query, read_message

log = structlog.get_logger(__name__)


@dataclass
class Callback:
    """What the callback needs, built once per app."""

    settings: Settings
    crypto: MessageCrypto | None
    dispatcher: Dispatcher
    metrics: Metrics
    clock: Callable[[], datetime]
    # Which body each signed query came with (plain and compatible mode): no replays.
    queries: SignedQueries = field(default_factory=SignedQueries)

    @property
    def token(self) -> str:
        """The callback Token shared with WeChat."""
        return self.settings.wechat_token.get_secret_value()


def _query(request: Request) -> CallbackQuery:
    q = request.query_params
    return CallbackQuery(
        signature=q.get("signature"),
        timestamp=q.get("timestamp"),
        nonce=q.get("nonce"),
        echostr=q.get("echostr"),
        encrypt_type=q.get("encrypt_type"),
        msg_signature=q.get("msg_signature"),
    )


def _reject(callback: Callback, rejected: Rejected) -> PlainTextResponse:
    callback.metrics.rejections.labels(reason=rejected.label).inc()
    log.info("callback rejected", reason=rejected.label, status=rejected.status)
    return PlainTextResponse(rejected.reason, status_code=rejected.status)


async def _read_body(request: Request, limit: int) -> bytes:
    """Read at most `limit` bytes; a larger body is refused before it is all in memory."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Rejected(400, f"body larger than {limit} bytes", "too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Rejected(400, f"body larger than {limit} bytes", "too_large")
        chunks.append(chunk)
    return b"".join(chunks)


async def _one_body_per_query(callback: Callback, query: CallbackQuery, body: bytes) -> None:
    """Refuse a signed query seen within the window with another body (a genuine retry of
    WeChat's has the same body and goes on to be answered from the dedup store)."""
    tolerance = callback.settings.wechat_timestamp_tolerance_seconds
    first = await callback.queries.same_body(
        query_key(query.timestamp or "", query.nonce or "", query.signature or ""),
        body_fingerprint(body),
        now=callback.clock().timestamp(),
        ttl=2 * tolerance + 1,  # until the timestamp has left the window on either side
    )
    if not first:
        raise Rejected(403, "signed query already used with another body", "replayed")


async def verify_url(request: Request) -> PlainTextResponse:
    """Answer WeChat's URL check: echo `echostr` only when the signature is ours."""
    callback: Callback = request.app.state.callback
    query = _query(request)
    try:
        if query.msg_signature and callback.crypto is not None:
            # Encrypted echostr (the WeCom-style check): verify over it, then decrypt it.
            parts = (callback.token, query.timestamp or "", query.nonce or "", query.echostr or "")
            if not signature_matches(query.msg_signature, *parts):
                raise Rejected(403, "invalid msg_signature", "bad_signature")
            echo = callback.crypto.decrypt(query.echostr or "")
        else:
            check_query(
                query,
                token=callback.token,
                now=callback.clock().timestamp(),
                tolerance=callback.settings.wechat_timestamp_tolerance_seconds,
            )
            echo = query.echostr or ""
        if not echo:
            raise Rejected(400, "missing echostr", "malformed")
    except AppIdMismatch:
        return _reject(callback, Rejected(403, "echostr is for another appid", "bad_appid"))
    except CryptoError as exc:
        return _reject(callback, Rejected(400, f"cannot decrypt echostr: {exc}", "decrypt_failed"))
    except Rejected as rejected:
        return _reject(callback, rejected)
    return PlainTextResponse(echo)


async def receive(request: Request) -> Response:
    """Verify, decrypt, de-duplicate, store and answer one pushed message or event."""
    callback: Callback = request.app.state.callback
    settings = callback.settings
    query = _query(request)
    try:
        check_query(
            query,
            token=callback.token,
            now=callback.clock().timestamp(),
            tolerance=settings.wechat_timestamp_tolerance_seconds,
        )
        body = await _read_body(request, settings.wechat_max_body_bytes)
        inbound = read_message(
            body, query, crypto=callback.crypto, mode=settings.wechat_message_mode
        )
        if settings.wechat_message_mode != "safe":
            await _one_body_per_query(callback, query, body)
    except Rejected as rejected:
        return _reject(callback, rejected)

    message = inbound.message
    msg_type, event = callback_labels(
        str(inbound.fields.get("MsgType", message.type)),
        str(getattr(message, "event", "") or inbound.fields.get("Event") or ""),
    )
    callback.metrics.callbacks.labels(msg_type=msg_type, event=event).inc()

    def seal(xml: str) -> str:
        if not inbound.encrypted or callback.crypto is None:
            return xml
        timestamp = str(int(callback.clock().timestamp()))
        return callback.crypto.reply_envelope(xml, nonce=query.nonce or "", timestamp=timestamp)

    try:
        answer = await callback.dispatcher.answer(inbound, seal)
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise
        # 503 makes WeChat retry; the delivery's claim (if it was written) is taken over then.
        log.error("database unavailable while answering a callback", error=type(exc).__name__)
        return PlainTextResponse("service temporarily unavailable", status_code=503)
    if answer == SUCCESS:
        return PlainTextResponse(SUCCESS)
    return Response(answer, media_type="application/xml")


# Plain Starlette routes: WeChat's callback is not part of our documented API, and skipping
# FastAPI's parameter machinery matters on the path every member message takes.
routes = [
    Route("/wechat", verify_url, methods=["GET"]),
    Route("/wechat", receive, methods=["POST"]),
]
