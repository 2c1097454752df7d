"""神特党建: the WeChat Official Account backend of the Shente Party branch."""

from app import ids

# Before any router module declares a route: `{x_id:int}` then only matches a valid id.
ids.install()
