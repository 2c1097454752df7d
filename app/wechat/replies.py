"""wechatpy's parsed messages and passive replies, for the chat handlers above app.wechat."""

from __future__ import annotations

from wechatpy.messages import BaseMessage
from wechatpy.replies import ArticlesReply, BaseReply, TextReply, create_reply

__all__ = ["ArticlesReply", "BaseMessage", "BaseReply", "TextReply", "create_reply"]
