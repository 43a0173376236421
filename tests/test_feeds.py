"""Atom feeds of the flight list, airport, country, aircraft and operator pages.

A filtered feed is checked two ways: feedparser must read it as Atom 1.0 without complaint
(bozo 0), and the elements RFC 4287 requires (feed id/title/updated/author, entry
id/title/updated/link) are looked up in the XML itself.
"""

import datetime as dt
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.urls import reverse

from flights.cache import bump_data_version
from flights.models import Operator
from tests.factories import make_aircraft, make_flight, make_source

pytestmark = pytest.mark.usefixtures("reference_data")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def flights(db):
    plane = make_aircraft("N802WA")
    operator = Operator.objects.create(name="Feed Test Air")
    return {
        "old": make_flight(("KAEX", "MGGT"), date=dt.date(2025, 5, 1), aircraft=plane),
        "new": make_flight(
            ("KAEX", "MHLM"),
            date=dt.date(2025, 5, 9),
            status="confirmed",
            aircraft=plane,
            operator=operator,
            source=make_source("ICE Flight Monitor report", url="https://example.org/r/1"),
        ),
        "domestic": make_flight(("KAEX", "KELP"), date=dt.date(2025, 5, 5), kind="domestic"),
        "elsewhere": make_flight(("KIAH", "MGGT"), date=dt.date(2025, 5, 7)),
        "synthetic": make_flight(("KAEX", "MGGT"), date=dt.date(2025, 5, 8), is_synthetic=True),
    }


def entry_ids(parsed) -> list[str]:
    return [entry.id for entry in parsed.entries]


def assert_valid_atom(body: bytes) -> None:
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    root = ET.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, f"feed has no <{name}>"
    assert root.find(f"{ATOM}link[@rel='alternate']") is not None
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}") is not None, f"entry has no <{name}>"
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None


def test_the_feed_of_a_filtered_airport_page_is_valid_atom_with_its_flights_newest_first(
    client, flights
):
    url = reverse("flights:airport_feed", args=["KAEX"]) + "?kind=removal"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert_valid_atom(response.content)
    parsed = feedparser.parse(response.content)
    # Removals touching KAEX, newest first; the domestic and synthetic flights are left out.
    assert entry_ids(parsed) == [f"flight-{flights['new'].pk}", f"flight-{flights['old'].pk}"]
    assert parsed.feed.link.endswith("/airports/KAEX/?kind=removal")
    newest = parsed.entries[0]
    assert newest.title == "2025-05-09 AEX → SAP · Confirmed"
    for line in (
        "Route: AEX → SAP",
        "Aircraft: N802WA (A320",
        "Operator: Feed Test Air",
        "Kind: Removal",
        "Review status: Confirmed",
        "Sources: News report: ICE Flight Monitor report (https://example.org/r/1)",
    ):
        assert line in newest.summary
    assert newest.link.endswith(reverse("flights:flight_detail", args=[flights["new"].pk]))


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("flights:flight_feed", [], {"new", "old", "domestic", "elsewhere"}),
        ("flights:country_feed", ["GT"], {"old", "elsewhere"}),
        ("flights:aircraft_feed", ["N802WA"], {"new", "old"}),
    ],
)
def test_each_page_feed_holds_that_page_s_real_flights(client, flights, name, args, expected):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    assert_valid_atom(response.content)
    ids = set(entry_ids(feedparser.parse(response.content)))
    assert ids == {f"flight-{flights[key].pk}" for key in expected}


def test_an_operator_feed_holds_its_flights_and_links_to_the_filtered_list(client, flights):
    operator = flights["new"].operator
    response = client.get(reverse("flights:operator_feed", args=[operator.pk]))
    parsed = feedparser.parse(response.content)
    assert entry_ids(parsed) == [f"flight-{flights['new'].pk}"]
    assert parsed.feed.link.endswith(f"/flights/?operator={operator.pk}")
    assert parsed.feed.title == "Flights by Feed Test Air"


def test_an_unchanged_feed_answers_304_until_the_data_changes(client, flights):
    url = reverse("flights:flight_feed") + "?kind=removal"
    first = client.get(url)
    etag = first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Another filter is another feed: its own tag.
    assert client.get(url + "&country=GT")["ETag"] != etag
    bump_data_version()
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again["ETag"] != etag


def test_a_feed_with_invalid_filters_says_which_filter_is_wrong(client, flights):
    response = client.get(reverse("flights:flight_feed") + "?country=ZZ")
    assert response.status_code == 400
    assert response.content.decode() == "Invalid filters: country: Unknown country code “ZZ”."


def test_an_unknown_airport_has_no_feed(client, db):
    assert client.get(reverse("flights:airport_feed", args=["ZZZZ"])).status_code == 404


def test_the_list_page_links_its_feed_with_the_same_filters(client, flights):
    response = client.get(reverse("flights:flight_list") + "?kind=removal&country=GT")
    html = response.content.decode()
    feed = reverse("flights:flight_feed") + "?kind=removal&amp;country=GT"
    assert (
        f'<link rel="alternate" type="application/atom+xml" '
        f'title="Atom feed of these flights" href="{feed}">'
    ) in html
    assert f'<a href="{feed}" type="application/atom+xml">Atom feed of these flights</a>' in html
    assert "/alerts/subscribe/?url=%2Fflights%2F%3Fkind%3Dremoval%26country%3DGT" in html


def test_a_page_without_a_feed_links_none(client, db):
    html = client.get(reverse("flights:home")).content.decode()
    assert "application/atom+xml" not in html
