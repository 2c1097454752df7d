"""Web pages: the admin console (/admin/), member pages (/m/) and the dev simulator (/dev/)."""
