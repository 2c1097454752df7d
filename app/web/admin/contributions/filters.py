"""The 岗位建功 list's filters, as the query string and the export form carry them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from app.models import ContributionKind, ContributionStatus
from app.services.contributions.listing import Filter
from app.web.admin.forms import parse_int

NAMES = ("status", "kind", "unit", "start", "end", "q")
TEXT_MAX = 50  # a search word, not a paragraph


def _day(raw: str) -> date | None:
    """A date from the query (None when blank or malformed)."""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def filter_of(
    values: Mapping[str, object], unit_options: list[tuple[int, str]]
) -> tuple[Filter, dict[str, str]]:
    """The filter from query or form values (anything odd is ignored), and the values shown."""
    raw = {name: str(values.get(name) or "").strip() for name in NAMES}
    status = raw["status"] if raw["status"] in {s.value for s in ContributionStatus} else ""
    kind = raw["kind"] if raw["kind"] in {k.value for k in ContributionKind} else ""
    unit = parse_int(raw["unit"])
    if unit not in {uid for uid, _ in unit_options}:
        unit = None
    start, end = _day(raw["start"]), _day(raw["end"])
    text = raw["q"][:TEXT_MAX]
    found = Filter(
        status=ContributionStatus(status) if status else None,
        kind=ContributionKind(kind) if kind else None,
        unit_id=unit,
        start=start,
        end=end,
        text=text,
    )
    shown = {
        "status": status,
        "kind": kind,
        "unit": "" if unit is None else str(unit),
        "start": start.isoformat() if start else "",
        "end": end.isoformat() if end else "",
        "q": text,
    }
    return found, shown
