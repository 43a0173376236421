"""The analyst pages in Debian's Chromium: charts drawn, no console errors, nothing off-site.

The `page` fixture aborts and fails on any request to another origin, fails on console errors
and saves a screenshot of every test to test-artifacts/.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse

from flights.models import Country, TimelineEvent
from tests.factories import make_aircraft, make_flight

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROUTES = [("KAEX", "MGGT"), ("KIWA", "KELP", "PANC", "ZYTX"), ("KHRL", "MHLM")]


@pytest.fixture
def flights(reference_data):
    aircraft = make_aircraft("N500BT", type_code="B738")
    made = [
        make_flight(
            route=ROUTES[i % 3],
            date=dt.date(2024, 1, 3) + dt.timedelta(days=9 * i),
            aircraft=aircraft,
            kind="removal" if i % 4 else "lateral",
        )
        for i in range(12)
    ]
    china = Country.objects.get(code="CN")
    TimelineEvent.objects.create(date=dt.date(2024, 2, 1), title="Test event").countries.add(china)
    return made


def wait_for_charts(page) -> int:
    """Wait until every chart on the page is drawn; return how many there are."""
    expected = page.locator("[data-chart]").count()
    page.wait_for_function(
        "n => document.querySelectorAll('.chart-plot.chart-ready').length === n",
        arg=expected,
        timeout=15_000,
    )
    return expected


def drawn_points(page) -> int:
    """SVG marks that carry data: bars, and markers and lines of map traces."""
    return page.locator(
        ".chart-plot g.trace.bars g.point path, .chart-plot g.trace.scattergeo path"
    ).count()


PAGES = {
    "overview": lambda f: reverse("flights:dashboard"),
    "map": lambda f: reverse("flights:route_map"),
    "flight": lambda f: reverse("flights:flight_detail", args=[f[1].pk]),
    "airport": lambda f: reverse("flights:airport_detail", args=["KAEX"]),
    "aircraft": lambda f: reverse("flights:aircraft_detail", args=["N500BT"]),
    "country": lambda f: reverse("flights:country_detail", args=["CN"]),
}


@pytest.mark.parametrize("name", PAGES)
def test_each_page_draws_its_charts_from_our_own_origin(page, flights, name):
    page.goto(PAGES[name](flights))
    assert wait_for_charts(page) >= 1
    assert drawn_points(page) > 0
    assert page.locator(".chart-plot svg.main-svg").count() >= 1
    assert page.locator(".chart-loading").count() == 0


@pytest.mark.parametrize("name", ["map", "flight"])
def test_maps_draw_country_outlines_from_the_vendored_topojson(page, flights, name):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(PAGES[name](flights))
    wait_for_charts(page)
    # Land and country outlines are a few paths with very long outlines, drawn from the topojson.
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.chart-plot path'))"
        ".filter(p => (p.getAttribute('d') || '').length > 10000).length >= 2"
    )
    assert any(url.endswith("/static/vendor/plotly-geo/world_110m.json") for url in requests)
    assert any(
        url.endswith("/static/vendor/plotly-partial/plotly-partial.min.js") for url in requests
    )


def test_the_flight_list_page_sorts_in_the_browser(page, flights):
    page.goto(reverse("flights:flight_list"))
    assert page.locator("#list-summary").inner_text() == "12 flights; showing 1–12."
    page.get_by_role("link", name="Legs", exact=True).click()
    page.wait_for_url(re.compile(r"sort=legs"))
    assert page.locator("#flight-list tbody tr").first.locator("td").nth(2).inner_text() == "1"


def test_the_pickers_are_filled_when_the_reader_first_uses_the_form(page, flights):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(reverse("flights:flight_list"))
    options_url = reverse("flights:filter_options")
    assert page.locator("#country-names option").count() == 0
    assert not any(options_url in url for url in requests)
    page.locator("details.filters summary").click()
    page.focus("#id_airport")
    page.wait_for_function("() => document.querySelectorAll('#airport-codes option').length > 0")
    codes = page.eval_on_selector_all("#airport-codes option", "os => os.map(o => o.value)")
    assert codes == ["AEX", "HRL", "KIWA"]  # KIWA: IWA is Ivanovo's IATA code
    assert page.locator("#country-names option[value='GT']").count() == 1
    page.focus("#id_country")
    assert sum(options_url in url for url in requests) == 1


def test_changing_a_filter_changes_the_url_and_the_numbers(page, flights):
    page.goto(reverse("flights:dashboard") + "?start=2024-01-01&end=2024-12-31")
    wait_for_charts(page)
    flights_cell = page.locator('td[data-measure="flights"]')
    assert flights_cell.inner_text() == "12"
    before = page.locator("#chart-time g.point path").count()
    page.fill("#id_country", "CN")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"country=CN"))
    assert "country=CN" in page.url and "start=2024-01-01" in page.url
    wait_for_charts(page)
    assert flights_cell.inner_text() == "4"
    assert page.locator("#chart-time g.point path").count() < before


@pytest.mark.parametrize("page", [{"width": 390, "height": 844}], indirect=True)
def test_the_overview_fits_a_phone_screen(page, flights):
    page.goto(reverse("flights:dashboard"))
    wait_for_charts(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert page.locator("#chart-time svg.main-svg").first.bounding_box()["width"] <= 390


def test_demo_china_page_shows_the_2022_suspension_and_the_2023_resumption(page, reference_data):
    from flights.demo import load_demo

    load_demo()
    page.goto(reverse("flights:country_detail", args=["CN"]))
    wait_for_charts(page)
    labels = page.locator("#chart-country .annotation-text").all_text_contents()
    assert "Aug 2022: China suspends deportation cooperation" in labels
    assert any(label.startswith("Nov 2023:") for label in labels), labels
    assert page.locator("#chart-country g.point path").count() > 0
