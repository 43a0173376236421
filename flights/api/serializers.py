"""DRF serializers of the API: the shape drf-spectacular documents and the responses follow.

Each serializer declares its fields (types, nullability, descriptions) for the OpenAPI document,
and writes a record through the one shape function in `flights.api.serialize` that the exports
also use, so an API flight and an exported flight cannot differ, and a list of 500 rows does
not pay DRF's per-field machinery 500 times. tests/test_openapi.py validates every endpoint's
response against these declarations, so the two cannot drift apart.
"""

from rest_framework import serializers

from flights.api import serialize
from flights.choices import Basis, FlightKind, OperatorKind, ReviewStatus, SourceKind


def _text(**kwargs):
    return serializers.CharField(read_only=True, **kwargs)


def _nullable_text(**kwargs):
    return serializers.CharField(read_only=True, allow_null=True, **kwargs)


def _int(nullable: bool = False, **kwargs):
    return serializers.IntegerField(read_only=True, allow_null=nullable, **kwargs)


def _basis(nullable: bool = False):
    return serializers.ChoiceField(Basis.choices, read_only=True, allow_null=nullable)


class ShapeSerializer(serializers.Serializer):
    """Read-only; `to_representation` is the shared shape function `shape`."""

    shape = None

    def to_representation(self, instance):
        return type(self).shape(instance)


class ErrorSerializer(serializers.Serializer):
    parameter = _nullable_text(help_text="The query parameter, or null for the whole request.")
    value = serializers.JSONField(
        read_only=True, help_text="The value as given (a list for repeated parameters)."
    )
    message = _text()


class ErrorsSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True, read_only=True)


class AirportBriefSerializer(ShapeSerializer):
    shape = serialize.airport_brief
    code = _text(help_text="FAA LID for US airports, else IATA/ICAO.")
    icao = _text()
    iata = _nullable_text()
    name = _text()
    country = _text(help_text="ISO 3166-1 alpha-2.")


class AirportSerializer(ShapeSerializer):
    shape = serialize.airport_dict
    code = _text()
    icao = _text()
    iata = _nullable_text()
    lid = _nullable_text()
    name = _text()
    city = _text()
    region = _text()
    country = _text()
    latitude = serializers.FloatField(read_only=True)
    longitude = serializers.FloatField(read_only=True)
    tz = _text()


class CountrySerializer(ShapeSerializer):
    shape = serialize.country_dict
    code = _text()
    alpha3 = _nullable_text()
    name = _text()


class OperatorSerializer(ShapeSerializer):
    shape = serialize.operator_dict
    id = _int()
    name = _text()
    kind = serializers.ChoiceField(OperatorKind.choices, read_only=True)
    icao_code = _nullable_text()


class SourceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(SourceKind.choices, read_only=True)
    title = _text()
    url = _text(help_text="Empty when the source has no address.")


class SourceDetailSerializer(SourceSerializer):
    publisher = _nullable_text()
    retrieved_on = serializers.DateField(read_only=True, allow_null=True)
    note = _nullable_text(help_text="What the source says about this flight.")


class NamedCountrySerializer(serializers.Serializer):
    code = _text()
    name = _text()


class AircraftSerializer(serializers.Serializer):
    registration = _text()
    icao24 = _nullable_text()
    type = _nullable_text()
    type_name = _nullable_text()
    seats = _int(nullable=True)


class FlightOperatorSerializer(serializers.Serializer):
    id = _int()
    name = _text()


class PeopleOnBoardSerializer(serializers.Serializer):
    """What is known about the people on board, with how it is known."""

    count = _int(nullable=True, help_text="A reported or observed count.")
    min = _int(nullable=True)
    max = _int(nullable=True)
    basis = _basis(nullable=True)
    method = _nullable_text()
    seat_ceiling = _int(nullable=True)
    summary = _text(help_text="e.g. “at most 14 (estimated)”.")


