"""Mass sends: each batch of up to 10,000 openids is one request with its own clientmsgid."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.broadcasting.outcomes import SendReport
from app.config import Settings
from app.db import unit_of_work
from app.models import Broadcast, BroadcastBatch, RecipientStatus
from app.services.broadcasts import batches as batch_service
from app.wechat.client import WeChatClient
from app.wechat.errors import PermanentError, QuotaError, TransientError, WeChatError

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
            if self.quota is not None:
                return

    async def _send_batch(
        self,
        session: AsyncSession,
        broadcast: Broadcast,
        batch: BroadcastBatch,
        openids: list[str],
        report: SendReport,
    ) -> None:
        message = broadcast.message
        media_id = message.get("media_id")
        content = None if media_id else str(message.get("text") or broadcast.title)
        now = self.clock()
        try:
            if self.settings.wechat_account_type == "service":
                result = await self.client.mass_send_to_openids(
                    openids, clientmsgid=batch.clientmsgid, media_id=media_id, text=content
                )
            else:
                result = await self.client.mass_send_to_tag(
                    self.settings.wechat_mass_tag_id,
                    clientmsgid=batch.clientmsgid,
                    media_id=media_id,
                    text=content,
                )
        except QuotaError as exc:
            self.quota = exc
            await batch_service.release_batch(
                session, batch=batch, errcode=exc.errcode, reason="群发额度已用完，暂停后继续"
            )
            return
        except TransientError as exc:
            if batch.attempts >= self.settings.broadcast_max_attempts:
                await self._settle(
                    session,
                    batch,
                    RecipientStatus.FAILED,
                    report,
                    len(openids),
                    errcode=exc.errcode,
                    reason=f"群发多次失败（{exc.errmsg}）",
                )
            else:
                await batch_service.release_batch(
                    session, batch=batch, errcode=exc.errcode, reason="群发暂时失败，稍后重试"
                )
            return
        except PermanentError as exc:
            if exc.errcode == CLIENTMSGID_EXISTS:
                # WeChat already has this clientmsgid: an earlier attempt went out.
                await self._settle(
                    session,
                    batch,
                    RecipientStatus.SENT,
                    report,
                    len(openids),
                    reason="微信确认此批此前已发出",
                )
                return
            await self._settle(
                session,
                batch,
                RecipientStatus.FAILED,
                report,
                len(openids),
                errcode=exc.errcode,
                reason=f"群发被拒绝：{exc.errcode} {exc.errmsg}"[:200],
            )
            return
        except WeChatError as exc:
            await self._settle(
                session,
                batch,
                RecipientStatus.FAILED,
                report,
                len(openids),
                errcode=exc.errcode,
                reason=f"群发失败：{exc.errmsg}"[:200],
            )
            return
        await self._settle(
            session,
            batch,
            RecipientStatus.SENT,
            report,
            len(openids),
            msg_id=result.msg_id,
            msg_data_id=result.msg_data_id,
        )
        log.info(
            "mass batch sent",
            broadcast=broadcast.id,
            batch=batch.id,
            size=len(openids),
            at=now.isoformat(),
        )

    async def _settle(
        self,
        session: AsyncSession,
        batch: BroadcastBatch,
        status: RecipientStatus,
        report: SendReport,
        size: int,
        **fields: object,
    ) -> None:
        await batch_service.settle_batch(
            session,
            batch=batch,
            status=status,
            now=self.clock(),
            **fields,  # type: ignore[arg-type]
        )
        if status is RecipientStatus.SENT:
            report.sent += size
        else:
            report.failed += size
