"""Django admin, one module per area."""

from . import adsb, imports, records, reports, sightings  # noqa: F401
