"""Django admin, one module per area."""

from . import alerts, imports, records, sightings  # noqa: F401
