"""The read-only JSON API under /api/v1/ (documented at /api/, schema at /api/v1/openapi.json).

Every endpoint answers GET and HEAD only, costs a fixed number of queries whatever the data
size, and answers a parameter it cannot use with 400 and a body naming it.
"""

from functools import wraps

from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

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


def api_view(view):
    """GET/HEAD only; BadParameters becomes a 400 with the errors."""

    @require_safe
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except params.BadParameters as exc:
            return params.bad_request(exc.errors)

    return wrapper


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
    page, rows = params.paginate(legs, number, size)
    return page_response(request, page, [leg_dict(leg) for leg in rows])


@api_view
def airport_list(request):
    params.reject_unknown(request.GET, ("code", "country", *params.PAGINATION_PARAMETERS))
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
