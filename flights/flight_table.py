"""The rows of the flight tables (the flight list; the latest flights of an airport, an
aircraft, a country), written in Python rather than in a template loop.

Fifty rows of links, labels and translated words were the largest part of a cold list page:
about 15 ms of template engine against one `count(*)` budget (docs/benchmarks.md, "Analyst
pages"); a join of escaped strings takes about 1 ms. The markup is what the templates wrote,
and every value from the database goes through `escape` (the standard library's, which
Django's wraps for lazy text; these are plain strings).
"""

from collections.abc import Iterable
from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from flights.choices import Basis, FlightKind, ReviewStatus
from flights.models import Flight
from flights.models.missions import people_in_words

# The subject pages' short table, and the full list (its header: flight_list.html).
SHORT = ("date", "route", "kind", "aircraft", "pax", "status")
LIST = ("date", "route", "legs", "distance", "pax", "kind", "aircraft", "destination", "status")
_PLACEHOLDER = "987654321"  # a number: the flight URL takes an int


class _Words:
    """What every row repeats, looked up once per table: URLs and translated labels."""

    def __init__(self):
        self.flight_url = reverse("flights:flight_detail", args=[int(_PLACEHOLDER)])
        self.country_url = reverse("flights:country_detail", args=[_PLACEHOLDER])
        self.kinds = {value: str(label) for value, label in FlightKind.choices}
        self.statuses = {value: str(label) for value, label in ReviewStatus.choices}
        self.bases = {value: str(label) for value, label in Basis.choices}
        self.badge = (
            ' <span class="badge synthetic" title="'
            + escape(gettext("Generated demo data, not a real flight"))
            + '">'
            + escape(gettext("synthetic"))
            + "</span>"
        )
        self.no_registration = escape(gettext("(registration unknown)"))
        self.unknown = escape(gettext("unknown"))
        self._aircraft_urls: dict[str, str] = {}

    def aircraft_url(self, registration: str) -> str:
        url = self._aircraft_urls.get(registration)
        if url is None:
            url = reverse("flights:aircraft_detail", args=[registration])
            self._aircraft_urls[registration] = url
        return url


def _aircraft(flight: Flight, words: _Words) -> str:
    if flight.aircraft_id:
        registration = flight.aircraft.registration
        return f'<a href="{escape(words.aircraft_url(registration))}">{escape(registration)}</a>'
    if flight.aircraft_type_id:
        name = escape(flight.aircraft_type.name)
        return f'{name} <small class="muted">{words.no_registration}</small>'
    return words.unknown


def _distance(flight: Flight) -> str:
    if not flight.distance_km:
        return "—"
    # As the template's floatformat:0 wrote it: halves away from zero, no grouping.
    km = int(flight.distance_km + 0.5)
    return escape(gettext("%(km)s km") % {"km": km})


def _destination(flight: Flight, words: _Words) -> str:
    country = flight.destination_country
    if country is None:
        return "—"
    url = words.country_url.replace(_PLACEHOLDER, escape(country.code))
    return f'<a href="{url}">{escape(country.name)}</a>'


def _cell(flight: Flight, column: str, words: _Words) -> str:
    if column == "date":
        url = words.flight_url.replace(_PLACEHOLDER, str(flight.pk))
        return f'<td><a href="{url}">{flight.date:%Y-%m-%d}</a></td>'
    if column == "route":
        badge = words.badge if flight.is_synthetic else ""
        return f"<td>{escape(flight.route) if flight.route else '—'}{badge}</td>"
    if column == "legs":
        return f'<td class="num">{flight.leg_count}</td>'
    if column == "distance":
        return f'<td class="num">{_distance(flight)}</td>'
    if column == "pax":
        basis = words.bases.get(flight.pax_basis, flight.pax_basis or "")
        people = people_in_words(flight.pax_count, flight.pax_min, flight.pax_max, basis)
        return f'<td class="num">{escape(people)}</td>'
    if column == "kind":
        return f"<td>{escape(words.kinds.get(flight.kind, flight.kind))}</td>"
    if column == "aircraft":
        return f"<td>{_aircraft(flight, words)}</td>"
    if column == "destination":
        return f"<td>{_destination(flight, words)}</td>"
    if column == "status":
        return f"<td>{escape(words.statuses.get(flight.status, flight.status))}</td>"
    raise ValueError(f"no flight table column {column!r}")


def rows(flights: Iterable[Flight], columns: tuple[str, ...] = SHORT) -> SafeString:
    """<tr> rows of `flights` (loaded with Flight.objects.for_table()) in `columns`."""
    words = _Words()
    return mark_safe(  # noqa: S308 - every value above is escaped
        "".join(
            "<tr>" + "".join(_cell(flight, column, words) for column in columns) + "</tr>"
            for flight in flights
        )
    )
