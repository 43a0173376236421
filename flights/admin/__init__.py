"""Django admin, one module per area."""

from . import imports, records, sightings  # noqa: F401
