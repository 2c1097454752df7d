"""SQLModel tables, one concept per module; importing this package registers them all."""

from sqlmodel import SQLModel

from app.models.credential import WeChatCredential, WeChatLease
from app.models.follower import Follower
from app.models.inbound_message import InboundMessage, InboundStatus

metadata = SQLModel.metadata

__all__ = [
    "Follower",
    "InboundMessage",
    "InboundStatus",
    "WeChatCredential",
    "WeChatLease",
    "metadata",
]