class FlightSerializer(ShapeSerializer):
    shape = serialize.flight_dict
    id = _int()
    url = _text(help_text="The flight's page on this site.")
    date = serializers.DateField(read_only=True)
    mission_id = _text(help_text="The `mission_id` the flight's legs carry in the flight-log CSV.")
    kind = serializers.ChoiceField(FlightKind.choices, read_only=True)
    status = serializers.ChoiceField(ReviewStatus.choices, read_only=True)
    is_synthetic = serializers.BooleanField(read_only=True, help_text="Generated demo data.")
    route = _text()
    origin = AirportBriefSerializer(read_only=True, allow_null=True)
    destination = AirportBriefSerializer(read_only=True, allow_null=True)
    destination_country = NamedCountrySerializer(read_only=True, allow_null=True)
    leg_count = _int()
    distance_km = serializers.FloatField(read_only=True, allow_null=True)
    aircraft = AircraftSerializer(read_only=True, allow_null=True)
    aircraft_type = _nullable_text(
        help_text="ICAO type designator: the aircraft's, or the flight's own when the "
        "registration is unknown."
    )
    aircraft_basis = _basis()
    operator = FlightOperatorSerializer(read_only=True, allow_null=True)
    callsign = _nullable_text()
    people_on_board = PeopleOnBoardSerializer(read_only=True)
    sources = SourceSerializer(many=True, read_only=True)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)


class LegSerializer(ShapeSerializer):
    @staticmethod
    def shape(leg):
        return serialize.leg_dict(leg, with_flight=False)

    id = _int()
    flight_id = _int()
    sequence = _int()
    date = serializers.DateField(read_only=True)
    departure_time = serializers.DateTimeField(read_only=True, allow_null=True)
    arrival_time = serializers.DateTimeField(read_only=True, allow_null=True)
    # "from" is a Python keyword: declared through the class namespace, as DRF's docs suggest.
    locals()["from"] = AirportBriefSerializer(read_only=True)
    to = AirportBriefSerializer(read_only=True)
    departure_basis = _basis()
    arrival_basis = _basis()
    distance_km = serializers.FloatField(read_only=True, allow_null=True)
    kind = serializers.ChoiceField(FlightKind.choices, read_only=True)
    callsign = _nullable_text()
    passengers = _int(nullable=True)
    passengers_basis = _basis(nullable=True)
    source_url = _nullable_text()
    notes = _text()


class LegFlightSerializer(serializers.Serializer):
    id = _int()
    url = _text()
    mission_id = _text()
    status = serializers.ChoiceField(ReviewStatus.choices, read_only=True)
    is_synthetic = serializers.BooleanField(read_only=True)
    callsign = _nullable_text()
    aircraft = _nullable_text()
    aircraft_type = _nullable_text()
    operator = _nullable_text()


class LegInListSerializer(LegSerializer):
    shape = serialize.leg_dict
    flight = LegFlightSerializer(read_only=True)
    sources = SourceSerializer(many=True, read_only=True)


class CitizenshipSerializer(serializers.Serializer):
    country = _nullable_text()
    reported_name = _text()
    people = _int()


class SegmentSerializer(serializers.Serializer):
    """ARTS passenger counts for one pickup and drop-off (counts, never people)."""

    pickup = AirportBriefSerializer(read_only=True)
    dropoff = AirportBriefSerializer(read_only=True)
    people = _int()
    removals = _int()
    transfers = _int()
    juveniles = _int()
    struck = _int(help_text="Struck from the list: did not fly.")
    citizenships = CitizenshipSerializer(many=True, read_only=True)


class FlightDetailSerializer(FlightSerializer):
    shape = serialize.flight_detail_dict
    sources = SourceDetailSerializer(many=True, read_only=True)
    legs = LegSerializer(many=True, read_only=True)
    segments = SegmentSerializer(many=True, read_only=True)


class RootSerializer(serializers.Serializer):
    docs = serializers.URLField(read_only=True)
    schema = serializers.URLField(read_only=True)
    endpoints = serializers.DictField(child=serializers.URLField(), read_only=True)


class CountryListSerializer(serializers.Serializer):
    results = CountrySerializer(many=True, read_only=True)


class OperatorListSerializer(serializers.Serializer):
    results = OperatorSerializer(many=True, read_only=True)
