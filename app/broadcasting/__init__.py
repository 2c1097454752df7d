"""The broadcast sender: claims recipient rows, sends through the WeChat client, records outcomes.

Unlike the services it drives, it owns its units of work: a claim commits before the first
request leaves, and outcomes commit in small groups as answers come back.
"""

from app.broadcasting.outcomes import SendReport
from app.broadcasting.sender import BroadcastSender

__all__ = ["BroadcastSender", "SendReport"]
