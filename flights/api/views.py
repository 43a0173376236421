"""The read-only JSON API under /api/v1/ (documented at /api/, schema at /api/v1/openapi.json).

Every endpoint answers GET and HEAD only, costs a fixed number of queries whatever the data
size, and answers a parameter it cannot use with 400 and a body naming it.
"""

import datetime as dt
import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, Q
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import condition, require_safe

from flights.api import params, schema
from flights.api.serialize import (
    airport_dict,
    country_dict,
    flight_dict,
    flights_for_output,
    leg_dict,
    legs_for_output,
    operator_dict,
    segment_dict,
)
from flights.cache import data_version
from flights.models import (
    Airport,
    CitizenshipCount,
    Country,
    Flight,
    FlightSource,
    Operator,
    PassengerSegment,
)

FLIGHT_ORDER = ("-date", "-id")
LEG_ORDER = ("-flight__date", "-flight_id", "sequence")


def _version_stamp() -> int | None:
    """The data version as nanoseconds since the epoch, or None when the cache is down."""
    version = data_version()
    return int(version) if version.isdigit() else None


def _etag(request, *args, **kwargs) -> str | None:
    """Equal data and equal URL give an equal ETag: any write bumps the data version."""
    stamp = _version_stamp()
    if stamp is None:
        return None
    url = hashlib.sha1(request.get_full_path().encode(), usedforsecurity=False).hexdigest()
    return f"{stamp:x}-{url[:16]}"


