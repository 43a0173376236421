"""Django admin, one module per area."""

from . import records, sightings  # noqa: F401
