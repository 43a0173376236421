""" "First" events: what a flight is the first of, within the tracker's real records.

- the first removal flight to its destination country in 12 months,
- the first flight of its aircraft,
- the first flight from its departure airport.

Retracted and synthetic flights do not count as earlier flights. Three indexed EXISTS queries.
"""

import datetime as dt

from django.utils.translation import gettext as _

from flights.choices import FlightKind, ReviewStatus
from flights.i18n import country_name
from flights.models import Flight

COUNTRY_PERIOD = dt.timedelta(days=365)


def firsts(flight: Flight) -> list[str]:
    """Codes of the firsts, e.g. ["country:CN", "aircraft:N123AB"]; see `describe_first`."""
    earlier = (
        Flight.objects.filter(is_synthetic=False, date__lte=flight.date)
        .exclude(pk=flight.pk)
        .exclude(status=ReviewStatus.RETRACTED)
    )
    found = []
    if flight.kind == FlightKind.REMOVAL and flight.destination_country_id:
        seen = earlier.filter(
            kind=FlightKind.REMOVAL,
            destination_country_id=flight.destination_country_id,
            date__gte=flight.date - COUNTRY_PERIOD,
        )
        if not seen.exists():
            found.append(f"country:{flight.destination_country_id}")
    if flight.aircraft_id and not earlier.filter(aircraft_id=flight.aircraft_id).exists():
        found.append(f"aircraft:{flight.aircraft.registration}")
    if flight.origin_id and not earlier.filter(origin_id=flight.origin_id).exists():
        found.append(f"airport:{flight.origin.code}")
    return found


def describe_first(code: str) -> str:
    what, _sep, value = code.partition(":")
    if what == "country":
        return _("First removal flight to %(country)s in 12 months") % {
            "country": country_name(value)
        }
    if what == "aircraft":
        return _("First flight recorded for aircraft %(aircraft)s") % {"aircraft": value}
    return _("First flight recorded from %(airport)s") % {"airport": value}