def _last_modified(request, *args, **kwargs) -> dt.datetime | None:
    stamp = _version_stamp()
    return None if stamp is None else dt.datetime.fromtimestamp(stamp // 10**9, tz=dt.UTC)


def throttled(request) -> int | None:
    """Seconds to wait when an anonymous client has used its API_ANON_RATE this minute.

    A fixed one-minute window per client address in the cache; signed-in users are not counted.
    A cache outage lets requests through (the cache is an optimisation, never an outage).
    """
    if request.user.is_authenticated or not settings.API_ANON_RATE:
        return None
    now = int(time.time())
    key = f"api-throttle:{request.META.get('REMOTE_ADDR', '')}:{now // 60}"
    try:
        cache.add(key, 0, timeout=61)
        used = cache.incr(key)
    except Exception:  # noqa: BLE001
        return None
    return 60 - now % 60 if used > settings.API_ANON_RATE else None


def api_view(view):
    """GET/HEAD only; anonymous throttling; revalidation by ETag/Last-Modified; 400s."""

    @require_safe
    @wraps(view)
    def throttle(request, *args, **kwargs):
        wait = throttled(request)
        if wait is not None:
            response = JsonResponse(
                {"errors": [params.error(None, None, "Too many requests; retry later.")]},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        return conditional(request, *args, **kwargs)

    @condition(etag_func=_etag, last_modified_func=_last_modified)
    @wraps(view)
    def conditional(request, *args, **kwargs):
        return wrapper(request, *args, **kwargs)

    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except params.BadParameters as exc:
            return params.bad_request(exc.errors)

    return throttle


def page_response(request, page: params.Page, results: list[dict]) -> JsonResponse:
    following, previous = params.page_links(request, page)
    return JsonResponse(
        {
            "count": page.count,
            "page": page.number,
            "page_size": page.size,
            "pages": page.pages,
            "next": following,
            "previous": previous,
            "results": results,
        }
    )


def flights_after(flights, keys):
    """Flights after (date, id) in newest-first order; `date <= d` lets the date index stop."""
    day, pk = keys
    return flights.filter(date__lte=day).filter(Q(date__lt=day) | Q(pk__lt=pk))


def legs_after(legs, keys):
    """Legs after (flight date, flight id, sequence) in the list's order."""
    day, flight_id, sequence = keys
    return legs.filter(flight__date__lte=day).filter(
        Q(flight__date__lt=day)
        | Q(flight_id__lt=flight_id)
        | Q(flight_id=flight_id, sequence__gt=sequence)
    )


def cursor_response(size: int, following: str | None, results: list[dict]) -> JsonResponse:
    """A cursor page: no count (counting is what a deep page must not pay), a next link."""
    return JsonResponse(
        {
            "count": None,
            "page": None,
            "page_size": size,
            "pages": None,
            "next": following,
            "previous": None,
            "results": results,
        }
    )


@api_view
def api_root(request):
    params.reject_unknown(request.GET, ())
    return JsonResponse(
        {
            "docs": request.build_absolute_uri(reverse("flights:api_docs")),
            "schema": request.build_absolute_uri(reverse("flights:api_schema")),
            "endpoints": {
                "flights": request.build_absolute_uri(reverse("flights:api_flights")),
                "legs": request.build_absolute_uri(reverse("flights:api_legs")),
                "airports": request.build_absolute_uri(reverse("flights:api_airports")),
                "countries": request.build_absolute_uri(reverse("flights:api_countries")),
                "operators": request.build_absolute_uri(reverse("flights:api_operators")),
            },
        }
    )


@api_view
def flight_list(request):
    form = params.filter_form(request.GET, strict=True, also_allowed=params.PAGINATION_PARAMETERS)
    number, size = params.pagination(request.GET)
    flights = flights_for_output(form.filter_flights()).order_by(*FLIGHT_ORDER)
    if params.CURSOR in request.GET:
        rows, following = params.cursor_page(
            request, flights, flights_after, lambda f: (f.date, f.pk), size, 2
        )
        return cursor_response(size, following, [flight_dict(f) for f in rows])
    page, rows = params.paginate(flights, number, size)
    return page_response(request, page, [flight_dict(f) for f in rows])


@api_view
def flight_detail(request, pk: int):
    params.reject_unknown(request.GET, ())
    flight = (
        Flight.objects.with_route()
        .with_legs()
        .prefetch_related(
            Prefetch("flight_sources", queryset=FlightSource.objects.select_related("source")),
            Prefetch(
                "segments",
                queryset=PassengerSegment.objects.select_related("pickup", "dropoff"),
            ),
            Prefetch(
                "segments__citizenships",
                queryset=CitizenshipCount.objects.order_by("-people", "reported_name"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if flight is None:
        return params.not_found(f"No flight has the id {pk}.")
    sources = sorted(
        (
            {
                "kind": link.source.kind,
                "title": link.source.title,
                "url": link.source.url,
                "publisher": link.source.publisher or None,
                "retrieved_on": link.source.retrieved_on.isoformat()
                if link.source.retrieved_on
                else None,
                "note": link.note or None,
            }
            for link in flight.flight_sources.all()
        ),
        key=lambda s: (s["kind"], s["title"], s["url"]),
    )
    data = flight_dict(flight, sources=sources)
    data["legs"] = [leg_dict(leg, with_flight=False) for leg in flight.legs.all()]
    data["segments"] = [segment_dict(segment) for segment in flight.segments.all()]
    return JsonResponse(data)


@api_view
def leg_list(request):
    form = params.filter_form(request.GET, strict=True, also_allowed=params.PAGINATION_PARAMETERS)
    number, size = params.pagination(request.GET)
    legs = legs_for_output(form.filter_legs()).order_by(*LEG_ORDER)
    if params.CURSOR in request.GET:
        rows, following = params.cursor_page(
            request,
            legs,
            legs_after,
            lambda leg: (leg.flight.date, leg.flight_id, leg.sequence),
            size,
            3,
        )
        return cursor_response(size, following, [leg_dict(leg) for leg in rows])
    page, rows = params.paginate(legs, number, size)
    return page_response(request, page, [leg_dict(leg) for leg in rows])


@api_view
def airport_list(request):
    params.reject_unknown(request.GET, ("code", "country", "page", "page_size"))
    number, size = params.pagination(request.GET)
    airports = Airport.objects.order_by("icao")
    code = params.text(request.GET, "code")
    if code:
        airports = airports.by_code(code)
    country = params.text(request.GET, "country").upper()
    if country:
        if len(country) != 2 or not country.isascii() or not country.isalpha():
            raise params.BadParameters(
                [
                    params.error(
                        "country",
                        request.GET["country"],
                        "“country” must be an ISO 3166-1 alpha-2 code, e.g. CN.",
                    )
                ]
            )
        airports = airports.filter(country_id=country)
    page, rows = params.paginate(airports, number, size)
    return page_response(request, page, [airport_dict(a) for a in rows])


@api_view
def airport_detail(request, code: str):
    params.reject_unknown(request.GET, ())
    airport = None if "\x00" in code else Airport.objects.resolve(code)
    if airport is None:
        return params.not_found(f"No airport has the code “{code}”.")
    return JsonResponse(airport_dict(airport))


@api_view
def country_list(request):
    params.reject_unknown(request.GET, ())
    return JsonResponse({"results": [country_dict(c) for c in Country.objects.order_by("code")]})


@api_view
def operator_list(request):
    params.reject_unknown(request.GET, ())
    return JsonResponse(
        {"results": [operator_dict(o) for o in Operator.objects.order_by("name", "id")]}
    )


@require_safe
def openapi_schema(request):
    return JsonResponse(schema.document(), json_dumps_params={"ensure_ascii": False})


@require_safe
def api_docs(request):
    return render(request, "flights/api/docs.html", {"api": schema.docs_context()})


@require_safe
def api_swagger(request):
    """Swagger UI over /api/v1/openapi.json, served from our own static files (offline)."""
    return render(request, "flights/api/swagger.html")
