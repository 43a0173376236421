"""Django admin, one module per area."""

from . import imports, records, reports, sightings  # noqa: F401
