"""Who a campaign or a test is for: a choice of people within a unit (or a named list)."""

from __future__ import annotations

from enum import StrEnum


class AudienceKind(StrEnum):
    """The people a pledge campaign or a knowledge test asks."""

    PARTY_MEMBERS = "party_members"  # 正式党员 and 预备党员
    MANAGERS = "managers"  # 管理人员 (Person.is_manager), whatever their stage
    MEMBERS_AND_MANAGERS = "members_and_managers"
    PEOPLE = "people"  # a named list

    @property
    def label(self) -> str:
        """The Chinese name."""
        return AUDIENCE_LABELS[self]


AUDIENCE_LABELS = {
    AudienceKind.PARTY_MEMBERS: "全体党员",
    AudienceKind.MANAGERS: "管理人员",
    AudienceKind.MEMBERS_AND_MANAGERS: "全体党员和管理人员",
    AudienceKind.PEOPLE: "指定人员",
}
