"""Django admin, one module per area."""

from . import adsb, alerts, imports, records, reports, sightings  # noqa: F401
