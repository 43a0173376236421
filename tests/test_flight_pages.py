"""The flight list steps by cursor in index order and takes its total from the rollups."""

import datetime as dt
import pickle
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from flights import flight_pages
from flights.models import Flight
from tests.factories import make_aircraft, make_flight

pytestmark = pytest.mark.usefixtures("reference_data")
URL = reverse("flights:flight_list")
NEXT = re.compile(r'href="\?([^"]*cursor=[\w-]+)" rel="next"')
PREVIOUS = re.compile(r'href="\?([^"]*cursor=[\w-]+)" rel="prev"')


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(flight_pages, "PAGE_SIZE", 3)


@pytest.fixture
def flights(db):
    # Ties in every sort value and NULLs in the nullable ones, so the id tie-break and the NULL
    # segment are both walked.
    day = dt.date(2024, 1, 1)
    return Flight.objects.bulk_create(
        Flight(
            date=day + dt.timedelta(days=i % 4),
            route=f"R{i % 3}",
            leg_count=i % 2,
            distance_km=None if i % 5 == 0 else float(i % 4) * 100,
            pax_count=None if i % 3 == 0 else i % 2,
        )
        for i in range(14)
    )


def _ids(response) -> list[int]:
    return [f.pk for f in response.context["page"].object_list]


def _walk(client, query: str, pattern) -> tuple[list[list[int]], str]:
    pages, html = [], ""
    while query is not None:
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200
        pages.append(_ids(response))
        html = response.content.decode()
        found = pattern.search(html)
        query = found[1].replace("&amp;", "&") if found else None
    return pages, html


@pytest.mark.parametrize("sort", sorted(flight_pages.ORDERS))
def test_next_and_previous_walk_every_flight_once_in_the_sort_order(
    client, flights, small_pages, sort
):
    order = flight_pages.ORDERS[sort]
    expected = list(Flight.objects.order_by(*order.expressions()).values_list("id", flat=True))
    forward, last_html = _walk(client, f"sort={sort}", NEXT)
    assert [pk for page in forward for pk in page] == expected
    assert [len(page) for page in forward] == [3, 3, 3, 3, 2]
    assert "Page 5 of 5" in last_html
    # Back from the last page: the same pages, numbered down to 1.
    back_query = PREVIOUS.search(last_html)[1].replace("&amp;", "&")
    backward, first_html = _walk(client, back_query, PREVIOUS)
    assert backward == forward[-2::-1]
    assert "Page 1 of 5" in first_html
    assert 'rel="prev"' not in first_html


def test_a_cursor_page_seeks_without_offset_or_counting_the_flights(client, flights, small_pages):
    first = client.get(URL, {"sort": "-distance"}).content.decode()
    query = NEXT.search(first)[1].replace("&amp;", "&")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"{URL}?{query}").status_code == 200
    sql = [q["sql"] for q in captured]
    assert not [s for s in sql if "OFFSET" in s]
    assert not [s for s in sql if "COUNT(" in s and 'FROM "flights_flight"' in s]
    assert any('"flights_flight"."distance_km", "flights_flight"."id") <' in s for s in sql)


def test_old_page_links_still_open_their_page_and_clamp_to_the_last(client, flights, small_pages):
    expected = list(Flight.objects.order_by("-date", "-id").values_list("id", flat=True))
    assert _ids(client.get(URL, {"page": "2"})) == expected[3:6]
    clamped = client.get(URL, {"page": "99"})
    assert _ids(clamped) == expected[12:]
    assert "Page 5 of 5" in clamped.content.decode()


@pytest.mark.parametrize("cursor", ["nonsense", "W10", "WyJuZXh0IiwxLDIsM10", "x" * 300])
def test_a_cursor_that_cannot_be_read_shows_the_first_page(client, flights, small_pages, cursor):
    response = client.get(URL, {"cursor": cursor})
    assert response.status_code == 200
    assert response.context["page"].number == 1


def test_a_filter_the_rollups_cannot_answer_counts_at_most_the_cap(
    client, monkeypatch, small_pages
):
    monkeypatch.setattr(flight_pages, "COUNT_CAP", 4)
    aircraft = make_aircraft("N123AB")
    for day in range(6):
        make_flight(date=dt.date(2024, 3, 1 + day), aircraft=aircraft)
    html = client.get(URL, {"aircraft": "N123AB"}).content.decode()
    assert "More than 4 flights; showing 1–3." in html
    assert "Page 1</span>" in html
    monkeypatch.setattr(flight_pages, "COUNT_CAP", 10)
    cache.clear()  # the page is cached per data version
    assert "6 flights; showing 1–3." in client.get(URL, {"aircraft": "n123ab"}).content.decode()


def test_the_total_comes_from_the_rollups_and_equals_the_count(client, flights):
    html = client.get(URL, {"synthetic": "include", "start": "2024-01-02"}).content.decode()
    expected = Flight.objects.filter(date__gte=dt.date(2024, 1, 2)).count()
    assert f"{expected} flights; showing 1–{expected}." in html


def test_the_airport_picker_lists_each_departure_airport_once_in_code_order(client):
    from flights.filters import origin_airports

    make_flight(("KAEX", "MGGT"))
    make_flight(("KAEX", "MHLM"))
    make_flight(("KIAH", "MGGT"))
    make_flight(("KELP", "MMMX"))
    assert [code for code, _ in origin_airports()] == ["AEX", "ELP", "IAH"]
    options = client.get(reverse("flights:filter_options")).json()
    assert [code for code, _name in options["airports"]] == ["AEX", "ELP", "IAH"]


def test_a_list_page_is_cached_with_its_rows_not_its_flights(flights):
    page = flight_pages.Page([flights[1].pk, flights[0].pk], 1, 2, True, rows="<tr></tr>")
    stored = pickle.dumps(page)
    assert b"flights.models" not in stored
    restored = pickle.loads(stored)  # noqa: S301 - our own bytes
    assert restored.rows == "<tr></tr>"
    assert restored.object_list == [flights[1], flights[0]]  # in the page's order
