import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from flights.choices import FlightKind
from flights.models import Flight, Leg

pytestmark = pytest.mark.django_db


def test_generate_flights_makes_a_realistic_mix(reference_data):
    call_command("generate_flights", "--count", "3000", "--seed", "5")
    flights = Flight.objects.filter(external_ref__startswith="gen:5:")
    assert flights.count() == 3000
    kinds = dict(flights.values_list("kind").annotate(n=Count("id")))
    removals = kinds[FlightKind.REMOVAL] + kinds.get(FlightKind.LATERAL, 0)
    assert 0.12 < removals / 3000 < 0.25  # about one flight in six
    legs = Leg.objects.filter(flight__in=flights)
    domestic_legs = legs.filter(kind=FlightKind.DOMESTIC).count()
    assert domestic_legs / legs.count() > 0.5  # most legs are domestic transfers
    assert 2.5 < legs.count() / 3000 < 3.5
    assert not flights.filter(is_synthetic=False).exists()
    # Route fields agree with the legs they summarise.
    sample = flights.order_by("?").first()
    assert sample.leg_count == sample.legs.count()
    assert sample.route.split(" → ")[0] == sample.legs.get(sequence=1).departure_airport.code


def test_generated_flights_respect_the_china_suspension(reference_data):
    call_command("generate_flights", "--count", "4000", "--seed", "9")
    assert not Flight.objects.filter(
        destination_country_id="CN", date__range=(dt.date(2022, 8, 5), dt.date(2023, 11, 15))
    ).exists()


def test_generate_flights_refuses_the_same_seed_twice(reference_data):
    call_command("generate_flights", "--count", "10", "--seed", "3")
    with pytest.raises(CommandError, match="seed 3 already exist"):
        call_command("generate_flights", "--count", "10", "--seed", "3")
