"""组织发展 in the chat: 思想汇报 (text or photos) and 公示 (open notices, how to object)."""

from app.handlers.admission import notices, reports
from app.handlers.registry import MessageRouter

router = MessageRouter()
router.include(notices.router)
router.include(reports.router)

__all__ = ["router"]
