import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from flights.choices import Basis, FlightKind
from flights.models import Airport, Flight, Leg
from tests.factories import make_aircraft, make_flight

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def test_leg_distance_panc_to_zytx_is_about_5880_km(reference_data):
    flight = make_flight(route=("PANC", "ZYTX"))
    leg = flight.legs.get()
    assert leg.distance_km == pytest.approx(5880, rel=0.01)


def test_route_reads_in_flying_order_with_the_codes_people_use(reference_data):
    flight = make_flight(route=("KIWA", "KELP", "PANC", "ZYTX", "RKSI"))
    assert flight.route == "KIWA → ELP → ANC → SHE → ICN"
    assert flight.route_codes() == ["KIWA", "ELP", "ANC", "SHE", "ICN"]
    assert flight.leg_count == 4
    assert flight.origin.icao == "KIWA"


def test_destination_is_the_last_leg_that_is_not_a_return(reference_data):
    flight = make_flight(route=("KIWA", "KELP", "PANC", "ZYTX"))
    Leg.objects.create(
        flight=flight,
        sequence=4,
        date=flight.date,
        kind=FlightKind.RETURN,
        departure_airport=Airport.objects.get(icao="ZYTX"),
        arrival_airport=Airport.objects.get(icao="RKSI"),
    )
    flight.refresh_route()
    assert flight.destination.icao == "ZYTX"
    assert flight.destination_country_id == "CN"


def test_a_leg_cannot_land_where_it_took_off(reference_data):
    flight = make_flight()
    aex = Airport.objects.get(icao="KAEX")
    with pytest.raises(IntegrityError), transaction.atomic():
        Leg.objects.create(
            flight=flight, sequence=2, date=flight.date, departure_airport=aex, arrival_airport=aex
        )


def test_a_flight_has_one_leg_per_sequence(reference_data):
    flight = make_flight(route=("KAEX", "KHRL"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Leg.objects.create(
            flight=flight,
            sequence=1,
            date=flight.date,
            departure_airport=Airport.objects.get(icao="KHRL"),
            arrival_airport=Airport.objects.get(icao="MGGT"),
        )


def test_a_leg_must_arrive_after_it_departs(reference_data):
    flight = make_flight(route=("KAEX", "KHRL"))
    leg = flight.legs.get()
    leg.departure_time = dt.datetime(2025, 5, 6, 12, 0, tzinfo=UTC)
    leg.arrival_time = dt.datetime(2025, 5, 6, 11, 0, tzinfo=UTC)
    with pytest.raises(IntegrityError), transaction.atomic():
        leg.save()


def test_an_estimate_never_exceeds_the_aircraft_seats(reference_data):
    gulfstream = make_aircraft("N999GV", type_code="GLF5")
    flight = make_flight(aircraft=gulfstream)
    flight.set_estimate(None, 40, method="seat capacity")
    flight.save()
    flight.refresh_from_db()
    assert (flight.seat_ceiling, flight.pax_max, flight.pax_basis) == (14, 14, Basis.ESTIMATED)
    assert flight.people_on_board() == "at most 14 (estimated)"


def test_the_database_refuses_an_estimate_above_the_seats(reference_data):
    flight = make_flight(aircraft=make_aircraft("N998GV", type_code="GLF5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Flight.objects.filter(pk=flight.pk).update(pax_max=15)


def test_aircraft_seats_override_the_type(reference_data):
    aircraft = make_aircraft("n278gx", type_code="A320", seats=150)
    assert aircraft.registration == "N278GX"
    assert aircraft.seat_capacity == 150


def test_the_last_real_change_ignores_synthetic_flights(reference_data):
    assert Flight.objects.last_real_change() is None
    real = make_flight()
    make_flight(is_synthetic=True)
    Flight.objects.filter(is_synthetic=True).update(
        updated_at=real.updated_at + dt.timedelta(days=3)
    )
    real.refresh_from_db()
    assert Flight.objects.last_real_change() == real.updated_at
