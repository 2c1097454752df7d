"""Import and export of the roster as .xlsx and .csv, the way the Party-affairs office keeps it.

Services add and flush; the caller's unit of work commits (and audits exports).
"""

from app.services.people.roster_io.columns import COLUMNS, Column
from app.services.people.roster_io.exporter import export_audited, export_people, template
from app.services.people.roster_io.files import MAX_BYTES, MAX_ROWS, is_large
from app.services.people.roster_io.importer import ImportReport, import_people
from app.services.people.roster_io.rows import RowError

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "Column",
    "ImportReport",
    "RowError",
    "export_audited",
    "export_people",
    "import_people",
    "is_large",
    "template",
]
