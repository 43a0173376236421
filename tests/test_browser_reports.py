"""What a reader sees, in Chromium at desktop (1280×900) and phone (390×844) sizes: month axes
without clock times, the Shenyang mission drawn on the unfiltered map, the synthetic banner,
and every analyst page drawn. Screenshots of each go to test-artifacts/."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from flights.choices import FlightKind, ReviewStatus
from flights.demo import load_shenyang_mission
from flights.geo import great_circle_km
from flights.models import Flight, PublishedFigure
from tests.conftest import ARTIFACTS
from tests.factories import make_aircraft, make_flight

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]
CLOCK = re.compile(r"\d{1,2}:\d{2}")


@pytest.fixture
def demo(reference_data):
    """The real, cited Shenyang mission, a month of real flights, and synthetic ones."""
    load_shenyang_mission()
    aircraft = make_aircraft("N801TJ", type_code="B738")
    for i in range(6):
        make_flight(
            ("KAEX", "MGGT") if i % 2 else ("KHRL", "MHLM"),
            dt.date(2024, 3, 2 + 4 * i),
            aircraft=aircraft,
            kind=FlightKind.REMOVAL if i % 3 else FlightKind.LATERAL,
            status=ReviewStatus.CONFIRMED if i == 0 else ReviewStatus.REPORTED,
        )
    for i in range(4):
        make_flight(("KAEX", "MSLP"), dt.date(2024, 2, 3 + i), is_synthetic=True)
    PublishedFigure.objects.create(
        source="Monitor",
        period_start=dt.date(2024, 3, 1),
        period_end=dt.date(2024, 3, 31),
        metric="removal_flights",
        value=9,
    )
    return Flight.objects.get(external_ref="demo:2024-03-30-SHE")


def wait_for_charts(page) -> int:
    expected = page.locator("[data-chart]").count()
    page.wait_for_function(
        "n => document.querySelectorAll('.chart-plot.chart-ready').length === n",
        arg=expected,
        timeout=20_000,
    )
    return expected


def tick_labels(page, chart: str, axis: str = "xtick") -> list[str]:
    return page.locator(f"#{chart} g.{axis} text").all_text_contents()


@pytest.mark.parametrize("page", SIZES, indirect=True)
def test_a_single_month_axis_shows_months_not_clock_times(page, demo):
    page.goto(reverse("flights:dashboard") + "?start=2024-03-01&end=2024-03-31")
    wait_for_charts(page)
    labels = tick_labels(page, "chart-time")
    assert labels and not any(CLOCK.search(label) for label in labels), labels
    counts = tick_labels(page, "chart-time", "ytick")
    assert all(label.isdigit() for label in counts), counts  # whole flights only


@pytest.mark.parametrize("page", SIZES, indirect=True)
def test_the_unfiltered_map_draws_the_shenyang_mission_with_its_label(page, demo):
    page.goto(reverse("flights:route_map"))
    wait_for_charts(page)
    assert "SHE" in page.locator("#map-beyond").inner_text()  # named beyond the Americas view
    page.locator("#chart-map .updatemenu-button", has_text="World").click()
    page.wait_for_timeout(500)
    labels = page.locator("#chart-map g.trace.scattergeo text").all_text_contents()
    assert "SHE" in labels and "AEX" in labels
    # The map fills the width: no band wider than a few pixels either side.
    box = page.locator("#chart-map svg.main-svg").first.bounding_box()
    main = page.locator("main").bounding_box()
    assert box["width"] >= main["width"] - 40


def split(values: list) -> list[list]:
    """A trace's points cut at its gaps (None): one list per arc."""
    arcs, current = [], []
    for value in values:
        if value is None:
            arcs.append(current)
            current = []
        else:
            current.append(value)
    return arcs


