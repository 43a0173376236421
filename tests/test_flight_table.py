"""The flight tables' rows, written in Python (flights.flight_table)."""

import pytest
from django.urls import reverse
from django.utils import translation

from flights import flight_table
from flights.models import AircraftType, Country, Flight
from tests.factories import make_aircraft, make_flight

pytestmark = pytest.mark.django_db


def rows(columns=flight_table.LIST) -> str:
    return flight_table.rows(Flight.objects.for_table().order_by("id"), columns)


def test_a_row_links_the_flight_its_aircraft_and_its_destination(reference_data):
    aircraft = make_aircraft("N802TJ")
    flight = make_flight(aircraft=aircraft, pax_count=61, pax_basis="reported")
    html = rows()
    assert f'<td><a href="{flight.get_absolute_url()}">2025-05-06</a></td>' in html
    assert f'<a href="{reverse("flights:aircraft_detail", args=["N802TJ"])}">N802TJ</a>' in html
    assert f'<a href="{reverse("flights:country_detail", args=["GT"])}">Guatemala</a>' in html
    assert "<td>Removal</td>" in html and "<td>Reported</td>" in html
    assert f'<td class="num">{flight.people_on_board()}</td>' in html
    assert f'<td class="num">{int(flight.distance_km + 0.5)} km</td>' in html


def test_values_are_escaped_and_unknowns_say_so(reference_data):
    flight = make_flight(is_synthetic=True)
    Flight.objects.filter(pk=flight.pk).update(route="<script>x</script>", distance_km=None)
    html = rows()
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert 'class="badge synthetic"' in html
    assert "<td>unknown</td>" in html and '<td class="num">—</td>' in html


def test_a_type_without_a_registration_is_named(reference_data):
    make_flight(aircraft_type=AircraftType.objects.get(designator="B738"))
    assert "Boeing" in rows(flight_table.SHORT)
    assert "(registration unknown)" in rows(flight_table.SHORT)


def test_a_flight_without_destination_country_shows_a_dash(reference_data):
    flight = make_flight()
    Flight.objects.filter(pk=flight.pk).update(destination_country=None)
    assert "<td>—</td>" in rows()
    assert Country.objects.filter(code="GT").exists()


def test_labels_are_in_the_page_language(reference_data):
    make_flight()
    with translation.override("es"):
        html = rows()
    assert "<td>Removal</td>" not in html
    assert "<td>Deportación</td>" in html


@pytest.mark.parametrize("language", ["en", "es"])
def test_numbers_are_grouped_as_intcomma_groups_them(language):
    from django.contrib.humanize.templatetags.humanize import intcomma

    from flights.templatetags.dashboard_numbers import grouped

    with translation.override(language):
        number = grouped()
        for n in (0, 7, 999, 1000, 12345, 1234567, -4500):
            assert number(n) == intcomma(n), n


def test_series_rows_write_a_cell_per_kind_and_a_total():
    import datetime as dt

    from flights.templatetags.dashboard_numbers import series_rows

    table = [{"bucket": dt.date(2024, 3, 1), "counts": [1200, 3], "total": 1203}]
    assert series_rows(table, "month") == (
        '<tr><td>2024-03</td><td class="num">1,200</td><td class="num">3</td>'
        '<td class="num">1,203</td></tr>'
    )
    assert series_rows(table, "week").startswith("<tr><td>2024-03-01</td>")


def test_a_table_of_many_flights_is_one_query_with_no_query_per_row(
    reference_data, django_assert_num_queries
):
    # for_table() loads only the columns the rows read: a column the rows use but the
    # queryset leaves out would be loaded row by row, one query each.
    for i in range(5):
        make_flight(aircraft=make_aircraft(f"N80{i}TJ"), pax_count=10 + i, pax_basis="reported")
    make_flight(aircraft_type=AircraftType.objects.get(designator="B738"))
    with django_assert_num_queries(1):
        html = rows()
    assert html.count("<tr>") == 6 and "N804TJ" in html and "Boeing" in html


def test_month_rows_write_the_month_then_each_named_number():
    import datetime as dt

    from flights.templatetags.dashboard_numbers import month_rows

    months = [
        {"month": dt.date(2024, 3, 1), "departures": 1200, "arrivals": 7},
        {"month": dt.date(2024, 4, 1), "departures": 0, "arrivals": 12345},
    ]
    assert month_rows(months, "departures,arrivals") == (
        '<tr><td>2024-03</td><td class="num">1,200</td><td class="num">7</td></tr>'
        '<tr><td>2024-04</td><td class="num">0</td><td class="num">12,345</td></tr>'
    )
    assert month_rows(months, "arrivals").count("<td") == 4
