"""Chart builders are pure: plain data in, a Plotly figure out. No database here."""

import datetime as dt
import json
import re
from pathlib import Path

import plotly
from django.contrib.staticfiles import finders
from django.template.loader import get_template

from flights import charts

OKABE_ITO = set(charts.OKABE_ITO.values())


def airport(code: str, lat: float, lon: float, n: int = 1) -> dict:
    return {
        "code": code,
        "icao": "K" + code,
        "name": f"{code} airport",
        "lat": lat,
        "lon": lon,
        "n": n,
        "url": f"/airports/K{code}/",
    }


def test_flights_over_time_stacks_kinds_in_okabe_ito_colours():
    series = [
        {"bucket": dt.date(2024, 1, 1), "kind": "removal", "n": 5},
        {"bucket": dt.date(2024, 1, 1), "kind": "domestic", "n": 2},
        {"bucket": dt.date(2024, 2, 1), "kind": "removal", "n": 7},
    ]
    fig = charts.flights_over_time(series)
    assert fig.layout.barmode == "stack"
    assert [t.name for t in fig.data] == ["Removal", "Domestic transfer"]
    assert list(fig.data[0].y) == [5, 7]
    assert list(fig.data[0].x) == ["2024-01-01", "2024-02-01"]
    assert {t.marker.color for t in fig.data} <= OKABE_ITO
    assert fig.layout.yaxis.title.text == "flights per month"


def test_events_outside_the_data_widen_the_axis_and_are_labelled():
    series = [{"bucket": dt.date(2024, 3, 1), "kind": "removal", "n": 1}]
    events = [
        {"date": dt.date(2022, 8, 5), "title": "China suspends cooperation"},
        {"date": dt.date(2023, 11, 15), "title": "Removals resume"},
    ]
    fig = charts.flights_over_time(series, events)
    assert [a.text for a in fig.layout.annotations] == [
        "Aug 2022: China suspends cooperation",
        "Nov 2023: Removals resume",
    ]
    assert [s.x0 for s in fig.layout.shapes] == ["2022-08-05", "2023-11-15"]
    assert tuple(fig.layout.xaxis.range) == ("2022-07-16", "2024-03-21")


def test_ranking_puts_the_largest_on_top_with_shares_of_the_whole_total():
    # 40 shown of 50 in all: shares are of the 50, not of the rows shown.
    fig = charts.ranking([{"label": "China", "n": 30}, {"label": "India", "n": 10}], total=50)
    bar = fig.data[0]
    assert bar.orientation == "h"
    assert list(bar.y) == ["India", "China"]
    assert list(bar.text) == ["10 (20%)", "30 (60%)"]


def test_ranking_without_a_total_prints_counts_only():
    fig = charts.ranking([{"label": "China", "n": 1234}])
    assert list(fig.data[0].text) == ["1,234"]


def test_route_map_ships_every_route_by_kind_and_weight_for_the_browser_to_draw():
    aex, gua, she = (
        airport("AEX", 31.3, -92.5, 10),
        airport("GUA", 14.6, -90.5, 8),
        airport("SHE", 41.6, 123.5, 2),
    )
    fig = charts.route_map(
        [
            {"from": aex, "to": gua, "n": 8, "kind": "removal"},
            {"from": aex, "to": she, "n": 1, "kind": "lateral"},
        ],
        [aex, gua, she],
    )
    # The arcs are drawn by static/js/charts.js from the routes; the figure's own trace is the
    # airports'.
    assert [t.type for t in fig.data] == ["scattergeo"]
    spec = json.loads(fig.to_json())["routes"]
    kinds = [k["name"] for k in spec["kinds"]]
    assert kinds[:2] == ["Removal", "Lateral / third-country removal"]
    assert spec["kinds"][0]["colour"] == charts.KIND_COLOURS["removal"]
    assert spec["kinds"][1]["hover"] == "lateral / third-country removal"
    # [from, to, legs, kind, weight]: the busy route thick and strong, the rare Shenyang one
    # faint but drawn, its end at Shenyang.
    assert spec["routes"] == [[0, 1, 8, 0, 3], [0, 2, 1, 1, 1]]
    assert spec["points"][2] == [41.6, 123.5]
    assert spec["codes"] == ["AEX", "GUA", "SHE"]
    assert spec["urls"][0] == "/airports/KAEX/"
    assert (spec["legs"], spec["name"]) == ("legs", "routes")
    airports = fig.data[-1]
    assert airports.customdata == ("/airports/KAEX/", "/airports/KGUA/", "/airports/KSHE/")
    assert airports.marker.size[0] == 21 and airports.marker.size[2] < airports.marker.size[1]
    # Opens on the Americas, with buttons for the Americas and the world.
    assert list(fig.layout.geo.lonaxis.range) == charts.AMERICAS["lon"]
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["Americas", "World"]


