"""Pages read the one filter definition: a bad value is a 400 with the form, never every flight."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from flights.models import Operator
from tests.factories import make_flight

pytestmark = pytest.mark.usefixtures("reference_data")
PAGES = ("flights:dashboard", "flights:route_map", "flights:flight_list")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"country": "ZZ"}, "Unknown country code “ZZ”."),
        (
            {"start": "2024-01-01", "end": "9999-12-31"},
            "9999-12-31 is more than one day in the future.",
        ),
        ({"start": "1000-01-01"}, "1000-01-01 is before 1990-01-01"),
        ({"operator": "no-such-air"}, "Select a valid choice."),
        ({"synthetic": "all"}, "Select a valid choice."),
    ],
)
def test_a_bad_filter_answers_400_with_the_form_and_no_flights(client, page, query, message):
    make_flight(("KAEX", "MGGT"), date=dt.date(2024, 1, 10), callsign="SHOWN1")
    response = client.get(reverse(page), query)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'id="bad-filters"' in html
    assert 'name="start"' in html  # the form, with the typed values kept
    for name, value in query.items():
        if name in ("country", "start", "end"):  # typed, not chosen from a list
            assert f'value="{value}"' in html
    assert "flight-list" not in html and "chart-time" not in html


def test_empty_parameters_are_dropped_from_the_url(client):
    response = client.get(reverse("flights:flight_list"), {"country": "CN", "start": "", "end": ""})
    assert response.status_code == 302
    assert response["Location"] == reverse("flights:flight_list") + "?country=CN"
    assert client.get(reverse("flights:dashboard") + "?start=&end=")["Location"] == "/dashboard/"


def test_operator_links_carry_the_slug_and_old_ids_still_work(client):
    operator = Operator.objects.get_or_create(name="GlobalX")[0]
    flight = make_flight(("KAEX", "MGGT"), date=dt.date(2024, 1, 10), operator=operator)
    make_flight(("KAEX", "MGGT"), date=dt.date(2024, 1, 11))
    for value in ("globalx", str(operator.pk)):
        response = client.get(reverse("flights:flight_list"), {"operator": value})
        assert response.status_code == 200
        assert list(response.context["page"].object_list) == [flight]
    html = client.get(reverse("flights:flight_list")).content.decode()
    assert '<option value="globalx">GlobalX</option>' in html


def test_pickers_offer_countries_and_airports_by_name(client):
    make_flight(("KAEX", "MGGT"), date=dt.date(2024, 1, 10))
    html = client.get(reverse("flights:flight_list")).content.decode()
    options_url = reverse("flights:filter_options")
    assert f'data-options="{options_url}"' in html
    assert 'list="country-names"' in html and 'list="airport-codes"' in html
    # The suggestions themselves are fetched when the form is used, not sent with every page.
    assert "Guatemala</option>" not in html
    options = client.get(options_url).json()
    assert ["GT", "Guatemala"] in options["countries"]
    assert [code for code, _name in options["airports"]] == ["AEX"]


def test_picker_suggestions_are_escaped_by_the_browser_not_built_as_html(client):
    from flights.models import Country

    Country.objects.filter(code="GT").update(name="<b>Guate</b>mala")
    options = client.get(reverse("flights:filter_options")).json()
    assert ["GT", "<b>Guate</b>mala"] in options["countries"]
    script = (settings.BASE_DIR / "static/js/filters.js").read_text()
    assert "textContent" in script and "innerHTML" not in script


def test_synthetic_flights_are_listed_only_when_asked_for(client):
    real = make_flight(("KAEX", "MGGT"), date=dt.date(2024, 1, 10))
    fake = make_flight(("KAEX", "MGGT"), date=dt.date(2024, 1, 11), is_synthetic=True)
    url = reverse("flights:flight_list")
    assert list(client.get(url).context["page"].object_list) == [real]
    listed = client.get(url, {"synthetic": "include"}).context["page"].object_list
    assert list(listed) == [fake, real]


def test_a_deep_list_page_skips_ids_not_wide_joined_rows(client):
    flights = [
        make_flight(("KAEX", "MGGT"), date=dt.date(2024, 1, 1) + dt.timedelta(days=i), pax_count=i)
        for i in range(120)
    ]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("flights:flight_list"), {"sort": "-pax", "page": "3"})
    assert response.status_code == 200
    shown = list(response.context["page"].object_list)
    assert shown == sorted(flights, key=lambda f: -f.pax_count)[100:120]
    with_offset = [q["sql"] for q in captured if "OFFSET" in q["sql"]]
    assert len(with_offset) == 1
    assert "JOIN" not in with_offset[0]  # the skipped rows are ids only
    # The sort value and id: both in the sort's index, and what the page's cursors carry.
    assert with_offset[0].split(" FROM ")[0] == (
        'SELECT "flights_flight"."pax_count" AS "pax_count", "flights_flight"."id" AS "id"'
    )
