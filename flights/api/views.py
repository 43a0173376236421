"""The read-only JSON API under /api/v1/ (documented at /api/, schema at /api/v1/openapi.json).

Django REST framework views: django-filter's backend with the shared `FlightFilterSet`, DRF
pagination (numbered, or keyset cursors), `AnonRateThrottle` at API_ANON_RATE, and ETag /
Last-Modified from the data version. Every endpoint answers GET and HEAD only, costs a fixed
number of queries whatever the data size, and answers a parameter it cannot use with 400 and a
body naming it (docs/api.md).
"""

import datetime as dt
import hashlib

from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.http import condition, require_safe
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from flights.api import serializers
from flights.api.docs import docs_context, openapi_document
from flights.api.filtering import AirportFilterSet, StrictFilterBackend, reject_unknown
from flights.api.pagination import (
    PAGINATION_PARAMETERS,
    FlightPagination,
    LegPagination,
    NumberedPagination,
)
from flights.api.serialize import flights_for_output, legs_for_output
from flights.api.throttling import AnonThrottle
from flights.cache import data_version
from flights.filters import FlightFilterSet, LegFilterSet
from flights.models import (
    Airport,
    CitizenshipCount,
    Country,
    Flight,
    FlightSource,
    Leg,
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


ERRORS = {
    400: serializers.ErrorsSerializer,
    404: serializers.ErrorsSerializer,
    429: serializers.ErrorsSerializer,
}


conditional = method_decorator(condition(etag_func=_etag, last_modified_func=_last_modified))


class ApiView(APIView):
    """GET/HEAD only; throttled; revalidated by ETag/Last-Modified from the data version.

    Every subclass's `get` is wrapped in Django's `condition`: the check runs after DRF's
    authentication and throttle (a 304 is still counted) and before any query for the answer.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        get = getattr(cls, "get", None)
        if get is not None and not getattr(get, "conditional", False):
            cls.get = conditional(get)
            cls.get.conditional = True

    http_method_names = ["get", "head"]
    throttle_classes = [AnonThrottle]
    # Parameters besides the filters (pagination); anything else is a 400.
    extra_parameters: tuple[str, ...] = ()

    def check_parameters(self, request) -> None:
        reject_unknown(request.query_params, self.extra_parameters)


class FilteredList(ApiView, generics.ListAPIView):
    filter_backends = [StrictFilterBackend]
    extra_parameters = PAGINATION_PARAMETERS
    order: tuple[str, ...] = ()
    output = None  # the queryset with everything a row shows (flights_for_output, …)

    def filter_queryset(self, queryset):
        return type(self).output(super().filter_queryset(queryset)).order_by(*self.order)


@extend_schema_view(
    get=extend_schema(
        operation_id="listFlights",
        summary="Flights, newest first",
        description="A page of flights matching the filters, newest first (date, then id).",
        responses={200: serializers.FlightSerializer(many=True), **ERRORS},
        tags=["flights"],
    )
)
class FlightList(FilteredList):
    queryset = Flight.objects.all()
    filterset_class = FlightFilterSet
    serializer_class = serializers.FlightSerializer
    pagination_class = FlightPagination
    order = FLIGHT_ORDER
    output = staticmethod(flights_for_output)


@extend_schema_view(
    get=extend_schema(
        operation_id="listLegs",
        summary="Legs, newest flight first",
        description="A page of the legs of matching flights, newest flight first, legs in flying "
        "order, each with its flight and sources.",
        responses={200: serializers.LegInListSerializer(many=True), **ERRORS},
        tags=["flights"],
    )
)
class LegList(FilteredList):
    queryset = Leg.objects.all()
    filterset_class = LegFilterSet
    serializer_class = serializers.LegInListSerializer
    pagination_class = LegPagination
    order = LEG_ORDER
    output = staticmethod(legs_for_output)


@extend_schema_view(
    get=extend_schema(
        operation_id="getFlight",
        summary="One flight",
        description="A flight with its legs, its sources (with publisher and note) and its ARTS "
        "passenger segments (counts only).",
        responses={200: serializers.FlightDetailSerializer, **ERRORS},
        tags=["flights"],
    )
)
class FlightDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = serializers.FlightDetailSerializer
    queryset = (
        Flight.objects.with_route()
        .with_legs()
        .prefetch_related(
            Prefetch("flight_sources", queryset=FlightSource.objects.select_related("source")),
            Prefetch(
                "segments", queryset=PassengerSegment.objects.select_related("pickup", "dropoff")
            ),
            Prefetch(
                "segments__citizenships",
                queryset=CitizenshipCount.objects.order_by("-people", "reported_name"),
            ),
        )
    )

    def get_object(self):
        self.check_parameters(self.request)
        flight = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if flight is None:
            raise exceptions.NotFound(f"No flight has the id {self.kwargs['pk']}.")
        return flight


@extend_schema_view(
    get=extend_schema(
        operation_id="listAirports",
        summary="Airports",
        description="A page of airports, by ICAO code.",
        responses={200: serializers.AirportSerializer(many=True), **ERRORS},
        tags=["reference"],
    )
)
class AirportList(ApiView, generics.ListAPIView):
    queryset = Airport.objects.order_by("icao")
    serializer_class = serializers.AirportSerializer
    filter_backends = [StrictFilterBackend]
    filterset_class = AirportFilterSet
    pagination_class = NumberedPagination
    extra_parameters = ("page", "page_size")


@extend_schema_view(
    get=extend_schema(
        operation_id="getAirport",
        summary="One airport",
        description="An airport by its ICAO, IATA or FAA LID code.",
        responses={200: serializers.AirportSerializer, **ERRORS},
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, description="A code.")],
        tags=["reference"],
    )
)
class AirportDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = serializers.AirportSerializer
    queryset = Airport.objects.all()

    def get_object(self):
        self.check_parameters(self.request)
        code = self.kwargs["code"]
        airport = None if "\x00" in code else Airport.objects.resolve(code)
        if airport is None:
            raise exceptions.NotFound(f"No airport has the code “{code}”.")
        return airport


@extend_schema_view(
    get=extend_schema(
        operation_id="listCountries",
        summary="Countries",
        description="Every country.",
        responses={200: serializers.CountryListSerializer, **ERRORS},
        tags=["reference"],
    )
)
class CountryList(ApiView):
    def get(self, request):
        self.check_parameters(request)
        countries = Country.objects.order_by("code")
        return Response({"results": [serializers.CountrySerializer.shape(c) for c in countries]})


@extend_schema_view(
    get=extend_schema(
        operation_id="listOperators",
        summary="Operators",
        description="Every operator; the slug of its name is the `operator` filter's value.",
        responses={200: serializers.OperatorListSerializer, **ERRORS},
        tags=["reference"],
    )
)
class OperatorList(ApiView):
    def get(self, request):
        self.check_parameters(request)
        operators = Operator.objects.order_by("name", "id")
        return Response({"results": [serializers.OperatorSerializer.shape(o) for o in operators]})


@extend_schema_view(
    get=extend_schema(
        operation_id="root",
        summary="API index",
        description="Links to the documentation, the schema and every endpoint.",
        responses={200: serializers.RootSerializer, **ERRORS},
        tags=["reference"],
    )
)
class ApiRoot(ApiView):
    def get(self, request):
        self.check_parameters(request)
        names = ("flights", "legs", "airports", "countries", "operators")
        return Response(
            {
                "docs": reverse("flights:api_docs", request=request),
                "schema": reverse("flights:api_schema", request=request),
                "endpoints": {n: reverse(f"flights:api_{n}", request=request) for n in names},
            }
        )


@require_safe
def openapi_schema(request):
    """drf-spectacular's document, generated once per process (it depends only on code)."""
    return JsonResponse(openapi_document(), json_dumps_params={"ensure_ascii": False})


@require_safe
def api_docs(request):
    return render(request, "flights/api/docs.html", {"api": docs_context()})


@require_safe
def api_swagger(request):
    """Swagger UI over /api/v1/openapi.json, served from our own static files (offline)."""
    return render(request, "flights/api/swagger.html")
