"""Django admin, one module per area."""

from . import adsb, imports, records, sightings  # noqa: F401
