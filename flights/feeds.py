"""Atom feeds of every flight list: all flights, an airport, a country, an aircraft, an operator.

Each feed reads the page's filters through the one filter form (`flights.filters`), so the feed
of a filtered page has the page's flights, newest first. Answers carry an ETag made of the data
version, the URL and the language, so a reader polling an unchanged feed gets 304 Not Modified.
Synthetic (generated demo) flights are left out unless the filter asks for them.
"""

import hashlib

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import condition

from flights.cache import data_version
from flights.filters import FlightFilterForm
from flights.i18n import country_name
from flights.models import Aircraft, Airport, Country, Flight, Operator

FEED_SIZE = 50


def feed_etag(request, *args, **kwargs) -> str:
    key = f"{data_version()}|{get_language()}|{request.get_full_path()}"
    return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()


def describe(flight: Flight) -> dict[str, str]:
    """The lines an alert or a feed entry says about a flight (route, aircraft, kind, sources)."""
    aircraft = flight.aircraft.registration if flight.aircraft_id else ""
    if flight.aircraft_type_id:
        aircraft = f"{aircraft} ({flight.aircraft_type})" if aircraft else str(flight.aircraft_type)
    sources = [fs.source for fs in flight.flight_sources.all()]
    return {
        _("Date"): flight.date.isoformat(),
        _("Route"): flight.route or _("unknown"),
        _("Aircraft"): aircraft or _("unknown"),
        _("Operator"): flight.operator.name if flight.operator_id else _("unknown"),
        _("Kind"): flight.get_kind_display(),
        _("Review status"): flight.get_status_display(),
        _("Sources"): "; ".join(
            f"{s.get_kind_display()}: {s.title}" + (f" ({s.url})" if s.url else "") for s in sources
        )
        or _("none recorded"),
    }


class FlightFeed(Feed):
    """Flights of the flight list, with its filters."""

    feed_type = Atom1Feed
    page_name = "flights:flight_list"

    def __call__(self, request, *args, **kwargs):
        form = FlightFilterForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items())
            return HttpResponse(
                _("Invalid filters: %(errors)s") % {"errors": errors},
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        request.flight_filters = form
        return super().__call__(request, *args, **kwargs)

    # --- the scope (airport, country, …) and its flights; subclasses override these -----------

    def get_object(self, request, *args, **kwargs):
        self.form = request.flight_filters
        self.query = self.form.querystring()
        return None

    def scope(self, obj, flights):
        return flights

    def page_url(self, obj) -> str:
        return reverse(self.page_name)

    def title(self, obj) -> str:
        return _("Flights")

    # --- what the syndication framework asks -------------------------------------------------

    def link(self, obj) -> str:
        return self.page_url(obj) + (f"?{self.query}" if self.query else "")

    def feed_guid(self, obj) -> str:
        return self.link(obj)

    def author_name(self, obj) -> str:
        # RFC 4287 wants an author on the feed (or on every entry).
        return settings.SITE_NAME

    def subtitle(self, obj) -> str:
        return _("Newest first; every entry lists its sources.")

    def items(self, obj):
        flights = self.scope(obj, self.form.filter_flights())
        if "synthetic" not in self.form.fields:
            flights = flights.filter(is_synthetic=False)
        return (
            flights.select_related("aircraft", "aircraft_type", "operator")
            .prefetch_related("flight_sources__source")
            .order_by("-date", "-id")[:FEED_SIZE]
        )

    def item_title(self, item: Flight) -> str:
        return (
            f"{item.date:%Y-%m-%d} {item.route or _('route unknown')} · {item.get_status_display()}"
        )

    def item_description(self, item: Flight) -> str:
        # Atom summaries are HTML: every value is escaped (titles and URLs come from imports).
        return "<br>".join(escape(f"{label}: {value}") for label, value in describe(item).items())

    def item_link(self, item: Flight) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Flight) -> str:
        return f"flight-{item.pk}"

    item_guid_is_permalink = False

    def item_updateddate(self, item: Flight):
        return item.updated_at

    def item_pubdate(self, item: Flight):
        return item.created_at

    def item_categories(self, item: Flight) -> list[str]:
        return [item.get_kind_display(), item.get_status_display()]


class AirportFeed(FlightFeed):
    page_name = "flights:airport_detail"

    def get_object(self, request, code: str):
        super().get_object(request)
        airport = Airport.objects.filter(icao=code.upper()).first() or Airport.objects.resolve(code)
        if airport is None:
            raise Http404("No airport with this code.")
        return airport

    def scope(self, obj, flights):
        return flights.touching_airport(obj)

    def page_url(self, obj) -> str:
        return reverse(self.page_name, args=[obj.icao])

    def title(self, obj) -> str:
        return _("Flights at %(airport)s") % {"airport": f"{obj.code} {obj.name}"}


class CountryFeed(FlightFeed):
    page_name = "flights:country_detail"

    def get_object(self, request, code: str):
        super().get_object(request)
        return get_object_or_404(Country, code=code.strip().upper())

    def scope(self, obj, flights):
        return flights.filter(destination_country=obj)

    def page_url(self, obj) -> str:
        return reverse(self.page_name, args=[obj.code])

    def title(self, obj) -> str:
        return _("Flights to %(country)s") % {"country": country_name(obj.code, obj.name)}


class AircraftFeed(FlightFeed):
    page_name = "flights:aircraft_detail"

    def get_object(self, request, registration: str):
        super().get_object(request)
        return get_object_or_404(Aircraft, registration=registration.strip().upper())

    def scope(self, obj, flights):
        return flights.filter(aircraft=obj)

    def page_url(self, obj) -> str:
        return reverse(self.page_name, args=[obj.registration])

    def title(self, obj) -> str:
        return _("Flights of %(aircraft)s") % {"aircraft": obj.registration}


class OperatorFeed(FlightFeed):
    """An operator has no page of its own yet: its feed links to the list filtered by it."""

    def get_object(self, request, pk: int):
        super().get_object(request)
        return get_object_or_404(Operator, pk=pk)

    def scope(self, obj, flights):
        return flights.filter(operator=obj)

    def link(self, obj) -> str:
        query = "&".join(part for part in (f"operator={obj.pk}", self.query) if part)
        return f"{reverse('flights:flight_list')}?{query}"

    def title(self, obj) -> str:
        return _("Flights by %(operator)s") % {"operator": obj.name}


def _conditional(feed: Feed):
    return condition(etag_func=feed_etag)(feed)


flight_feed = _conditional(FlightFeed())
airport_feed = _conditional(AirportFeed())
country_feed = _conditional(CountryFeed())
aircraft_feed = _conditional(AircraftFeed())
operator_feed = _conditional(OperatorFeed())

# Pages that have a feed: URL name -> feed URL name (the same URL arguments).
FEED_OF_PAGE = {
    "flight_list": "flights:flight_feed",
    "airport_detail": "flights:airport_feed",
    "country_detail": "flights:country_feed",
    "aircraft_detail": "flights:aircraft_feed",
}


def feed_url_for(request) -> str | None:
    """The feed of the page being rendered, with its filters, or None for pages without one."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace != "flights" or match.url_name not in FEED_OF_PAGE:
        return None
    url = reverse(FEED_OF_PAGE[match.url_name], kwargs=match.kwargs)
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url
