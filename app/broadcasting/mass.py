"""Mass sends: each batch of up to 10,000 openids is one request with its own clientmsgid."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.broadcasting.outcomes import SendReport
from app.config import Settings
from app.db import unit_of_work
from app.models import Broadcast, BroadcastBatch, RecipientStatus
from app.services.broadcasts import batches as batch_service
from app.wechat.client import MassSendResult, WeChatClient
from app.wechat.errors import QuotaError, TransientError, WeChatError
from app.wechat.ratelimit import LimiterClosed

log = structlog.get_logger(__name__)

# WeChat answers a clientmsgid it saw in the last 24 h with this: the earlier attempt went out.
CLIENTMSGID_EXISTS = 45065


@dataclass
class MassBatches:
    """Sends a broadcast's mass batches; `quota` is set when WeChat's quota ran out."""

    sessions: async_sessionmaker[AsyncSession]
    client: WeChatClient
    settings: Settings
    clock: Callable[[], datetime]
    worker_id: str
    quota: QuotaError | None = None
    stopped: bool = False  # the process is stopping: the batch went back to pending

    async def send(self, broadcast: Broadcast, report: SendReport) -> None:
        """Send each pending mass batch; a resent batch keeps its clientmsgid."""
        assert broadcast.id is not None
        while True:
            async with unit_of_work(self.sessions) as session:
                claimed = await batch_service.claim_batch(
                    session, broadcast_id=broadcast.id, worker=self.worker_id, now=self.clock()
                )
            if claimed is None:
                return
            batch, openids = claimed
            async with unit_of_work(self.sessions) as session:
                session.add(batch)
                if not openids:
                    await batch_service.settle_batch(
                        session, batch=batch, status=RecipientStatus.CANCELLED, now=self.clock()
                    )
                    continue
                await self._send_batch(session, broadcast, batch, openids, report)
            if self.quota is not None or self.stopped:
                return

    async def _request(
        self, broadcast: Broadcast, batch: BroadcastBatch, openids: list[str]
    ) -> MassSendResult:
        """One mass send: to the openids (service account) or the members' tag (subscription)."""
        media_id = broadcast.message.get("media_id")
        text = None if media_id else str(broadcast.message.get("text") or broadcast.title)
        if self.settings.wechat_account_type == "service":
            return await self.client.mass_send_to_openids(
                openids, clientmsgid=batch.clientmsgid, media_id=media_id, text=text
            )
        return await self.client.mass_send_to_tag(
            self.settings.wechat_mass_tag_id,
            clientmsgid=batch.clientmsgid,
            media_id=media_id,
            text=text,
        )

    async def _send_batch(
        self,
        session: AsyncSession,
        broadcast: Broadcast,
        batch: BroadcastBatch,
        openids: list[str],
        report: SendReport,
    ) -> None:
        """Send one batch; its outcome is written on the batch and on every row in it."""
        fields: dict[str, Any]
        try:
            result = await self._request(broadcast, batch, openids)
        except LimiterClosed:
            # SIGTERM before this request left: the next sender takes the batch at once.
            self.stopped = True
            await batch_service.release_batch(
                session, batch=batch, errcode=None, reason="发送进程停止，已交回待发送"
            )
            return
        except QuotaError as exc:
            self.quota = exc
            await batch_service.release_batch(
                session, batch=batch, errcode=exc.errcode, reason="群发额度已用完，暂停后继续"
            )
            return
        except TransientError as exc:
            if batch.attempts < self.settings.broadcast_max_attempts:
                await batch_service.release_batch(
                    session, batch=batch, errcode=exc.errcode, reason="群发暂时失败，稍后重试"
                )
                return
            status = RecipientStatus.FAILED
            fields = {"errcode": exc.errcode, "reason": f"群发多次失败（{exc.errmsg}）"[:200]}
        except WeChatError as exc:
            if exc.errcode == CLIENTMSGID_EXISTS:
                # WeChat already has this clientmsgid: an earlier attempt went out.
                status, fields = RecipientStatus.SENT, {"reason": "微信确认此批此前已发出"}
            else:
                status = RecipientStatus.FAILED
                fields = {
                    "errcode": exc.errcode,
                    "reason": f"群发被拒绝：{exc.errcode} {exc.errmsg}"[:200],
                }
        else:
            status = RecipientStatus.SENT
            fields = {"msg_id": result.msg_id, "msg_data_id": result.msg_data_id}
        await batch_service.settle_batch(
            session, batch=batch, status=status, now=self.clock(), **fields
        )
        if status is RecipientStatus.SENT:
            report.sent += len(openids)
        else:
            report.failed += len(openids)
        log.info("mass batch settled", broadcast=broadcast.id, batch=batch.id, status=status.value)
