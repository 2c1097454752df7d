"""One record of a person kept by another feature, as their console page lists it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class PersonEntry:
    """One record of the person: "合理化建议 · 第 12 号 · 已采纳", linked to its console page."""

    kind: str  # 合理化建议 / 微感悟 / 志愿服务 / 岗位建功
    title: str
    path: str  # its console page
    state: str  # 已采纳 · 金点子 / 已刊用 / 3.5 小时 / 已核实
    on: date | None = None
