"""The roster in the console: list, person pages, forms, branch roles, import and export."""

from app.features import combined
from app.web.admin.people import form, pages, roles, roster_io

router = combined(
    roster_io,  # /people/import, /export, /template.*: before /people/{id}
    form,
    roles,  # the 支部职务 and 结对帮学 forms on the person page
    pages,
)

__all__ = ["router"]