def test_the_route_map_draws_each_route_as_an_arc_with_an_arrow_and_a_hover(page, demo):
    page.goto(reverse("flights:route_map"))
    wait_for_charts(page)
    drawn = page.evaluate(
        """() => document.getElementById("chart-map").data.map(t => ({
            name: t.name, mode: t.mode, lat: t.lat, lon: t.lon, text: t.text,
            arrows: t.marker && Array.isArray(t.marker.size) ?
                t.marker.size.filter(s => s > 0).length : 0,
            customdata: t.customdata, showlegend: t.showlegend,
            width: t.line && t.line.width, opacity: t.opacity,
            angleref: t.marker && t.marker.angleref}))"""
    )
    lines = [t for t in drawn if t["mode"] == "lines+markers"]
    assert "Removal" in {t["name"] for t in lines}
    # The busier the routes of a trace, the thicker and stronger it is drawn; each arrow turns
    # the way its route was flown; coordinates are rounded to 0.01 degrees.
    by_width = sorted(lines, key=lambda t: t["width"])
    assert [t["opacity"] for t in by_width] == sorted(t["opacity"] for t in lines)
    assert {round((t["width"] - 1) / 1.1, 6) for t in lines} <= {0, 1, 2, 3}
    assert {t["angleref"] for t in lines} == {"previous"}
    assert all(v is None or round(v, 2) == v for t in lines for v in t["lat"] + t["lon"])
    # Each kind in the legend once, however many weights it is drawn in.
    assert sorted(t["name"] for t in lines if t["showlegend"]) == sorted({t["name"] for t in lines})
    # Every route drawn, one arrow each; the Shenyang arc is a great circle (curved, many
    # points), ending at Shenyang.
    hover = next(t for t in drawn if t["name"] == "routes")
    assert sum(t["arrows"] for t in lines) == len(hover["text"])
    assert "ANC → SHE: 1 legs (removal)" in hover["text"]
    ends = [
        (t["lat"][i - 1], t["lon"][i - 1])
        for t in lines
        for i, value in enumerate(t["lat"])
        if value is None
    ]
    assert any(abs(lat - 41.64) < 0.011 and abs(lon - 123.48) < 0.011 for lat, lon in ends)
    # A curve of a step per 400 km (4 to 16 steps), straight enough at map scale.
    arcs = [
        list(zip(lats, lons, strict=True))
        for t in lines
        for lats, lons in zip(split(t["lat"]), split(t["lon"]), strict=True)
    ]
    to_shenyang = next(a for a in arcs if abs(a[-1][0] - 41.64) < 0.011)
    km = great_circle_km(*to_shenyang[0], *to_shenyang[-1])  # from Anchorage: 5,600 km
    assert len(to_shenyang) == min(16, max(4, int(km // 400))) + 1 == 15
    # A route's hover links to its departure airport's page.
    assert all(url.startswith("/airports/") for url in hover["customdata"])
    airports = drawn[-1]
    assert airports["name"].startswith("Airports")


@pytest.mark.parametrize("page", SIZES, indirect=True)
def test_including_synthetic_flights_shows_the_banner(page, demo):
    page.goto(reverse("flights:dashboard") + "?synthetic=include")
    wait_for_charts(page)
    banner = page.locator("#synthetic-banner")
    assert banner.is_visible()
    assert "synthetic" in banner.inner_text()
    page.goto(reverse("flights:dashboard"))
    assert page.locator("#synthetic-banner").count() == 0


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_on_a_phone_the_toolbar_is_hidden(page, demo):
    page.goto(reverse("flights:dashboard"))
    wait_for_charts(page)
    page.locator("#chart-time").hover()
    assert page.locator("#chart-time .modebar").count() == 0


PAGES = {
    "overview": lambda f: reverse("flights:dashboard"),
    "overview_synthetic": lambda f: reverse("flights:dashboard") + "?synthetic=include",
    "map": lambda f: reverse("flights:route_map"),
    "flight": lambda f: reverse("flights:flight_detail", args=[f.pk]),
    "airport": lambda f: reverse("flights:airport_detail", args=["KAEX"]),
    "aircraft": lambda f: reverse("flights:aircraft_detail", args=["N801TJ"]),
    "country": lambda f: reverse("flights:country_detail", args=["GT"]),
    "reports": lambda f: reverse("flights:report_index"),
    "report": lambda f: reverse("flights:monthly_report", args=["2024-03"]),
    "report_print": lambda f: reverse("flights:monthly_report_print", args=["2024-03"]),
    "reconciliation": lambda f: reverse("flights:reconciliation"),
    "people": lambda f: reverse("flights:people"),
    "methodology": lambda f: reverse("flights:methodology"),
    "airports": lambda f: reverse("flights:airport_list"),
    "aircraft_list": lambda f: reverse("flights:aircraft_list"),
    "operators": lambda f: reverse("flights:operator_list"),
    "countries": lambda f: reverse("flights:country_list"),
}


@pytest.mark.parametrize("page", SIZES, indirect=True)
def test_every_page_renders_without_overflowing_the_screen(page, demo):
    """One test per size walks every page (the data is built once), with a screenshot each."""
    size = "phone" if page.viewport_size["width"] < 600 else "desktop"
    ARTIFACTS.mkdir(exist_ok=True)
    for name, url in PAGES.items():
        page.goto(url(demo))
        wait_for_charts(page)
        page.screenshot(path=str(ARTIFACTS / f"page_{name}_{size}.png"), full_page=True)
        assert page.title().endswith(" · Deportation flight tracker"), name
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"] + 1, f"{name} is {width} px wide"
