"""The roster over REST: units, the roster file, people and their stages, branch roles."""

from app.api.v1.people import org_units, persons, roles, roster
from app.features import combined

# The roster file's static paths (/people/export, …) come before /people/{person_id:int}.
router = combined(org_units, roster, persons, roles)

__all__ = ["router"]
