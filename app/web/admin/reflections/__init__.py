"""微感悟 in the console: topics, each topic's editorial queue, one reflection."""

from app.features import combined
from app.web.admin.reflections import items, queue, topics

router = combined(topics, queue, items)

__all__ = ["router"]
