import pytest
from django.urls import reverse

from flights.models import Aircraft, Airport, Flight, FlightChange, Leg, Source, TimelineEvent
from tests.factories import make_aircraft, make_flight

pytestmark = pytest.mark.django_db

MODELS = [Flight, Leg, Airport, Aircraft, Source, TimelineEvent]


@pytest.fixture
def flight(reference_data):
    return make_flight(
        route=("KIWA", "KELP", "PANC", "ZYTX", "RKSI"), aircraft=make_aircraft("N123AD", "GLF5")
    )


def _admin_urls(flight):
    objects = {
        Flight: flight,
        Leg: flight.legs.first(),
        Airport: Airport.objects.get(icao="KIWA"),
        Aircraft: flight.aircraft,
        Source: flight.sources.first(),
        TimelineEvent: TimelineEvent.objects.create(date="2022-08-05", title="Suspension"),
    }
    for model, obj in objects.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{name}_changelist")
        yield reverse(f"{name}_change", args=[obj.pk])


def test_admin_pages_answer_200_for_staff(admin_client, flight):
    for url in _admin_urls(flight):
        assert admin_client.get(url).status_code == 200, url


def test_admin_pages_send_anonymous_users_to_login(client, flight):
    for url in _admin_urls(flight):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_flight_list_shows_the_route_and_searches_by_airport_code(admin_client, flight):
    make_flight(route=("KAEX", "MGGT"))
    response = admin_client.get(reverse("admin:flights_flight_changelist"), {"q": "ANC"})
    body = response.content.decode()
    assert "KIWA → ELP → ANC → SHE → ICN" in body
    assert "AEX → GUA" not in body


def test_flight_list_filters_by_destination_country(admin_client, flight):
    make_flight(route=("KAEX", "MGGT"))
    response = admin_client.get(
        reverse("admin:flights_flight_changelist"), {"destination_country__code__exact": "GT"}
    )
    body = response.content.decode()
    assert "AEX → GUA" in body and "SHE" not in body


def test_airport_autocomplete_finds_by_iata_code(admin_client, reference_data):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "SHE",
            "app_label": "flights",
            "model_name": "leg",
            "field_name": "departure_airport",
        },
    )
    assert response.status_code == 200
    first = response.json()["results"][0]
    assert first["id"] == str(Airport.objects.get(icao="ZYTX").pk)
    assert first["text"] == "SHE/ZYTX Taoxian Airport"


def test_editing_a_flight_in_admin_records_who_changed_what(admin_client, admin_user, flight):
    url = reverse("admin:flights_flight_change", args=[flight.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "date": "2024-03-30",
            "kind": "removal",
            "status": "confirmed",
            "aircraft_basis": "reported",
            "aircraft": flight.aircraft_id,
        }
    )
    for prefix in ("legs", "flight_sources", "segments", "history"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    flight.refresh_from_db()
    assert flight.status == "confirmed"
    assert flight.updated_by == admin_user
    change = FlightChange.objects.filter(flight=flight, action="updated").get()
    assert change.actor == admin_user
    assert change.changes["status"] == {"from": "reported", "to": "confirmed"}
