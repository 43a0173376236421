import pytest
from django.urls import reverse

from tests.factories import make_flight

pytestmark = pytest.mark.django_db


def test_home_lists_recent_flights_with_route(client, reference_data):
    make_flight(route=("KIWA", "KELP", "PANC", "ZYTX"))
    response = client.get(reverse("flights:home"))
    assert response.status_code == 200
    assert "IWA → ELP → ANC → SHE" in response.content.decode()


def test_home_shows_cited_flights_apart_from_synthetic_demo_flights(client, reference_data):
    from django.core.management import call_command

    call_command("load_demo")
    body = client.get(reverse("flights:home")).content.decode()
    cited, synthetic = body.split("<h2>Synthetic demo flights</h2>")
    assert "IWA → ELP → ANC → SHE → ICN" in cited
    assert "Gulfstream V" in cited and "registration unknown" in cited
    assert "at most 14 (inferred)" in cited
    assert "synthetic demo" not in cited.split("<h1>")[1].split("</table>")[0]
    assert synthetic.count('class="badge synthetic"') >= 15


def test_home_runs_a_fixed_number_of_queries(client, reference_data, django_assert_max_num_queries):
    for _ in range(3):
        make_flight()
    with django_assert_max_num_queries(4):
        client.get(reverse("flights:home"))


@pytest.mark.browser
def test_home_renders_in_chromium_without_leaving_the_origin(
    page, reference_data, transactional_db
):
    make_flight(route=("KHRL", "MGGT"))
    page.goto("/")
    assert page.locator("h1").inner_text() == "Recent flights"
    assert "HRL → GUA" in page.locator("table.data").inner_text()


def test_public_flight_history_does_not_name_team_members(client, admin_client, reference_data):
    from django.contrib.auth import get_user_model

    from flights.models import FlightChange

    flight = make_flight()
    editor = get_user_model().objects.create_user("editor-jane", password="x")
    FlightChange.objects.create(flight=flight, actor=editor, action="verified", summary="Checked")
    public = client.get(reverse("flights:flight_detail", args=[flight.pk])).content.decode()
    assert "editor-jane" not in public and "tracker team" in public
    staff = admin_client.get(reverse("flights:flight_detail", args=[flight.pk])).content.decode()
    assert "editor-jane" in staff
