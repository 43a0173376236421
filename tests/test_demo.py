import datetime as dt

import pytest
from django.core.management import call_command

from flights.choices import Basis
from flights.demo import DEMO_COUNT, SHENYANG_REF
from flights.models import Flight, FlightSource, Leg, TimelineEvent

pytestmark = pytest.mark.django_db


def test_load_demo_holds_the_shenyang_mission_as_reported(reference_data):
    call_command("load_demo")
    flight = Flight.objects.get(external_ref=SHENYANG_REF)
    assert flight.date == dt.date(2024, 3, 30)
    assert flight.route == "KIWA → ELP → ANC → SHE → ICN"
    assert flight.destination_country_id == "CN"
    assert flight.aircraft_type.designator == "GLF5"
    assert (flight.pax_count, flight.pax_max, flight.pax_basis) == (None, 14, Basis.INFERRED)
    assert flight.people_on_board() == "at most 14 (inferred)"
    assert not flight.is_synthetic
    legs = list(flight.legs.order_by("sequence"))
    assert [leg.departure_basis for leg in legs[:2]] == [Basis.INFERRED, Basis.INFERRED]
    assert legs[0].arrival_basis == Basis.INFERRED
    assert legs[2].departure_basis == Basis.REPORTED
    source = FlightSource.objects.get(flight=flight).source
    assert source.publisher == "Associated Press"


def test_load_demo_twice_changes_nothing(reference_data, capsys):
    call_command("load_demo")
    counts = (Flight.objects.count(), Leg.objects.count(), TimelineEvent.objects.count())
    call_command("load_demo")
    assert (Flight.objects.count(), Leg.objects.count(), TimelineEvent.objects.count()) == counts
    assert counts[0] == DEMO_COUNT + 1
    assert "nothing changed" in capsys.readouterr().out


def test_demo_events_mark_the_china_suspension_and_resumption(reference_data):
    call_command("load_demo")
    china = TimelineEvent.objects.filter(countries__code="CN").order_by("date")
    assert [e.date.year for e in china] == [2022, 2023]


def test_synthetic_demo_flights_are_labelled(reference_data):
    call_command("load_demo")
    assert Flight.objects.filter(is_synthetic=True).count() == DEMO_COUNT
    assert not Flight.objects.filter(is_synthetic=True, flight_sources__isnull=True).exists()