def test_route_map_describes_an_airport_once_however_many_routes_touch_it():
    aex, gua, she = airport("AEX", 31.3, -92.5), airport("GUA", 14.6, -90.5), airport("SHE", 1, 2)
    routes = [
        {"from": aex, "to": gua, "n": 4, "kind": "removal"},
        {"from": gua, "to": aex, "n": 2, "kind": "return"},
        {"from": aex, "to": she, "n": 1, "kind": "nonsense"},  # a kind the map has no colour for
    ]
    spec = json.loads(charts.route_map(routes, [aex, gua]).to_json())["routes"]
    assert spec["codes"] == ["AEX", "GUA"]
    assert [r[:3] for r in spec["routes"]] == [[0, 1, 4], [1, 0, 2]]


def test_flight_map_labels_each_stop_once_in_flying_order():
    iwa, anc, she = (
        airport("IWA", 33.3, -111.7),
        airport("ANC", 61.2, -150.0),
        airport("SHE", 41.6, 123.5),
    )
    fig = charts.flight_map([{"from": iwa, "to": anc}, {"from": anc, "to": she}])
    assert fig.data[1].text == ("IWA", "ANC", "SHE")
    assert fig.layout.geo.fitbounds == "locations"
    # Great-circle curves: 25 points per leg plus a gap between legs.
    assert len(fig.data[0].lat) == 2 * 26
    assert fig.data[0].lat[25] is None


def test_figures_ship_without_a_template_to_stay_small():
    fig = charts.monthly_counts([{"month": dt.date(2024, 1, 1), "n": 3}])
    assert json.loads(fig.to_json())["layout"]["template"] == {}
    assert len(fig.to_json()) < 2000


def test_a_figure_is_the_json_plotly_reads_with_dates_as_iso_strings():
    """Figures are plain dicts (flights.figure): magic underscores become nested properties,
    two-word property names stay whole, unset values are left out."""
    fig = charts.monthly_counts([{"month": dt.date(2024, 1, 1), "n": 3}])
    shipped = json.loads(fig.to_json())
    bar = shipped["data"][0]
    assert bar["type"] == "bar" and bar["y"] == [3]
    assert bar["x"] == ["2024-01-01"]
    assert shipped["layout"]["yaxis"]["title"]["text"] == "flights per month"
    assert shipped["layout"]["plot_bgcolor"] == "#ffffff"
    assert None not in bar.values()


def plotly_js() -> str:
    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()


def test_the_static_plotly_stylesheet_matches_the_installed_plotly():
    """Regenerate static/vendor/plotly-css/plotly.css as docs/dashboard.md says if this fails."""
    css = charts.plotly_css(plotly_js())
    assert ".js-plotly-plot .plotly .main-svg{position:absolute;top:0;left:0;" in css
    assert finders.find("vendor/plotly-css/plotly.css")
    assert Path(finders.find("vendor/plotly-css/plotly.css")).read_text() == css


def test_the_page_pre_empts_every_inline_style_plotly_would_inject():
    scripts = get_template("flights/dashboard/scripts.html").template.source
    injected = re.findall(r'document\.getElementById\("([0-9a-f]{64})"\)', plotly_js())
    assert injected, "plotly.min.js injects no hashed stylesheet any more"
    for style_id in set(injected):
        assert f'id="{style_id}"' in scripts
    assert 'id="plotly.js-style-global" class="no-inline-styles"' in scripts


def test_chart_json_escapes_script_endings_in_text_that_is_not_ascii():
    from flights.views.dashboard import escape_json

    text = '{"label":"Bogotá → </script><b>&amp;"}'
    assert escape_json(text) == (
        '{"label":"Bogotá → \\u003C/script\\u003E\\u003Cb\\u003E\\u0026amp;"}'
    )
